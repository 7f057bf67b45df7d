package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/blevesearch/bleve/v2/analysis"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/search"
	"newsdex/search/count"
)

// The research analyses are search.Service's algorithms (search.RunTimeline,
// RunCooccurrence, RunSignificant, SampleIDs); this file is only how
// they count on the cluster, every count exact:
//   - histograms and facet values: the composite aggregations of
//     count.go, as a search's histogram= and facets;
//   - entities: facetCountsTotal, an article once per entity whatever
//     spelling (the filters aggregation of entityCounts);
//   - pairs of nodes: a filters aggregation with one filter per node
//     (every stored name of the entity) and, under it, the same filters
//     again, so bucket i/j is the matches naming both. A terms
//     sub-aggregation would count spellings, not entities, and
//     adjacency_matrix refuses more than 100 filters by default
//     (index.max_adjacency_matrix_filters) where a network may have 200
//     nodes. Filters counts are per-shard document counts summed, exact
//     whatever the number of shards;
//   - the matches a sample is drawn from: a composite aggregation over
//     article id and outlet, paged to the end, so the draw (count.Draw,
//     in Go) is the Bleve backend's;
//   - significant names: every name of the foreground (composite and,
//     for merged spellings, filters), then the background counts of the
//     names that can rank, a filters aggregation, one filter per entity;
//   - a term's matches: a filters aggregation, one filter per candidate
//     term, a term query on the stemmed title and body.

// counting counts for the analyses on the cluster.
type counting struct{ s *Service }

var (
	_ search.TimelineCounter    = counting{}
	_ search.NetworkCounter     = counting{}
	_ search.SignificantCounter = counting{}
)

// Timeline counts each query's matches per period (search.RunTimeline).
func (s *Service) Timeline(ctx context.Context, tr search.TimelineRequest) (*search.Timeline, error) {
	return search.RunTimeline(ctx, counting{s}, s.lim, tr)
}

// Cooccurrence is the network of the entities named together in the
// matches (search.RunCooccurrence).
func (s *Service) Cooccurrence(ctx context.Context, cr search.CooccurrenceRequest) (*search.Network, error) {
	return search.RunCooccurrence(ctx, counting{s}, s.lim, cr)
}

// Significant ranks the foreground's distinctive terms or names
// (search.RunSignificant).
func (s *Service) Significant(ctx context.Context, sr search.SignificantRequest) (*search.Significant, error) {
	return search.RunSignificant(ctx, counting{s}, s.lim, sr)
}

// query checks req as a count-only search and returns its DSL and the
// archive it was built with.
func (c counting) query(ctx context.Context, req search.Request) (obj, *archive, error) {
	req.Size, req.From, req.Cursor, req.Facets, req.Histogram = 1, 0, "", nil, ""
	if err := req.Validate(c.s.lim); err != nil {
		return nil, nil, err
	}
	ar, err := c.s.arch.get(ctx)
	if err != nil {
		return nil, nil, err
	}
	q, _, err := c.s.buildQuery(ctx, req, ar)
	if err != nil {
		return nil, nil, err
	}
	return q, ar, nil
}

func (c counting) Histogram(ctx context.Context, req search.Request, interval string) (uint64, []search.Bucket, error) {
	q, _, err := c.query(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	total, counts, err := c.s.valueCountsTotal(ctx, q, []string{indexer.FieldPublishedDay}, c.s.lim.Timeout, true)
	if err != nil {
		return 0, nil, err
	}
	return total, histogram(counts[indexer.FieldPublishedDay], interval), nil
}

func (c counting) TopValues(ctx context.Context, req search.Request, facet string, size int) (uint64, []search.FacetValue, error) {
	q, ar, err := c.query(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	total, vs, _, err := c.s.facetCountsTotal(ctx, q, map[string]facetNeed{facet: {size: size}}, ar, nil, true)
	if err != nil {
		return 0, nil, err
	}
	return total, vs[facet], nil
}

// NameCounts counts the matches naming each entity with one filters
// aggregation (entityFilter per name), rather than every entity of the
// type: significant names ask for the background counts of the
// foreground's names alone.
func (c counting) NameCounts(ctx context.Context, req search.Request, facet string, names []string) (uint64, []int, error) {
	q, ar, err := c.query(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	typ := facetType(facet)
	if typ == "" {
		return 0, nil, fmt.Errorf("%w: %q is not an entity facet", search.ErrInvalidRequest, facet)
	}
	body := obj{"query": q, "size": 0, "track_total_hits": true}
	if len(names) > 0 {
		body["aggs"] = namesAggs(ar, typ, names)
	}
	var res searchResponse
	if err := c.s.run(ctx, body, &res); err != nil {
		return 0, nil, err
	}
	out := make([]int, len(names))
	if len(names) == 0 {
		return res.Hits.Total.Value, out, nil
	}
	var agg struct {
		Buckets map[string]struct {
			DocCount int `json:"doc_count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(res.Aggregations["names"], &agg); err != nil {
		return 0, nil, fmt.Errorf("read name counts: %w", err)
	}
	for i := range names {
		out[i] = agg.Buckets[strconv.Itoa(i)].DocCount
	}
	return res.Hits.Total.Value, out, nil
}

// namesAggs counts the articles naming each entity of names, one filter
// per entity (every stored spelling).
func namesAggs(ar *archive, typ string, names []string) obj {
	filters := obj{}
	for i, n := range names {
		filters[strconv.Itoa(i)] = entityFilter(ar, typ, n)
	}
	return obj{"names": obj{"filters": obj{"filters": filters}}}
}

// entityFacets are the facets of entity.Types, in order.
var entityFacets = [3]string{search.FacetPerson, search.FacetOrg, search.FacetPlace}

// Entities counts the first size entities of each wanted type exactly
// (facetCountsTotal), which holds the first size of all types together.
func (c counting) Entities(ctx context.Context, req search.Request, wantType [3]bool, size int) (uint64, []count.Node, error) {
	q, ar, err := c.query(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	need := map[string]facetNeed{}
	for i, f := range entityFacets {
		if wantType[i] {
			need[f] = facetNeed{size: size}
		}
	}
	total, vs, _, err := c.s.facetCountsTotal(ctx, q, need, ar, nil, true)
	if err != nil {
		return 0, nil, err
	}
	var nodes []count.Node
	for i, f := range entityFacets {
		typ := entity.Types[i]
		for _, v := range vs[f] {
			nodes = append(nodes, count.Node{Type: typ, Name: v.Value, Count: v.Count})
		}
	}
	return total, nodes, nil
}

// entityFilter matches the articles naming an entity by any of its
// stored names, in whichever field holds each.
func entityFilter(ar *archive, typ, name string) obj {
	return namesFilter(ar.filterValues(typ, name))
}

// namesFilter matches the articles naming any of the stored names, given
// by entity field; none when there are none.
func namesFilter(byField map[string][]string) obj {
	var should []obj
	for _, t := range entity.Types {
		if vs := byField[entity.Field(t)]; len(vs) > 0 {
			should = append(should, obj{"terms": obj{entity.Field(t): vs}})
		}
	}
	if len(should) == 0 {
		return obj{"match_none": obj{}}
	}
	return obj{"bool": obj{"should": should, "minimum_should_match": 1}}
}

// pairsAggs is the aggregation counting the articles that name each two
// of nodes: a filters aggregation per node, the same filters under it.
func pairsAggs(ar *archive, nodes []count.Node) obj {
	filters := obj{}
	for i, n := range nodes {
		filters[strconv.Itoa(i)] = entityFilter(ar, n.Type, n.Name)
	}
	return obj{"pairs": obj{
		"filters": obj{"filters": filters},
		"aggs":    obj{"with": obj{"filters": obj{"filters": filters}}},
	}}
}

func (c counting) Pairs(ctx context.Context, req search.Request, nodes []count.Node) (*count.Pairs, error) {
	out := count.NewPairs(len(nodes))
	if len(nodes) < 2 {
		return out, nil
	}
	q, ar, err := c.query(ctx, req)
	if err != nil {
		return nil, err
	}
	var res searchResponse
	body := obj{"query": q, "size": 0, "track_total_hits": false, "aggs": pairsAggs(ar, nodes)}
	if err := c.s.run(ctx, body, &res); err != nil {
		return nil, err
	}
	var agg struct {
		Buckets map[string]struct {
			With struct {
				Buckets map[string]struct {
					DocCount int `json:"doc_count"`
				} `json:"buckets"`
			} `json:"with"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(res.Aggregations["pairs"], &agg); err != nil {
		return nil, fmt.Errorf("read pair counts: %w", err)
	}
	for i := range nodes {
		row := agg.Buckets[strconv.Itoa(i)].With.Buckets
		for j := i + 1; j < len(nodes); j++ {
			out.Set(i, j, row[strconv.Itoa(j)].DocCount)
		}
	}
	return out, nil
}

// Matches lists every match's id and outlet with a composite
// aggregation over both, paged to the end.
func (c counting) Matches(ctx context.Context, req search.Request) ([]count.Ref, []string, error) {
	q, _, err := c.query(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var refs []count.Ref
	var sources []string
	stratum := map[string]uint32{}
	var after json.RawMessage
	for {
		var res searchResponse
		if err := c.s.run(ctx, matchesBody(q, after), &res); err != nil {
			return nil, nil, err
		}
		var agg struct {
			AfterKey json.RawMessage `json:"after_key"`
			Buckets  []struct {
				Key struct {
					ID     string  `json:"id"`
					Source *string `json:"source"`
				} `json:"key"`
			} `json:"buckets"`
		}
		if err := json.Unmarshal(res.Aggregations["m"], &agg); err != nil {
			return nil, nil, fmt.Errorf("read matches: %w", err)
		}
		for _, b := range agg.Buckets {
			r := count.Ref{ID: b.Key.ID}
			if src := b.Key.Source; src != nil {
				if r.Stratum = stratum[*src]; r.Stratum == 0 {
					sources = append(sources, *src)
					r.Stratum = uint32(len(sources))
					stratum[*src] = r.Stratum
				}
			}
			refs = append(refs, r)
		}
		if len(agg.Buckets) < compositePage || len(agg.AfterKey) == 0 {
			return refs, sources, nil
		}
		after = agg.AfterKey
	}
}

// matchesBody is one page of the matches of q by article id, with the
// outlet (null for none).
func matchesBody(q obj, after json.RawMessage) obj {
	c := obj{"size": compositePage, "sources": []obj{
		{"id": obj{"terms": obj{"field": fieldID}}},
		{"source": obj{"terms": obj{"field": indexer.FieldSource, "missing_bucket": true}}},
	}}
	if after != nil {
		c["after"] = after
	}
	return obj{"query": q, "size": 0, "track_total_hits": false, "aggs": obj{"m": obj{"composite": c}}}
}

// textsPage is how many articles' texts one request reads.
const textsPage = 500

func (c counting) Texts(ctx context.Context, ids []string, add func(title, body string)) error {
	for from := 0; from < len(ids); from += textsPage {
		page := ids[from:min(from+textsPage, len(ids))]
		body := obj{"query": obj{"ids": obj{"values": page}}, "size": len(page), "track_total_hits": false,
			"_source": obj{"includes": []string{indexer.FieldTitle, indexer.FieldBody}}}
		var res searchResponse
		if err := c.s.run(ctx, body, &res); err != nil {
			return err
		}
		for _, h := range res.Hits.Hits {
			add(h.Source.Title, h.Source.Body)
		}
	}
	return nil
}

// withTermAggs counts the matches holding each term in the stemmed
// title or body, one filter per term.
func withTermAggs(terms []string) obj {
	filters := obj{}
	for i, t := range terms {
		filters[strconv.Itoa(i)] = obj{"bool": obj{"should": []obj{
			{"term": obj{indexer.FieldTitle: t}},
			{"term": obj{indexer.FieldBody: t}},
		}, "minimum_should_match": 1}}
	}
	return obj{"terms": obj{"filters": obj{"filters": filters}}}
}

func (c counting) WithTerm(ctx context.Context, req search.Request, terms []string) ([]int, error) {
	out := make([]int, len(terms))
	if len(terms) == 0 {
		return out, nil
	}
	q, _, err := c.query(ctx, req)
	if err != nil {
		return nil, err
	}
	var res searchResponse
	if err := c.s.run(ctx, obj{"query": q, "size": 0, "track_total_hits": false, "aggs": withTermAggs(terms)}, &res); err != nil {
		return nil, err
	}
	var agg struct {
		Buckets map[string]struct {
			DocCount int `json:"doc_count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(res.Aggregations["terms"], &agg); err != nil {
		return nil, fmt.Errorf("read term counts: %w", err)
	}
	for i := range terms {
		out[i] = agg.Buckets[strconv.Itoa(i)].DocCount
	}
	return out, nil
}

func (c counting) Analyzer() analysis.Analyzer { return c.s.text }
