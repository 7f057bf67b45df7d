package opensearch

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"newsdex/indexer/entity"
	"newsdex/search/count"
)

// The request bodies of the analyses' counting, pinned: what the
// cluster is asked decides whether counts are exact (analytics.go).
func TestAnalyticsBodiesGolden(t *testing.T) {
	names := []entity.Name{
		{Type: entity.Person, Value: "Kim Jong Un", Docs: 5},
		{Type: entity.Person, Value: "Kim Jong-un", Docs: 2},
		{Type: entity.Person, Value: "Jo Song Gil", Docs: 3},
		{Type: entity.Place, Value: "Seoul", Docs: 4},
	}
	ar := &archive{table: entity.Resolve(names, entity.Evidence{}, nil, nil)}
	nodes := []count.Node{
		{ID: "person:Kim Jong Un", Type: entity.Person, Name: "Kim Jong Un", Count: 6},
		{ID: "place:Seoul", Type: entity.Place, Name: "Seoul", Count: 4},
		{ID: "person:Jo Song Gil", Type: entity.Person, Name: "Jo Song Gil", Count: 3},
	}
	after := json.RawMessage(`{"id":"reuters-10","source":"Reuters"}`)
	tests := []struct {
		name string
		body obj
	}{
		{"pairs", pairsAggs(ar, nodes)},
		{"with_term", withTermAggs([]string{"defector", "rice"})},
		{"names", namesAggs(ar, entity.Person, []string{"Kim Jong Un", "Jo Song Gil"})},
		{"matches_first_page", matchesBody(obj{"match_all": obj{}}, nil)},
		{"matches_next_page", matchesBody(obj{"term": obj{"source": "Reuters"}}, after)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(tt.body, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", "analytics", tt.name+".json"), append(got, '\n'))
		})
	}
}

// Every stored spelling of an entity is in its filter, so an article
// naming two spellings counts once; an entity the table does not know
// is its name; a blocked one matches nothing.
func TestEntityFilter(t *testing.T) {
	names := []entity.Name{
		{Type: entity.Person, Value: "Kim Jong Un", Docs: 5},
		{Type: entity.Person, Value: "Kim Jong-un", Docs: 2},
	}
	ar := &archive{table: entity.Resolve(names, entity.Evidence{}, nil, nil)}
	tests := []struct {
		name, typ, entity string
		want              string
	}{
		{"two spellings", entity.Person, "Kim Jong Un", `{"bool":{"minimum_should_match":1,"should":[{"terms":{"persons":["Kim Jong Un","Kim Jong-un"]}}]}}`},
		{"unknown", entity.Place, "Atlantis", `{"bool":{"minimum_should_match":1,"should":[{"terms":{"places":["Atlantis"]}}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(entityFilter(ar, tt.typ, tt.entity))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s\nwant %s", b, tt.want)
			}
		})
	}
	ar.table.Entities[ar.table.Find(entity.Person, "Kim Jong Un")].Blocked = true
	if b, _ := json.Marshal(entityFilter(ar, entity.Person, "Kim Jong Un")); string(b) != `{"match_none":{}}` {
		t.Errorf("blocked entity: got %s, want match_none", b)
	}
}
