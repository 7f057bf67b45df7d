package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/search"
)

// Facet and histogram counts are exact. They come from composite
// aggregations, paged to the end, rather than terms aggregations: a
// terms aggregation's counts are exact only when every shard returns
// every value (shard_size at least the field's distinct values on that
// shard, which nothing bounds), while a composite aggregation visits
// every value of every matching document by construction. Newsdex needs
// every value anyway: an entity's count is over all its spellings, so
// the top entities are known only once every stored name is counted.
// An article naming two spellings of one entity counts once: those
// entities are counted again with a filters aggregation, one filter per
// such entity, over the same matches.

// compositePage is the buckets of one composite aggregation page.
const compositePage = 10000

// valueCounts counts the documents matching q per value of each field.
func (s *Service) valueCounts(ctx context.Context, q obj, fields []string) (map[string]map[string]int, error) {
	return s.valueCountsWithin(ctx, q, fields, s.lim.Timeout)
}

// valueCountsWithin is valueCounts with each request's deadline given.
func (s *Service) valueCountsWithin(ctx context.Context, q obj, fields []string, timeout time.Duration) (map[string]map[string]int, error) {
	_, out, err := s.valueCountsTotal(ctx, q, fields, timeout, false)
	return out, err
}

// valueCountsTotal is valueCountsWithin that also returns the number of
// matches when total is set (counted with the first page).
func (s *Service) valueCountsTotal(ctx context.Context, q obj, fields []string, timeout time.Duration, total bool) (uint64, map[string]map[string]int, error) {
	var matches uint64
	out := map[string]map[string]int{}
	after := map[string]json.RawMessage{}
	todo := slices.Clone(fields)
	for _, f := range fields {
		out[f] = map[string]int{}
	}
	for first := true; len(todo) > 0 || first && total; first = false {
		aggs := obj{}
		for _, f := range todo {
			c := obj{"size": compositePage, "sources": []obj{{"v": obj{"terms": obj{"field": f}}}}}
			if a, ok := after[f]; ok {
				c["after"] = a
			}
			aggs[f] = obj{"composite": c}
		}
		body := obj{"query": q, "size": 0, "track_total_hits": first && total}
		if len(aggs) > 0 {
			body["aggs"] = aggs
		}
		var res searchResponse
		if err := s.runWithin(ctx, body, &res, timeout); err != nil {
			return 0, nil, err
		}
		if first {
			matches = res.Hits.Total.Value
		}
		var next []string
		for _, f := range todo {
			var agg struct {
				AfterKey json.RawMessage `json:"after_key"`
				Buckets  []struct {
					Key struct {
						V string `json:"v"`
					} `json:"key"`
					DocCount int `json:"doc_count"`
				} `json:"buckets"`
			}
			if err := json.Unmarshal(res.Aggregations[f], &agg); err != nil {
				return 0, nil, fmt.Errorf("read counts of %s: %w", f, err)
			}
			for _, b := range agg.Buckets {
				out[f][b.Key.V] += b.DocCount
			}
			if len(agg.Buckets) == compositePage && len(agg.AfterKey) > 0 {
				after[f] = agg.AfterKey
				next = append(next, f)
			}
		}
		todo = next
	}
	return matches, out, nil
}

// count fills out's facets and histogram for the matches of q, from one
// pass of composite aggregations over every field they need.
func (s *Service) count(ctx context.Context, q obj, req search.Request, ar *archive, out *search.Result) error {
	need := map[string]facetNeed{}
	for _, f := range req.Facets {
		need[f] = facetNeed{size: req.FacetSize}
	}
	var extra []string
	if req.Histogram != "" {
		extra = append(extra, indexer.FieldPublishedDay)
	}
	all, counts, err := s.facetCountsWith(ctx, q, need, ar, extra)
	if err != nil {
		return err
	}
	if len(req.Facets) > 0 {
		out.Facets = all
	}
	if req.Histogram != "" {
		out.Histogram = histogram(counts[indexer.FieldPublishedDay], req.Histogram)
	}
	return nil
}

// facetNeed is what one facet must return: its first size values
// (all when size < 0) among those whose name starts with prefix
// (lower case).
type facetNeed struct {
	size   int
	prefix string
}

func (n facetNeed) keep(name string) bool {
	return n.prefix == "" || strings.HasPrefix(strings.ToLower(name), n.prefix)
}

func (n facetNeed) cut(vs []search.FacetValue) []search.FacetValue {
	out := []search.FacetValue{}
	for _, v := range vs {
		if n.size >= 0 && len(out) == n.size {
			break
		}
		if n.keep(v.Value) {
			out = append(out, v)
		}
	}
	return out
}

// facetCounts returns each facet's values among the matches of q, in
// facet order, as need says: outlets as stored, entities as the
// archive's entity table names them (blocked ones left out).
func (s *Service) facetCounts(ctx context.Context, q obj, need map[string]facetNeed, ar *archive) (map[string][]search.FacetValue, error) {
	out, _, err := s.facetCountsWith(ctx, q, need, ar, nil)
	return out, err
}

// facetCountsWith is facetCounts that also counts the values of the
// extra fields in the same requests, and returns every field's counts.
func (s *Service) facetCountsWith(ctx context.Context, q obj, need map[string]facetNeed, ar *archive, extra []string) (map[string][]search.FacetValue, map[string]map[string]int, error) {
	_, out, counts, err := s.facetCountsTotal(ctx, q, need, ar, extra, false)
	return out, counts, err
}

// facetCountsTotal is facetCountsWith that also returns the number of
// matches when total is set.
func (s *Service) facetCountsTotal(ctx context.Context, q obj, need map[string]facetNeed, ar *archive, extra []string, total bool) (uint64, map[string][]search.FacetValue, map[string]map[string]int, error) {
	fields := slices.Clone(extra)
	entityNeed := map[string]facetNeed{}
	for f, n := range need {
		if typ := facetType(f); typ == "" {
			fields = append(fields, indexer.FieldSource)
		} else {
			entityNeed[typ] = n
		}
	}
	if len(entityNeed) > 0 {
		for _, typ := range entity.Types {
			fields = append(fields, entity.Field(typ))
		}
	}
	matches, counts, err := s.valueCountsTotal(ctx, q, fields, s.lim.Timeout, total)
	if err != nil {
		return 0, nil, nil, err
	}
	var ents map[string]int // "type\x00name" → articles
	if len(entityNeed) > 0 {
		if ents, err = s.entityCounts(ctx, q, counts, ar, entityNeed); err != nil {
			return 0, nil, nil, err
		}
	}
	out := map[string][]search.FacetValue{}
	for f, n := range need {
		vs := []search.FacetValue{}
		if typ := facetType(f); typ == "" {
			for v, c := range counts[indexer.FieldSource] {
				vs = append(vs, search.FacetValue{Value: v, Count: c})
			}
		} else {
			for k, c := range ents {
				t, name, _ := strings.Cut(k, "\x00")
				if t == typ {
					vs = append(vs, search.FacetValue{Value: name, Count: c})
				}
			}
		}
		sortFacet(vs)
		out[f] = n.cut(vs)
	}
	return matches, out, counts, nil
}

// entityCounts maps stored names to entities and counts each entity's
// articles once: from the value counts for an entity with one stored
// name among the matches, and with a filters aggregation for one with
// several (an article may name two of them). Only entities that can
// reach a type's first need.size are counted that way: an entity's
// count lies between its best name's count and the sum of its names',
// so one whose sum is below the size-th best lower bound cannot. The
// counts returned for the others are their lower bounds; callers keep
// only the first need.size.
func (s *Service) entityCounts(ctx context.Context, q obj, counts map[string]map[string]int, ar *archive, need map[string]facetNeed) (map[string]int, error) {
	type ent struct {
		typ, name string
		blocked   bool
		values    map[string][]string // field → stored names seen among the matches
		names     int
		sum, lo   int
	}
	byKey := map[string]*ent{}
	var order []string
	for _, typ := range entity.Types {
		field := entity.Field(typ)
		for v, n := range counts[field] {
			e := ar.entityOf(typ, v)
			k := e.Type + "\x00" + e.Name
			x := byKey[k]
			if x == nil {
				x = &ent{typ: e.Type, name: e.Name, blocked: e.Blocked, values: map[string][]string{}}
				byKey[k] = x
				order = append(order, k)
			}
			x.values[field] = append(x.values[field], v)
			x.names++
			x.sum += n
			x.lo = max(x.lo, n)
		}
	}
	slices.Sort(order)
	// The size-th best lower bound of each needed type.
	floor := map[string]int{}
	for typ, n := range need {
		if n.size < 0 {
			continue
		}
		var los []int
		for _, k := range order {
			if x := byKey[k]; x.typ == typ && !x.blocked && n.keep(x.name) {
				los = append(los, x.lo)
			}
		}
		if len(los) > n.size {
			slices.SortFunc(los, func(a, b int) int { return b - a })
			floor[typ] = los[n.size-1]
		}
	}
	out := map[string]int{}
	filters := obj{}
	slot := map[string]string{}
	for _, k := range order {
		x := byKey[k]
		n, needed := need[x.typ]
		if x.blocked || !needed || !n.keep(x.name) {
			continue
		}
		if x.names == 1 || x.sum < floor[x.typ] {
			out[k] = x.lo
			continue
		}
		var should []obj
		for _, f := range entity.Types {
			if vs := x.values[entity.Field(f)]; len(vs) > 0 {
				should = append(should, obj{"terms": obj{entity.Field(f): vs}})
			}
		}
		id := strconv.Itoa(len(filters))
		filters[id] = obj{"bool": obj{"should": should, "minimum_should_match": 1}}
		slot[k] = id
	}
	if len(filters) == 0 {
		return out, nil
	}
	var res searchResponse
	body := obj{"query": q, "size": 0, "track_total_hits": false,
		"aggs": obj{"ents": obj{"filters": obj{"filters": filters}}}}
	if err := s.run(ctx, body, &res); err != nil {
		return nil, err
	}
	var agg struct {
		Buckets map[string]struct {
			DocCount int `json:"doc_count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(res.Aggregations["ents"], &agg); err != nil {
		return nil, fmt.Errorf("read entity counts: %w", err)
	}
	for k, id := range slot {
		if n := agg.Buckets[id].DocCount; n > 0 {
			out[k] = n
		}
	}
	return out, nil
}

// histogram rolls per-day counts up into day, week (ISO, keyed by its
// Monday), month or year buckets in time order, as search.Service does.
func histogram(days map[string]int, interval string) []search.Bucket {
	counts := map[string]int{}
	for d, n := range days {
		day, err := time.Parse(time.DateOnly, d)
		if err != nil {
			continue
		}
		counts[bucketKey(day, interval)] += n
	}
	out := []search.Bucket{}
	for k, n := range counts {
		out = append(out, search.Bucket{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b search.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func bucketKey(day time.Time, interval string) string {
	switch interval {
	case "year":
		return day.Format("2006")
	case "month":
		return day.Format("2006-01")
	case "week":
		wd := (int(day.Weekday()) + 6) % 7 // Monday = 0
		return day.AddDate(0, 0, -wd).Format(time.DateOnly)
	}
	return day.Format(time.DateOnly)
}
