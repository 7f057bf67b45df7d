package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search/count"
)

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
func countingFixture(t *testing.T, check func(stage string, idx bleve.Index, svc *Service)) {
	t.Helper()
	idx, _, err := indexer.Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	svc, err := NewService(idx, Limits{ResultCache: -1}, logger, testAliases(t))
	if err != nil {
		t.Fatal(err)
	}
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

// TestCountedFacetsEqualBleve checks the counter against Bleve's own facet
// builder on the same index: every facet's terms, total, missing, other.
func TestCountedFacetsEqualBleve(t *testing.T) {
	maxSegments := 0
	countingFixture(t, func(stage string, idx bleve.Index, svc *Service) {
		maxSegments = max(maxSegments, strings.Count(indexVersion(idx), " "))
		for _, q := range []string{"", "oil", "coffee", "bank", "nothingmatches"} {
			t.Run(stage+"/q="+q, func(t *testing.T) {
				want, err := idx.Search(facetRequest(q, 10))
				if err != nil {
					t.Fatal(err)
				}
				breq := facetRequest(q, 10)
				got, counted, err := svc.runCounted(context.Background(), breq)
				if err != nil {
					t.Fatal(err)
				}
				if counted == nil {
					t.Fatal("runCounted did not count")
				}
				if len(breq.Facets) != 5 {
					t.Errorf("runCounted left %d facet requests, want the 5 it was given", len(breq.Facets))
				}
				if got.Total != want.Total {
					t.Errorf("total %d, want %d", got.Total, want.Total)
				}
				for name := range want.Facets {
					if name == "days" {
						continue // read through histogram, below
					}
					if diff := cmp.Diff(summarize(want.Facets[name]), summarize(got.Facets[name])); diff != "" {
						t.Errorf("facet %s (-bleve +counted):\n%s", name, diff)
					}
				}
				for _, interval := range count.Intervals {
					if diff := cmp.Diff(count.Histogram(want.Facets["days"], interval), counted.Histogram(got.Facets["days"], interval)); diff != "" {
						t.Errorf("histogram by %s (-bleve +counted):\n%s", interval, diff)
					}
				}
			})
		}
	})
	if maxSegments < 2 {
		t.Errorf("the index never had more than %d segments: the multi-segment case went untested", maxSegments)
	}
}

// TestServiceSearchUsesCountsAndCacheFollowsWrites checks the UI search end
// to end: counts match Bleve's, a repeated search is served from the cache
// unchanged, and a write is visible at once.
func TestServiceSearchUsesCountsAndCacheFollowsWrites(t *testing.T) {
	idx, _, err := indexer.Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{BatchDocs: 50}, logger, testAliases(t), nil)
	arts := facetArticles(200)
	if _, err := ing.Ingest(context.Background(), articleSource(arts)); err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(idx, Limits{}, logger, testAliases(t))
	if err != nil {
		t.Fatal(err)
	}
	req := uiRequest("oil")
	first, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, a := range arts {
		want[a.Source]++
	}
	got := map[string]int{}
	for _, v := range first.Facets[FacetSource] {
		got[v.Value] = v.Count
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("source counts (-want +got):\n%s", diff)
	}
	again, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again, cmpIgnoreTook); diff != "" {
		t.Errorf("repeated search differs (-first +again):\n%s", diff)
	}
	// A write changes the index version: the next search sees it.
	extra := facetArticles(1)[0]
	extra.ID, extra.Source = "new-one", "Brand New Wire"
	if _, err := ing.Ingest(context.Background(), articleSource([]indexer.Article{extra})); err != nil {
		t.Fatal(err)
	}
	after, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != first.Total+1 {
		t.Errorf("after a write: total %d, want %d", after.Total, first.Total+1)
	}
	found := false
	for _, v := range after.Facets[FacetSource] {
		found = found || v.Value == "Brand New Wire"
	}
	if !found {
		t.Errorf("after a write: source facet %v lacks the new outlet", after.Facets[FacetSource])
	}
	// And a deletion too.
	if err := idx.Delete("new-one"); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Search(context.Background(), req); err != nil || res.Total != first.Total {
		t.Errorf("after a delete: total %v (err %v), want %d", res.Total, err, first.Total)
	}
}

var cmpIgnoreTook = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".TookMS" }, cmp.Ignore())

func TestResultCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newResultCache(2)
	c.put("a", &Result{Total: 1})
	c.put("b", &Result{Total: 2})
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", &Result{Total: 3}) // evicts b
	for _, tt := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		if _, ok := c.get(tt.key); ok != tt.want {
			t.Errorf("get(%q) found = %v, want %v", tt.key, ok, tt.want)
		}
	}
	off := newResultCache(-1)
	off.put("a", &Result{})
	if _, ok := off.get("a"); ok {
		t.Error("a disabled cache returned a result")
	}
}

func TestResultKey(t *testing.T) {
	base := uiRequest("oil")
	k1, ok1 := resultKey("v1", base)
	k2, _ := resultKey("v2", base)
	other := base
	other.Filters.Sources = []string{"AP"}
	k3, _ := resultKey("v1", other)
	if !ok1 || k1 == k2 || k1 == k3 {
		t.Errorf("keys must differ by version and request: %q %q %q", k1, k2, k3)
	}
	for _, tt := range []struct {
		name    string
		version string
		mod     func(*Request)
	}{
		{"no version", "", func(*Request) {}},
		{"cursor page", "v", func(r *Request) { r.Cursor = "x" }},
		{"full text", "v", func(r *Request) { r.FullText = true }},
		{"export page", "v", func(r *Request) { r.Size = ExportPageSize }},
	} {
		r := base
		tt.mod(&r)
		if _, ok := resultKey(tt.version, r); ok {
			t.Errorf("%s: cacheable, want not", tt.name)
		}
	}
}

// TestIDSortEqualsBleve checks the column-backed id tie-break against
// Bleve's SortDocID: same hits in the same order, from the first page and
// from a search-after cursor, ascending and descending.
func TestIDSortEqualsBleve(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, svc *Service) {
		for _, q := range []string{"", "oil", "bank"} {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/q=%s/desc=%v", stage, q, desc), func(t *testing.T) {
					req := func() *bleve.SearchRequest {
						r := facetRequest(q, 40)
						r.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{Desc: desc}})
						return r
					}
					want, err := idx.Search(req())
					if err != nil {
						t.Fatal(err)
					}
					got, _, err := svc.runCounted(context.Background(), req())
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(hitIDs(want), hitIDs(got)); diff != "" {
						t.Errorf("first page (-bleve +columns):\n%s", diff)
					}
					if len(want.Hits) < 20 {
						return
					}
					cursor := want.Hits[19].DecodedSort
					after := func() *bleve.SearchRequest {
						r := req()
						r.SetSearchAfter(cursor)
						return r
					}
					want, err = idx.Search(after())
					if err != nil {
						t.Fatal(err)
					}
					got, _, err = svc.runCounted(context.Background(), after())
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(hitIDs(want), hitIDs(got)); diff != "" {
						t.Errorf("after a cursor (-bleve +columns):\n%s", diff)
					}
				})
			}
		}
	})
}

func hitIDs(res *bleve.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

// TestAliasOfTwoIndexesSearchesWithoutTheHook checks that a service over an
// alias of two indexes, which Bleve searches concurrently, leaves the
// facets and sort to Bleve and still answers.
func TestAliasOfTwoIndexesSearchesWithoutTheHook(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	arts := facetArticles(60)
	var shards []bleve.Index
	for i := range 2 {
		idx, err := indexer.NewMemIndex()
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, testAliases(t), nil)
		if _, err := ing.Ingest(context.Background(), articleSource(arts[i*30:(i+1)*30])); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, idx)
	}
	alias := bleve.NewIndexAlias(shards...)
	if err := alias.SetIndexMapping(indexer.NewMapping()); err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(alias, Limits{}, logger, testAliases(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(context.Background(), uiRequest("oil"))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, v := range res.Facets[FacetSource] {
		sum += v.Count
	}
	if res.Total != 60 || sum != 60 || len(res.Hits) != 10 {
		t.Errorf("total %d, source counts summing to %d, %d hits; want 60, 60, 10", res.Total, sum, len(res.Hits))
	}
}

func TestWarmStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	countingFixture(t, func(stage string, _ bleve.Index, svc *Service) {
		if err := svc.Warm(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Warm with a cancelled context = %v, want context.Canceled", stage, err)
		}
	})
}
