package releval

import (
	"context"
	"log/slog"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"newsdex/search/querylang"
	"newsdex/search/rank"
)

// BenchmarkScorer compares the cost of one top-10 search with Bleve's own
// BM25 translation and with BM25F (proximity included), and of a natural
// query with feedback, on the 21,578 Reuters stories.
func BenchmarkScorer(b *testing.B) {
	if testing.Short() {
		b.Skip("indexes 21,578 stories")
	}
	c := reutersTopics(b)
	idx, err := NewIndex(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	an := querylang.MappingAnalyze(idx.Mapping())
	stats := rank.NewFieldStats()
	queries := []struct{ name, q, op string }{
		{"and2", "oil prices", "and"},
		{"or6", "crude oil prices opec output cut", "or"},
	}
	for _, q := range queries {
		for _, v := range []struct {
			name string
			opts querylang.TranslateOptions
		}{
			{"bleve", querylang.TranslateOptions{Analyze: an}},
			{"bm25f", querylang.TranslateOptions{Analyze: an, Stats: stats}},
			{"bm25f+feedback", querylang.TranslateOptions{Analyze: an, Stats: stats, Feedback: true}},
		} {
			if q.op == "and" && v.opts.Feedback {
				continue
			}
			b.Run(q.name+"/"+v.name, func(b *testing.B) {
				node, err := querylang.ParseQuery(q.q, querylang.QueryOptions{DefaultOperator: q.op})
				if err != nil {
					b.Fatal(err)
				}
				bq, err := querylang.ToBleve(node, v.opts)
				if err != nil {
					b.Fatal(err)
				}
				req := bleve.NewSearchRequestOptions(bq, 10, 0, false)
				b.ReportAllocs()
				var hits uint64
				for b.Loop() {
					res, err := idx.SearchInContext(context.Background(), req)
					if err != nil {
						b.Fatal(err)
					}
					hits = res.Total
				}
				b.ReportMetric(float64(hits), "matches")
			})
		}
	}
}
