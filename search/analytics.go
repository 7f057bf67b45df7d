package search

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

// The research analytics of issue 13 (timeline.go, cooccurrence.go,
// significant.go) count matches with the same column counter as the
// facets (facetcount.go), so their numbers are those of plain searches;
// the pure computations on the counts live in search/count.

// MaxSeries is how many queries one timeline compares.
const MaxSeries = 10

// DefaultAnalysisSize is the number of outlets, names or terms an
// analysis returns when the request gives no size.
const DefaultAnalysisSize = 20

// tally runs the search req describes for its counts only: no hits, no
// scores, the facets named in facets (name → values wanted) counted
// exactly, and the day facet when days is set. visit, if not nil, gets
// every matching article's entities (facetCount.visit); then an entity
// facet must be among facets. It returns the Bleve result (Total and
// Facets) and the hook, for histograms.
func (s *Service) tally(ctx context.Context, req Request, facets map[string]int, days bool, visit func([]int32)) (*bleve.SearchResult, *facetCount, error) {
	return s.tallyHooked(ctx, req, facets, days, visit, nil)
}

// tallyHooked is tally with onDoc called on every match (facetCount.onDoc);
// then facets must not be empty.
func (s *Service) tallyHooked(ctx context.Context, req Request, facets map[string]int, days bool, visit func([]int32), onDoc func(*segColumns, uint64)) (*bleve.SearchResult, *facetCount, error) {
	req.Size, req.From, req.Cursor, req.Facets, req.Histogram = 1, 0, "", nil, ""
	if err := req.Validate(s.lim); err != nil {
		return nil, nil, err
	}
	if req.Dedup {
		if _, err := s.duplicates(ctx); err != nil {
			return nil, nil, err
		}
	}
	q, _, err := s.buildQuery(req)
	if err != nil {
		return nil, nil, err
	}
	breq := bleve.NewSearchRequestOptions(q, 0, 0, false)
	breq.Score = bleve.ScoreNone
	for name, size := range facets {
		breq.AddFacet(name, bleve.NewFacetRequest(facetField(name), size))
	}
	if days {
		breq.AddFacet(histogramFacet, bleve.NewFacetRequest(indexer.FieldPublishedDay, maxHistogramDays))
	}
	res, fc, err := s.runHooked(ctx, breq, visit, onDoc)
	if err != nil {
		return nil, nil, err
	}
	if onDoc != nil && (fc == nil || len(fc.segs) == 0) {
		return nil, nil, fmt.Errorf("list matches: this index has no per-segment counter (an alias of several indexes?)")
	}
	if visit != nil && (fc == nil || fc.ents == nil) {
		return nil, nil, fmt.Errorf("count entities: this index has no per-segment counter (an alias of several indexes?)")
	}
	return res, fc, nil
}

// analysisSize checks an analysis's size parameter and applies the default.
func (s *Service) analysisSize(size int) (int, error) {
	if size == 0 {
		return DefaultAnalysisSize, nil
	}
	if size < 0 || size > s.lim.MaxAnalysisSize {
		return 0, fmt.Errorf("%w: size must be between 1 and %d, got %d", ErrInvalidRequest, s.lim.MaxAnalysisSize, size)
	}
	return size, nil
}

// tookMS is the time since start in milliseconds, as results report it.
func tookMS(start time.Time) float64 { return float64(time.Since(start).Microseconds()) / 1000 }
