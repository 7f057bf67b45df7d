package search

import (
	"context"
	"errors"
	"testing"
	"time"
)

// bucketRange is the first and last day of a bucket key.
func bucketRange(t *testing.T, key, interval string) (time.Time, time.Time) {
	t.Helper()
	var from time.Time
	var err error
	switch interval {
	case "year":
		from, err = time.Parse("2006", key)
		return from, from.AddDate(1, 0, -1)
	case "month":
		from, err = time.Parse("2006-01", key)
		return from, from.AddDate(0, 1, -1)
	case "week":
		from, err = time.Parse(time.DateOnly, key)
		return from, from.AddDate(0, 0, 6)
	}
	from, err = time.Parse(time.DateOnly, key)
	if err != nil {
		t.Fatal(err)
	}
	return from, from
}

// TestTimelineMatchesSearch checks every bucket against the plain search
// restricted to that period, and the shares against the all series.
func TestTimelineMatchesSearch(t *testing.T) {
	svc := newTestService(t, facetArticles(120)...)
	tests := []struct {
		name string
		tr   TimelineRequest
	}{
		{"two queries by month", TimelineRequest{Queries: []string{"bank", "coffee OR tax"}, Interval: "month"}},
		{"one query by year", TimelineRequest{Queries: []string{"oil"}, Interval: "year"}},
		{"days", TimelineRequest{Queries: []string{"coffee"}, Interval: "day"}},
		{"weeks with filters", TimelineRequest{Request: Request{Filters: Filters{Persons: []string{"Kim Jong Un"}, Sources: []string{"AP", "AFP"}}}, Queries: []string{"bank", "oil"}, Interval: "week"}},
		{"everything", TimelineRequest{Interval: "month"}},
		{"split by source", TimelineRequest{Queries: []string{"tax"}, Interval: "year", Split: SplitSource, Size: 3}},
		{"restricted", TimelineRequest{Request: Request{Restrict: Filters{Sources: []string{"Reuters"}}}, Queries: []string{"bank"}, Interval: "year"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl, err := svc.Timeline(context.Background(), tt.tr)
			if err != nil {
				t.Fatal(err)
			}
			if len(tl.Series) == 0 {
				t.Fatal("no series")
			}
			if len(tl.All) == 0 {
				t.Fatal("no buckets")
			}
			period := func(key string) Filters {
				f := tt.tr.Filters
				f.FromDate, f.ToDate = bucketRange(t, key, tt.tr.Interval)
				return f
			}
			for i, b := range tl.All {
				if i > 0 && b.Key <= tl.All[i-1].Key {
					t.Errorf("all keys not ascending: %s after %s", b.Key, tl.All[i-1].Key)
				}
				if got := mustSearch(t, svc, Request{Filters: period(b.Key), Restrict: tt.tr.Restrict}).Total; uint64(b.Count) != got {
					t.Errorf("all[%s] = %d, search in that period = %d", b.Key, b.Count, got)
				}
			}
			for _, se := range tl.Series {
				if len(se.Buckets) != len(tl.All) {
					t.Fatalf("series %q has %d buckets, all has %d", se.Query, len(se.Buckets), len(tl.All))
				}
				f := tt.tr.Filters
				if se.Source != "" {
					f.Sources = []string{se.Source}
				}
				if got := mustSearch(t, svc, Request{Query: se.Query, Filters: f, Restrict: tt.tr.Restrict}).Total; se.Total != got {
					t.Errorf("series %q/%s total = %d, search = %d", se.Query, se.Source, se.Total, got)
				}
				for i, b := range se.Buckets {
					if b.Key != tl.All[i].Key {
						t.Fatalf("series %q key %d = %s, all has %s", se.Query, i, b.Key, tl.All[i].Key)
					}
					pf := period(b.Key)
					if se.Source != "" {
						pf.Sources = []string{se.Source}
					}
					if got := mustSearch(t, svc, Request{Query: se.Query, Filters: pf, Restrict: tt.tr.Restrict}).Total; uint64(b.Count) != got {
						t.Errorf("series %q/%s[%s] = %d, search in that period = %d", se.Query, se.Source, b.Key, b.Count, got)
					}
					want := 0.0
					if tl.All[i].Count > 0 {
						want = float64(b.Count) / float64(tl.All[i].Count)
					}
					if b.Share != want {
						t.Errorf("series %q[%s] share = %v, want %v", se.Query, b.Key, b.Share, want)
					}
				}
			}
		})
	}
}

func TestTimelineBadInput(t *testing.T) {
	svc := newTestService(t)
	tests := []struct {
		name string
		tr   TimelineRequest
	}{
		{"interval", TimelineRequest{Interval: "decade"}},
		{"too many queries", TimelineRequest{Queries: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}}},
		{"split", TimelineRequest{Split: "person"}},
		{"split with two queries", TimelineRequest{Queries: []string{"a", "b"}, Split: SplitSource}},
		{"split size", TimelineRequest{Split: SplitSource, Size: 11}},
		{"size without split", TimelineRequest{Size: 3}},
		{"bad query", TimelineRequest{Queries: []string{"(korea"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Timeline(context.Background(), tt.tr)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("Timeline(%+v) error = %v, want ErrInvalidRequest", tt.tr, err)
			}
		})
	}
}
