package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/search/count"
)

// matchRef is one match: its article id and its outlet's value number
// plus one (0: no outlet).
type matchRef struct {
	id     string
	source uint32
}

// matchList lists every match of req, ordered by article id (so a sample
// depends on the matches, not on how the index's segments lie), with the
// outlet names by value number.
func (s *Service) matchList(ctx context.Context, req Request) ([]matchRef, []string, error) {
	var refs []matchRef
	onDoc := func(seg *segColumns, local uint64) {
		var src uint32
		if col := seg.cols[countSource]; col.single != nil {
			src = col.single[local]
		} else if ids := col.ids[col.start[local]:col.start[local+1]]; len(ids) > 0 {
			src = ids[0] + 1
		}
		refs = append(refs, matchRef{id: seg.ids.id(local), source: src})
	}
	_, fc, err := s.tallyHooked(ctx, req, map[string]int{FacetSource: 1}, false, nil, onDoc)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(refs, func(a, b matchRef) int { return strings.Compare(a.id, b.id) })
	return refs, fc.terms[countSource], nil
}

// sampleIDs draws n of the matches of req uniformly at random, by seed,
// and returns their ids in id order and the number of matches. With
// stratify, each outlet (and the articles without one) gets its share of
// n in proportion to its matches (count.Allocate), drawn within it.
func (s *Service) sampleIDs(ctx context.Context, req Request, n int, seed uint64, stratify bool) ([]string, int, error) {
	refs, sources, err := s.matchList(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	if !stratify {
		for _, i := range count.Sample(len(refs), n, seed) {
			out = append(out, refs[i].id)
		}
		return out, len(refs), nil
	}
	// Strata in the order of the outlets' names, so the draw does not
	// depend on how values were numbered.
	groups := map[uint32][]matchRef{}
	for _, r := range refs {
		groups[r.source] = append(groups[r.source], r)
	}
	keys := make([]uint32, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	name := func(k uint32) string {
		if k == 0 || int(k-1) >= len(sources) {
			return ""
		}
		return sources[k-1]
	}
	slices.SortFunc(keys, func(a, b uint32) int { return strings.Compare(name(a), name(b)) })
	sizes := make([]int, len(keys))
	for i, k := range keys {
		sizes[i] = len(groups[k])
	}
	for i, take := range count.Allocate(sizes, n) {
		g := groups[keys[i]]
		for _, j := range count.Sample(len(g), take, seed+uint64(i)) {
			out = append(out, g[j].id)
		}
	}
	slices.Sort(out)
	return out, len(refs), nil
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
