package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/search/count"
)

// matchList lists every match of req, ordered by article id, with the
// outlet names by value number (count.Ref.Stratum).
func (s *Service) matchList(ctx context.Context, req Request) ([]count.Ref, []string, error) {
	var refs []count.Ref
	onMatch := func(m count.Match) {
		refs = append(refs, count.Ref{ID: m.ID(), Stratum: m.Value(count.SlotSource)})
	}
	_, fc, err := s.tally(ctx, req, map[string]int{FacetSource: 1}, false, count.Hooks{OnMatch: onMatch})
	if err != nil {
		return nil, nil, err
	}
	count.SortRefs(refs)
	sources := fc.Values(count.SlotSource)
	if sources == nil {
		sources = []string{}
	}
	return refs, sources, nil
}

// sampleIDs draws n of the matches of req uniformly at random, by seed,
// and returns their ids in id order and the number of matches. With
// stratify, each outlet (and the articles without one) gets its share of
// n in proportion to its matches, drawn within it (count.Draw).
func (s *Service) sampleIDs(ctx context.Context, req Request, n int, seed uint64, stratify bool) ([]string, int, error) {
	refs, sources, err := s.matchList(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	if !stratify {
		sources = nil
	}
	return count.Draw(refs, n, seed, sources), len(refs), nil
}

// sampleQuery narrows q, the query of req, to a seeded random sample of
// its matches (req.Sample of them), and returns the number of matches it
// was drawn from.
func (s *Service) sampleQuery(ctx context.Context, req Request, q query.Query) (query.Query, int, error) {
	ids, n, err := s.sampleIDs(ctx, req, req.Sample, req.Seed, req.Stratify == FacetSource)
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
