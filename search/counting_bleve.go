package search

import (
	"context"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/count"
)

// bleveCounting is how the analyses count on Bleve: searches with the
// column counter's hooks (tally). It keeps the entities of the matches
// between Entities and Pairs, so a network takes one pass. One value
// serves one analysis.
type bleveCounting struct {
	s  *Service
	co count.Cooccurrence
}

var (
	_ TimelineCounter    = (*bleveCounting)(nil)
	_ NetworkCounter     = (*bleveCounting)(nil)
	_ SignificantCounter = (*bleveCounting)(nil)
)

func (s *Service) counting() *bleveCounting { return &bleveCounting{s: s} }

// allValues is a facet size that holds every value.
const allValues = 1 << 24

func (b *bleveCounting) Histogram(ctx context.Context, req Request, interval string) (uint64, []Bucket, error) {
	res, fc, err := b.s.tally(ctx, req, nil, true, count.Hooks{})
	if err != nil {
		return 0, nil, err
	}
	return res.Total, fc.Histogram(res.Facets[count.HistogramFacet], interval), nil
}

func (b *bleveCounting) TopValues(ctx context.Context, req Request, facet string, size int) (uint64, []FacetValue, error) {
	if size < 0 {
		size = allValues
	}
	res, _, err := b.s.tally(ctx, req, map[string]int{facet: size}, false, count.Hooks{})
	if err != nil {
		return 0, nil, err
	}
	return res.Total, facetValues(res.Facets[facet]), nil
}

// NameCounts counts every name of the facet and keeps those asked for:
// the column counter's pass costs the same either way.
func (b *bleveCounting) NameCounts(ctx context.Context, req Request, facet string, names []string) (uint64, []int, error) {
	total, vs, err := b.TopValues(ctx, req, facet, -1)
	if err != nil {
		return 0, nil, err
	}
	counts := make(map[string]int, len(vs))
	for _, v := range vs {
		counts[v.Value] = v.Count
	}
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = counts[n]
	}
	return total, out, nil
}

// Entities counts every entity exactly, in the pass that also records
// each match's entities for Pairs.
func (b *bleveCounting) Entities(ctx context.Context, req Request, wantType [3]bool, _ int) (uint64, []count.Node, error) {
	b.co = count.Cooccurrence{}
	res, fc, err := b.s.tally(ctx, req, map[string]int{FacetPerson: 1}, false, count.Hooks{Visit: b.co.Visit})
	if err != nil {
		return 0, nil, err
	}
	return res.Total, b.co.Nodes(fc, wantType), nil
}

// Pairs counts from what Entities recorded, without searching again.
func (b *bleveCounting) Pairs(_ context.Context, _ Request, nodes []count.Node) (*count.Pairs, error) {
	return b.co.Pairs(nodes), nil
}

func (b *bleveCounting) Matches(ctx context.Context, req Request) ([]count.Ref, []string, error) {
	var refs []count.Ref
	onMatch := func(m count.Match) {
		refs = append(refs, count.Ref{ID: m.ID(), Stratum: m.Value(count.SlotSource)})
	}
	_, fc, err := b.s.tally(ctx, req, map[string]int{FacetSource: 1}, false, count.Hooks{OnMatch: onMatch})
	if err != nil {
		return nil, nil, err
	}
	return refs, fc.Values(count.SlotSource), nil
}

func (b *bleveCounting) Texts(ctx context.Context, ids []string, add func(title, body string)) error {
	breq := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	breq.Score = bleve.ScoreNone
	breq.Fields = []string{indexer.FieldTitle, indexer.FieldBody}
	res, err := b.s.run(ctx, breq)
	if err != nil {
		return err
	}
	for _, h := range res.Hits {
		add(fieldString(h.Fields, indexer.FieldTitle), fieldString(h.Fields, indexer.FieldBody))
	}
	return nil
}

// WithTerm searches each term with req's query, two at a time.
func (b *bleveCounting) WithTerm(ctx context.Context, req Request, terms []string) ([]int, error) {
	q, _, err := b.s.buildQuery(ctx, withValidDefaults(req))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(terms))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range 2 {
		wg.Go(func() {
			for i := range next {
				n, err := b.s.countWithTerm(ctx, q, terms[i])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out[i] = n
				mu.Unlock()
			}
		})
	}
	for i := range terms {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (b *bleveCounting) Analyzer() analysis.Analyzer { return b.s.analyzer }

// countWithTerm counts the matches of q whose title or body holds the
// index term.
func (s *Service) countWithTerm(ctx context.Context, q query.Query, term string) (int, error) {
	var qs []query.Query
	for _, f := range []string{indexer.FieldTitle, indexer.FieldBody} {
		t := bleve.NewTermQuery(term)
		t.SetField(f)
		qs = append(qs, t)
	}
	var cq query.Query = bleve.NewDisjunctionQuery(qs...)
	if _, all := q.(*query.MatchAllQuery); !all {
		// Everything ANDed with the term is the term alone; walking every
		// document to confirm it costs more than the term's postings.
		cq = bleve.NewConjunctionQuery(q, cq)
	}
	breq := bleve.NewSearchRequestOptions(cq, 0, 0, false)
	breq.Score = bleve.ScoreNone
	res, err := s.run(ctx, breq)
	if err != nil {
		return 0, err
	}
	return int(res.Total), nil
}
