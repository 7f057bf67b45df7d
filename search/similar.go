package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/shape"
)

// Similar-articles settings.
const (
	DefaultSimilarSize = 10
	// similarTerms is how many of the article's most distinctive words
	// the similar-articles query asks for.
	similarTerms = 25
	// similarEntityBoost weighs a shared person, organisation or place
	// against the article's most distinctive word (boost 1). Measured on
	// Reuters-21578 with entities extracted (TestSimilarReuters), the
	// share of the top 10 on the story's topic is 65.6% with no entities,
	// 60.6% at boost 2, 63.0% at 1, 64.2% at 0.5 and 64.7% at 0.25:
	// topics are subjects, which names cut across (USA, Reuters), so the
	// proxy cannot reward names; 0.5 keeps them as a tie-breaker towards
	// the same story. Leaving out names in more than a tenth of the
	// archive changed nothing (60.6% at boost 2).
	similarEntityBoost = 0.5
)

// SimilarEntityBoost is similarEntityBoost, for the OpenSearch backend's
// similar articles.
const SimilarEntityBoost = similarEntityBoost

// Similar returns the articles most like article id ("more like this"):
// those sharing its most distinctive words (tf-idf over title and body,
// title words counted twice) and its people, organisations and places,
// ranked by BM25, the article itself left out. req supplies the filters
// (Filters, Restrict), Size (default 10, at most the search limit) and
// Highlight; its Query is ignored. Errors wrap ErrNotFound for an unknown
// id and ErrInvalidRequest for a bad size.
func (s *Service) Similar(ctx context.Context, id string, req Request) (*Result, error) {
	start := time.Now()
	if req.Size == 0 {
		req.Size = DefaultSimilarSize
	}
	if req.Size < 1 || req.Size > s.lim.MaxSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", ErrInvalidRequest, s.lim.MaxSize, req.Size)
	}
	breq := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	breq.Fields = []string{indexer.FieldTitle, indexer.FieldBody, indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces}
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	f := res.Hits[0].Fields
	words, err := s.distinctiveWords(fieldString(f, indexer.FieldTitle), fieldString(f, indexer.FieldBody))
	if err != nil {
		return nil, err
	}
	var should []query.Query
	var terms []string
	for _, w := range words {
		for _, field := range []string{indexer.FieldTitle, indexer.FieldBody} {
			tq := bleve.NewTermQuery(w.Term)
			tq.SetField(field)
			tq.SetBoost(w.Weight)
			should = append(should, tq)
		}
		terms = append(terms, w.Term)
	}
	for _, field := range []string{indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces} {
		for _, v := range fieldStrings(f, field) {
			tq := bleve.NewTermQuery(v)
			tq.SetField(field)
			tq.SetBoost(similarEntityBoost)
			should = append(should, tq)
		}
	}
	out := &Result{Hits: []Hit{}}
	if len(should) == 0 {
		return out, nil
	}
	bq := bleve.NewBooleanQuery()
	bq.AddShould(should...)
	bq.SetMinShould(1)
	bq.AddMustNot(bleve.NewDocIDQuery([]string{id}))
	if filters := append(s.filterQueries(req.Filters), s.filterQueries(req.Restrict)...); len(filters) > 0 {
		bq.AddFilter(bleve.NewConjunctionQuery(filters...))
	}
	sreq := bleve.NewSearchRequestOptions(bq, req.Size, 0, false)
	sreq.Fields = storedFields
	sres, err := s.run(ctx, sreq)
	if err != nil {
		return nil, err
	}
	// The snippet marks the shared words (stems, analysed again: Porter
	// leaves most stems as they are).
	m := shape.NewMatcher(s.analyzer, terms).WithStems(s.stems)
	out.Total = sres.Total
	for _, h := range sres.Hits {
		out.Hits = append(out.Hits, s.hit(h, m, req))
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// WeightedTerm is one of an article's distinctive words, its weight
// relative to the strongest one's.
type WeightedTerm struct {
	Term   string
	Weight float64
}

// distinctiveWords are the article's index terms with the highest tf-idf
// in the body field (DistinctiveWords).
func (s *Service) distinctiveWords(title, body string) ([]WeightedTerm, error) {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	defer r.Close()
	n, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	tf := TermFrequencies(s.analyzer, title, body)
	df := make(map[string]int, len(tf))
	for term := range tf {
		tr, err := r.TermFieldReader(context.Background(), []byte(term), indexer.FieldBody, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("similar: %w", err)
		}
		df[term] = int(tr.Count())
		tr.Close()
	}
	return DistinctiveWords(tf, int(n), df), nil
}

// TermFrequencies counts an article's index terms as similar articles
// weigh them: title words twice, body words once.
func TermFrequencies(an analysis.Analyzer, title, body string) map[string]float64 {
	tf := map[string]float64{}
	for _, t := range an.Analyze([]byte(title)) {
		tf[string(t.Term)] += 2
	}
	for _, t := range an.Analyze([]byte(body)) {
		tf[string(t.Term)]++
	}
	return tf
}

// DistinctiveWords picks the terms of tf with the highest tf-idf, given
// each one's document frequency df in the body field of n articles,
// leaving out words in fewer than two articles (typos, numbers) and in
// more than a tenth of them. Both backends choose with it, so that they
// ask for the same words.
func DistinctiveWords(tf map[string]float64, n int, df map[string]int) []WeightedTerm {
	var out []WeightedTerm
	for term, c := range tf {
		d := df[term]
		if d < 2 || d > n/10+1 {
			continue
		}
		out = append(out, WeightedTerm{term, (1 + math.Log(c)) * math.Log(float64(n)/float64(d))})
	}
	slices.SortFunc(out, func(a, b WeightedTerm) int {
		if a.Weight != b.Weight {
			return int(math.Copysign(1, b.Weight-a.Weight))
		}
		return strings.Compare(a.Term, b.Term)
	})
	if len(out) > similarTerms {
		out = out[:similarTerms]
	}
	if len(out) > 0 { // weights relative to the strongest word, as boosts
		top := out[0].Weight
		for i := range out {
			out[i].Weight /= top
		}
	}
	return out
}
