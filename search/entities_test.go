package search

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"newsdex/indexer"
)

// entityArticles name one central bank in several spellings and fields,
// one article naming it twice.
var entityArticles = []indexer.Article{
	{ID: "e1", Title: "Rates", Body: "x", Organizations: []string{"Fed", "Federal Reserve Board"}},
	{ID: "e2", Title: "Rates", Body: "x", Organizations: []string{"FED"}},
	{ID: "e3", Title: "Rates", Body: "x", Organizations: []string{"Federal Reserve"}},
	{ID: "e4", Title: "Cars", Body: "x", Persons: []string{"Chrysler"}, Organizations: []string{"Chrysler Corp"}},
	{ID: "e5", Title: "Cars", Body: "x", Organizations: []string{"Chrysler Corp"}},
	{ID: "e6", Title: "Cars", Body: "x", Organizations: []string{"Chrysler Corp"}},
	{ID: "e7", Title: "Wire", Body: "x", Persons: []string{"Reuter"}, Organizations: []string{"Opec"}},
}

func countOf(res *Result, facet, value string) int {
	for _, fv := range res.Facets[facet] {
		if fv.Value == value {
			return fv.Count
		}
	}
	return 0
}

func TestEntityFacetsFiltersAndHits(t *testing.T) {
	svc := newTestService(t, entityArticles...)
	ctx := context.Background()
	res := mustSearch(t, svc, Request{Query: "rates OR cars OR wire", Facets: []string{FacetPerson, FacetOrg}, FacetSize: 50})
	// One bucket per entity; an article naming two spellings counts once.
	if got := countOf(res, FacetOrg, "Federal Reserve"); got != 3 {
		t.Errorf("Federal Reserve counted in %d articles, want 3; facets %v", got, res.Facets[FacetOrg])
	}
	for _, v := range []string{"Fed", "FED", "Federal Reserve Board"} {
		if got := countOf(res, FacetOrg, v); got != 0 {
			t.Errorf("%q is a bucket of its own (%d)", v, got)
		}
	}
	// The type is the archive's: Chrysler is an organisation.
	if got := countOf(res, FacetOrg, "Chrysler Corp"); got != 3 {
		t.Errorf("Chrysler Corp: %d, want 3; facets %v", got, res.Facets[FacetOrg])
	}
	if got := countOf(res, FacetPerson, "Chrysler"); got != 0 {
		t.Errorf("Chrysler is still a person bucket (%d)", got)
	}
	// A filter on any spelling means the entity.
	f := mustSearch(t, svc, Request{Filters: Filters{Orgs: []string{"Fed"}}})
	if f.Total != 3 {
		t.Errorf("org=Fed matched %d articles, want 3", f.Total)
	}
	// Hits list entities by their display names, once each.
	a, err := svc.Article(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Organizations, []string{"Federal Reserve"}) {
		t.Errorf("article e1 organisations = %q, want [Federal Reserve]", a.Organizations)
	}
	// Listing counts articles exactly.
	es, err := svc.Entities(ctx, EntityOrg, "fed", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 || es[0].Name != "Federal Reserve" || es[0].Count != 3 || len(es[0].Aliases) < 2 {
		t.Errorf("Entities(org, fed) = %+v", es)
	}
	if _, err := svc.Entities(ctx, "company", "", 5); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("bad type: err = %v, want ErrInvalidRequest", err)
	}
}

// Corrections take effect on the next search and survive reopening the
// index.
func TestEntityCorrectionsPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	idx, _, err := indexer.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	if _, err := ing.Ingest(context.Background(), articleSource(entityArticles)); err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(idx, Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := Request{Facets: []string{FacetPerson, FacetOrg}, FacetSize: 50}
	if got := countOf(mustSearch(t, svc, req), FacetPerson, "Reuter"); got != 1 {
		t.Fatalf("Reuter before blocking: %d", got)
	}
	if _, err := svc.BlockEntity(ctx, EntityPerson, "Reuter"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RenameEntity(ctx, EntityOrg, "Chrysler Corp", "Chrysler Corporation"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BlockEntity(ctx, EntityPerson, "Nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown entity: err = %v, want ErrNotFound", err)
	}
	check := func(svc *Service, when string) {
		res := mustSearch(t, svc, req)
		if got := countOf(res, FacetPerson, "Reuter"); got != 0 {
			t.Errorf("%s: blocked Reuter still counted (%d)", when, got)
		}
		if got := countOf(res, FacetOrg, "Chrysler Corporation"); got != 3 {
			t.Errorf("%s: renamed Chrysler Corporation = %d, want 3; facets %v", when, got, res.Facets[FacetOrg])
		}
		if f := mustSearch(t, svc, Request{Filters: Filters{Persons: []string{"Reuter"}}}); f.Total != 0 {
			t.Errorf("%s: a filter on a blocked entity matched %d", when, f.Total)
		}
	}
	check(svc, "at once")
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx, _, err = indexer.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	svc, err = NewService(idx, Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(svc, "after reopening")
}
