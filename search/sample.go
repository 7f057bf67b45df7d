package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/search/count"
)

// Sampler lists the matches a sample is drawn from.
type Sampler interface {
	// Matches lists every match of req with its outlet (count.Ref; any
	// order, SampleIDs sorts them) and the outlets' names by number
	// (count.Ref.Stratum).
	Matches(ctx context.Context, req Request) ([]count.Ref, []string, error)
}

// SampleIDs draws n of the matches of req uniformly at random, by seed,
// and returns their ids in id order and the number of matches. With
// stratify, each outlet (and the articles without one) gets its share of
// n in proportion to its matches, drawn within it (count.Draw). The draw
// depends only on the matches' ids and outlets, so every backend draws
// the same sample from the same articles.
func SampleIDs(ctx context.Context, m Sampler, req Request, n int, seed uint64, stratify bool) ([]string, int, error) {
	refs, sources, err := m.Matches(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	count.SortRefs(refs)
	if !stratify {
		sources = nil
	} else if sources == nil {
		sources = []string{}
	}
	return count.Draw(refs, n, seed, sources), len(refs), nil
}

// sampleQuery narrows q, the query of req, to a seeded random sample of
// its matches (req.Sample of them), and returns the number of matches it
// was drawn from.
func (s *Service) sampleQuery(ctx context.Context, req Request, q query.Query) (query.Query, int, error) {
	ids, n, err := SampleIDs(ctx, s.counting(), req, req.Sample, req.Seed, req.Stratify == FacetSource)
	if err != nil {
		return nil, 0, fmt.Errorf("sample: %w", err)
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	bq.AddFilter(bleve.NewDocIDQuery(ids))
	return bq, n, nil
}

// sampleKey is the part of a cursor's fingerprint a sample adds.
func sampleKey(req Request) string {
	if req.Sample == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d/%s", req.Sample, req.Seed, req.Stratify)
}
