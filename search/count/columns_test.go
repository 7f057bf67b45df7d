package count

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

// articleSource feeds articles to the ingester as if parsed from a file.
func articleSource(as []indexer.Article) indexer.Source {
	return func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, a := range as {
			if err := emit(indexer.Record{File: "test", Line: i + 1, Article: a}); err != nil {
				return err
			}
		}
		return nil
	}
}

func testAliases(t testing.TB) *indexer.Aliases {
	t.Helper()
	src, err := os.ReadFile("../../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := indexer.ParseAliases(src)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// facetArticles have several values per entity field, some none, and
// dates over three years, so every column shape is exercised.
func facetArticles(n int) []indexer.Article {
	people := []string{"Ada Byron", "Kim Jong Un", "Angela Merkel", "Jo Song Gil", "Xi Jinping"}
	orgs := []string{"OPEC", "Bundesbank", "Federal Reserve"}
	places := []string{"Tokyo", "Seoul", "Bonn", "Italy"}
	start := time.Date(2018, 1, 1, 9, 0, 0, 0, time.UTC)
	var out []indexer.Article
	for i := range n {
		a := indexer.Article{
			ID:     fmt.Sprintf("f%04d", i),
			Title:  fmt.Sprintf("Market report %d", i),
			Body:   strings.Repeat("oil prices rose ", 1+i%3) + []string{"bank", "coffee", "tax"}[i%3],
			Source: []string{"Reuters", "AP", "AFP", "Daily Post"}[i%4],
		}
		for j := range i % 4 {
			a.Persons = append(a.Persons, people[(i+j)%len(people)])
		}
		if i%3 == 1 { // many distinct names: columns built from doc values
			a.Persons = append(a.Persons, fmt.Sprintf("Person %d", i))
		}
		if i%3 != 0 {
			a.Organizations = []string{orgs[i%len(orgs)]}
		}
		for j := range i % 3 {
			a.Places = append(a.Places, places[(i*7+j)%len(places)])
		}
		if i%9 != 4 {
			a.Published = start.AddDate(0, 0, i*5)
		}
		out = append(out, a)
	}
	return out
}

// countingFixture is an on-disk index written in several batches, then
// partly rewritten and partly deleted; check runs after each stage, so it
// sees several segments and deleted documents (the merger may fold them
// together later).
// One Cache follows the index through the stages, as a service's does.
func countingFixture(t *testing.T, check func(stage string, idx bleve.Index, c *Cache)) {
	t.Helper()
	idx, _, err := indexer.Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	svc := NewCache()
	// One lane: each batch is persisted before the next.
	ing := indexer.NewIngester(idx, indexer.IngestOptions{BatchDocs: 37, Workers: 1}, logger, testAliases(t), nil)
	arts := facetArticles(400)
	if _, err := ing.Ingest(context.Background(), articleSource(arts)); err != nil {
		t.Fatal(err)
	}
	check("ingested", idx, svc)
	for i := range arts[:50] {
		arts[i].Source = "The Telegraph"
		arts[i].Places = []string{"Rome"}
	}
	if _, err := ing.Ingest(context.Background(), articleSource(arts[:50])); err != nil {
		t.Fatal(err)
	}
	check("rewritten", idx, svc)
	b := idx.NewBatch()
	for i := 100; i < 130; i++ {
		b.Delete(arts[i].ID)
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	check("deleted", idx, svc)
}

type facetSummary struct {
	Total, Missing, Other int
	Terms                 string
}

// summarize is a facet result in comparable form. The histogram's days
// come in no particular order from the counter, so they are sorted.
func summarize(fr *bsearch.FacetResult) facetSummary {
	if fr == nil {
		return facetSummary{Terms: "<nil>"}
	}
	var terms []string
	for _, t := range fr.Terms.Terms() {
		terms = append(terms, fmt.Sprintf("%s=%d", t.Term, t.Count))
	}
	if fr.Field == indexer.FieldPublishedDay {
		slices.Sort(terms)
	}
	return facetSummary{Total: fr.Total, Missing: fr.Missing, Other: fr.Other, Terms: strings.Join(terms, ", ")}
}

func facetRequest(q string, size int) *bleve.SearchRequest {
	var bq bleve.SearchRequest
	if q == "" {
		bq = *bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), size, 0, false)
	} else {
		mq := bleve.NewMatchQuery(q)
		mq.SetField(indexer.FieldBody)
		bq = *bleve.NewSearchRequestOptions(mq, size, 0, false)
	}
	for _, f := range []string{indexer.FieldSource, indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces} {
		bq.AddFacet(f, bleve.NewFacetRequest(f, 3))
	}
	bq.AddFacet("days", bleve.NewFacetRequest(indexer.FieldPublishedDay, 100000))
	return &bq
}

// opaqueReader hides the scorch snapshot, so the counter takes its
// doc-values path, as on an index alias.
type opaqueReader struct{ index.IndexReader }

func TestDocValuesCountingEqualsColumns(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, _ *Cache) {
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		columns, docValues := countAll(t, r, NewCache()), countAll(t, opaqueReader{r}, NewCache())
		if diff := cmp.Diff(columns, docValues); diff != "" {
			t.Errorf("%s (-columns +doc values):\n%s", stage, diff)
		}
		if len(columns) != 5 {
			t.Errorf("%s: got %d facets, want 5", stage, len(columns))
		}
	})
}

// countAll counts the facets of every live document of r with c.
func countAll(t *testing.T, r index.IndexReader, c *Cache) map[string]facetSummary {
	t.Helper()
	breq := facetRequest("", 10)
	fc := c.Take(breq, nil, Hooks{})
	if err := fc.bind(r); err != nil {
		t.Fatal(err)
	}
	ids, err := r.DocIDReaderAll()
	if err != nil {
		t.Fatal(err)
	}
	defer ids.Close()
	n := uint64(0)
	for {
		id, err := ids.Next()
		if err != nil {
			t.Fatal(err)
		}
		if id == nil {
			break
		}
		fc.add(id)
		n++
	}
	res := &bleve.SearchResult{Total: n}
	if err := fc.Fill(res); err != nil {
		t.Fatal(err)
	}
	out := map[string]facetSummary{}
	for name, fr := range res.Facets {
		if name != "days" {
			out[name] = summarize(fr)
		}
	}
	var days []string
	for _, b := range fc.Histogram(res.Facets["days"], "day") {
		days = append(days, fmt.Sprintf("%s=%d", b.Key, b.Count))
	}
	out["days"] = facetSummary{Terms: strings.Join(days, ", ")}
	return out
}

// TestPipedCountingEqualsInPlace counts with the matches handed to a
// second goroutine in chunks small enough that several are in flight and
// the collector waits for the counter, and compares with counting in place.
func TestPipedCountingEqualsInPlace(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, _ *Cache) {
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		inPlace := NewCache()
		inPlace.chunk = -1
		want := countAll(t, r, inPlace)
		for _, chunk := range []int{1, 7, 4096} {
			piped := NewCache()
			piped.chunk = chunk
			if diff := cmp.Diff(want, countAll(t, r, piped)); diff != "" {
				t.Errorf("%s, chunks of %d (-in place +piped):\n%s", stage, chunk, diff)
			}
		}
	})
}

// TestPipedCountingCloses checks that a search abandoned part-way (a
// timeout) stops the counting goroutine: Close returns, and again.
func TestPipedCountingCloses(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, _ *Cache) {
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		c := NewCache()
		c.chunk = 3
		fc := c.Take(facetRequest("", 10), nil, Hooks{})
		if err := fc.bind(r); err != nil {
			t.Fatal(err)
		}
		if fc.pipe == nil {
			t.Fatalf("%s: counting is not piped", stage)
		}
		for d := range uint64(20) {
			fc.push(d)
		}
		done := make(chan struct{})
		go func() { fc.Close(); fc.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Close did not return", stage)
		}
		if fc.matched != 20 {
			t.Errorf("%s: counted %d matches, want 20", stage, fc.matched)
		}
		// A document number no segment has panics in the counting
		// goroutine: Fill reports it, and the process lives on.
		bad := c.Take(facetRequest("", 10), nil, Hooks{})
		if err := bad.bind(r); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			bad.push(1 << 40)
		}
		if err := bad.Fill(&bleve.SearchResult{Total: 5}); err == nil || !strings.Contains(err.Error(), "counting matches") {
			t.Errorf("%s: Fill after a panic while counting: %v, want a counting error", stage, err)
		}
	})
}

func TestTakeFacetsLeavesWhatItCannotCount(t *testing.T) {
	tests := []struct {
		name string
		req  func() *bleve.SearchRequest
		take bool
	}{
		{"counted fields", func() *bleve.SearchRequest { return facetRequest("oil", 10) }, true},
		{"no facets", func() *bleve.SearchRequest { return bleve.NewSearchRequest(bleve.NewMatchAllQuery()) }, false},
		{"other field", func() *bleve.SearchRequest {
			r := facetRequest("oil", 10)
			r.AddFacet("tags", bleve.NewFacetRequest(indexer.FieldTags, 5))
			return r
		}, false},
		{"regex filter", func() *bleve.SearchRequest {
			r := bleve.NewSearchRequest(bleve.NewMatchAllQuery())
			fr := bleve.NewFacetRequest(indexer.FieldSource, 5)
			fr.SetRegexFilter("^A")
			r.AddFacet("source", fr)
			return r
		}, false},
		{"score none may stop early", func() *bleve.SearchRequest {
			r := facetRequest("oil", 10)
			r.Score = bleve.ScoreNone
			return r
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			before := len(r.Facets)
			fc := NewCache().Take(r, nil, Hooks{})
			if (fc != nil) != tt.take {
				t.Fatalf("took = %v, want %v", fc != nil, tt.take)
			}
			if !tt.take && len(r.Facets) != before {
				t.Errorf("facets changed from %d to %d though not taken", before, len(r.Facets))
			}
		})
	}
}

// TestColumnBuildersAgree builds every counted field of every segment both
// from postings and from doc values and checks each document gets the same
// values.
func TestColumnBuildersAgree(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, _ *Cache) {
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		vals := NewCache().vals
		for _, ss := range r.(*scorch.IndexSnapshot).Segments() {
			seg := ss.Segment()
			dvs, ok := seg.(segment.DocValueVisitable)
			if !ok {
				t.Fatalf("segment %T has no doc values", seg)
			}
			for slot := range NumSlots {
				field := slotField(slot)
				dict, err := seg.Dictionary(field)
				if err != nil {
					t.Fatal(err)
				}
				fromPostings, err := buildColumnFromPostings(dict, seg.Count(), field, vals[slot])
				if err != nil {
					t.Fatal(err)
				}
				fromDocValues, err := buildColumnFromDocValues(dvs, seg.Count(), field, vals[slot])
				if err != nil {
					t.Fatal(err)
				}
				for d := range seg.Count() {
					p, v := columnValues(fromPostings, vals[slot], d), columnValues(fromDocValues, vals[slot], d)
					if diff := cmp.Diff(p, v); diff != "" {
						t.Fatalf("%s: segment %d field %s doc %d (-postings +doc values):\n%s", stage, ss.Id(), field, d, diff)
					}
				}
			}
		}
	})
}

func columnValues(c *column, v *values, d uint64) []string {
	terms := v.all()
	var out []string
	if c.single != nil {
		if c.single[d] != 0 {
			out = append(out, terms[c.single[d]-1])
		}
		return out
	}
	for _, id := range c.ids[c.start[d]:c.start[d+1]] {
		out = append(out, terms[id])
	}
	slices.Sort(out)
	return out
}

func TestWarmBuildsEverySegment(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, c *Cache) {
		// The merger may replace segments at any time: check on one
		// snapshot what Warm built for it.
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		snap := r.(*scorch.IndexSnapshot)
		if err := c.Warm(context.Background(), snap); err != nil {
			t.Fatal(err)
		}
		entries, _ := c.entries(snap)
		for i, sc := range entries {
			if sc.ids == nil || sc.cols[SlotSource] == nil {
				t.Errorf("%s: segment %d has no columns after warm", stage, i)
			}
		}
		// The newest snapshot drops the columns of merged-away segments.
		if n, want := len(c.segs), len(snap.Segments()); n != want {
			t.Errorf("%s: %d segments' columns kept, want the snapshot's %d", stage, n, want)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	countingFixture(t, func(stage string, idx bleve.Index, c *Cache) {
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := c.Warm(ctx, r.(*scorch.IndexSnapshot)); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Warm with a cancelled context = %v, want context.Canceled", stage, err)
		}
	})
}

// TestLineSized: capacities of whole cache lines, never below the length.
func TestLineSized(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, 8}, {1, 8}, {7, 8}, {8, 8}, {9, 16}, {12, 16}, {24, 24}, {25, 32}} {
		if got := lineSized(c.n); got != c.want {
			t.Errorf("lineSized(%d) = %d, want %d", c.n, got, c.want)
		}
		// A capacity of whole cache lines makes a slice's backing array
		// a multiple of 64 bytes, which the allocator places on line
		// boundaries.
		if b := make([]uint64, 0, lineSized(c.n)); cap(b)*8%64 != 0 || cap(b) < c.n {
			t.Errorf("lineSized(%d): capacity %d", c.n, cap(b))
		}
	}
}
