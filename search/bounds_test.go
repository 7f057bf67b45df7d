package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search/querylang"
)

// Regression tests for what the hostile-input suite (httpapi/hostile_test.go)
// found: each was a 5xx or a slow path.

// TestFacetValuesRejectsBadInput: an invalid UTF-8 prefix broke the facet
// regexp, and a query Bleve rejects at validation reached the index; both
// were 500s.
func TestFacetValuesRejectsBadInput(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		prefix string
		req    Request
	}{
		{"invalid UTF-8 prefix", "\xff", Request{}},
		{"invalid UTF-8 after valid", "Ki\xc3", Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.FacetValues(ctx, FacetPerson, tt.prefix, tt.req, 10)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("err = %v, want ErrInvalidRequest", err)
			}
		})
	}
}

// TestFilterDatesBeyondTheIndexRange: Bleve stores dates as Unix
// nanoseconds (1677..2262); a to_date of 9999-12-31 was a 400 in search and
// a 500 in facet values. Such dates mean an open end, so they are clamped.
func TestFilterDatesBeyondTheIndexRange(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	all := mustSearch(t, svc, Request{}).Total
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		from, to time.Time
		want     uint64
	}{
		{"ends of time", day(1, 1, 1), day(9999, 12, 31), all},
		{"open start before 1678", day(1000, 1, 1), time.Time{}, all},
		{"from after 2262", day(3000, 1, 1), time.Time{}, 0},
		{"to before 1678", time.Time{}, day(1200, 1, 1), 0},
		{"both beyond the end", day(3000, 1, 1), day(9999, 1, 1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Filters: Filters{FromDate: tt.from, ToDate: tt.to}}
			res, err := svc.Search(ctx, req)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if res.Total != tt.want {
				t.Errorf("total %d, want %d", res.Total, tt.want)
			}
			if _, err := svc.FacetValues(ctx, FacetSource, "", req, 10); err != nil {
				t.Errorf("FacetValues: %v", err)
			}
		})
	}
	if err := (&Request{Filters: Filters{FromDate: day(2020, 1, 1), ToDate: day(1990, 1, 1)}}).Validate(svc.lim); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("reversed dates: %v, want ErrInvalidRequest", err)
	}
}

// TestPrefixMatchesAreMarked: Terms dropped the * of a prefix, so snippets
// never marked prefix matches and KWIC, finding no occurrence in any match,
// read every matching article (13 s for "re*" on Reuters).
func TestPrefixMatchesAreMarked(t *testing.T) {
	var extra []indexer.Article
	for i := range 300 {
		extra = append(extra, indexer.Article{
			ID:    "p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String(),
			Title: "Harbour notice",
			Body:  "The harbourmaster closed the harbours after the storm.",
		})
	}
	svc := newTestService(t, extra...)
	res := mustSearch(t, svc, Request{Query: "harbour*", Highlight: true, Size: 5})
	if res.Total < 300 {
		t.Fatalf("total %d, want >= 300", res.Total)
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>harbourmaster</mark>") && !strings.Contains(h.Snippet, "<mark>Harbour") {
			t.Errorf("snippet %q marks no prefix match", h.Snippet)
		}
	}
	kw, err := svc.KWIC(context.Background(), Request{Query: "harbour*"}, 20, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(kw.Lines) != 10 || !kw.Truncated || kw.Articles > 10 {
		t.Errorf("KWIC: %d lines from %d articles, truncated %v; want 10 lines from the first articles", len(kw.Lines), kw.Articles, kw.Truncated)
	}
}

// TestKWICTimeBudget: KWIC over matches that rarely contain the query's
// words read up to 20,000 articles ("sais~1" matches "said" on Reuters,
// but no text holds "sais"); it now stops at the time budget with what it
// found.
func TestKWICTimeBudget(t *testing.T) {
	svc := newTestService(t)
	full, err := svc.KWIC(context.Background(), Request{Query: "ambassador"}, 20, 500)
	if err != nil {
		t.Fatal(err)
	}
	if full.Truncated || full.Articles < 2 {
		t.Fatalf("without a budget: %d articles, truncated %v; want several, whole", full.Articles, full.Truncated)
	}
	got, err := svc.kwic(context.Background(), Request{Query: "ambassador"}, 20, 500, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	if got.Articles != 1 || !got.Truncated || len(got.Lines) == 0 {
		t.Errorf("with a spent budget: %d articles, %d lines, truncated %v; want the first article's lines, truncated", got.Articles, len(got.Lines), got.Truncated)
	}
}

// TestClauseLimit: Bleve's process-wide clause cap stops a prefix's
// dictionary walk, and the error is a request error like the term limit's.
func TestClauseLimit(t *testing.T) {
	var extra []indexer.Article
	for i := range 150 {
		extra = append(extra, indexer.Article{ID: "clause" + time.Duration(i).String(),
			Title: "Clause", Body: "zq" + strings.Repeat("x", i%10) + time.Duration(i).String()})
	}
	svc := newTestService(t, extra...)
	ctx := context.Background()
	if _, err := svc.Search(ctx, Request{Query: "zq*"}); err != nil {
		t.Fatalf("without the cap: %v", err)
	}
	SetClauseLimit(100)
	t.Cleanup(func() { SetClauseLimit(0) })
	_, err := svc.Search(ctx, Request{Query: "zq*", Size: 5}) // not the cached request
	if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), "too many index terms") {
		t.Errorf("with a cap of 100: %v, want a request error about too many index terms", err)
	}
}

// TestFuzzyWordsBounded: each fuzzy word walks the dictionary, so a query
// may have at most querylang.MaxFuzzyWords of them.
func TestFuzzyWordsBounded(t *testing.T) {
	svc := newTestService(t)
	words := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "qzx%d~2 ", i)
		}
		return b.String()
	}
	ctx := context.Background()
	if _, err := svc.Search(ctx, Request{Query: "ambassador OR " + strings.ReplaceAll(words(querylang.MaxFuzzyWords), " ", " OR ") + "x"}); err != nil {
		t.Errorf("%d fuzzy words: %v", querylang.MaxFuzzyWords, err)
	}
	_, err := svc.Search(ctx, Request{Query: words(querylang.MaxFuzzyWords + 1)})
	var qe *QueryError
	if !errors.Is(err, ErrInvalidRequest) || !errors.As(err, &qe) || !strings.Contains(qe.Msg, "fuzzy words") {
		t.Errorf("%d fuzzy words: %v, want a QueryError about fuzzy words", querylang.MaxFuzzyWords+1, err)
	}
}
