package search

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/count"
)

// Significant fields.
const (
	FieldTerms = "terms"
)

// SignificantRequest asks which terms or names are distinctive for the
// matches of the embedded Request (the foreground) against a background:
// every article in the filters' scope, or the matches of Background.
type SignificantRequest struct {
	Request
	Field      string // terms, person, org or place
	Size       int    // items; 0 means DefaultAnalysisSize
	Background string // a query; "" means everything in scope
}

// SignificantItem is one distinctive term or name: fg and bg are the
// articles naming it in the foreground and the background, exactly.
type SignificantItem = count.Item

// Significant is the answer to a SignificantRequest, items by score,
// highest first. For terms, Sampled is the number of foreground articles
// whose text was read to find the candidates when there were more
// matches than that (search.significant_sample); the counts of the items
// shown are exact all the same.
type Significant struct {
	Field           string            `json:"field"`
	Method          string            `json:"method"`
	ForegroundTotal uint64            `json:"foreground_total"`
	BackgroundTotal uint64            `json:"background_total"`
	Sampled         int               `json:"sampled,omitempty"`
	Items           []SignificantItem `json:"items"`
	TookMS          float64           `json:"took_ms"`
}

// Significant ranks the terms or names of the foreground by JLH
// (count.JLH). Names are archive entities counted exactly in both sets.
// Terms are words as the index stems them, shown in their most common
// written form; stop words, numbers and one-letter words never appear.
// Errors wrap ErrInvalidRequest for bad input and
// context.DeadlineExceeded past the search timeout.
func (s *Service) Significant(ctx context.Context, sr SignificantRequest) (*Significant, error) {
	start := time.Now()
	size, err := s.analysisSize(sr.Size)
	if err != nil {
		return nil, err
	}
	switch sr.Field {
	case FieldTerms, FacetPerson, FacetOrg, FacetPlace:
	case "":
		return nil, fmt.Errorf("%w: field is required (terms, person, org or place)", ErrInvalidRequest)
	default:
		return nil, fmt.Errorf("%w: unknown field %q (want terms, person, org or place)", ErrInvalidRequest, truncate(sr.Field, 40))
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	bg := sr.Request
	bg.Query = sr.Background
	var out *Significant
	if sr.Field == FieldTerms {
		out, err = s.significantTerms(ctx, sr.Request, bg, size)
	} else {
		out, err = s.significantNames(ctx, sr.Field, sr.Request, bg, size)
	}
	if err != nil {
		return nil, err
	}
	out.Field, out.Method = sr.Field, count.MethodJLH
	out.TookMS = tookMS(start)
	return out, nil
}

func (s *Service) significantNames(ctx context.Context, facet string, fg, bg Request, size int) (*Significant, error) {
	all := map[string]int{facet: 1 << 24}
	fres, _, err := s.tally(ctx, fg, all, false, count.Hooks{})
	if err != nil {
		return nil, err
	}
	bres, _, err := s.tally(ctx, bg, all, false, count.Hooks{})
	if err != nil {
		return nil, err
	}
	bgCount := map[string]int{}
	for _, fv := range facetValues(bres.Facets[facet]) {
		bgCount[fv.Value] = fv.Count
	}
	var items []SignificantItem
	for _, fv := range facetValues(fres.Facets[facet]) {
		items = append(items, SignificantItem{Value: fv.Value, FG: fv.Count, BG: bgCount[fv.Value]})
	}
	return &Significant{ForegroundTotal: fres.Total, BackgroundTotal: bres.Total,
		Items: count.Rank(items, fres.Total, bres.Total, size)}, nil
}

// significantTerms finds candidate terms in samples of the foreground
// and background texts, then counts the best candidates exactly in both.
func (s *Service) significantTerms(ctx context.Context, fg, bg Request, size int) (*Significant, error) {
	n := s.lim.SignificantSample
	fgIDs, fgTotal, err := s.sampleIDs(ctx, fg, n, 1, false)
	if err != nil {
		return nil, err
	}
	bgIDs, bgTotal, err := s.sampleIDs(ctx, bg, n, 2, false)
	if err != nil {
		return nil, err
	}
	fgTerms, err := s.sampleTerms(ctx, fgIDs)
	if err != nil {
		return nil, err
	}
	bgTerms, err := s.sampleTerms(ctx, bgIDs)
	if err != nil {
		return nil, err
	}
	// Candidates: the best by JLH on the samples, three times as many as
	// asked for, since sampled counts are rough.
	keep := count.Candidates(fgTerms, bgTerms, 3*size)

	// Exact counts of the candidates, two searches each, on two workers.
	fq, _, err := s.buildQuery(ctx, withValidDefaults(fg))
	if err != nil {
		return nil, err
	}
	bq, _, err := s.buildQuery(ctx, withValidDefaults(bg))
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range 2 {
		wg.Go(func() {
			for i := range next {
				f, err1 := s.countWithTerm(ctx, fq, keep[i].Value)
				b, err2 := s.countWithTerm(ctx, bq, keep[i].Value)
				mu.Lock()
				if err := cmpErr(err1, err2); err != nil && firstErr == nil {
					firstErr = err
				}
				keep[i].FG, keep[i].BG = f, b
				mu.Unlock()
			}
		})
	}
	for i := range keep {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	items := count.Rank(keep, uint64(fgTotal), uint64(bgTotal), size)
	for i := range items {
		items[i].Value = fgTerms.SurfaceForm(items[i].Value)
	}
	out := &Significant{ForegroundTotal: uint64(fgTotal), BackgroundTotal: uint64(bgTotal), Items: items}
	if len(fgIDs) < fgTotal {
		out.Sampled = len(fgIDs)
	}
	return out, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// withValidDefaults is req as Validate leaves it, for building its query
// outside Search (Validate already passed in tally).
func withValidDefaults(req Request) Request {
	if req.Sort == "" {
		req.Sort = SortRelevance
	}
	req.Filters.clampDates()
	req.Restrict.clampDates()
	return req
}

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

// sampleTerms reads the title and body of the articles and counts their
// terms (count.TermCounter).
func (s *Service) sampleTerms(ctx context.Context, ids []string) (*count.TermCounter, error) {
	out := count.NewTermCounter(s.analyzer)
	if len(ids) == 0 {
		return out, nil
	}
	breq := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	breq.Score = bleve.ScoreNone
	breq.Fields = []string{indexer.FieldTitle, indexer.FieldBody}
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	for i, h := range res.Hits {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("read sample: %w", ctx.Err())
		}
		out.Add(fieldString(h.Fields, indexer.FieldTitle), fieldString(h.Fields, indexer.FieldBody))
	}
	return out, nil
}
