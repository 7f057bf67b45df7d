package opensearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/shape"
)

// Similar returns the articles most like article id, as search.Service
// does: the same distinctive words (search.DistinctiveWords: tf-idf over
// title and body, title words twice, with document frequencies counted
// exactly over the whole index rather than per shard as _termvectors
// and more_like_this count them), each asked for in title and body with
// its weight as boost, and the article's stored names with
// search.SimilarEntityBoost; ranked by OpenSearch's BM25, the article
// left out. req supplies Filters, Restrict, Size (default 10) and
// Highlight. Errors wrap search.ErrNotFound for an unknown id and
// search.ErrInvalidRequest for a bad size.
func (s *Service) Similar(ctx context.Context, id string, req search.Request) (*search.Result, error) {
	start := time.Now()
	if req.Size == 0 {
		req.Size = search.DefaultSimilarSize
	}
	if req.Size < 1 || req.Size > s.lim.MaxSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", search.ErrInvalidRequest, s.lim.MaxSize, req.Size)
	}
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	src, err := s.similarSource(ctx, id)
	if err != nil {
		return nil, err
	}
	words, err := s.distinctiveWords(ctx, src.Title, src.Body)
	if err != nil {
		return nil, err
	}
	var should []obj
	terms := make([]string, 0, len(words))
	for _, w := range words {
		for _, field := range []string{indexer.FieldTitle, indexer.FieldBody} {
			should = append(should, obj{"term": obj{field: obj{"value": w.Term, "boost": w.Weight}}})
		}
		terms = append(terms, w.Term)
	}
	for _, ef := range []struct {
		field  string
		values []string
	}{{indexer.FieldPersons, src.Persons}, {indexer.FieldOrganizations, src.Organizations}, {indexer.FieldPlaces, src.Places}} {
		for _, v := range ef.values {
			should = append(should, obj{"term": obj{ef.field: obj{"value": v, "boost": search.SimilarEntityBoost}}})
		}
	}
	out := &search.Result{Hits: []search.Hit{}}
	if len(should) == 0 {
		return out, nil
	}
	b := obj{"should": should, "minimum_should_match": 1, "must_not": []obj{{"ids": obj{"values": []string{id}}}}}
	if filters := append(s.filterQueries(req.Filters, ar), s.filterQueries(req.Restrict, ar)...); len(filters) > 0 {
		b["filter"] = filters
	}
	body := obj{"query": obj{"bool": b}, "size": req.Size, "track_total_hits": true,
		"_source": obj{"includes": hitFields}, "sort": sortOrder(search.SortRelevance)}
	var res searchResponse
	if err := s.run(ctx, body, &res); err != nil {
		return nil, err
	}
	// The snippet marks the shared words, as search.Service's does.
	m := shape.NewMatcher(s.text, terms)
	out.Total = res.Hits.Total.Value
	for _, h := range res.Hits.Hits {
		out.Hits = append(out.Hits, s.hit(h, m, req, ar))
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// similarSource reads the article's text and stored names.
func (s *Service) similarSource(ctx context.Context, id string) (hitSource, error) {
	var doc struct {
		Found  bool      `json:"found"`
		Source hitSource `json:"_source"`
	}
	q := url.Values{"_source_includes": {indexer.FieldTitle + "," + indexer.FieldBody + "," + indexer.FieldPersons + "," +
		indexer.FieldOrganizations + "," + indexer.FieldPlaces}}
	_, err := s.c.do(ctx, http.MethodGet, request{path: "/" + s.c.index + "/_doc/" + url.PathEscape(id), query: q}, &doc)
	var ce *clusterError
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound || err == nil && !doc.Found {
		return hitSource{}, fmt.Errorf("article %q: %w", id, search.ErrNotFound)
	}
	if err != nil {
		return hitSource{}, fmt.Errorf("similar: article %q: %w", id, err)
	}
	return doc.Source, nil
}

// distinctiveWords chooses the words as search.Service does, with each
// term's document frequency in the body field counted over every shard
// in one request: a filters aggregation, one term filter per word of the
// article, beside the total number of articles.
func (s *Service) distinctiveWords(ctx context.Context, title, body string) ([]search.WeightedTerm, error) {
	tf := search.TermFrequencies(s.text, title, body)
	if len(tf) == 0 {
		return nil, nil
	}
	filters := make(obj, len(tf))
	for t := range tf {
		filters[t] = obj{"term": obj{indexer.FieldBody: t}}
	}
	req := obj{"size": 0, "track_total_hits": true, "query": obj{"match_all": obj{}},
		"aggs": obj{"df": obj{"filters": obj{"filters": filters}}}}
	var res searchResponse
	if err := s.run(ctx, req, &res); err != nil {
		return nil, fmt.Errorf("similar: document frequencies: %w", err)
	}
	var agg struct {
		Buckets map[string]struct {
			DocCount int `json:"doc_count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(res.Aggregations["df"], &agg); err != nil {
		return nil, fmt.Errorf("similar: document frequencies: %w", err)
	}
	df := make(map[string]int, len(agg.Buckets))
	for t, b := range agg.Buckets {
		df[t] = b.DocCount
	}
	return search.DistinctiveWords(tf, int(res.Hits.Total.Value), df), nil
}
