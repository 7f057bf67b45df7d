package search

import (
	"testing"

	"newsdex/indexer"
)

// TestFeedbackFindsRelatedWords: a natural query for "glacier" also finds
// the article that says only "ice sheet", because the top glacier
// articles keep mentioning ice sheets; the query language does not.
func TestFeedbackFindsRelatedWords(t *testing.T) {
	svc := newMemService(t, Limits{},
		indexer.Article{ID: "g1", Title: "Glacier retreat", Body: "The glacier and the ice sheet are melting faster."},
		indexer.Article{ID: "g2", Title: "Alpine glacier", Body: "Each glacier feeds the ice sheet below it."},
		indexer.Article{ID: "g3", Title: "Glacier tours", Body: "Tourists visit the glacier and the ice sheet edge."},
		indexer.Article{ID: "ice", Title: "Polar survey", Body: "The ice sheet lost mass again this summer."},
		indexer.Article{ID: "off", Title: "Football", Body: "The match ended in a draw."},
	)
	ids := func(mode string) []string {
		var out []string
		for _, h := range mustSearch(t, svc, Request{Query: "glacier", Mode: mode}).Hits {
			out = append(out, h.ID)
		}
		return out
	}
	if got := ids(""); len(got) != 3 {
		t.Errorf("query language: %v, want the three glacier articles", got)
	}
	got := ids(ModeNatural)
	if len(got) != 4 || got[3] != "ice" {
		t.Errorf("natural: %v, want the glacier articles, then ice", got)
	}
}

// TestFeedbackIsDeterministic: paging re-runs the feedback, so it must
// give the same expansion every time.
func TestFeedbackIsDeterministic(t *testing.T) {
	svc := newTestService(t)
	first := mustSearch(t, svc, Request{Query: "why do north korean diplomats defect", Mode: ModeNatural, Size: 10})
	for range 3 {
		again := mustSearch(t, svc, Request{Query: "why do north korean diplomats defect", Mode: ModeNatural, Size: 10, Compact: true})
		if len(again.Hits) != len(first.Hits) {
			t.Fatalf("%d hits, then %d", len(first.Hits), len(again.Hits))
		}
		for i := range again.Hits {
			if again.Hits[i].ID != first.Hits[i].ID || again.Hits[i].Score != first.Hits[i].Score {
				t.Fatalf("hit %d: %s %v, then %s %v", i, first.Hits[i].ID, first.Hits[i].Score, again.Hits[i].ID, again.Hits[i].Score)
			}
		}
	}
}
