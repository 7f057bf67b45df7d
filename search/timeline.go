package search

import (
	"context"
	"fmt"
	"slices"
	"time"

	"newsdex/search/count"
)

// Timeline splits.
const (
	SplitNone   = ""
	SplitSource = "source" // one series per outlet
)

// TimelineRequest asks how much coverage some queries got over time.
// The embedded Request gives the filters, mode and access restriction
// shared by every series; its Query is ignored.
type TimelineRequest struct {
	Request
	Queries  []string // up to MaxSeries; none means everything in the filters' scope
	Interval string   // day, week, month (default) or year
	Split    string   // "" or "source": one series per outlet for a single query
	Size     int      // outlets with Split; 0 means 10
}

// ShareBucket is one period of a series (count.ShareBucket).
type ShareBucket = count.ShareBucket

// Series is the attention one query got (count.Series).
type Series = count.Series

// Timeline is the answer to a TimelineRequest: the same bucket keys,
// ascending, in every series and in All, which counts every article in
// the filters' scope (the queries ignored).
type Timeline struct {
	Interval string   `json:"interval"`
	Series   []Series `json:"series"`
	All      []Bucket `json:"all"`
	TookMS   float64  `json:"took_ms"`
}

// TimelineCounter is the counting a timeline needs from a backend: the
// same two exact counts as a search's histogram and outlet facet.
type TimelineCounter interface {
	// Histogram returns the number of matches of req and, per bucket of
	// the interval, its dated matches: the nonzero buckets, keys
	// ascending (count.Intervals).
	Histogram(ctx context.Context, req Request, interval string) (uint64, []Bucket, error)
	// TopValues returns the number of matches of req and the first size
	// values of facet among them, most matches first, then by value;
	// every value when size < 0.
	TopValues(ctx context.Context, req Request, facet string, size int) (uint64, []FacetValue, error)
}

// Timeline counts each query's matches per period, exactly, with the
// share of all articles in scope (RunTimeline).
func (s *Service) Timeline(ctx context.Context, tr TimelineRequest) (*Timeline, error) {
	return RunTimeline(ctx, s.counting(), s.lim, tr)
}

// RunTimeline is the timeline of every backend, counted by c: one
// histogram per series and one for everything in scope, laid out on the
// same keys by count.Shares. Errors wrap ErrInvalidRequest for bad input
// (too many queries, an unknown interval or split, a bad query) and
// context.DeadlineExceeded when the whole timeline outlasts lim.Timeout.
func RunTimeline(ctx context.Context, c TimelineCounter, lim Limits, tr TimelineRequest) (*Timeline, error) {
	start := time.Now()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, a...))
	}
	if tr.Interval == "" {
		tr.Interval = "month"
	}
	if !slices.Contains(count.Intervals, tr.Interval) {
		return nil, bad("unknown interval %q (want day, week, month or year)", tr.Interval)
	}
	if len(tr.Queries) > MaxSeries {
		return nil, bad("at most %d queries (q) per timeline, got %d", MaxSeries, len(tr.Queries))
	}
	queries := tr.Queries
	if len(queries) == 0 {
		queries = []string{""}
	}
	switch tr.Split {
	case SplitNone:
		if tr.Size != 0 {
			return nil, bad("size applies only with split=source")
		}
	case SplitSource:
		if len(queries) > 1 {
			return nil, bad("split=source takes one query, got %d", len(queries))
		}
		if tr.Size == 0 {
			tr.Size = 10
		}
		if tr.Size < 0 || tr.Size > MaxSeries {
			return nil, bad("size must be between 1 and %d with split=source, got %d", MaxSeries, tr.Size)
		}
	default:
		return nil, bad("unknown split %q (want source)", tr.Split)
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	// One counting pass per series, and one for everything in scope.
	countOne := func(query string, sources []string) (count.Part, error) {
		req := tr.Request
		req.Query = query
		if sources != nil {
			req.Filters.Sources = sources
		}
		total, buckets, err := c.Histogram(ctx, req, tr.Interval)
		if err != nil {
			return count.Part{}, err
		}
		return count.Part{Query: query, Total: total, Buckets: buckets}, nil
	}
	all, err := countOne("", nil)
	if err != nil {
		return nil, err
	}
	var parts []count.Part
	if tr.Split == SplitSource {
		req := tr.Request
		req.Query = queries[0]
		_, outlets, err := c.TopValues(ctx, req, FacetSource, tr.Size)
		if err != nil {
			return nil, err
		}
		for _, fv := range outlets {
			p, err := countOne(queries[0], []string{fv.Value})
			if err != nil {
				return nil, err
			}
			p.Source = fv.Value
			parts = append(parts, p)
		}
	} else {
		for _, q := range queries {
			p, err := countOne(q, nil)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
		}
	}
	out := &Timeline{Interval: tr.Interval}
	if out.All, out.Series, err = count.Shares(tr.Interval, all.Buckets, parts); err != nil {
		return nil, bad("%v", err)
	}
	out.TookMS = tookMS(start)
	return out, nil
}
