package search

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

func TestRecencyFactor(t *testing.T) {
	now := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		boost float64
		t     time.Time
		want  float64
	}{
		{"today", 0.5, now, 1.5},
		{"one half-life", 0.5, now.Add(-recencyHalfLife), 1.25},
		{"two half-lives", 0.2, now.Add(-2 * recencyHalfLife), 1.05},
		{"future counts as today", 0.5, now.Add(48 * time.Hour), 1.5},
		{"ancient", 0.5, now.AddDate(-30, 0, 0), 1},
		{"off", 0, now, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recencyFactor(tt.boost, tt.t, now); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("recencyFactor = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRecencyBoost checks the option end to end: two equally relevant
// articles tie without it and the newer one wins with it; an undated one
// keeps its score; date sorts are not touched.
func TestRecencyBoost(t *testing.T) {
	now := time.Now().UTC()
	articles := []indexer.Article{
		{ID: "a-old", Title: "Harbour strike", Body: "dockers strike at the harbour", Published: now.AddDate(-1, 0, 0)},
		{ID: "b-new", Title: "Harbour strike", Body: "dockers strike at the harbour", Published: now.Add(-time.Hour)},
		{ID: "c-undated", Title: "Harbour strike", Body: "dockers strike at the harbour"},
	}
	order := func(lim Limits, sort string) ([]string, []float64) {
		svc := newMemService(t, lim, articles...)
		res := mustSearch(t, svc, Request{Query: "harbour strike", Sort: sort})
		var ids []string
		var scores []float64
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
			scores = append(scores, h.Score)
		}
		return ids, scores
	}
	plain, plainScores := order(Limits{}, "")
	if diff := cmp.Diff([]string{"a-old", "b-new", "c-undated"}, plain); diff != "" {
		t.Errorf("without boost, ties break by id (-want +got):\n%s", diff)
	}
	boosted, scores := order(Limits{RecencyBoost: 0.5}, "")
	if diff := cmp.Diff([]string{"b-new", "a-old", "c-undated"}, boosted); diff != "" {
		t.Errorf("with boost (-want +got):\n%s", diff)
	}
	if len(scores) == 3 && (scores[2] != plainScores[2] || scores[0] <= 1.4*plainScores[0]) {
		t.Errorf("scores %v, unboosted %v: want the new one about 1.5x, the undated one unchanged", scores, plainScores)
	}
	dated, _ := order(Limits{RecencyBoost: 0.5}, SortDate)
	if diff := cmp.Diff([]string{"a-old", "b-new", "c-undated"}, dated); diff != "" {
		t.Errorf("date sort (-want +got):\n%s", diff)
	}
}
