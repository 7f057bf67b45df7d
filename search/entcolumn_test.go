package search

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	gocmp "github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

// TestEntityFacetsEqualHitEntities checks the entity facets, counted from
// the segments' entity columns, against the entities of every matching
// article's stored names as the hits list them (blocked ones left out,
// each entity once, under the archive's type), through writes, rewrites
// and deletions.
func TestEntityFacetsEqualHitEntities(t *testing.T) {
	countingFixture(t, func(stage string, idx bleve.Index, svc *Service) {
		for _, source := range []string{"", "Reuters", "The Telegraph"} {
			t.Run(stage+"/source="+source, func(t *testing.T) {
				req := Request{Size: 10, FacetSize: 100, Facets: []string{FacetPerson, FacetOrg, FacetPlace}}
				var q query.Query = bleve.NewMatchAllQuery()
				if source != "" {
					req.Filters.Sources = []string{source}
					tq := bleve.NewTermQuery(source)
					tq.SetField(indexer.FieldSource)
					q = tq
				}
				got := mustSearch(t, svc, req)
				breq := bleve.NewSearchRequestOptions(q, 10000, 0, false)
				breq.Fields = []string{indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces}
				all, err := idx.SearchInContext(context.Background(), breq)
				if err != nil {
					t.Fatal(err)
				}
				if got.Total != all.Total || int(all.Total) != len(all.Hits) {
					t.Fatalf("total %d, want %d (%d hits read)", got.Total, all.Total, len(all.Hits))
				}
				counts := map[string]map[string]int{FacetPerson: {}, FacetOrg: {}, FacetPlace: {}}
				for _, h := range all.Hits {
					p, o, l := svc.entityNames(fieldStrings(h.Fields, indexer.FieldPersons),
						fieldStrings(h.Fields, indexer.FieldOrganizations), fieldStrings(h.Fields, indexer.FieldPlaces))
					for facet, names := range map[string][]string{FacetPerson: p, FacetOrg: o, FacetPlace: l} {
						for _, n := range names {
							counts[facet][n]++
						}
					}
				}
				for facet, byName := range counts {
					var want []FacetValue
					for name, n := range byName {
						want = append(want, FacetValue{Value: name, Count: n})
					}
					slices.SortFunc(want, func(a, b FacetValue) int {
						return cmp.Or(b.Count-a.Count, cmp.Compare(a.Value, b.Value))
					})
					want = want[:min(len(want), req.FacetSize)]
					if len(want) == 0 {
						want = []FacetValue{}
					}
					if diff := gocmp.Diff(want, got.Facets[facet]); diff != "" {
						t.Errorf("facet %s (-stored names +counted):\n%s", facet, diff)
					}
				}
				if source == "" && len(counts[FacetPerson]) < 2 {
					t.Errorf("only %d people: the fixture does not exercise the counting", len(counts[FacetPerson]))
				}
			})
		}
	})
}
