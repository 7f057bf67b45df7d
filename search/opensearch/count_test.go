package opensearch

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/search"
	"newsdex/search/opensearch/ostest"
)

func TestReadTopTerms(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		size     int
		value    string
		lo, hi   int
		wantRest int
	}{
		{"every value returned", `{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":5},{"key":"b","doc_count":2}]}`,
			2, "a", 5, 5, 0},
		{"a value left out, one shard", `{"doc_count_error_upper_bound":0,"sum_other_doc_count":9,"buckets":[{"key":"a","doc_count":5},{"key":"b","doc_count":2}]}`,
			2, "z", 0, 2, 2},
		{"a value left out, shards cut short", `{"doc_count_error_upper_bound":3,"sum_other_doc_count":9,"buckets":[{"key":"a","doc_count":5,"doc_count_error_upper_bound":1},{"key":"b","doc_count":4}]}`,
			2, "z", 0, 7, 7},
		{"a returned value's own error", `{"doc_count_error_upper_bound":3,"sum_other_doc_count":9,"buckets":[{"key":"a","doc_count":5,"doc_count_error_upper_bound":1},{"key":"b","doc_count":4}]}`,
			2, "a", 5, 6, 7},
		{"fewer values than asked, yet some left out", `{"doc_count_error_upper_bound":2,"sum_other_doc_count":4,"buckets":[{"key":"a","doc_count":5}]}`,
			3, "z", 0, 2, 2},
		{"no more than every occurrence left out", `{"doc_count_error_upper_bound":8,"sum_other_doc_count":3,"buckets":[{"key":"a","doc_count":50},{"key":"b","doc_count":40}]}`,
			2, "z", 0, 3, 3},
		{"errors the cluster could not bound", `{"doc_count_error_upper_bound":-1,"sum_other_doc_count":6,"buckets":[{"key":"a","doc_count":50,"doc_count_error_upper_bound":-1},{"key":"b","doc_count":40}]}`,
			2, "a", 50, 56, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readTopTerms([]byte(tc.raw), tc.size)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := got.bounds(tc.value)
			if lo != tc.lo || hi != tc.hi || got.rest != tc.wantRest {
				t.Errorf("bounds(%q) = %d, %d, rest %d; want %d, %d, rest %d", tc.value, lo, hi, got.rest, tc.lo, tc.hi, tc.wantRest)
			}
		})
	}
	if _, err := readTopTerms([]byte(`{"buckets":"no"}`), 2); err == nil {
		t.Error("a malformed aggregation was read without an error")
	}
}

// spelled is an archive of entities with several spellings each (case,
// corporate suffixes, surnames), Zipf-distributed so that a few are in
// most articles and most in few, some articles naming two spellings of
// one entity.
func spelled(n int, seed uint64) []indexer.Article {
	r := rand.New(rand.NewPCG(seed, 3))
	pick := func(z *rand.Zipf, spell func(i, v int) string, k int) []string {
		var out []string
		for range k {
			i := int(z.Uint64())
			out = append(out, spell(i, r.IntN(3)))
		}
		return out
	}
	person := func(i, v int) string {
		return [...]string{fmt.Sprintf("Ada Quill%d", i), fmt.Sprintf("ADA QUILL%d", i), fmt.Sprintf("Quill%d", i)}[v]
	}
	org := func(i, v int) string {
		return [...]string{fmt.Sprintf("Borex%d Inc", i), fmt.Sprintf("BOREX%d", i), fmt.Sprintf("Borex%d Ltd", i)}[v]
	}
	place := func(i, v int) string {
		return [...]string{fmt.Sprintf("Vantor%d", i), fmt.Sprintf("VANTOR%d", i), fmt.Sprintf("Vantor%d", i)}[v]
	}
	zp, zo, zl := rand.NewZipf(r, 1.1, 2, 600), rand.NewZipf(r, 1.1, 2, 600), rand.NewZipf(r, 1.3, 2, 150)
	outlets := []string{"Herald", "Courier", "Gazette", "Tribune"}
	out := make([]indexer.Article, n)
	for i := range out {
		out[i] = indexer.Article{
			ID: fmt.Sprintf("sp-%d-%d", seed, i), Title: "report " + outlets[i%4], Body: "a report of the day",
			Source:    outlets[r.IntN(len(outlets))],
			Published: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(365*24)) * time.Hour),
			Persons:   pick(zp, person, 1+r.IntN(6)), Organizations: pick(zo, org, 1+r.IntN(5)), Places: pick(zl, place, 1+r.IntN(3)),
		}
	}
	return out
}

// Entity facets that want their first values only are counted from each
// entity field's top names and a filters aggregation of the entities
// that can reach them (topEntityCounts). Whatever the number of top
// names read, the facets are the exact ones: those counted in Go from
// the articles, and those from counting every name.
func TestTopEntityCountsExact(t *testing.T) {
	urls := ostest.URLs(t)
	ostest.Steady(t)
	ctx := t.Context()
	c, err := NewClient(Options{URLs: urls, Index: fmt.Sprintf("topents-%d", time.Now().UnixNano()), Shards: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DeleteIndex(context.Background()); err != nil {
			t.Errorf("delete index: %v", err)
		}
		c.Close()
	})
	if _, err := c.EnsureIndex(ctx); err != nil {
		t.Fatal(err)
	}
	arts := spelled(4000, 1)
	ingest(t, ctx, c, arts)
	lim := search.DefaultLimits()
	lim.Timeout = time.Minute
	svc, err := NewService(c, lim, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ar, err := svc.arch.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ps := ar.byNames(entity.Person); len(ps) == 0 || len(ar.table.Entities[ps[0]].Names) < 2 {
		t.Fatalf("the archive has no person with several spellings: the test proves nothing")
	}

	// In Go: each article's entities, each once, blocked ones left out.
	truth := func(keep func(indexer.Article) bool) map[string][]search.FacetValue {
		counts := map[string]map[string]int{}
		for _, a := range arts {
			if !keep(a) {
				continue
			}
			if counts[""] == nil {
				counts[""] = map[string]int{}
			}
			counts[""][a.Source]++ // facetType of the outlet facet is ""
			seen := map[string]bool{}
			for i, vs := range [][]string{a.Persons, a.Organizations, a.Places} {
				for _, v := range vs {
					e := ar.entityOf(entity.Types[i], v)
					if e.Blocked || seen[e.Type+"\x00"+e.Name] {
						continue
					}
					seen[e.Type+"\x00"+e.Name] = true
					if counts[e.Type] == nil {
						counts[e.Type] = map[string]int{}
					}
					counts[e.Type][e.Name]++
				}
			}
		}
		out := map[string][]search.FacetValue{}
		for _, f := range []string{search.FacetSource, search.FacetPerson, search.FacetOrg, search.FacetPlace} {
			vs := []search.FacetValue{}
			for name, n := range counts[facetType(f)] {
				vs = append(vs, search.FacetValue{Value: name, Count: n})
			}
			sortFacet(vs)
			out[f] = vs
		}
		return out
	}
	cut := func(all map[string][]search.FacetValue, size int) map[string][]search.FacetValue {
		out := map[string][]search.FacetValue{}
		for f, vs := range all {
			out[f] = vs[:min(size, len(vs))]
		}
		return out
	}
	queries := []struct {
		name string
		q    obj
		keep func(indexer.Article) bool
	}{
		{"every article", obj{"match_all": obj{}}, func(indexer.Article) bool { return true }},
		{"one outlet", obj{"term": obj{indexer.FieldSource: "Herald"}}, func(a indexer.Article) bool { return a.Source == "Herald" }},
	}
	for _, qc := range queries {
		want := truth(qc.keep)
		if len(want[search.FacetPerson]) < 100 {
			t.Fatalf("%s: %d people: too few for the top names to leave some out", qc.name, len(want[search.FacetPerson]))
		}
		// Counting every name (a prefix of "" with size -1) agrees with Go.
		need := map[string]facetNeed{}
		for _, f := range []string{search.FacetSource, search.FacetPerson, search.FacetOrg, search.FacetPlace} {
			need[f] = facetNeed{size: -1}
		}
		every, err := svc.facetCounts(ctx, qc.q, need, ar)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, every); diff != "" {
			t.Fatalf("%s, every name counted (-go +opensearch):\n%s", qc.name, diff)
		}
		delete(need, search.FacetSource)
		for _, topK := range []int{0, 3, 20, 60} {
			for _, size := range []int{1, 5, 25} {
				svc.topK = topK
				for _, f := range []string{search.FacetPerson, search.FacetOrg, search.FacetPlace} {
					need[f] = facetNeed{size: size}
				}
				// The outlets come in the same requests, whichever way
				// the entities are counted.
				need[search.FacetSource] = facetNeed{size: size}
				got, err := svc.facetCounts(ctx, qc.q, need, ar)
				if err != nil {
					t.Fatal(err)
				}
				delete(need, search.FacetSource)
				if diff := cmp.Diff(cut(want, size), got); diff != "" {
					t.Errorf("%s, %d top names, size %d (-go +opensearch):\n%s", qc.name, topK, size, diff)
				}
			}
		}
	}
	svc.topK = 0

	// Facet values under a prefix count the names of the entities whose
	// name starts with it.
	want := truth(queries[1].keep)
	for _, prefix := range []string{"ada quill1", "borex2", "v", "quill"} {
		for _, f := range []string{search.FacetPerson, search.FacetOrg, search.FacetPlace} {
			for _, size := range []int{1, 5, 25} {
				got, err := svc.facetCounts(ctx, queries[1].q, map[string]facetNeed{f: {size: size, prefix: prefix}}, ar)
				if err != nil {
					t.Fatal(err)
				}
				var w []search.FacetValue
				for _, v := range want[f] {
					if strings.HasPrefix(strings.ToLower(v.Value), prefix) && len(w) < size {
						w = append(w, v)
					}
				}
				if diff := cmp.Diff(w, got[f], cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s values under %q, size %d (-go +opensearch):\n%s", f, prefix, size, diff)
				}
			}
		}
	}

	// The entity list counts over the whole archive the same way.
	all := truth(queries[0].keep)
	for _, tc := range []struct {
		typ, prefix string
		size        int
	}{{"", "", 10}, {entity.Person, "", 25}, {entity.Org, "bor", 5}, {entity.Place, "vantor1", 3}} {
		got, err := svc.Entities(ctx, tc.typ, tc.prefix, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		var w []search.FacetValue
		for _, f := range []string{search.FacetPerson, search.FacetOrg, search.FacetPlace} {
			if tc.typ != "" && facetType(f) != tc.typ {
				continue
			}
			for _, v := range all[f] {
				if i := ar.table.Find(facetType(f), v.Value); i >= 0 && matchesPrefix(&ar.table.Entities[i], tc.prefix) {
					w = append(w, v)
				}
			}
		}
		sortFacet(w)
		w = w[:min(tc.size, len(w))]
		g := make([]search.FacetValue, len(got))
		for i, e := range got {
			g[i] = search.FacetValue{Value: e.Name, Count: e.Count}
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("entities %q %q, size %d (-go +opensearch):\n%s", tc.typ, tc.prefix, tc.size, diff)
		}
	}
	recounts, fallbacks := svc.counted.recounts.Load(), svc.counted.fallbacks.Load()
	t.Logf("%d facet requests counted entities again with a filters aggregation, %d counted every name", recounts, fallbacks)
	if recounts == 0 || fallbacks == 0 {
		t.Errorf("both ways of counting should have been taken: %d recounts, %d fallbacks", recounts, fallbacks)
	}
}
