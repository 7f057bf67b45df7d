package search

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/search/count"
)

// The research analytics of issue 13 (timeline.go, cooccurrence.go,
// significant.go, sample.go) are one algorithm each for every backend
// (RunTimeline, RunCooccurrence, RunSignificant, SampleIDs), written
// against small counting interfaces (TimelineCounter, NetworkCounter,
// SignificantCounter, Sampler). On Bleve (counting_bleve.go) the counts
// come from the same column counter as the facets (search/count), so
// their numbers are those of plain searches; search/opensearch counts
// with aggregations.

// MaxSeries is how many queries one timeline compares.
const MaxSeries = 10

// DefaultAnalysisSize is the number of outlets, names or terms an
// analysis returns when the request gives no size.
const DefaultAnalysisSize = 20

// tally runs the search req describes for its counts only: no hits, no
// scores, the facets named in facets (name → values wanted) counted
// exactly, and the day facet when days is set. With h.Visit, an entity
// facet must be among facets; with h.OnMatch, facets must not be empty.
// It returns the Bleve result (Total and Facets) and the counter, for
// histograms, and fails when the hooks asked for could not be called (an
// alias of several indexes has no per-segment counter).
func (s *Service) tally(ctx context.Context, req Request, facets map[string]int, days bool, h count.Hooks) (*bleve.SearchResult, *count.Counter, error) {
	req.Size, req.From, req.Cursor, req.Facets, req.Histogram = 1, 0, "", nil, ""
	if err := req.Validate(s.lim); err != nil {
		return nil, nil, err
	}
	q, _, err := s.buildQuery(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	breq := bleve.NewSearchRequestOptions(q, 0, 0, false)
	breq.Score = bleve.ScoreNone
	for name, size := range facets {
		breq.AddFacet(name, bleve.NewFacetRequest(facetField(name), size))
	}
	if days {
		breq.AddFacet(count.HistogramFacet, count.DaysFacet())
	}
	res, fc, err := s.runHooked(ctx, breq, h)
	if err != nil {
		return nil, nil, err
	}
	if h.OnMatch != nil && !fc.Columnar() {
		return nil, nil, fmt.Errorf("list matches: this index has no per-segment counter (an alias of several indexes?)")
	}
	if h.Visit != nil && !fc.CountedEntities() {
		return nil, nil, fmt.Errorf("count entities: this index has no per-segment counter (an alias of several indexes?)")
	}
	return res, fc, nil
}

// analysisSize checks an analysis's size parameter and applies the default.
func analysisSize(lim Limits, size int) (int, error) {
	if size == 0 {
		return DefaultAnalysisSize, nil
	}
	if size < 0 || size > lim.MaxAnalysisSize {
		return 0, fmt.Errorf("%w: size must be between 1 and %d, got %d", ErrInvalidRequest, lim.MaxAnalysisSize, size)
	}
	return size, nil
}

// tookMS is the time since start in milliseconds, as results report it.
func tookMS(start time.Time) float64 { return float64(time.Since(start).Microseconds()) / 1000 }
