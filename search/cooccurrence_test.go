package search

import (
	"context"
	"errors"
	"testing"

	"newsdex/indexer/entity"
)

// entityFilter is a filter on one entity by type.
func entityFilter(f Filters, typ, name string) Filters {
	switch typ {
	case entity.Person:
		f.Persons = append(f.Persons, name)
	case entity.Org:
		f.Orgs = append(f.Orgs, name)
	case entity.Place:
		f.Places = append(f.Places, name)
	}
	return f
}

// TestCooccurrenceMatchesSearch checks every node's count against the
// search filtered by it, and every edge's against the search filtered by
// both (one as a filter, the other as the fixed restriction, since two
// values of one filter are ORed).
func TestCooccurrenceMatchesSearch(t *testing.T) {
	svc := newTestService(t, append(facetArticles(120), entityArticles...)...)
	tests := []struct {
		name string
		cr   CooccurrenceRequest
	}{
		{"everything", CooccurrenceRequest{Size: 50}},
		{"a query", CooccurrenceRequest{Request: Request{Query: "bank OR tax"}, Size: 10}},
		{"people and places from two outlets", CooccurrenceRequest{Request: Request{Filters: Filters{Sources: []string{"AP", "Reuters"}}}, Types: []string{"person", "place"}, Size: 8}},
		{"entity spellings", CooccurrenceRequest{Request: Request{Query: "rates OR cars OR wire"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nw, err := svc.Cooccurrence(context.Background(), tt.cr)
			if err != nil {
				t.Fatal(err)
			}
			if len(nw.Nodes) == 0 || len(nw.Edges) == 0 {
				t.Fatalf("network %+v has no nodes or edges", nw)
			}
			if tt.cr.Size > 0 && len(nw.Nodes) > tt.cr.Size {
				t.Errorf("%d nodes, size %d", len(nw.Nodes), tt.cr.Size)
			}
			if got := mustSearch(t, svc, tt.cr.Request).Total; nw.Total != got {
				t.Errorf("total %d, search %d", nw.Total, got)
			}
			byID := map[string]int{}
			for i, n := range nw.Nodes {
				byID[n.ID] = i
				if len(tt.cr.Types) > 0 && n.Type != tt.cr.Types[0] && n.Type != tt.cr.Types[len(tt.cr.Types)-1] {
					t.Errorf("node %s of a type not asked for", n.ID)
				}
				req := tt.cr.Request
				req.Filters = entityFilter(req.Filters, n.Type, n.Name)
				if got := mustSearch(t, svc, req).Total; uint64(n.Count) != got {
					t.Errorf("node %s count %d, search %d", n.ID, n.Count, got)
				}
				if i > 0 && n.Count > nw.Nodes[i-1].Count {
					t.Errorf("node %s (%d) after %s (%d)", n.ID, n.Count, nw.Nodes[i-1].ID, nw.Nodes[i-1].Count)
				}
			}
			edges := map[[2]int]int{}
			for _, e := range nw.Edges {
				a, b := nw.Nodes[byID[e.Source]], nw.Nodes[byID[e.Target]]
				req := tt.cr.Request
				req.Filters = entityFilter(req.Filters, a.Type, a.Name)
				req.Restrict = entityFilter(req.Restrict, b.Type, b.Name)
				if got := mustSearch(t, svc, req).Total; uint64(e.Count) != got {
					t.Errorf("edge %s–%s count %d, search %d", a.ID, b.ID, e.Count, got)
				}
				edges[[2]int{byID[e.Source], byID[e.Target]}] = e.Count
				// The same through With, as the web page asks for an edge's articles.
				with := tt.cr.Request
				with.With = []string{e.Source, e.Target}
				if got := mustSearch(t, svc, with).Total; uint64(e.Count) != got {
					t.Errorf("edge %s–%s count %d, search with both %d", a.ID, b.ID, e.Count, got)
				}
			}
			// Pairs without an edge are named together nowhere.
			for i := range nw.Nodes {
				for j := i + 1; j < len(nw.Nodes); j++ {
					if edges[[2]int{i, j}]+edges[[2]int{j, i}] > 0 {
						continue
					}
					a, b := nw.Nodes[i], nw.Nodes[j]
					req := tt.cr.Request
					req.Filters = entityFilter(req.Filters, a.Type, a.Name)
					req.Restrict = entityFilter(req.Restrict, b.Type, b.Name)
					if got := mustSearch(t, svc, req).Total; got != 0 {
						t.Errorf("no edge %s–%s, but search finds %d articles naming both", a.ID, b.ID, got)
					}
				}
			}
		})
	}
}

func TestCooccurrenceBadInput(t *testing.T) {
	svc := newTestService(t)
	for _, cr := range []CooccurrenceRequest{
		{Types: []string{"source"}},
		{Size: 201},
		{Size: -1},
		{Request: Request{Query: "a AND"}},
	} {
		if _, err := svc.Cooccurrence(context.Background(), cr); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Cooccurrence(%+v) error = %v, want ErrInvalidRequest", cr, err)
		}
	}
}
