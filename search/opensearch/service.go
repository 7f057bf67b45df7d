package opensearch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/search"
	"newsdex/search/count"
	"newsdex/search/querylang"
	"newsdex/search/shape"
)

// Backend names this backend in errors and 501 answers.
const Backend = "opensearch"

// unsupported is the error for a feature this backend does not have yet:
// the HTTP layer answers it with 501 and this message.
func unsupported(what string) error {
	return fmt.Errorf("%s is not available with the %s backend yet: %w", what, Backend, errors.ErrUnsupported)
}

// Service answers the HTTP API's reads from the cluster with the same
// JSON as search.Service over Bleve. Matching, filters, facet and
// histogram counts, exports and KWIC are the same; the order of a
// relevance search is OpenSearch's BM25, not newsdex's BM25F.
type Service struct {
	c       *Client
	lim     search.Limits
	logger  *slog.Logger
	aliases *indexer.Aliases
	tr      *translator
	text    analysis.Analyzer // snippets and KWIC find words as the index analyses them
	exact   analysis.Analyzer
	arch    *archiveCache

	counted *entityCounting // shared by copies of the service (walk)
	topK    int             // tests: the top names read per field, instead of topNames
}

// NewService returns a Service over c's index. aliases may be nil. It
// keeps no results of its own; lim.ResultCache < 0 (no result cache, as
// bench --no-cache sets it) turns the shards' request cache off as well.
func NewService(c *Client, lim search.Limits, logger *slog.Logger, aliases *indexer.Aliases) (*Service, error) {
	lim.SetDefaults()
	tr, err := newTranslator(lim.TitleBoost)
	if err != nil {
		return nil, err
	}
	s := &Service{c: c, lim: lim, logger: logger, aliases: aliases, tr: tr, text: tr.text, exact: tr.exact,
		counted: &entityCounting{}}
	s.arch = newArchiveCache(s)
	return s, nil
}

// Limits returns the limits in force.
func (s *Service) Limits() search.Limits { return s.lim }

// Client is the cluster client the service reads with.
func (s *Service) Client() *Client { return s.c }

// facetField maps an API facet name to its field; "" if unknown.
func facetField(name string) string {
	switch name {
	case search.FacetSource:
		return indexer.FieldSource
	case search.FacetPerson:
		return indexer.FieldPersons
	case search.FacetOrg:
		return indexer.FieldOrganizations
	case search.FacetPlace:
		return indexer.FieldPlaces
	}
	return ""
}

// facetType is the entity type behind an entity facet; "" for source.
func facetType(name string) string {
	switch name {
	case search.FacetPerson:
		return entity.Person
	case search.FacetOrg:
		return entity.Org
	case search.FacetPlace:
		return entity.Place
	}
	return ""
}

// parse reads the request's query as search.Service does.
func (s *Service) parse(req search.Request) (querylang.Node, error) {
	text, op := req.Query, s.lim.DefaultOperator
	if req.Mode == search.ModeNatural {
		text, op = querylang.NaturalQuery(req.Query), "or"
	}
	node, err := querylang.ParseQuery(text, querylang.QueryOptions{
		DefaultOperator: op, MaxLength: s.lim.MaxQueryLength, MaxClauses: s.lim.MaxClauses, MaxDepth: s.lim.MaxDepth,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", search.ErrInvalidRequest, err)
	}
	return node, nil
}

// buildQuery is the DSL of the query with the filters, the restriction,
// the with entities and dedup; it also returns the parsed query. Dedup
// leaves out, as search.Service does, every match but the earliest
// matching article of each near-duplicate group (count.Dedup), so a
// story whose earliest copy does not match keeps the copy that does; it
// takes one aggregation listing the matches that have copies.
func (s *Service) buildQuery(ctx context.Context, req search.Request, ar *archive) (obj, querylang.Node, error) {
	node, err := s.parse(req)
	if err != nil {
		return nil, nil, err
	}
	q, err := s.tr.Translate(node)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", search.ErrInvalidRequest, err)
	}
	filters := append(s.filterQueries(req.Filters, ar), s.filterQueries(req.Restrict, ar)...)
	for _, w := range req.With {
		f, err := withFilter(w)
		if err != nil {
			return nil, nil, err
		}
		filters = append(filters, s.filterQueries(f, ar)...)
	}
	if len(filters) > 0 {
		q = obj{"bool": obj{"must": []obj{q}, "filter": filters}}
	}
	if !req.Dedup || len(ar.grouped) == 0 {
		return q, node, nil
	}
	grouped, err := s.listIDs(ctx, obj{"bool": obj{"must": []obj{q}, "filter": []obj{{"ids": obj{"values": ar.grouped}}}}})
	if err != nil {
		return nil, nil, fmt.Errorf("dedup: %w", err)
	}
	excluded := count.Dedup(grouped, ar.of)
	if len(excluded) == 0 {
		return q, node, nil
	}
	return obj{"bool": obj{"must": []obj{q}, "must_not": []obj{{"ids": obj{"values": excluded}}}}}, node, nil
}

// listIDs lists the ids of the matches of q, in id order, with a
// composite aggregation paged to the end.
func (s *Service) listIDs(ctx context.Context, q obj) ([]string, error) {
	var out []string
	var after json.RawMessage
	for {
		c := obj{"size": compositePage, "sources": []obj{{"id": obj{"terms": obj{"field": fieldID}}}}}
		if after != nil {
			c["after"] = after
		}
		var res searchResponse
		if err := s.run(ctx, obj{"query": q, "size": 0, "track_total_hits": false, "aggs": obj{"ids": obj{"composite": c}}}, &res); err != nil {
			return nil, err
		}
		var agg struct {
			AfterKey json.RawMessage `json:"after_key"`
			Buckets  []struct {
				Key struct {
					ID string `json:"id"`
				} `json:"key"`
			} `json:"buckets"`
		}
		if err := json.Unmarshal(res.Aggregations["ids"], &agg); err != nil {
			return nil, fmt.Errorf("read ids: %w", err)
		}
		for _, b := range agg.Buckets {
			out = append(out, b.Key.ID)
		}
		if len(agg.Buckets) < compositePage || len(agg.AfterKey) == 0 {
			return out, nil
		}
		after = agg.AfterKey
	}
}

// withFilter reads one With value, "type:name", as search.Service does.
func withFilter(w string) (search.Filters, error) {
	typ, name, ok := strings.Cut(w, ":")
	name = strings.TrimSpace(name)
	var f search.Filters
	switch {
	case !ok || name == "":
		return f, fmt.Errorf("%w: with must be type:name (person:Ann Lee), got %q", search.ErrInvalidRequest, w)
	case typ == search.FacetPerson:
		f.Persons = []string{name}
	case typ == search.FacetOrg:
		f.Orgs = []string{name}
	case typ == search.FacetPlace:
		f.Places = []string{name}
	case typ == search.FacetSource:
		f.Sources = []string{name}
	default:
		return f, fmt.Errorf("%w: with: unknown type %q (want person, org, place or source)", search.ErrInvalidRequest, typ)
	}
	return f, nil
}

// filterQueries is search.Service's filters in DSL: OR within a field,
// AND across; an entity filter means every spelling of the entity in
// whichever entity field holds it.
func (s *Service) filterQueries(f search.Filters, ar *archive) []obj {
	var out []obj
	none := obj{"match_none": obj{}}
	if len(f.Sources) > 0 {
		vs := make([]string, 0, len(f.Sources))
		for _, v := range f.Sources {
			c, _ := s.aliases.Canonical(indexer.KindSource, v)
			vs = append(vs, c)
		}
		out = append(out, obj{"terms": obj{indexer.FieldSource: vs}})
	}
	for _, ef := range []struct {
		typ    string
		values []string
	}{{entity.Person, f.Persons}, {entity.Org, f.Orgs}, {entity.Place, f.Places}} {
		if len(ef.values) == 0 {
			continue
		}
		byField := map[string][]string{}
		for _, name := range ef.values {
			for fld, vs := range ar.filterValues(ef.typ, name) {
				byField[fld] = append(byField[fld], vs...)
			}
		}
		var qs []obj
		for _, typ := range entity.Types {
			if vs := byField[entity.Field(typ)]; len(vs) > 0 {
				qs = append(qs, obj{"terms": obj{entity.Field(typ): vs}})
			}
		}
		switch len(qs) {
		case 0:
			out = append(out, none) // a blocked entity: nothing matches it
		case 1:
			out = append(out, qs[0])
		default:
			out = append(out, obj{"bool": obj{"should": qs, "minimum_should_match": 1}})
		}
	}
	if !f.FromDate.IsZero() || !f.ToDate.IsZero() {
		r := obj{}
		if !f.FromDate.IsZero() {
			r["gte"] = f.FromDate.UTC().Format(time.RFC3339Nano)
		}
		if !f.ToDate.IsZero() {
			r["lt"] = f.ToDate.Add(24 * time.Hour).UTC().Format(time.RFC3339Nano) // to_date is a whole day
		}
		out = append(out, obj{"range": obj{indexer.FieldPublished: r}})
	}
	return out
}

// sortOrder is search.Service's: relevance, or the date keyword with
// undated articles last, each broken by the article id.
func sortOrder(sort string) []obj {
	idAsc := obj{fieldID: obj{"order": "asc"}}
	switch sort {
	case search.SortDate, search.SortDateDesc:
		order := "asc"
		if sort == search.SortDateDesc {
			order = "desc"
		}
		return []obj{{indexer.FieldPublishedSort: obj{"order": order, "missing": "_last"}}, idAsc}
	}
	return []obj{{"_score": obj{"order": "desc"}}, idAsc}
}

// fingerprint identifies what a cursor may continue (as search.Service's).
func fingerprint(req search.Request) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		Q        string
		F, R     search.Filters
		S        string
		FullText bool
		M        string   `json:",omitempty"`
		W        []string `json:",omitempty"`
		Sample   string   `json:",omitempty"` // sample, seed, stratify
		Dedup    bool     `json:",omitempty"`
		Backend  string
	}{req.Query, req.Filters, req.Restrict, req.Sort, req.FullText, req.Mode, req.With, sampleKey(req), req.Dedup, Backend})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// sampleKey is the part of a cursor's fingerprint a sample adds.
func sampleKey(req search.Request) string {
	if req.Sample == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d/%s", req.Sample, req.Seed, req.Stratify)
}

// hitSource is the part of an article a hit shows.
type hitSource struct {
	Title         string   `json:"title"`
	Body          string   `json:"body"`
	Source        string   `json:"source"`
	Published     string   `json:"published"`
	URL           string   `json:"url"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
	Author        string   `json:"author"`
	Category      string   `json:"category"`
	Tags          []string `json:"tags"`
	Meta          string   `json:"meta"`
}

var hitFields = []string{indexer.FieldTitle, indexer.FieldBody, indexer.FieldSource, indexer.FieldPublished,
	indexer.FieldURL, indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces}

type searchHit struct {
	ID     string            `json:"_id"`
	Score  *float64          `json:"_score"`
	Source hitSource         `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

type searchResponse struct {
	Hits struct {
		Total struct {
			Value uint64 `json:"value"`
		} `json:"total"`
		Hits []searchHit `json:"hits"`
	} `json:"hits"`
	Aggregations map[string]json.RawMessage `json:"aggregations"`
}

// run sends a search under the service's deadline. Errors the cluster
// blames on the query (too many clauses, say) become request errors.
func (s *Service) run(ctx context.Context, body obj, out *searchResponse) error {
	return s.runWithin(ctx, body, out, s.lim.Timeout)
}

// runWithin is run with its own deadline.
func (s *Service) runWithin(ctx context.Context, body obj, out *searchResponse, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode search: %w", err)
	}
	// No partial results: while a node is lost, a search whose shard
	// copy died fails (503, retried on another node) rather than answer
	// with a short total.
	q := url.Values{"timeout": {fmt.Sprintf("%dms", timeout.Milliseconds())}, "allow_partial_search_results": {"false"}}
	// Without newsdex's result cache (Limits.ResultCache < 0, bench
	// --no-cache) the shards' request cache is off too, so that a
	// repeated search is counted again, as it is on Bleve.
	if s.lim.ResultCache < 0 {
		q.Set("request_cache", "false")
	}
	// A search is a read: when a node drops out while it runs (the
	// coordinating node reports node_disconnected_exception with a 500,
	// say), it is sent again, on another node, rather than failed.
	for attempt := 0; ; attempt++ {
		_, err = s.c.do(ctx, http.MethodPost, request{path: "/" + s.c.index + "/_search", query: q, body: b}, out)
		if err == nil || attempt == 3 || ctx.Err() != nil || !transient(err) {
			break
		}
		s.c.resent.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	var ce *clusterError
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("search took longer than %s: %w", timeout, context.DeadlineExceeded)
	case errors.As(err, &ce) && ce.Status == http.StatusBadRequest &&
		(strings.Contains(ce.Reason, "too_many") || strings.Contains(ce.Type, "too_many") || strings.Contains(ce.Reason, "maxClauseCount") || strings.Contains(ce.Reason, "expansion")):
		return fmt.Errorf("%w: the query expands to too many index terms; make prefixes longer or fuzzy words fewer", search.ErrInvalidRequest)
	}
	return fmt.Errorf("search: %w", err)
}

// transient reports whether a failed search may succeed when sent again:
// a server-side failure (a node lost mid-search) or no answer at all, not
// a rejected query.
func transient(err error) bool {
	var ce *clusterError
	if errors.As(err, &ce) {
		return ce.Status >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Search runs req. Errors wrap search.ErrInvalidRequest for a bad request
// or query and context.DeadlineExceeded when it ran out of time.
func (s *Service) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	start := time.Now()
	if err := req.Validate(s.lim); err != nil {
		return nil, err
	}
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	q, node, err := s.buildQuery(ctx, req, ar)
	if err != nil {
		return nil, err
	}
	var sampleOf int
	if req.Sample > 0 {
		// The matches narrowed to a seeded random sample, drawn in Go
		// from every match's id and outlet as the Bleve backend draws it.
		var ids []string
		ids, sampleOf, err = search.SampleIDs(ctx, counting{s}, req, req.Sample, req.Seed, req.Stratify == search.FacetSource)
		if err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		if ids == nil {
			ids = []string{} // no matches: the sample is empty, not null
		}
		q = obj{"bool": obj{"must": []obj{q}, "filter": []obj{{"ids": obj{"values": ids}}}}}
	}
	body := obj{"query": q, "size": req.Size, "track_total_hits": true, "track_scores": true,
		"_source": obj{"includes": hitFields}, "sort": sortOrder(req.Sort)}
	if req.From > 0 {
		body["from"] = req.From
	}
	fp := fingerprint(req)
	if req.Cursor != "" {
		after, err := shape.DecodeCursor(req.Cursor, fp, 2)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", search.ErrInvalidRequest, err)
		}
		sa, err := searchAfter(req.Sort, after)
		if err != nil {
			return nil, err
		}
		body["search_after"] = sa
	}
	// The page of hits and the counts are separate requests: sent
	// together, a search waits for the slower, not for both.
	var counts search.Result
	countErr := make(chan error, 1)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if len(req.Facets) > 0 || req.Histogram != "" {
		go func() { countErr <- s.count(cctx, q, req, ar, &counts) }()
	} else {
		countErr <- nil
	}
	var res searchResponse
	if err = s.run(ctx, body, &res); err != nil {
		cancel()
	}
	if cerr := <-countErr; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out := &search.Result{Total: res.Hits.Total.Value, Hits: make([]search.Hit, 0, len(res.Hits.Hits)), SampleOf: uint64(sampleOf),
		Facets: counts.Facets, Histogram: counts.Histogram}
	matcher := shape.NewMatcher(s.text, querylang.Terms(node)).WithExact(s.exact)
	for _, h := range res.Hits.Hits {
		out.Hits = append(out.Hits, s.hit(h, matcher, req, ar))
	}
	if len(res.Hits.Hits) == req.Size && uint64(req.From+req.Size) < out.Total {
		last := res.Hits.Hits[len(res.Hits.Hits)-1]
		out.NextCursor = shape.EncodeCursor(fp, cursorValues(last))
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// cursorValues are a hit's sort values as strings; a missing date is "".
func cursorValues(h searchHit) []string {
	out := make([]string, len(h.Sort))
	for i, raw := range h.Sort {
		var v any
		_ = json.Unmarshal(raw, &v)
		switch v := v.(type) {
		case string:
			out[i] = v
		case float64:
			out[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return out
}

// searchAfter turns a cursor's strings into the sort's typed values.
func searchAfter(sort string, vals []string) ([]any, error) {
	bad := fmt.Errorf("%w: the cursor does not belong to this search", search.ErrInvalidRequest)
	if len(vals) != 2 {
		return nil, bad
	}
	switch sort {
	case search.SortDate, search.SortDateDesc:
		if vals[0] == "" {
			return []any{nil, vals[1]}, nil
		}
		return []any{vals[0], vals[1]}, nil
	}
	f, err := strconv.ParseFloat(vals[0], 64)
	if err != nil {
		return nil, bad
	}
	return []any{f, vals[1]}, nil
}

func (s *Service) hit(h searchHit, m *shape.Matcher, req search.Request, ar *archive) search.Hit {
	src := h.Source
	out := search.Hit{ID: h.ID, Title: src.Title, Source: src.Source, Published: src.Published, URL: src.URL}
	if h.Score != nil {
		out.Score = *h.Score
	}
	if !req.Compact {
		out.Persons, out.Organizations, out.Places = ar.hitEntities(src.Persons, src.Organizations, src.Places)
	}
	if req.Highlight {
		out.Snippet = m.Snippet(src.Body, src.Title)
	} else {
		out.Snippet = shape.PlainSnippet(src.Body)
	}
	if req.FullText {
		out.Body = src.Body
	}
	if ar.signed {
		out.Group, out.Copies = ar.copiesOf(h.ID)
	}
	return out
}

// Article returns one article. It returns an error wrapping
// search.ErrNotFound when there is none with that id.
func (s *Service) Article(ctx context.Context, id string) (*indexer.Article, error) {
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	var doc struct {
		Found  bool      `json:"found"`
		Source hitSource `json:"_source"`
	}
	_, err = s.c.do(ctx, http.MethodGet, request{path: "/" + s.c.index + "/_doc/" + url.PathEscape(id)}, &doc)
	var ce *clusterError
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound || err == nil && !doc.Found {
		return nil, fmt.Errorf("article %q: %w", id, search.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("article %q: %w", id, err)
	}
	f := doc.Source
	a := &indexer.Article{ID: id, Title: f.Title, Body: f.Body, Source: f.Source, URL: f.URL,
		Author: f.Author, Category: f.Category, Tags: f.Tags}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	a.Persons, a.Organizations, a.Places = ar.hitEntities(f.Persons, f.Organizations, f.Places)
	if f.Published != "" {
		a.Published, _ = time.Parse(time.RFC3339, f.Published)
	}
	if f.Meta != "" {
		_ = json.Unmarshal([]byte(f.Meta), &a.Meta)
	}
	return a, nil
}

// FacetValues lists the values of one facet that start with prefix
// (case-insensitively) among the matches of req, most frequent first.
func (s *Service) FacetValues(ctx context.Context, facet, prefix string, req search.Request, size int) ([]search.FacetValue, error) {
	if facetField(facet) == "" {
		return nil, fmt.Errorf("%w: unknown facet %q (want source, person, org or place)", search.ErrInvalidRequest, facet)
	}
	if size <= 0 {
		size = search.DefaultFacetSize
	}
	if size > s.lim.MaxFacetSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", search.ErrInvalidRequest, s.lim.MaxFacetSize, size)
	}
	if len(prefix) > 200 {
		return nil, fmt.Errorf("%w: prefix is longer than 200 bytes", search.ErrInvalidRequest)
	}
	if !utf8.ValidString(prefix) {
		return nil, fmt.Errorf("%w: prefix is not valid UTF-8", search.ErrInvalidRequest)
	}
	req.Size, req.From, req.Cursor, req.Facets, req.Histogram = 1, 0, "", nil, ""
	if err := req.Validate(s.lim); err != nil {
		return nil, err
	}
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	q, _, err := s.buildQuery(ctx, req, ar)
	if err != nil {
		return nil, err
	}
	all, err := s.facetCounts(ctx, q, map[string]facetNeed{facet: {size: size, prefix: strings.ToLower(prefix)}}, ar)
	if err != nil {
		return nil, err
	}
	return all[facet], nil
}

// Stats counts articles and distinct outlets.
func (s *Service) Stats(ctx context.Context) (search.Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	counts, err := s.valueCounts(ctx, obj{"match_all": obj{}}, []string{indexer.FieldSource})
	if err != nil {
		return search.Stats{}, err
	}
	n, err := s.c.Count(ctx)
	if err != nil {
		return search.Stats{}, err
	}
	return search.Stats{Articles: n, Sources: len(counts[indexer.FieldSource])}, nil
}

// Count is the number of articles in the index.
func (c *Client) Count(ctx context.Context) (uint64, error) {
	var res struct {
		Count uint64 `json:"count"`
	}
	if _, err := c.do(ctx, http.MethodGet, request{path: "/" + c.index + "/_count"}, &res); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return res.Count, nil
}

// sortFacet orders facet values as Bleve does: count descending, then
// value ascending.
func sortFacet(vs []search.FacetValue) {
	slices.SortFunc(vs, func(a, b search.FacetValue) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
}
