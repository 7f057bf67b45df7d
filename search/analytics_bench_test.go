package search

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkAnalytics times each analysis of issue 13 on Reuters-21578
// for a query matching every article (q empty), with the result cache
// off; one op is one analysis. p50-ms is the median over the ops (the
// target is 300 ms). Skipped with -short; NEWSDEX_BENCH_INDEX reuses a
// built index (reutersService).
//
//	go test ./search -run '^$' -bench Analytics -benchtime 20x
func BenchmarkAnalytics(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a Reuters-21578 index; skipped with -short")
	}
	svc := reutersService(b, Limits{ResultCache: -1})
	ctx := context.Background()
	if err := svc.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		run  func() (int, error)
	}{
		{"timeline/month", func() (int, error) {
			r, err := svc.Timeline(ctx, TimelineRequest{Interval: "month"})
			return items(r, err, func() int { return len(r.All) })
		}},
		{"timeline/3queries", func() (int, error) {
			r, err := svc.Timeline(ctx, TimelineRequest{Queries: []string{"", "oil", "gold OR silver"}, Interval: "day"})
			return items(r, err, func() int { return len(r.All) })
		}},
		{"timeline/split-source", func() (int, error) {
			r, err := svc.Timeline(ctx, TimelineRequest{Interval: "month", Split: SplitSource})
			return items(r, err, func() int { return len(r.Series) })
		}},
		{"cooccurrence/50", func() (int, error) {
			r, err := svc.Cooccurrence(ctx, CooccurrenceRequest{Size: 50})
			return items(r, err, func() int { return len(r.Edges) })
		}},
		{"cooccurrence/200", func() (int, error) {
			r, err := svc.Cooccurrence(ctx, CooccurrenceRequest{Size: 200})
			return items(r, err, func() int { return len(r.Edges) })
		}},
		{"significant/terms", func() (int, error) {
			r, err := svc.Significant(ctx, SignificantRequest{Field: FieldTerms, Size: 20})
			return items(r, err, func() int { return len(r.Items) })
		}},
		{"significant/terms-oil", func() (int, error) {
			r, err := svc.Significant(ctx, SignificantRequest{Request: Request{Query: "oil"}, Field: FieldTerms, Size: 20})
			return items(r, err, func() int { return len(r.Items) })
		}},
		{"significant/person", func() (int, error) {
			r, err := svc.Significant(ctx, SignificantRequest{Field: FacetPerson, Size: 20})
			return items(r, err, func() int { return len(r.Items) })
		}},
		{"duplicates/resolve", func() (int, error) {
			svc.dups.mu.Lock()
			svc.dups.v = nil // resolve again, as after a write
			svc.dups.mu.Unlock()
			v, err := svc.duplicates(ctx)
			return items(v, err, func() int { return len(v.group) - len(v.members) }) // later copies
		}},
		{"search/dedup", func() (int, error) {
			r, err := svc.Search(ctx, Request{Dedup: true, Facets: []string{FacetSource}, Histogram: "month"})
			return items(r, err, func() int { return int(r.Total) })
		}},
		{"search/dedup-first", func() (int, error) {
			// The first page of a query: which matches have copies is
			// listed again, not taken from the last page's walk.
			svc.dups.left.clear()
			r, err := svc.Search(ctx, Request{Dedup: true, Facets: []string{FacetSource}, Histogram: "month"})
			return items(r, err, func() int { return int(r.Total) })
		}},
		{"timeline/dedup", func() (int, error) {
			svc.dups.left.clear()
			r, err := svc.Timeline(ctx, TimelineRequest{Request: Request{Dedup: true}, Interval: "month"})
			return items(r, err, func() int { return int(r.Series[0].Total) })
		}},
		{"significant/org-oil", func() (int, error) {
			r, err := svc.Significant(ctx, SignificantRequest{Request: Request{Query: "oil"}, Field: FacetOrg, Size: 20})
			return items(r, err, func() int { return len(r.Items) })
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			n, err := c.run() // warm: columns, entities
			if err != nil {
				b.Fatal(err)
			}
			var took []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				if _, err := c.run(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(n), "items") // buckets, series, edges or items returned
		})
	}
}

// items is the size of an analysis's answer, for the benchmark's report.
func items[T any](r *T, err error, n func() int) (int, error) {
	if err != nil {
		return 0, err
	}
	return n(), nil
}
