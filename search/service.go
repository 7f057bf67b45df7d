package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/indexer/neardup"
	"newsdex/search/count"
	"newsdex/search/querylang"
	"newsdex/search/rank"
	"newsdex/search/shape"
)

// Limits bound what one request may cost. Zero values take the defaults.
type Limits struct {
	DefaultOperator  string        // "and" or "or" between bare words
	Timeout          time.Duration // deadline for one search
	MaxQueryLength   int           // bytes
	MaxClauses       int           // terms in a query, values in a filter
	MaxDepth         int           // parenthesis nesting
	MaxTermExpansion int           // index terms one query may visit (prefix, fuzzy)
	MaxSize          int
	MaxOffset        int // from+size
	MaxFacetSize     int
	TitleBoost       float64
	RecencyBoost     float64
	ResultCache      int // results kept for repeated searches (resultcache.go); 0 means 256, negative none
	MaxAnalysisSize  int // outlets, names, terms or network nodes one analysis returns (issue 13)
	// NearDuplicates says when two articles are copies (dups.go); zero
	// fields take neardup's defaults.
	NearDuplicates    neardup.Options
	SignificantSample int // matching articles whose text significant terms reads
	// Ranking are the BM25, proximity and feedback settings (rank.Params);
	// the zero value takes rank.DefaultParams.
	Ranking rank.Params
}

// DefaultLimits are the limits config.yaml ships with.
func DefaultLimits() Limits {
	return Limits{
		DefaultOperator: "and", Timeout: 5 * time.Second, MaxQueryLength: 4096, MaxClauses: 1024,
		MaxDepth: 32, MaxTermExpansion: 2000, MaxSize: 100, MaxOffset: 1000, MaxFacetSize: 100, TitleBoost: 2,
		MaxAnalysisSize: 200, SignificantSample: 1000, Ranking: rank.DefaultParams(),
	}
}

// SetDefaults fills every unset limit with DefaultLimits's; the
// OpenSearch backend applies the same limits.
func (l *Limits) SetDefaults() {
	d := DefaultLimits()
	if l.DefaultOperator == "" {
		l.DefaultOperator = d.DefaultOperator
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxQueryLength <= 0 {
		l.MaxQueryLength = d.MaxQueryLength
	}
	if l.MaxClauses <= 0 {
		l.MaxClauses = d.MaxClauses
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTermExpansion <= 0 {
		l.MaxTermExpansion = d.MaxTermExpansion
	}
	if l.MaxSize <= 0 {
		l.MaxSize = d.MaxSize
	}
	if l.MaxOffset <= 0 {
		l.MaxOffset = d.MaxOffset
	}
	if l.MaxFacetSize <= 0 {
		l.MaxFacetSize = d.MaxFacetSize
	}
	if l.TitleBoost <= 0 {
		l.TitleBoost = d.TitleBoost
	}
	if l.Ranking == (rank.Params{}) {
		l.Ranking = rank.DefaultParams()
	}
	if l.MaxAnalysisSize <= 0 {
		l.MaxAnalysisSize = d.MaxAnalysisSize
	}
	if l.SignificantSample <= 0 {
		l.SignificantSample = d.SignificantSample
	}
}

// Service answers searches over one Bleve index. It is safe for concurrent
// use; the index may be written while it searches.
type Service struct {
	idx      bleve.Index
	lim      Limits
	logger   *slog.Logger
	analyzer analysis.Analyzer // the index's text analyzer, for snippets
	exact    analysis.Analyzer // its words-as-written analyzer; nil for an index built before it
	aliases  *indexer.Aliases  // canonicalises filter values; may be nil
	columns  *count.Cache      // facet counting (search/count)
	results  *resultCache      // nil when caching is off
	stats    *rank.FieldStats  // true mean field lengths for BM25 (rank)
	ents     *entities         // the archive's entities (entities.go)
	dups     *dupCache         // near-duplicate groups (dups.go)
	stems    *shape.Stems      // stems of words in hits' texts, across searches
}

// stemsKept bounds the stems shared across searches: the words of the
// pages of hits people read; at most about 7 MB.
const stemsKept = 100_000

// NewService returns a Service over idx. aliases may be nil.
func NewService(idx bleve.Index, lim Limits, logger *slog.Logger, aliases *indexer.Aliases) (*Service, error) {
	lim.SetDefaults()
	if err := lim.Ranking.Validate(); err != nil {
		return nil, err
	}
	an := idx.Mapping().AnalyzerNamed(indexer.AnalyzerText)
	if an == nil {
		return nil, fmt.Errorf("index has no %s analyzer: it was built by another program or an older newsdex; rebuild it", indexer.AnalyzerText)
	}
	return &Service{idx: idx, lim: lim, logger: logger, analyzer: an, aliases: aliases,
		exact:   idx.Mapping().AnalyzerNamed(indexer.AnalyzerExact),
		columns: count.NewCache(), results: newResultCache(lim.ResultCache), stats: rank.NewFieldStats(),
		ents: newEntities(idx, aliases, logger), dups: newDupCache(lim.NearDuplicates), stems: shape.NewStems(stemsKept)}, nil
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.lim }

// Hit is one matching article.
type Hit struct {
	ID            string   `json:"id"`
	Score         float64  `json:"score"`
	Title         string   `json:"title"`
	Source        string   `json:"source,omitempty"`
	Published     string   `json:"published,omitempty"`
	URL           string   `json:"url,omitempty"`
	Snippet       string   `json:"snippet"`
	Persons       []string `json:"persons,omitzero"` // nil (left out) only with Request.Compact
	Organizations []string `json:"organizations,omitzero"`
	Places        []string `json:"places,omitzero"`
	Body          string   `json:"body,omitempty"` // only with Request.FullText
	// Copies is the number of articles in the hit's near-duplicate group
	// (1: none) and Group its earliest article (dups.go); both are left
	// out for an index without signatures.
	Copies int    `json:"copies,omitempty"`
	Group  string `json:"group,omitempty"`
	// Ingested is when the article entered the index (RFC 3339), given
	// only when the search is sorted by it.
	Ingested string `json:"ingested,omitempty"`
}

// FacetValue is one value of a facet and the number of matches that have it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Bucket is one interval of the counts over time.
type Bucket = count.Bucket

// Result is the answer to a Request; its JSON is the API's response.
type Result struct {
	Total      uint64                  `json:"total"`
	TookMS     float64                 `json:"took_ms"`
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetValue `json:"facets,omitempty"`
	Histogram  []Bucket                `json:"histogram"` // null unless asked for
	NextCursor string                  `json:"next_cursor,omitempty"`
	// SampleOf is, for a sampled search, the number of matches the sample
	// was drawn from; Total is then the sample's size.
	SampleOf uint64 `json:"sample_of,omitempty"`
}

// storedFields are loaded for every hit: what a result list shows.
var storedFields = []string{indexer.FieldTitle, indexer.FieldBody, indexer.FieldSource, indexer.FieldPublished,
	indexer.FieldURL, indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces}

// Search runs req. Errors wrap ErrInvalidRequest for a bad request or
// query, context.DeadlineExceeded when the search ran out of time.
func (s *Service) Search(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if err := req.Validate(s.lim); err != nil {
		return nil, err
	}
	// A repeated search on an unchanged index is answered from the cache.
	key, cacheable := resultKey(indexVersion(s.idx)+"/"+strconv.FormatUint(s.ents.generation.Load(), 10)+
		"/"+strconv.FormatUint(s.dups.generation.Load(), 10), req)
	if cached, ok := s.results.get(key); cacheable && ok {
		cached.TookMS = float64(time.Since(start).Microseconds()) / 1000
		return cached, nil
	}
	dups, err := s.duplicates(ctx) // copies and group on hits
	if err != nil {
		return nil, err
	}
	q, terms, err := s.buildQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	var sampleOf int
	if req.Sample > 0 { // the matches narrowed to a seeded random sample (sample.go)
		if q, sampleOf, err = s.sampleQuery(ctx, req, q); err != nil {
			return nil, err
		}
	}
	scoreOnlyPage(q, req)
	breq := bleve.NewSearchRequestOptions(q, req.Size, req.From, false)
	adv, advErr := s.idx.Advanced()
	if advErr != nil { // an index alias: Bleve loads the hits' fields
		breq.Fields = storedFields
	}
	breq.SortByCustom(sortOrder(req.Sort))
	fp := fingerprint(req)
	if req.Cursor != "" {
		after, err := shape.DecodeCursor(req.Cursor, fp, len(breq.Sort))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
		}
		breq.SetSearchAfter(after)
	}
	for _, f := range req.Facets {
		breq.AddFacet(f, bleve.NewFacetRequest(facetField(f), req.FacetSize))
	}
	if req.Histogram != "" {
		breq.AddFacet(count.HistogramFacet, count.DaysFacet())
	}
	if err := breq.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	res, counted, err := s.runCounted(ctx, breq) // facets counted in the same pass (search/count)
	if err != nil {
		return nil, err
	}
	out := &Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits)), SampleOf: uint64(sampleOf)}
	matcher := shape.NewMatcher(s.analyzer, terms).WithExact(s.exact).WithStems(s.stems)
	shaped := make([]Hit, len(res.Hits))
	if advErr == nil {
		// Bleve would load the hits' stored fields one after another at the
		// end of the search; they load beside the snippets instead, from
		// a snapshot of their own (by article id, so merges in between do
		// not matter).
		r, err := adv.Reader()
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		defer r.Close()
		load := &bleve.SearchRequest{Fields: storedFields}
		var loadErr atomic.Pointer[error]
		eachHit(len(res.Hits), matcher, func(i int, m *shape.Matcher) {
			if err, _ := bleve.LoadAndHighlightAllFields(res.Hits[i], load, "", r, nil); err != nil {
				loadErr.CompareAndSwap(nil, &err)
				return
			}
			shaped[i] = s.hit(res.Hits[i], m, req)
		})
		if p := loadErr.Load(); p != nil {
			return nil, fmt.Errorf("search: load hits: %w", *p)
		}
	} else {
		eachHit(len(res.Hits), matcher, func(i int, m *shape.Matcher) { shaped[i] = s.hit(res.Hits[i], m, req) })
	}
	for i, h := range res.Hits {
		hit := shaped[i]
		if (req.Sort == SortIngested || req.Sort == SortIngestedDesc) && len(h.Sort) > 0 {
			if t, err := time.Parse(indexer.IngestStampLayout, h.Sort[0]); err == nil {
				hit.Ingested = t.Format(time.RFC3339Nano)
			}
		}
		if dups.signed {
			hit.Group, hit.Copies = dups.copiesOf(hit.ID)
		}
		out.Hits = append(out.Hits, hit)
	}
	if len(req.Facets) > 0 {
		out.Facets = map[string][]FacetValue{}
		for _, f := range req.Facets {
			out.Facets[f] = facetValues(res.Facets[f])
		}
	}
	if req.Histogram != "" {
		out.Histogram = counted.Histogram(res.Facets[count.HistogramFacet], req.Histogram)
	}
	counted.Release()
	if len(res.Hits) == req.Size && uint64(req.From+req.Size) < res.Total {
		last := res.Hits[len(res.Hits)-1]
		out.NextCursor = shape.EncodeCursor(fp, cursorValues(breq.Sort, last))
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	if cacheable {
		s.results.put(key, out)
	}
	return out, nil
}

// eachHit calls fn for hits 0 to n-1 on up to GOMAXPROCS goroutines,
// each with its own fork of m. A hit's snippet analyses its whole body, so
// the ten snippets of a page cost more than a narrow query's search, and
// with one client the other cores would idle.
func eachHit(n int, m *shape.Matcher, fn func(i int, m *shape.Matcher)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i, m)
		}
		return
	}
	ms := []*shape.Matcher{m}
	for range workers - 1 { // all forked before any goroutine uses m
		ms = append(ms, m.Fork())
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, mw := range ms {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i, mw)
			}
		})
	}
	wg.Wait()
}

// run executes a Bleve request under the service's deadline and term
// expansion limit, and turns Bleve's limit errors into request errors.
func (s *Service) run(ctx context.Context, breq *bleve.SearchRequest) (*bleve.SearchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, bsearch.MaxTermSearchersKey, s.lim.MaxTermExpansion)
	res, err := s.idx.SearchInContext(ctx, breq)
	if err != nil {
		msg := err.Error()
		switch {
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			return nil, fmt.Errorf("search took longer than %s: %w", s.lim.Timeout, context.DeadlineExceeded)
		case errors.Is(err, context.Canceled):
			return nil, err
		case strings.Contains(msg, "TooManyTermSearchers") || strings.Contains(msg, "TooManyClauses"):
			return nil, fmt.Errorf("%w: the query expands to too many index terms (limit %d); make prefixes longer or fuzzy words fewer", ErrTooManyTerms, s.lim.MaxTermExpansion)
		case strings.Contains(msg, "fuzziness"):
			return nil, fmt.Errorf("%w: %s", ErrInvalidRequest, msg)
		}
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// buildQuery parses the user's query and adds the filters, and with
// req.Dedup leaves out the matches that are later copies of another match
// (dedupQuery), which takes a counting pass. It also returns the query's
// positive terms, for snippets.
func (s *Service) buildQuery(ctx context.Context, req Request) (query.Query, []string, error) {
	q, terms, err := s.parseQuery(req)
	if err != nil || !req.Dedup {
		return q, terms, err
	}
	key, _ := json.Marshal(struct {
		Q, M string
		F, R Filters
		W    []string
	}{req.Query, req.Mode, req.Filters, req.Restrict, req.With})
	q, err = s.dedupQuery(ctx, q, string(key))
	return q, terms, err
}

// parseQuery is buildQuery without dedup.
func (s *Service) parseQuery(req Request) (query.Query, []string, error) {
	text, op := req.Query, s.lim.DefaultOperator
	if req.Mode == ModeNatural { // plain words, ORed and ranked (issue 8)
		text, op = querylang.NaturalQuery(req.Query), "or"
	}
	node, err := querylang.ParseQuery(text, querylang.QueryOptions{
		DefaultOperator: op,
		MaxLength:       s.lim.MaxQueryLength,
		MaxClauses:      s.lim.MaxClauses,
		MaxDepth:        s.lim.MaxDepth,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if err := s.checkCost(node); err != nil {
		return nil, nil, err
	}
	q, err := querylang.ToBleve(node, querylang.TranslateOptions{TitleBoost: s.lim.TitleBoost, Analyze: querylang.MappingAnalyze(s.idx.Mapping()),
		Stats: s.stats, Params: &s.lim.Ranking, Feedback: req.Mode == ModeNatural, // BM25F, proximity, feedback: issue 8
		NoExactFields: s.exact == nil}) // an index built before issue 16
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if s.lim.RecencyBoost > 0 && req.Sort == SortRelevance {
		q = rank.WithRecency(q, s.lim.RecencyBoost, time.Now())
	}
	filters := append(s.filterQueries(req.Filters), s.filterQueries(req.Restrict)...)
	filters = append(filters, ingestFilters(req)...)
	for _, w := range req.With {
		f, _, err := withFilter(w)
		if err != nil {
			return nil, nil, err
		}
		filters = append(filters, s.filterQueries(f)...)
	}
	if len(filters) == 0 {
		return q, querylang.Terms(node), nil
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	if len(filters) == 1 {
		bq.AddFilter(filters[0])
	} else {
		bq.AddFilter(bleve.NewConjunctionQuery(filters...))
	}
	return bq, querylang.Terms(node), nil
}

func (s *Service) filterQueries(f Filters) []query.Query {
	var out []query.Query
	terms := func(field string, values []string) []query.Query {
		var qs []query.Query
		for _, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			qs = append(qs, t)
		}
		return qs
	}
	or := func(qs []query.Query) {
		switch len(qs) {
		case 0:
			// A blocked entity: nothing matches it.
			out = append(out, bleve.NewMatchNoneQuery())
		case 1:
			out = append(out, qs[0])
		default:
			out = append(out, bleve.NewDisjunctionQuery(qs...))
		}
	}
	if len(f.Sources) > 0 {
		var vs []string
		for _, v := range f.Sources {
			c, _ := s.aliases.Canonical(indexer.KindSource, v)
			vs = append(vs, c)
		}
		or(terms(indexer.FieldSource, vs))
	}
	// An entity filter means the archive's entity: every spelling of it,
	// in whichever entity field the articles hold it.
	v := s.ents.current()
	for _, ef := range []struct {
		typ    string
		values []string
	}{{entity.Person, f.Persons}, {entity.Org, f.Orgs}, {entity.Place, f.Places}} {
		if len(ef.values) == 0 {
			continue
		}
		var qs []query.Query
		for _, name := range ef.values {
			byField := map[string][]string{entity.Field(ef.typ): {name}}
			if v != nil {
				byField = v.filterValues(ef.typ, name)
			}
			for _, typ := range entity.Types {
				qs = append(qs, terms(entity.Field(typ), byField[entity.Field(typ)])...)
			}
		}
		or(qs)
	}
	if !f.FromDate.IsZero() || !f.ToDate.IsZero() {
		var from, to time.Time
		if !f.FromDate.IsZero() {
			from = f.FromDate
		}
		if !f.ToDate.IsZero() {
			to = f.ToDate.Add(24*time.Hour - time.Nanosecond) // to_date is a whole day
		}
		incl := true
		r := bleve.NewDateRangeInclusiveQuery(from, to, &incl, &incl)
		r.SetField(indexer.FieldPublished)
		out = append(out, r)
	}
	return out
}

// checkCost refuses a query that would read too much of the index
// (CheckCost) with an error wrapping ErrInvalidRequest and a *QueryError.
func (s *Service) checkCost(node querylang.Node) error {
	var r index.IndexReader
	if adv, err := s.idx.Advanced(); err == nil { // an index alias has none
		ar, err := adv.Reader()
		if err != nil {
			return fmt.Errorf("query cost: %w", err)
		}
		defer ar.Close()
		r = ar
	}
	err := querylang.CheckCost(r, node, querylang.MappingAnalyze(s.idx.Mapping()))
	if qe := (*QueryError)(nil); errors.As(err, &qe) {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return err
}

// facetField maps an API facet name to its index field; "" if unknown.
func facetField(name string) string {
	switch name {
	case FacetSource:
		return indexer.FieldSource
	case FacetPerson:
		return indexer.FieldPersons
	case FacetOrg:
		return indexer.FieldOrganizations
	case FacetPlace:
		return indexer.FieldPlaces
	}
	return ""
}

// scoreOnlyPage tells the words query that makes up a relevance-ordered
// search that only the page's scores need to be exact
// (rank.WordsQuery.TopK). Not after a cursor, whose page is not the best
// scores, nor when anything else adds to the score (filters, dedup,
// samples wrap the words query).
func scoreOnlyPage(q query.Query, req Request) {
	if req.Cursor != "" || req.Size == 0 || !sortOrder(req.Sort)[0].RequiresScoring() {
		return
	}
	switch q := q.(type) {
	case *rank.WordsQuery:
		q.TopK = req.From + req.Size
	case *rank.FeedbackQuery:
		q.Words.TopK = req.From + req.Size
	}
}

func sortOrder(sort string) bsearch.SortOrder {
	switch sort {
	case SortDate, SortDateDesc:
		return bsearch.SortOrder{
			&bsearch.SortField{Field: indexer.FieldPublishedSort, Type: bsearch.SortFieldAsString, Desc: sort == SortDateDesc, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		}
	case SortIngested, SortIngestedDesc:
		return bsearch.SortOrder{
			&bsearch.SortField{Field: indexer.FieldIngested, Type: bsearch.SortFieldAsString, Desc: sort == SortIngestedDesc, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		}
	}
	return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}}
}

// fingerprint identifies what a cursor may continue: the same query,
// filters and sort, whatever the page size.
func fingerprint(req Request) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		Q        string
		F, R     Filters
		S        string
		FullText bool
		M        string   `json:",omitempty"` // query mode; omitted by default so old cursors stay valid
		W        []string `json:",omitempty"` // With
		Sample   string   `json:",omitempty"` // sample, seed, stratify
		Dedup    bool     `json:",omitempty"`
		In       []string `json:",omitempty"` // ingest stamp bounds, undated
	}{req.Query, req.Filters, req.Restrict, req.Sort, req.FullText, req.Mode, req.With, sampleKey(req), req.Dedup, ingestKey(req)})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// ingestKey is what the ingest bounds add to a cursor's fingerprint.
func ingestKey(req Request) []string {
	if req.IngestedFrom == "" && req.IngestedTo == "" && !req.Undated {
		return nil
	}
	return []string{req.IngestedFrom, req.IngestedTo, strconv.FormatBool(req.Undated)}
}

// ingestFilters narrow a search by ingest stamp and to undated articles.
func ingestFilters(req Request) []query.Query {
	var out []query.Query
	if req.IngestedFrom != "" || req.IngestedTo != "" {
		yes := true
		q := bleve.NewTermRangeInclusiveQuery(req.IngestedFrom, req.IngestedTo, &yes, &yes)
		q.SetField(indexer.FieldIngested)
		out = append(out, q)
	}
	if req.Undated {
		// Dated articles are those with a published value: a numeric
		// range over every date the index can hold (a few terms, where a
		// range over published_sort would expand to one per date).
		lo, hi := filterDateBounds()
		yes := true
		dated := bleve.NewDateRangeInclusiveQuery(lo, hi, &yes, &yes)
		dated.SetField(indexer.FieldPublished)
		undated := bleve.NewBooleanQuery()
		undated.AddMust(bleve.NewMatchAllQuery())
		undated.AddMustNot(dated)
		out = append(out, undated)
	}
	return out
}

// cursorValues are the search-after values of a hit under the sort order.
func cursorValues(order bsearch.SortOrder, h *bsearch.DocumentMatch) []string {
	out := make([]string, len(order))
	for i, so := range order {
		switch so.(type) {
		case *bsearch.SortScore:
			out[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		case *bsearch.SortDocID:
			out[i] = h.ID
		default:
			if i < len(h.DecodedSort) {
				out[i] = h.DecodedSort[i]
			}
		}
	}
	return out
}

func (s *Service) hit(h *bsearch.DocumentMatch, m *shape.Matcher, req Request) Hit {
	out := Hit{
		ID:        h.ID,
		Score:     h.Score,
		Title:     fieldString(h.Fields, indexer.FieldTitle),
		Source:    fieldString(h.Fields, indexer.FieldSource),
		Published: fieldString(h.Fields, indexer.FieldPublished),
		URL:       fieldString(h.Fields, indexer.FieldURL),
	}
	if !req.Compact {
		out.Persons, out.Organizations, out.Places = s.entityNames(fieldStrings(h.Fields, indexer.FieldPersons),
			fieldStrings(h.Fields, indexer.FieldOrganizations), fieldStrings(h.Fields, indexer.FieldPlaces))
	}
	body := fieldString(h.Fields, indexer.FieldBody)
	if req.Highlight {
		out.Snippet = m.Snippet(body, out.Title)
	} else {
		out.Snippet = shape.PlainSnippet(body)
	}
	if req.FullText {
		out.Body = body
	}
	return out
}

// fieldString reads a stored field; Bleve returns single values unwrapped.
func fieldString(f map[string]any, name string) string {
	switch v := f[name].(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// fieldStrings reads a stored list field; a one-element list comes back
// from Bleve as a bare string.
func fieldStrings(f map[string]any, name string) []string {
	switch v := f[name].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

func facetValues(fr *bsearch.FacetResult) []FacetValue {
	out := []FacetValue{}
	if fr == nil || fr.Terms == nil {
		return out
	}
	for _, t := range fr.Terms.Terms() {
		out = append(out, FacetValue{Value: t.Term, Count: t.Count})
	}
	return out
}

// Article returns one stored article. It returns an error wrapping
// ErrNotFound when there is none with that id.
func (s *Service) Article(ctx context.Context, id string) (*indexer.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := bleve.NewDocIDQuery([]string{id})
	breq := bleve.NewSearchRequestOptions(q, 1, 0, false)
	breq.Fields = []string{"*"}
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	f := res.Hits[0].Fields
	a := &indexer.Article{
		ID:       id,
		Title:    fieldString(f, indexer.FieldTitle),
		Body:     fieldString(f, indexer.FieldBody),
		Source:   fieldString(f, indexer.FieldSource),
		URL:      fieldString(f, indexer.FieldURL),
		Author:   fieldString(f, indexer.FieldAuthor),
		Category: fieldString(f, indexer.FieldCategory),
		Tags:     fieldStrings(f, indexer.FieldTags),
	}
	a.Persons, a.Organizations, a.Places = s.entityNames(fieldStrings(f, indexer.FieldPersons),
		fieldStrings(f, indexer.FieldOrganizations), fieldStrings(f, indexer.FieldPlaces))
	if p := fieldString(f, indexer.FieldPublished); p != "" {
		a.Published, _ = time.Parse(time.RFC3339, p)
	}
	if m := fieldString(f, indexer.FieldMeta); m != "" {
		_ = json.Unmarshal([]byte(m), &a.Meta)
	}
	return a, nil
}

// FacetValues lists the values of one facet that start with prefix
// (case-insensitively) among the matches of q, most frequent first: how a
// user finds one person among thousands.
func (s *Service) FacetValues(ctx context.Context, facet, prefix string, req Request, size int) ([]FacetValue, error) {
	field := facetField(facet)
	if field == "" {
		return nil, fmt.Errorf("%w: unknown facet %q (want source, person, org or place)", ErrInvalidRequest, facet)
	}
	if size <= 0 {
		size = DefaultFacetSize
	}
	if size > s.lim.MaxFacetSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", ErrInvalidRequest, s.lim.MaxFacetSize, size)
	}
	if len(prefix) > 200 {
		return nil, fmt.Errorf("%w: prefix is longer than 200 bytes", ErrInvalidRequest)
	}
	if !utf8.ValidString(prefix) {
		return nil, fmt.Errorf("%w: prefix is not valid UTF-8", ErrInvalidRequest)
	}
	req.Size, req.From, req.Cursor, req.Facets, req.Histogram = 1, 0, "", nil, ""
	if err := req.Validate(s.lim); err != nil {
		return nil, err
	}
	q, _, err := s.buildQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	breq := bleve.NewSearchRequestOptions(q, 0, 0, false)
	breq.Score = bleve.ScoreNone
	if facet != FacetSource {
		// Entities: count them all (entities, not stored names), then
		// keep those whose name starts with prefix.
		breq.AddFacet(facet, bleve.NewFacetRequest(field, 1<<24))
		res, _, err := s.runCounted(ctx, breq)
		if err != nil {
			return nil, err
		}
		p := strings.ToLower(prefix)
		out := []FacetValue{}
		for _, fv := range facetValues(res.Facets[facet]) {
			if strings.HasPrefix(strings.ToLower(fv.Value), p) {
				out = append(out, fv)
				if len(out) == size {
					break
				}
			}
		}
		return out, nil
	}
	// Facet values keep their display case, so match the prefix in any case.
	fr := bleve.NewFacetRequest(field, size)
	if prefix != "" {
		fr.SetRegexFilter("(?i)^" + regexp.QuoteMeta(prefix))
	}
	breq.AddFacet(facet, fr)
	if err := breq.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	return facetValues(res.Facets[facet]), nil
}

// Stats describes the index.
type Stats struct {
	Articles uint64 `json:"articles"`
	Sources  int    `json:"sources"`
}

// Stats counts articles and distinct outlets.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	n, err := s.idx.DocCount()
	if err != nil {
		return Stats{}, fmt.Errorf("count articles: %w", err)
	}
	breq := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	breq.Score = bleve.ScoreNone
	breq.AddFacet("source", bleve.NewFacetRequest(indexer.FieldSource, 1<<20))
	res, _, err := s.runCounted(ctx, breq)
	if err != nil {
		return Stats{}, err
	}
	sources := 0
	if fr := res.Facets["source"]; fr != nil && fr.Terms != nil {
		sources = fr.Terms.Len()
	}
	return Stats{Articles: n, Sources: sources}, nil
}
