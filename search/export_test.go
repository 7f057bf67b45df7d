package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/search/shape"
)

func TestExportVisitsEveryMatchOnce(t *testing.T) {
	// More than two export pages, so the cursor is followed twice.
	arts := datedArticles(2*ExportPageSize + 37)
	svc := newTestService(t, arts...)
	ap := 0
	for _, a := range arts {
		if a.Source == "AP" {
			ap++
		}
	}
	tests := []struct {
		name      string
		req       Request
		wantTotal int
	}{
		{"relevance", Request{Query: "harvest"}, len(arts)},
		{"oldest first", Request{Query: "harvest", Sort: SortDate}, len(arts)},
		{"newest first, full text", Request{Query: "harvest", Sort: SortDateDesc, FullText: true}, len(arts)},
		{"filtered", Request{Query: "harvest", Filters: Filters{Sources: []string{"AP"}}}, ap},
		{"page size and facets ignored", Request{Query: "harvest", Size: 3, Facets: []string{"source"}, Histogram: "year"}, len(arts)},
		{"no match", Request{Query: "zyzzyva"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			var lastDate string
			total, err := svc.Export(context.Background(), tt.req, func(total uint64, h Hit) error {
				if total != uint64(tt.wantTotal) {
					return fmt.Errorf("emit total %d, want %d", total, tt.wantTotal)
				}
				if seen[h.ID] {
					return fmt.Errorf("%s emitted twice", h.ID)
				}
				seen[h.ID] = true
				if tt.req.FullText != (h.Body != "") {
					return fmt.Errorf("%s: body %q with FullText %v", h.ID, h.Body, tt.req.FullText)
				}
				if tt.req.Sort == SortDate && h.Published != "" {
					if h.Published < lastDate {
						return fmt.Errorf("date order broken: %s after %s", h.Published, lastDate)
					}
					lastDate = h.Published
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total != uint64(tt.wantTotal) || len(seen) != tt.wantTotal {
				t.Errorf("total %d, emitted %d, want %d", total, len(seen), tt.wantTotal)
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	svc := newTestService(t, datedArticles(20)...)
	stop := errors.New("stop")
	tests := []struct {
		name      string
		req       Request
		emit      func(uint64, Hit) error
		wantErr   error
		wantMsg   string
		wantTotal uint64
	}{
		{"bad query", Request{Query: "a AND"}, nil, ErrInvalidRequest, "missing term after AND", 0},
		{"from", Request{Query: "harvest", From: 10}, nil, ErrInvalidRequest, "from and cursor do not apply", 0},
		{"cursor", Request{Query: "harvest", Cursor: "x"}, nil, ErrInvalidRequest, "from and cursor do not apply", 0},
		{"emit error ends the walk", Request{Query: "harvest"}, func(uint64, Hit) error { return stop }, stop, "stop", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			total, err := svc.Export(context.Background(), tt.req, func(n uint64, h Hit) error {
				calls++
				if tt.emit == nil {
					return nil
				}
				return tt.emit(n, h)
			})
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
			if total != tt.wantTotal {
				t.Errorf("total = %d, want %d", total, tt.wantTotal)
			}
			if tt.emit != nil && calls != 1 {
				t.Errorf("emit called %d times after it failed, want 1", calls)
			}
		})
	}
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := svc.Export(ctx, Request{Query: "harvest"}, func(uint64, Hit) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestExportKeepsSearchLimits(t *testing.T) {
	svc := newTestService(t, datedArticles(5)...)
	if _, err := svc.Search(context.Background(), Request{Size: ExportPageSize}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Search with size %d after an export: err = %v, want the public limit to hold", ExportPageSize, err)
	}
	if svc.Limits().MaxSize != DefaultLimits().MaxSize {
		t.Errorf("MaxSize changed to %d", svc.Limits().MaxSize)
	}
}

func TestSnippetText(t *testing.T) {
	svc := newTestService(t)
	tests := []struct {
		name, body string
		terms      []string
		want       string
	}{
		{"marks dropped", "Two defectors crossed.", []string{"defector"}, "Two defectors crossed."},
		{"markup comes back as text", `An <img src=x onerror=alert(1)> defector & "<mark>" 'x'`, []string{"defector"},
			`An <img src=x onerror=alert(1)> defector & "<mark>" 'x'`},
		{"no match", "Nothing & nothing.", []string{"rice"}, "Nothing & nothing."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SnippetText(shape.NewMatcher(svc.analyzer, tt.terms).Snippet(tt.body, ""))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func BenchmarkExport(b *testing.B) {
	arts := datedArticles(2000)
	svc := newTestService(b, arts...)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := svc.Export(context.Background(), Request{Query: "harvest", Highlight: true}, func(uint64, Hit) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != len(arts) {
			b.Fatalf("exported %d, want %d", n, len(arts))
		}
	}
	b.ReportMetric(float64(len(arts)), "rows/op")
}
