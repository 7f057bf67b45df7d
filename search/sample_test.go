package search

import (
	"context"
	"errors"
	"slices"
	"testing"

	"newsdex/search/count"
)

// sampledIDs runs a sampled search of up to 100 hits and returns its ids.
func sampledIDs(t *testing.T, svc *Service, req Request) ([]string, *Result) {
	t.Helper()
	req.Size = 100
	res := mustSearch(t, svc, req)
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids, res
}

func TestSample(t *testing.T) {
	svc := newTestService(t, facetArticles(200)...)
	full := mustSearch(t, svc, Request{Query: "oil"}).Total
	if full < 150 {
		t.Fatalf("oil matches %d, want >= 150 for this test", full)
	}
	a, res := sampledIDs(t, svc, Request{Query: "oil", Sample: 30, Seed: 7})
	if len(a) != 30 || res.Total != 30 || res.SampleOf != full {
		t.Fatalf("sample of 30: %d hits, total %d, sample_of %d (matches %d)", len(a), res.Total, res.SampleOf, full)
	}
	b, _ := sampledIDs(t, svc, Request{Query: "oil", Sample: 30, Seed: 7, Sort: SortDate})
	if !slices.Equal(a, b) {
		t.Errorf("same seed, other sort: a different sample")
	}
	c, _ := sampledIDs(t, svc, Request{Query: "oil", Sample: 30, Seed: 8})
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 drew the same sample")
	}
	f, fres := sampledIDs(t, svc, Request{Query: "oil", Filters: Filters{Sources: []string{"AP"}}, Sample: 10, Seed: 1})
	for _, h := range fres.Hits {
		if h.Source != "AP" {
			t.Errorf("sampled hit %s from %q outside the filter", h.ID, h.Source)
		}
	}
	if len(f) != 10 {
		t.Errorf("filtered sample has %d hits", len(f))
	}
	// A sample as large as the matches is all of them.
	if _, res := sampledIDs(t, svc, Request{Query: "coffee", Sample: 5000}); res.Total != mustSearch(t, svc, Request{Query: "coffee"}).Total {
		t.Errorf("sample larger than the matches: total %d", res.Total)
	}
	// Paging within a sample with the cursor reaches every sampled hit once.
	var paged []string
	req := Request{Query: "oil", Sample: 30, Seed: 7, Size: 7}
	for {
		r := mustSearch(t, svc, req)
		for _, h := range r.Hits {
			paged = append(paged, h.ID)
		}
		if r.NextCursor == "" {
			break
		}
		req.Cursor = r.NextCursor
	}
	slices.Sort(paged)
	if !slices.Equal(paged, a) {
		t.Errorf("paged through the sample: %d hits, want the %d of one page", len(paged), len(a))
	}
}

// TestSampleUniform: over many seeds, every match is drawn about as often.
func TestSampleUniform(t *testing.T) {
	svc := newTestService(t, facetArticles(40)...)
	total := int(mustSearch(t, svc, Request{Query: "coffee"}).Total)
	seen := map[string]int{}
	const seeds, k = 300, 3
	for seed := range uint64(seeds) {
		ids, _ := sampledIDs(t, svc, Request{Query: "coffee", Sample: k, Seed: seed})
		for _, id := range ids {
			seen[id]++
		}
	}
	if len(seen) != total {
		t.Fatalf("%d of %d matches ever drawn", len(seen), total)
	}
	want := float64(seeds*k) / float64(total)
	for id, n := range seen {
		if float64(n) < want*0.5 || float64(n) > want*1.5 {
			t.Errorf("%s drawn %d times in %d samples, want about %.0f", id, n, seeds, want)
		}
	}
}

func TestSampleStratified(t *testing.T) {
	svc := newTestService(t, facetArticles(200)...)
	res := mustSearch(t, svc, Request{Query: "oil", Facets: []string{FacetSource}, FacetSize: 10})
	names := []string{}
	sizes := []int{}
	for _, fv := range res.Facets[FacetSource] {
		names = append(names, fv.Value)
	}
	slices.Sort(names)
	for _, n := range names {
		sizes = append(sizes, countOf(res, FacetSource, n))
	}
	if missing := int(res.Total) - sum(sizes); missing > 0 { // articles without an outlet form a stratum too
		names, sizes = append([]string{""}, names...), append([]int{missing}, sizes...)
	}
	want := count.Allocate(sizes, 21)
	_, sres := sampledIDs(t, svc, Request{Query: "oil", Sample: 21, Seed: 3, Stratify: FacetSource})
	got := map[string]int{}
	for _, h := range sres.Hits {
		got[h.Source]++
	}
	for i, n := range names {
		if got[n] != want[i] {
			t.Errorf("outlet %q: %d sampled, want %d (of %d)", n, got[n], want[i], sizes[i])
		}
	}
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

func TestSampleBadInput(t *testing.T) {
	svc := newTestService(t)
	for _, req := range []Request{
		{Sample: MaxSample + 1},
		{Sample: -1},
		{Sample: 5, Stratify: "person"},
		{Seed: 3},
		{Stratify: FacetSource},
	} {
		if _, err := svc.Search(context.Background(), req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Search(%+v) error = %v, want ErrInvalidRequest", req, err)
		}
	}
}
