package rank

import (
	"context"
	"fmt"
	"math"
	"testing"

	"newsdex/indexer"
)

// TestFeedbackThinShare pins the back-off of issue 16: when fewer words
// than FeedbackTerms qualify (here 3 of 20: short documents), the added
// words share (1-FeedbackOrig)*3/20 of the weight instead of the whole
// 1-FeedbackOrig, so a few words from thin evidence cannot outweigh the
// question (ADI and NPL lost to FTS5 that way). FeedbackFull keeps the
// old mix.
func TestFeedbackThinShare(t *testing.T) {
	var as []indexer.Article
	for i := range 5 {
		as = append(as, indexer.Article{ID: fmt.Sprint("d", i), Body: fmt.Sprintf("quasar nebula telescope unique%c", 'a'+i)})
	}
	as = append(as, indexer.Article{ID: "other", Body: "pulsar"})
	idx, _ := memIndex(t, as...)
	ix, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ix.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tt := range []struct {
		name      string
		full      bool
		wantShare float64
	}{
		{"thin", false, 0.5 * 3 / 20},
		{"full", true, 0.5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			p.FeedbackFull = tt.full
			q := &FeedbackQuery{Words: &WordsQuery{Text: "quasar", Fields: []WeightField{{Name: indexer.FieldBody, Weight: 1}}, MinMatch: 1, Params: &p}}
			top, err := q.firstPass(context.Background(), r, idx.Mapping())
			if err != nil {
				t.Fatal(err)
			}
			out, err := q.expand(context.Background(), r, idx.Mapping(), top)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 3 {
				t.Fatalf("weights %v: want quasar, nebula, telescope", out)
			}
			added, total := 0.0, 0.0
			for w, x := range out {
				total += x
				if w != "quasar" {
					added += x
				}
			}
			// One question word: the weights sum to 1, and the question
			// word keeps 1-share plus its own part of the share.
			if math.Abs(total-1) > 1e-9 || added >= tt.wantShare || added < tt.wantShare/3 {
				t.Errorf("weights %v: added words weigh %.4f (share %.4f), total %.4f", out, added, tt.wantShare, total)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range []struct {
		name string
		set  func(p *Params)
	}{
		{"k1 zero", func(p *Params) { p.K1 = 0 }},
		{"b above 1", func(p *Params) { p.B = 1.5 }},
		{"negative proximity", func(p *Params) { p.ProxWeight = -1 }},
		{"window zero", func(p *Params) { p.ProxWindow = 0 }},
		{"negative feedback documents", func(p *Params) { p.FeedbackDocs = -1 }},
		{"question weight NaN", func(p *Params) { p.FeedbackOrig = math.NaN() }},
	} {
		p := DefaultParams()
		tt.set(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
