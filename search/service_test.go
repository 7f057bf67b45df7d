package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search/shape"
)

// articleSource feeds articles to the ingester as if parsed from a file.
func articleSource(as []indexer.Article) indexer.Source {
	return func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, a := range as {
			if err := emit(indexer.Record{File: "test", Line: i + 1, Article: a}); err != nil {
				return err
			}
		}
		return nil
	}
}

func testAliases(t testing.TB) *indexer.Aliases {
	t.Helper()
	src, err := os.ReadFile("../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := indexer.ParseAliases(src)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newTestService indexes the built-in corpus plus extra articles into a
// fresh in-memory index through the production ingest path.
func newTestService(t testing.TB, extra ...indexer.Article) *Service {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, testAliases(t), nil)
	ing.OnSkip = func(r indexer.Record) { t.Errorf("skipped %s: %v", r.Location(), r.Err) }
	if _, err := ing.Ingest(context.Background(), indexer.PathSource([]string{"../data/articles.txt"}, func(p string, err error) { t.Fatal(err) })); err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		if _, err := ing.Ingest(context.Background(), articleSource(extra)); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := NewService(idx, Limits{}, logger, testAliases(t))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func mustSearch(t *testing.T, svc *Service, req Request) *Result {
	t.Helper()
	res, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

func TestSearchSeedCorpus(t *testing.T) {
	svc := newTestService(t)
	tests := []struct {
		name      string
		req       Request
		wantTotal func(uint64) bool
		wantFirst string // title of the first hit, if set
	}{
		{"keyword", Request{Query: "ambassador"}, func(n uint64) bool { return n >= 3 }, ""},
		{"phrase", Request{Query: `"acting ambassador"`}, func(n uint64) bool { return n >= 1 && n < 5 }, ""},
		{"empty query matches all", Request{}, func(n uint64) bool { return n == 10 }, ""},
		{"outlet filter", Request{Filters: Filters{Sources: []string{"The Telegraph"}}}, func(n uint64) bool { return n == 1 }, ""},
		{"outlet filter by alias", Request{Filters: Filters{Sources: []string{"Chanel NewsAsia"}}}, func(n uint64) bool { return n == 1 }, ""},
		{"two outlets OR", Request{Filters: Filters{Sources: []string{"The Telegraph", "ABC News"}}}, func(n uint64) bool { return n == 2 }, ""},
		{"title match ranks first", Request{Query: "hiding"}, func(n uint64) bool { return n >= 2 }, "North Korean diplomat in Italy goes into hiding"},
		{"stemming", Request{Query: "defectors"}, func(n uint64) bool { return n >= 8 }, ""},
		{"no match", Request{Query: "zyzzyva"}, func(n uint64) bool { return n == 0 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSearch(t, svc, tt.req)
			if !tt.wantTotal(res.Total) {
				t.Errorf("total = %d", res.Total)
			}
			if tt.wantFirst != "" && (len(res.Hits) == 0 || res.Hits[0].Title != tt.wantFirst) {
				t.Errorf("first hit = %+v, want %q", res.Hits, tt.wantFirst)
			}
		})
	}
	t.Run("NOT narrows", func(t *testing.T) {
		all := mustSearch(t, svc, Request{Query: "defector"}).Total
		not := mustSearch(t, svc, Request{Query: "defector AND NOT rice"}).Total
		if not >= all || not == 0 {
			t.Errorf("defector: %d, defector AND NOT rice: %d", all, not)
		}
	})
}

func TestSearchFacetsAndSnippets(t *testing.T) {
	svc := newTestService(t)
	res := mustSearch(t, svc, Request{Query: "ambassador", Facets: []string{"source", "person", "org", "place"}, Highlight: true})
	for _, f := range []string{"source", "person", "org", "place"} {
		if _, ok := res.Facets[f]; !ok {
			t.Errorf("facet %q missing from %v", f, res.Facets)
		}
	}
	marked := 0
	for _, h := range res.Hits {
		if strings.Contains(h.Snippet, "<mark>") {
			marked++
		}
		if h.Persons == nil || h.Organizations == nil || h.Places == nil {
			t.Errorf("hit %s: entity lists must be arrays, not null", h.ID)
		}
	}
	if marked < 3 {
		t.Errorf("%d snippets with <mark>, want >= 3", marked)
	}
	all := mustSearch(t, svc, Request{Facets: []string{"source"}})
	want := []FacetValue{{"ABC News", 1}, {"Channel NewsAsia", 1}, {"South China Morning Post", 1}, {"The Telegraph", 1}}
	got := slices.Clone(all.Facets["source"])
	slices.SortFunc(got, func(a, b FacetValue) int { return strings.Compare(a.Value, b.Value) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("source facet (-want +got):\n%s", diff)
	}
}

func TestSearchRejectsBadRequests(t *testing.T) {
	svc := newTestService(t)
	tests := []struct {
		name    string
		req     Request
		wantMsg string
	}{
		{"unclosed paren", Request{Query: "title:("}, "unclosed parenthesis"},
		{"unclosed quote", Request{Query: `"unclosed`}, "unclosed quote at 0"},
		{"dangling AND", Request{Query: "a AND"}, "missing term after AND"},
		{"nested", Request{Query: "((("}, "unclosed parenthesis"},
		{"size too big", Request{Size: 101}, "size must be between 1 and 100"},
		{"negative size", Request{Size: -1}, "size must be between"},
		{"negative from", Request{From: -5}, "from must not be negative"},
		{"deep paging", Request{From: 995, Size: 10}, "from+size must be at most 1000"},
		{"unknown sort", Request{Sort: "newest"}, `unknown sort "newest"`},
		{"unknown histogram", Request{Histogram: "hour"}, `unknown histogram interval "hour"`},
		{"unknown facet", Request{Facets: []string{"author"}}, `unknown facet "author"`},
		{"garbage cursor", Request{Cursor: "%%%"}, "invalid cursor"},
		{"cursor of other query", Request{Query: "rice", Cursor: shape.EncodeCursor("0000", []string{"1", "x"})}, "different query"},
		{"cursor and from", Request{From: 10, Cursor: "abc"}, "either from or cursor"},
		{"dates reversed", Request{Filters: Filters{FromDate: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), ToDate: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}}, "before from_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Search(context.Background(), tt.req)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// datedArticles are spread over 2019 and 2020, with some undated.
func datedArticles(n int) []indexer.Article {
	var out []indexer.Article
	start := time.Date(2019, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		a := indexer.Article{
			ID:     fmt.Sprintf("d%03d", i),
			Title:  fmt.Sprintf("Harvest report %d", i),
			Body:   strings.Repeat("grain harvest wheat ", 1+i%5),
			Source: []string{"Reuters", "AP", "AFP"}[i%3],
		}
		if i%7 != 3 {
			a.Published = start.AddDate(0, 0, i*11)
		}
		out = append(out, a)
	}
	return out
}

func TestCursorPagingVisitsEveryMatchOnce(t *testing.T) {
	arts := datedArticles(60)
	svc := newTestService(t, arts...)
	for _, sort := range []string{SortRelevance, SortDate, SortDateDesc} {
		t.Run(sort, func(t *testing.T) {
			req := Request{Query: "harvest", Sort: sort, Size: 7}
			seen := map[string]bool{}
			var lastDate string
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatal("cursor paging does not end")
				}
				res := mustSearch(t, svc, req)
				if res.Total != uint64(len(arts)) {
					t.Fatalf("total = %d, want %d", res.Total, len(arts))
				}
				for _, h := range res.Hits {
					if seen[h.ID] {
						t.Fatalf("page %d: %s seen twice", page, h.ID)
					}
					seen[h.ID] = true
					if sort == SortDate && h.Published != "" {
						if h.Published < lastDate {
							t.Errorf("date order broken: %s after %s", h.Published, lastDate)
						}
						lastDate = h.Published
					}
				}
				if res.NextCursor == "" {
					break
				}
				req.Cursor = res.NextCursor
			}
			if len(seen) != len(arts) {
				t.Errorf("visited %d articles, want %d", len(seen), len(arts))
			}
		})
	}
}

func TestHistogramCountsEveryDatedMatch(t *testing.T) {
	arts := datedArticles(60)
	svc := newTestService(t, arts...)
	want := map[string]map[string]int{"year": {}, "month": {}}
	dated := 0
	for _, a := range arts {
		if a.Published.IsZero() {
			continue
		}
		dated++
		want["year"][a.Published.Format("2006")]++
		want["month"][a.Published.Format("2006-01")]++
	}
	for _, interval := range []string{"year", "month", "week", "day"} {
		t.Run(interval, func(t *testing.T) {
			res := mustSearch(t, svc, Request{Query: "harvest", Histogram: interval})
			got := map[string]int{}
			sum := 0
			for i, b := range res.Histogram {
				got[b.Key] = b.Count
				sum += b.Count
				if i > 0 && res.Histogram[i-1].Key >= b.Key {
					t.Errorf("buckets out of order at %d: %v", i, res.Histogram)
				}
			}
			if sum != dated {
				t.Errorf("histogram sums to %d, want %d dated articles", sum, dated)
			}
			if w, ok := want[interval]; ok {
				if diff := cmp.Diff(w, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
	t.Run("date filter", func(t *testing.T) {
		res := mustSearch(t, svc, Request{Query: "harvest", Filters: Filters{
			FromDate: time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC), ToDate: time.Date(2019, 3, 31, 0, 0, 0, 0, time.UTC)}})
		if res.Total != uint64(want["month"]["2019-03"]) {
			t.Errorf("March 2019: %d hits, want %d", res.Total, want["month"]["2019-03"])
		}
	})
}

func TestArticleAndFacetValues(t *testing.T) {
	svc := newTestService(t, datedArticles(10)...)
	a, err := svc.Article(context.Background(), "d001")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Harvest report 1" || a.Source != "AP" || a.Published.IsZero() || !strings.Contains(a.Body, "wheat") {
		t.Errorf("Article(d001) = %+v", a)
	}
	if _, err := svc.Article(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing article: err = %v, want ErrNotFound", err)
	}
	vals, err := svc.FacetValues(context.Background(), "source", "a", Request{Query: "harvest"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]FacetValue{{"AFP", 3}, {"AP", 3}}, vals); diff != "" {
		t.Errorf("FacetValues(source, a) (-want +got):\n%s", diff)
	}
	if _, err := svc.FacetValues(context.Background(), "nope", "", Request{}, 10); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("unknown facet: err = %v", err)
	}
}

func TestSearchBoundsHostileQueries(t *testing.T) {
	var many []indexer.Article
	for i := range 300 {
		many = append(many, indexer.Article{ID: fmt.Sprint("w", i), Title: fmt.Sprintf("word%dx term%d", i, i), Body: "filler"})
	}
	svc := newTestService(t, many...)
	svc.lim.MaxTermExpansion = 50
	_, err := svc.Search(context.Background(), Request{Query: "wo*"})
	if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), "too many index terms") {
		t.Errorf("broad prefix: err = %v, want a term expansion error", err)
	}
	if _, err := svc.Search(context.Background(), Request{Query: "word1x*"}); err != nil {
		t.Errorf("narrow prefix: %v", err)
	}
}

var _ = bleve.NewMatchAllQuery // keep the bleve import for helpers above
