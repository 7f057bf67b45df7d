package search

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

// kwicArticles use words absent from the built-in corpus, so the lines
// below are all the lines there are.
func kwicArticles() []indexer.Article {
	day := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)
	return []indexer.Article{
		{ID: "k1", Title: "Zanzibar spice", Source: "AP", Published: day,
			Body: "The zanzibar clove crop failed.\n\nTraders in   Zanzibar said cloves were scarce."},
		{ID: "k2", Title: "Markets", Source: "AFP", Published: day.AddDate(0, 0, 1),
			Body: "Clove prices: ‘zanzibar’ grade rose — Café owners in Zanzibar’s port paid more."},
		{ID: "k3", Title: "Zanzibar ferry", Source: "AP", Published: day.AddDate(0, 0, 2),
			Body: "A ferry sank off the coast."},
		{ID: "k4", Title: "Hostile <b>markup</b>", Source: "AP", Published: day.AddDate(0, 0, 3),
			Body: `Quokka <img src=x onerror=alert(1)> quokka & <script>x</script>`},
	}
}

func TestKWIC(t *testing.T) {
	svc := newTestService(t, kwicArticles()...)
	line := func(id, left, kw, right string) KWICLine {
		l := KWICLine{ID: id, Left: left, Keyword: kw, Right: right, Source: "AP"}
		switch id {
		case "k1":
			l.Title, l.Published = "Zanzibar spice", "2020-05-01T00:00:00Z"
		case "k2":
			l.Title, l.Published, l.Source = "Markets", "2020-05-02T00:00:00Z", "AFP"
		case "k3":
			l.Title, l.Published = "Zanzibar ferry", "2020-05-03T00:00:00Z"
		case "k4":
			l.Title, l.Published = "Hostile <b>markup</b>", "2020-05-04T00:00:00Z"
		}
		return l
	}
	tests := []struct {
		name          string
		req           Request
		width, limit  int
		want          []KWICLine
		wantTruncated bool
	}{
		{
			name:  "every occurrence in date order, white space folded, title when the body has none",
			req:   Request{Query: "zanzibar", Sort: SortDate},
			width: 12,
			want: []KWICLine{
				line("k1", "The ", "zanzibar", " clove crop "),
				line("k1", " Traders in ", "Zanzibar", " said cloves"),
				line("k2", "ve prices: ‘", "zanzibar", "’ grade rose"),
				line("k2", "é owners in ", "Zanzibar’s", " port paid m"),
				line("k3", "", "Zanzibar", " ferry"),
			},
		},
		{
			name:  "stemmed forms match as in snippets",
			req:   Request{Query: "clove", Sort: SortDate},
			width: 5,
			want: []KWICLine{
				line("k1", "ibar ", "clove", " crop"),
				line("k1", "said ", "cloves", " were"),
				line("k2", "", "Clove", " pric"),
			},
		},
		{
			name:  "limit stops and says so",
			req:   Request{Query: "zanzibar", Sort: SortDate},
			width: 3, limit: 2,
			want: []KWICLine{
				line("k1", "he ", "zanzibar", " cl"),
				line("k1", "in ", "Zanzibar", " sa"),
			},
			wantTruncated: true,
		},
		{
			name:  "limit equal to the lines is not truncated",
			req:   Request{Query: "clove", Sort: SortDate},
			width: 1, limit: 3,
			want: []KWICLine{
				line("k1", " ", "clove", " "),
				line("k1", " ", "cloves", " "),
				line("k2", "", "Clove", " "),
			},
		},
		{
			name:  "text stays plain text",
			req:   Request{Query: "quokka"},
			width: 40,
			want: []KWICLine{
				line("k4", "", "Quokka", " <img src=x onerror=alert(1)> quokka & <"),
				line("k4", "Quokka <img src=x onerror=alert(1)> ", "quokka", " & <script>x</script>"),
			},
		},
		{
			name:  "filters apply",
			req:   Request{Query: "zanzibar", Filters: Filters{Sources: []string{"AFP"}}},
			width: 4,
			want: []KWICLine{
				line("k2", "s: ‘", "zanzibar", "’ gr"),
				line("k2", " in ", "Zanzibar’s", " por"),
			},
		},
		{name: "empty query gives no lines", req: Request{}, want: []KWICLine{}},
		{name: "only NOT gives no lines", req: Request{Query: "NOT zanzibar"}, want: []KWICLine{}},
		{name: "no match", req: Request{Query: "zyzzyva"}, want: []KWICLine{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := svc.KWIC(context.Background(), tt.req, tt.width, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if res.Truncated != tt.wantTruncated {
				t.Errorf("truncated = %v, want %v", res.Truncated, tt.wantTruncated)
			}
			full, err := svc.Search(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != full.Total {
				t.Errorf("total = %d, want the search's %d", res.Total, full.Total)
			}
		})
	}
}

func TestKWICDefaultsAndLimits(t *testing.T) {
	svc := newTestService(t, kwicArticles()...)
	res, err := svc.KWIC(context.Background(), Request{Query: "ambassador"}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Lines) < 3 || res.Truncated {
		t.Fatalf("ambassador: %d lines, truncated %v; want >= 3 and all of them", len(res.Lines), res.Truncated)
	}
	for _, l := range res.Lines {
		if !strings.EqualFold(l.Keyword[:len("ambassador")], "ambassador") {
			t.Errorf("keyword %q is not ambassador", l.Keyword)
		}
		if n := len([]rune(l.Left)); n > DefaultKWICWidth {
			t.Errorf("left context has %d runes, want <= %d", n, DefaultKWICWidth)
		}
		if n := len([]rune(l.Right)); n > DefaultKWICWidth {
			t.Errorf("right context has %d runes, want <= %d", n, DefaultKWICWidth)
		}
	}
	bad := []struct {
		name         string
		req          Request
		width, limit int
		wantMsg      string
	}{
		{"width too wide", Request{Query: "x"}, MaxKWICWidth + 1, 0, "width must be between 1 and 200"},
		{"negative width", Request{Query: "x"}, -1, 0, "width must be between"},
		{"limit too high", Request{Query: "x"}, 0, MaxKWICLimit + 1, "limit must be between 1 and 5000"},
		{"bad query", Request{Query: `"unclosed`}, 0, 0, "unclosed quote"},
		{"bad sort", Request{Query: "x", Sort: "newest"}, 0, 0, "unknown sort"},
		{"cursor", Request{Query: "x", Cursor: "abc"}, 0, 0, "do not apply"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.KWIC(context.Background(), tt.req, tt.width, tt.limit)
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want ErrInvalidRequest containing %q", err, tt.wantMsg)
			}
		})
	}
}

func BenchmarkKWIC(b *testing.B) {
	svc := newTestService(b, datedArticles(300)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.KWIC(context.Background(), Request{Query: "harvest"}, 60, 500); err != nil {
			b.Fatal(err)
		}
	}
}
