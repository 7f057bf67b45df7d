package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"newsdex/search"
)

// analyst is what the analytics parity asks both backends.
type analyst interface {
	Timeline(ctx context.Context, tr search.TimelineRequest) (*search.Timeline, error)
	Cooccurrence(ctx context.Context, cr search.CooccurrenceRequest) (*search.Network, error)
	Significant(ctx context.Context, sr search.SignificantRequest) (*search.Significant, error)
}

// analyticsCase is one analysis request; run asks one backend.
type analyticsCase struct {
	name string
	run  func(ctx context.Context, a analyst) (any, error)
}

func parityDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// noTook compares everything but the time taken.
var noTook = cmp.Options{
	cmpopts.IgnoreFields(search.Timeline{}, "TookMS"),
	cmpopts.IgnoreFields(search.Network{}, "TookMS"),
	cmpopts.IgnoreFields(search.Significant{}, "TookMS"),
	cmpopts.IgnoreFields(search.Result{}, "TookMS"),
	cmpopts.EquateEmpty(),
}

// analyticsCases are the timeline, co-occurrence and significance
// requests of the parity suite: several queries, intervals, the outlet
// split, filters and dedup. top is a faceted search of everything, for
// filter values that exist in the corpus.
func analyticsCases(top *search.Result) []analyticsCase {
	first := func(facet string) string {
		if vs := top.Facets[facet]; len(vs) > 0 {
			return vs[0].Value
		}
		return "none"
	}
	timeline := func(tr search.TimelineRequest) func(context.Context, analyst) (any, error) {
		return func(ctx context.Context, a analyst) (any, error) { return a.Timeline(ctx, tr) }
	}
	network := func(cr search.CooccurrenceRequest) func(context.Context, analyst) (any, error) {
		return func(ctx context.Context, a analyst) (any, error) { return a.Cooccurrence(ctx, cr) }
	}
	significant := func(sr search.SignificantRequest) func(context.Context, analyst) (any, error) {
		return func(ctx context.Context, a analyst) (any, error) { return a.Significant(ctx, sr) }
	}
	return []analyticsCase{
		{"timeline everything by month", timeline(search.TimelineRequest{})},
		{"timeline queries by week", timeline(search.TimelineRequest{Queries: []string{"oil", "north korea", `"interest rates"`, "defect*"}, Interval: "week"})},
		{"timeline by day with a date filter", timeline(search.TimelineRequest{Queries: []string{"president OR government"}, Interval: "day",
			Request: search.Request{Filters: search.Filters{FromDate: parityDate(1987, 3, 5), ToDate: parityDate(2019, 1, 31)}}})},
		{"timeline by year split by outlet", timeline(search.TimelineRequest{Queries: []string{"said"}, Interval: "year", Split: search.SplitSource, Size: 3})},
		{"timeline with an outlet filter and dedup", timeline(search.TimelineRequest{Queries: []string{"", "korea OR oil"},
			Request: search.Request{Filters: search.Filters{Sources: []string{first(search.FacetSource)}}, Dedup: true}})},
		{"timeline with an entity filter", timeline(search.TimelineRequest{Request: search.Request{Filters: search.Filters{Places: []string{first(search.FacetPlace)}}}})},
		{"network of everything", network(search.CooccurrenceRequest{})},
		{"network of people and places, 5 nodes", network(search.CooccurrenceRequest{Types: []string{"person", "place"}, Size: 5})},
		{"network of a query with an outlet filter", network(search.CooccurrenceRequest{Size: 50,
			Request: search.Request{Query: "korea OR oil", Filters: search.Filters{Sources: []string{first(search.FacetSource)}}}})},
		{"network with dedup", network(search.CooccurrenceRequest{Types: []string{"org", "place"}, Request: search.Request{Dedup: true}})},
		{"significant people", significant(search.SignificantRequest{Field: "person", Request: search.Request{Query: "korea OR oil"}})},
		{"significant places against a background", significant(search.SignificantRequest{Field: "place", Size: 5, Background: "said",
			Request: search.Request{Query: "ambassador OR president"}})},
		{"significant terms", significant(search.SignificantRequest{Field: "terms", Request: search.Request{Query: "oil OR defector"}})},
		{"significant terms of an outlet against a background", significant(search.SignificantRequest{Field: "terms", Size: 30, Background: "said OR korea",
			Request: search.Request{Filters: search.Filters{Sources: []string{first(search.FacetSource)}}}})},
		{"significant terms with dedup", significant(search.SignificantRequest{Field: "terms", Request: search.Request{Query: "north", Dedup: true}})},
		{"bad interval", timeline(search.TimelineRequest{Interval: "fortnight"})},
		{"bad split size", timeline(search.TimelineRequest{Split: search.SplitSource, Size: 99})},
		{"bad query", network(search.CooccurrenceRequest{Request: search.Request{Query: `"unclosed`}})},
		{"bad type", network(search.CooccurrenceRequest{Types: []string{"planet"}})},
		{"bad field", significant(search.SignificantRequest{Field: "colour"})},
		{"bad size", significant(search.SignificantRequest{Field: "terms", Size: 100000})},
	}
}

// parityAnalytics runs the analyses and sampled searches against both
// backends and compares everything but took_ms exactly: the counts are
// exact on both, and the samples (significant terms' and sample=) are
// drawn by the same code from the same matches, so they are the same
// articles. A request one backend refuses the other must refuse too.
// With groups false, requests with dedup are left out: near-duplicate
// chains may be grouped differently on a large archive (dedupCase).
func parityAnalytics(t *testing.T, bl, osr reader, top *search.Result, groups bool) {
	ctx := t.Context()
	ba, ok1 := bl.(analyst)
	oa, ok2 := osr.(analyst)
	if !ok1 || !ok2 {
		t.Fatalf("a backend has no analyses: bleve %T, opensearch %T", bl, osr)
	}
	for _, tc := range analyticsCases(top) {
		if !groups && strings.Contains(tc.name, "dedup") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			want, werr := tc.run(ctx, ba)
			got, gerr := tc.run(ctx, oa)
			if werr != nil || gerr != nil {
				if !errors.Is(werr, search.ErrInvalidRequest) || !errors.Is(gerr, search.ErrInvalidRequest) {
					t.Fatalf("bleve: %v; opensearch: %v", werr, gerr)
				}
				if werr.Error() != gerr.Error() {
					t.Errorf("error: bleve %q, opensearch %q", werr, gerr)
				}
				return
			}
			if diff := cmp.Diff(want, got, noTook); diff != "" {
				t.Errorf("(-bleve +opensearch):\n%s", diff)
			}
			if sig, ok := got.(*search.Significant); ok && sig.Field == "terms" && sig.ForegroundTotal >= 2 &&
				sig.ForegroundTotal < sig.BackgroundTotal && len(sig.Items) == 0 {
				t.Errorf("no significant terms among %d matches", sig.ForegroundTotal)
			}
		})
	}
	// Sampled searches: the same articles for the same seed, with their
	// facets and histogram, and the same export.
	samples := []struct {
		name string
		req  search.Request
	}{
		{"sample", search.Request{Sample: 5, Seed: 1, Sort: search.SortDate}},
		{"sample other seed", search.Request{Sample: 5, Seed: 2, Sort: search.SortDate}},
		{"sample of a query", search.Request{Query: "said OR korea", Sample: 50, Seed: 42, Sort: search.SortDateDesc, Size: 50}},
		{"sample stratified", search.Request{Sample: 40, Seed: 7, Stratify: search.FacetSource, Sort: search.SortDate, Size: 40}},
		{"sample with dedup", search.Request{Query: "korea", Sample: 3, Seed: 9, Dedup: true, Sort: search.SortDate}},
		{"sample larger than the matches", search.Request{Query: "ambassador", Sample: 10000, Seed: 3, Sort: search.SortDate, Size: 100}},
	}
	for _, tc := range samples {
		if !groups && tc.req.Dedup {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Facets = []string{search.FacetSource}
			req.Histogram = "month"
			want, err := bl.Search(ctx, req)
			if err != nil {
				t.Fatalf("bleve: %v", err)
			}
			got, err := osr.Search(ctx, req)
			if err != nil {
				t.Fatalf("opensearch: %v", err)
			}
			if want.SampleOf == 0 && want.Total > 0 {
				t.Errorf("bleve: no sample_of with %d matches", want.Total)
			}
			want.Hits, got.Hits = hitsOf(want.Hits, false), hitsOf(got.Hits, false)
			if !groups { // a hit's copies may differ with the groups
				for _, hs := range [][]search.Hit{want.Hits, got.Hits} {
					for i := range hs {
						hs[i].Group, hs[i].Copies = "", 0
					}
				}
			}
			want.NextCursor, got.NextCursor = "", "" // each backend's own
			if diff := cmp.Diff(want, got, noTook); diff != "" {
				t.Errorf("(-bleve +opensearch):\n%s", diff)
			}
			ex := tc.req
			var wantIDs, gotIDs []string
			for _, side := range []struct {
				r   reader
				ids *[]string
			}{{bl, &wantIDs}, {osr, &gotIDs}} {
				if _, err := side.r.Export(ctx, ex, func(_ uint64, h search.Hit) error {
					*side.ids = append(*side.ids, h.ID)
					return nil
				}); err != nil {
					t.Fatalf("export: %v", err)
				}
			}
			if diff := cmp.Diff(wantIDs, gotIDs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("export ids (-bleve +opensearch):\n%s", diff)
			}
			if n := min(tc.req.Sample, int(want.SampleOf)); len(wantIDs) != n {
				t.Errorf("export: %d articles, want the sample's %d", len(wantIDs), n)
			}
		})
	}
}

// copiesCorpus writes a small archive of near-duplicate stories into
// dir: each story in several outlets on different days, one copy with a
// word the others lack, so that a filter or a query can leave out a
// story's earliest copy and dedup must keep the copy that matches (as
// count.Dedup chooses among the matches).
func copiesCorpus(t *testing.T, dir string) string {
	t.Helper()
	words := strings.Fields(`the council said residents port workers harbour strike wages union
		talks minister election recount ballots district river flood rescue boats village
		families shelter water rose overnight officials expect more rain week police
		volunteers road bridge closed schools open market prices trade deal signed`)
	rng := rand.New(rand.NewPCG(18, 18))
	text := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[rng.IntN(len(words))]
		}
		return out
	}
	type edition struct {
		source, date string
		extra        string // a word only this copy has, replacing its tenth
	}
	stories := []struct {
		title  string
		people []string
		places []string
		copies []edition
	}{
		{"Harbour strike spreads", []string{"Ann Lee", "Bo Chan"}, []string{"Riverton"},
			[]edition{{"Alpha", "2020-01-05", ""}, {"Beta", "2020-01-06", "exclusive"}, {"Gamma", "2020-02-01", ""}}},
		{"Election recount ordered", []string{"Ann Lee", "Cy Dorn"}, []string{"Lakeside"},
			[]edition{{"Beta", "2020-01-10", ""}, {"Alpha", "2020-01-12", "exclusive"}}},
		{"Flood rescue at night", []string{"Bo Chan", "Cy Dorn"}, []string{"Riverton", "Lakeside"},
			[]edition{{"Gamma", "2020-03-01", ""}, {"Alpha", "2020-03-02", ""}, {"Beta", "2020-03-05", "exclusive"}}},
		{"Trade deal signed", []string{"Dee Ray"}, []string{"Lakeside"}, []edition{{"Alpha", "2020-02-14", ""}}},
		{"Bridge closed for repairs", []string{"Ann Lee"}, []string{"Riverton"}, []edition{{"Beta", "2020-02-20", ""}}},
		{"Market prices rise", []string{"Dee Ray", "Bo Chan"}, nil, []edition{{"Gamma", "2020-04-02", ""}}},
	}
	var b strings.Builder
	n := 0
	for _, st := range stories {
		body := text(90)
		for _, c := range st.copies {
			w := slices.Clone(body)
			if c.extra != "" {
				w[10] = c.extra
			}
			n++
			line, err := json.Marshal(map[string]any{"id": fmt.Sprintf("copy-%02d", n), "title": st.title, "body": strings.Join(w, " ") + ".",
				"source": c.source, "published": c.date, "persons": st.people, "places": st.places})
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
	}
	p := filepath.Join(dir, "copies.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Dedup on both backends keeps, of each story, the earliest copy among
// the matches: with the earliest copies filtered out or not matching,
// the later copy that matches stays.
func TestOpenSearchParityCopies(t *testing.T) {
	bl, osr := parityBackends(t, []string{"--no-entities"}, copiesCorpus(t, t.TempDir()))
	ctx := t.Context()
	top, err := bl.Search(ctx, search.Request{Facets: []string{"source", "person", "org", "place"}, Size: 20})
	if err != nil {
		t.Fatal(err)
	}
	grouped := 0
	for _, h := range top.Hits {
		if h.Copies > 1 {
			grouped++
		}
	}
	if grouped != 8 {
		t.Fatalf("bleve grouped %d articles as copies, want the 8 of the corpus", grouped)
	}
	beta := search.Filters{Sources: []string{"Beta"}}
	compareBackends(t, bl, osr, []parityCase{
		{"dedup", search.Request{Dedup: true, Sort: search.SortDate}},
		{"dedup within a later outlet", search.Request{Dedup: true, Filters: beta, Sort: search.SortDate}},
		{"dedup of a word only later copies have", search.Request{Query: "exclusive", Dedup: true, Sort: search.SortDate}},
	}, true)
	// Beta's copies of the first and third stories are later than
	// others, yet they are the earliest within Beta: dedup keeps them.
	res, err := osr.Search(ctx, search.Request{Dedup: true, Filters: beta})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 4 {
		t.Errorf("opensearch: %d of Beta's 4 articles with dedup, want all", res.Total)
	}
	parityAnalytics(t, bl, osr, top, true)
}

// TestOpenSearchAnalyticsLatency measures each analysis on both backends
// over Reuters-21578 with its entities, alternating backends within each
// round and asking each round a different word (so neither backend
// answers from a cache), and logs the medians and their ratio
// (BENCHMARKS.md). It runs only with NEWSDEX_ANALYTICS_LATENCY=1.
func TestOpenSearchAnalyticsLatency(t *testing.T) {
	if os.Getenv("NEWSDEX_ANALYTICS_LATENCY") == "" {
		t.Skip("set NEWSDEX_ANALYTICS_LATENCY=1 to measure")
	}
	reuters := filepath.Join("..", "..", "..", "shared", "data", "reuters21578.jsonl")
	if _, err := os.Stat(reuters); err != nil {
		t.Skipf("Reuters-21578 not found: %v", err)
	}
	bl, osr := parityBackends(t, nil, reuters)
	ctx := t.Context()
	words := []string{"oil", "trade", "bank", "dollar", "grain", "coffee", "gold", "wheat", "profit"}
	cases := []struct {
		name string
		run  func(r reader, w string, seed uint64) error
	}{
		{"timeline (one query, by month)", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Timeline(ctx, search.TimelineRequest{Queries: []string{w}})
			return err
		}},
		{"timeline (three queries, by week)", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Timeline(ctx, search.TimelineRequest{Queries: []string{w, w + " OR price", "NOT " + w}, Interval: "week"})
			return err
		}},
		{"co-occurrence (20 nodes)", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Cooccurrence(ctx, search.CooccurrenceRequest{Request: search.Request{Query: w}})
			return err
		}},
		{"co-occurrence (everything, 100 nodes)", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Cooccurrence(ctx, search.CooccurrenceRequest{Request: search.Request{Query: "NOT " + w}, Size: 100})
			return err
		}},
		{"significant people", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Significant(ctx, search.SignificantRequest{Field: "person", Request: search.Request{Query: w}})
			return err
		}},
		{"significant places", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Significant(ctx, search.SignificantRequest{Field: "place", Request: search.Request{Query: w}})
			return err
		}},
		{"significant terms", func(r reader, w string, _ uint64) error {
			_, err := r.(analyst).Significant(ctx, search.SignificantRequest{Field: "terms", Request: search.Request{Query: w}})
			return err
		}},
		{"sampled search (100 of the matches)", func(r reader, w string, seed uint64) error {
			_, err := r.Search(ctx, search.Request{Query: "NOT " + w, Sample: 100, Seed: seed})
			return err
		}},
		{"sampled search, stratified", func(r reader, w string, seed uint64) error {
			_, err := r.Search(ctx, search.Request{Query: "NOT " + w, Sample: 100, Seed: seed, Stratify: search.FacetSource})
			return err
		}},
	}
	median := func(ds []time.Duration) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	for _, tc := range cases {
		var bt, ot []time.Duration
		for i, w := range words {
			for j, r := range []reader{bl, osr} {
				if i%2 == 1 {
					r = []reader{osr, bl}[j] // alternate which goes first
				}
				start := time.Now()
				if err := tc.run(r, w, uint64(i+1)); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if r == bl {
					bt = append(bt, time.Since(start))
				} else {
					ot = append(ot, time.Since(start))
				}
			}
		}
		b, o := median(bt), median(ot)
		t.Logf("| %s | %.0f ms | %.0f ms | %.2f |", tc.name, b.Seconds()*1000, o.Seconds()*1000, o.Seconds()/b.Seconds())
	}
}
