package search

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestSignificantMatchesSearch checks every item's fg and bg against
// plain searches: the foreground with the item, and the background (the
// filters' scope, or the background query) with it.
func TestSignificantMatchesSearch(t *testing.T) {
	svc := newTestService(t, append(facetArticles(120), entityArticles...)...)
	tests := []struct {
		name string
		sr   SignificantRequest
	}{
		{"terms", SignificantRequest{Request: Request{Query: "defector OR ambassador"}, Field: FieldTerms, Size: 10}},
		{"terms of one outlet's matches", SignificantRequest{Request: Request{Query: "bank", Filters: Filters{Sources: []string{"AP", "AFP"}}}, Field: FieldTerms, Size: 5}},
		{"terms against a background query", SignificantRequest{Request: Request{Query: "coffee"}, Field: FieldTerms, Background: "oil", Size: 5}},
		{"people", SignificantRequest{Request: Request{Query: "bank"}, Field: FacetPerson, Size: 10}},
		{"organisations against a background", SignificantRequest{Request: Request{Query: "tax"}, Field: FacetOrg, Background: "oil OR rates"}},
		{"places", SignificantRequest{Request: Request{Query: "coffee"}, Field: FacetPlace}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := svc.Significant(context.Background(), tt.sr)
			if err != nil {
				t.Fatal(err)
			}
			if res.Method != "jlh" || res.Field != tt.sr.Field {
				t.Errorf("method %q field %q", res.Method, res.Field)
			}
			if len(res.Items) == 0 {
				t.Fatalf("no items: %+v", res)
			}
			fgReq := tt.sr.Request
			bgReq := tt.sr.Request
			bgReq.Query = tt.sr.Background
			if got := mustSearch(t, svc, fgReq).Total; res.ForegroundTotal != got {
				t.Errorf("foreground_total %d, search %d", res.ForegroundTotal, got)
			}
			if got := mustSearch(t, svc, bgReq).Total; res.BackgroundTotal != got {
				t.Errorf("background_total %d, search %d", res.BackgroundTotal, got)
			}
			for i, it := range res.Items {
				if i > 0 && it.Score > res.Items[i-1].Score {
					t.Errorf("item %q (%v) after %q (%v)", it.Value, it.Score, res.Items[i-1].Value, res.Items[i-1].Score)
				}
				if it.Score <= 0 || it.FG < 2 {
					t.Errorf("item %+v: want a positive score and fg >= 2", it)
				}
				with := func(r Request) Request {
					if tt.sr.Field == FieldTerms {
						word := strconv.Quote(it.Value)
						if r.Query == "" {
							r.Query = word
						} else {
							r.Query = "(" + r.Query + ") AND " + word
						}
						return r
					}
					r.Filters = entityFilter(r.Filters, tt.sr.Field, it.Value)
					return r
				}
				if got := mustSearch(t, svc, with(fgReq)).Total; uint64(it.FG) != got {
					t.Errorf("%q fg %d, search %d", it.Value, it.FG, got)
				}
				if got := mustSearch(t, svc, with(bgReq)).Total; uint64(it.BG) != got {
					t.Errorf("%q bg %d, search %d", it.Value, it.BG, got)
				}
				if tt.sr.Field == FieldTerms {
					letters := 0
					for _, r := range it.Value {
						if unicode.IsDigit(r) {
							t.Errorf("term %q has a digit", it.Value)
						}
						if unicode.IsLetter(r) {
							letters++
						}
					}
					if letters < 2 || utf8.RuneCountInString(it.Value) < 2 {
						t.Errorf("term %q is shorter than two letters", it.Value)
					}
					switch it.Value {
					case "the", "and", "of", "to", "a", "in":
						t.Errorf("stop word %q", it.Value)
					}
				}
			}
		})
	}
}

// TestSignificantSurfaceForms: terms are shown as written, not stemmed.
func TestSignificantSurfaceForms(t *testing.T) {
	svc := newTestService(t)
	res, err := svc.Significant(context.Background(), SignificantRequest{Request: Request{Query: "defector"}, Field: FieldTerms, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	stems := map[string]bool{}
	for _, it := range res.Items {
		values = append(values, it.Value)
		stems[it.Value] = true
	}
	// Porter stems that are not words must never be shown.
	for _, bad := range []string{"countri", "polic", "hous", "mone", "citi", "disappear", "inform"} {
		if stems[bad] {
			t.Errorf("stem %q shown instead of a written form; items %q", bad, values)
		}
	}
	if !stems["defectors"] || !stems["disappeared"] {
		t.Errorf("want the written forms defectors and disappeared among %q", values)
	}
	t.Logf("distinctive terms for defector: %q", values)
}

func TestSignificantBadInput(t *testing.T) {
	svc := newTestService(t)
	for _, sr := range []SignificantRequest{
		{Field: ""},
		{Field: "source"},
		{Field: FieldTerms, Size: 201},
		{Field: FacetPerson, Request: Request{Query: "(a"}},
		{Field: FieldTerms, Background: "(a"},
	} {
		if _, err := svc.Significant(context.Background(), sr); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Significant(%+v) error = %v, want ErrInvalidRequest", sr, err)
		}
	}
}
