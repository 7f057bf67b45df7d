package querylang

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer"
	"newsdex/search/rank"
)

// DefaultTitleBoost is how much more a title match weighs than a body match.
const DefaultTitleBoost = 2

// TranslateOptions tunes ToBleve.
type TranslateOptions struct {
	// TitleBoost multiplies the score of title clauses (default 2).
	TitleBoost float64
	// Analyze, when set, analyses text as the index analyses field; clauses
	// that analyse to no tokens (stop words: "the", "of") are dropped from
	// the query. MappingAnalyze builds one from the index mapping. When nil,
	// the same clauses are skipped at search time instead (see ToBleve).
	Analyze func(field, text string) []string
	// Stats, when set, scores plain words and phrases with BM25F over the
	// fields' true mean lengths (rank.WordsQuery) instead of Bleve's BM25,
	// whose mean length is wrong (rank.FieldStats); neighbouring words also
	// score for proximity. Prefix and fuzzy words keep Bleve's scoring. Nil
	// keeps the plain Bleve translation.
	Stats *rank.FieldStats
	// Params are the ranking settings of those scorers; nil means
	// rank.DefaultParams.
	Params *rank.Params
	// Feedback adds pseudo-relevance feedback (rank.FeedbackQuery) to a
	// query that is only plain words, for natural-language questions.
	// Needs Stats.
	Feedback bool
	// NoExactFields is for an index built before the unstemmed copies of
	// title and body (indexer.FieldTitleExact, FieldBodyExact): prefixes
	// then match stemmed terms, as they used to, and exact forms (=word)
	// are refused with an error asking for a rebuild.
	NoExactFields bool
}

// ErrNoExactFields is returned (wrapped) for an exact form or a prefix
// inside a phrase when TranslateOptions.NoExactFields is set.
var ErrNoExactFields = errors.New("this index has no copy of the words as written; rebuild it (newsdex index) to use =word and prefixes in phrases")

// MappingAnalyze returns a TranslateOptions.Analyze that uses the analyzer
// the mapping gives each field (pass idx.Mapping()), so the query drops
// exactly the words the index never stored.
func MappingAnalyze(m mapping.IndexMapping) func(field, text string) []string {
	return func(field, text string) []string {
		an := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
		if an == nil {
			return []string{text} // unknown analyzer: never drop the clause
		}
		toks := an.Analyze([]byte(text))
		out := make([]string, len(toks))
		for i, t := range toks {
			out[i] = string(t.Term)
		}
		return out
	}
}

// ToBleve translates a parsed query into a Bleve query over the newsdex
// fields. Unscoped words and phrases search title (boosted) and body; words
// are MatchQuery and phrases MatchPhraseQuery, so each field's own analyzer
// applies. Prefixes are lower-cased, folded PrefixQuery over the unstemmed
// copies of title and body (indexer.FieldTitleExact, FieldBodyExact), so
// "immigra*" finds "immigration" although its stem is "immigr". Exact
// forms (=word, ="a phrase") are MatchQuery and MatchPhraseQuery on those
// copies; a phrase with a prefix word is a phraseQuery mixing both.
//
// Stop words: a MatchQuery whose text analyses to nothing matches nothing in
// Bleve, which would make "the AND war" unmatchable. Such clauses are
// dropped here when opts.Analyze is set; in any case every compound query
// is built with query.NewBooleanQueryForQueryString, whose conjunctions and
// disjunctions skip clauses that analysed to nothing at search time. A
// query whose every clause is such a word matches nothing, as in
// Elasticsearch.
//
// Errors: an invalid TitleBoost, or a hand-built Node the parser would
// reject (unknown field, bad date).
func ToBleve(n Node, opts TranslateOptions) (query.Query, error) {
	if n == nil {
		return nil, errors.New("translate query: nil node")
	}
	if opts.TitleBoost == 0 {
		opts.TitleBoost = DefaultTitleBoost
	}
	if opts.TitleBoost < 0 || math.IsNaN(opts.TitleBoost) || math.IsInf(opts.TitleBoost, 0) {
		return nil, fmt.Errorf("translate query: title boost %v must be a positive number", opts.TitleBoost)
	}
	t := translator{opts: opts}
	q, ok, err := t.node(n)
	if err != nil {
		return nil, fmt.Errorf("translate query: %w", err)
	}
	if !ok {
		return query.NewMatchNoneQuery(), nil
	}
	// A phrase is never expanded (natural mode escapes quotes anyway):
	// its words must all be there, in order.
	if wq, isWords := q.(*rank.WordsQuery); isWords && opts.Feedback && !wq.Phrase {
		wq.MinMatch = 1 // any word, also among the parts of a lone word and the added ones
		return &rank.FeedbackQuery{Words: wq}, nil
	}
	return q, nil
}

type translator struct {
	opts TranslateOptions
}

// node returns ok=false for a clause that analysed away and must be dropped.
func (t *translator) node(n Node) (query.Query, bool, error) {
	switch n := n.(type) {
	case MatchAll, *MatchAll:
		return query.NewMatchAllQuery(), true, nil
	case *Term:
		return t.term(n)
	case *Phrase:
		return t.phrase(n)
	case *DateRange:
		q, err := dateRange(n)
		return q, err == nil, err
	case *And:
		return t.and(n.Clauses)
	case *Or:
		return t.or(n.Clauses)
	case *Not:
		c, ok, err := t.node(n.Clause)
		if err != nil || !ok {
			return nil, false, err
		}
		return boolQuery(nil, nil, []query.Query{c}, 0), true, nil
	case *Must:
		return t.node(n.Clause)
	case nil:
		return nil, false, errors.New("nil node")
	}
	return nil, false, fmt.Errorf("unknown node type %T", n)
}

// and is one boolean query: every positive clause a must, every negated one
// a must_not. A NOT-only group is match_all minus those.
func (t *translator) and(cs []Node) (query.Query, bool, error) {
	var must, mustNot []query.Query
	cs, words, err := t.mergeWords(cs, false)
	if err != nil {
		return nil, false, err
	}
	if words != nil {
		must = append(must, words)
	}
	for _, c := range cs {
		neg := false
		switch cc := c.(type) {
		case *Not:
			c, neg = cc.Clause, true
		case *Must:
			c = cc.Clause
		}
		q, ok, err := t.node(c)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if neg {
			mustNot = append(mustNot, q)
		} else {
			must = append(must, q)
		}
	}
	switch {
	case len(must) == 0 && len(mustNot) == 0:
		return nil, false, nil
	case len(must) == 1 && len(mustNot) == 0:
		return must[0], true, nil
	}
	return boolQuery(must, nil, mustNot, 0), true, nil
}

// or needs one of its plain clauses, unless some are +required: then only
// those are required and the plain ones add score. Negated clauses exclude
// from the whole group (Elasticsearch's reading of "a OR -b").
func (t *translator) or(cs []Node) (query.Query, bool, error) {
	var must, should, mustNot []query.Query
	cs, words, err := t.mergeWords(cs, true)
	if err != nil {
		return nil, false, err
	}
	if words != nil {
		should = append(should, words)
	}
	for _, c := range cs {
		dst := &should
		switch cc := c.(type) {
		case *Not:
			c, dst = cc.Clause, &mustNot
		case *Must:
			c, dst = cc.Clause, &must
		}
		q, ok, err := t.node(c)
		if err != nil {
			return nil, false, err
		}
		if ok {
			*dst = append(*dst, q)
		}
	}
	switch {
	case len(must) == 0 && len(should) == 0 && len(mustNot) == 0:
		return nil, false, nil
	case len(must) == 0 && len(should) == 1 && len(mustNot) == 0:
		return should[0], true, nil
	case len(must) == 0:
		return boolQuery(nil, should, mustNot, 1), true, nil
	}
	return boolQuery(must, should, mustNot, 0), true, nil
}

// plainWord reports whether c is an unscoped word that is neither prefix
// nor fuzzy: such words of one AND or OR group score together in one
// rank.WordsQuery, which sums them without Bleve's coordination factor and
// scores their proximity.
func plainWord(c Node) (*Term, bool) {
	t, ok := c.(*Term)
	if !ok || t.Field != "" || t.Prefix || t.Fuzziness != 0 || t.Exact {
		return nil, false
	}
	return t, true
}

// mergeWords takes the plain words out of a group's clauses (positive
// ones only; in an OR group, not +required ones) and returns the other
// clauses and one rank.WordsQuery for the words: all of them required for AND,
// any for OR. Without Stats, or with fewer than two such words, the
// clauses come back unchanged.
func (t *translator) mergeWords(cs []Node, any bool) ([]Node, query.Query, error) {
	if t.opts.Stats == nil {
		return cs, nil, nil
	}
	var words []string
	rest := make([]Node, 0, len(cs))
	for _, c := range cs {
		inner := c
		if m, ok := c.(*Must); ok && !any {
			inner = m.Clause
		}
		if w, ok := plainWord(inner); ok {
			words = append(words, w.Text)
			continue
		}
		rest = append(rest, c)
	}
	if len(words) < 2 {
		return cs, nil, nil
	}
	text := strings.Join(words, " ")
	fs, err := t.fields("")
	if err != nil {
		return nil, nil, err
	}
	q, ok := t.words(text, fs)
	if !ok {
		return rest, nil, nil
	}
	if any {
		q.MinMatch = 1
	}
	return rest, q, nil
}

// words is the rank.WordsQuery for text over fs; false when the text analyses
// to nothing in every field.
func (t *translator) words(text string, fs []fieldSpec) (*rank.WordsQuery, bool) {
	q := &rank.WordsQuery{Text: text, Stats: t.opts.Stats, Params: t.opts.Params}
	kept := false
	for _, f := range fs {
		w := f.boost
		if w == 0 {
			w = 1
		}
		q.Fields = append(q.Fields, rank.WeightField{Name: f.name, Weight: w})
		kept = kept || !t.analysesAway(f.name, text)
	}
	return q, kept
}

// boolQuery builds the query-string flavour of BooleanQuery: its must and
// should lists skip clauses that analysed to nothing at search time, which
// is what keeps "the AND war" matchable without opts.Analyze.
func boolQuery(must, should, mustNot []query.Query, minShould float64) *query.BooleanQuery {
	bq := query.NewBooleanQueryForQueryString(must, should, mustNot)
	if len(should) > 0 && minShould > 0 {
		bq.SetMinShould(minShould)
	}
	return bq
}

type fieldSpec struct {
	name  string
	boost float64 // 0: none
}

// exactFields is fields with title and body replaced by their unstemmed
// copies; the entity and outlet fields are never stemmed and stay.
func (t *translator) exactFields(scope string) ([]fieldSpec, error) {
	fs, err := t.fields(scope)
	if err != nil {
		return nil, err
	}
	out := make([]fieldSpec, len(fs))
	for i, f := range fs {
		f.name = ExactField(f.name)
		out[i] = f
	}
	return out, nil
}

// ExactField is the index field holding field's words as written: the
// unstemmed copy of title and body, and the field itself otherwise.
func ExactField(field string) string {
	switch field {
	case indexer.FieldTitle:
		return indexer.FieldTitleExact
	case indexer.FieldBody:
		return indexer.FieldBodyExact
	}
	return field
}

// FoldPrefix is how a prefix meets the index: lower-cased with
// diacritics folded, as indexer.AnalyzerExact treats the words.
func FoldPrefix(p string) string {
	return strings.ToLower(string(asciifolding.New().Filter([]byte(p))))
}

func (t *translator) fields(scope string) ([]fieldSpec, error) {
	switch scope {
	case "":
		return []fieldSpec{{indexer.FieldTitle, t.opts.TitleBoost}, {indexer.FieldBody, 0}}, nil
	case ScopeTitle:
		return []fieldSpec{{indexer.FieldTitle, t.opts.TitleBoost}}, nil
	case ScopeBody:
		return []fieldSpec{{indexer.FieldBody, 0}}, nil
	case ScopeSource:
		return []fieldSpec{{indexer.FieldSourceText, 0}}, nil
	case ScopePerson:
		return []fieldSpec{{indexer.FieldPersonsText, 0}}, nil
	case ScopeOrg:
		return []fieldSpec{{indexer.FieldOrgsText, 0}}, nil
	case ScopePlace:
		return []fieldSpec{{indexer.FieldPlacesText, 0}}, nil
	case ScopePublished:
		return nil, errors.New("published: takes only dates")
	}
	return nil, fmt.Errorf("unknown field %q", scope)
}

// analysesAway reports whether text would leave no tokens in field.
func (t *translator) analysesAway(field, text string) bool {
	return t.opts.Analyze != nil && len(t.opts.Analyze(field, text)) == 0
}

type boostable interface {
	query.Query
	SetBoost(float64)
}

// anyField ORs one query per field; a single field needs no wrapper.
func anyField(qs []query.Query) (query.Query, bool, error) {
	switch len(qs) {
	case 0:
		return nil, false, nil
	case 1:
		return qs[0], true, nil
	}
	return boolQuery(nil, qs, nil, 1), true, nil
}

func (t *translator) term(n *Term) (query.Query, bool, error) {
	fs, err := t.fields(n.Field)
	if err != nil {
		return nil, false, err
	}
	if n.Text == "" {
		return nil, false, errors.New("empty term")
	}
	if n.Exact || (n.Prefix && !t.opts.NoExactFields) {
		if n.Exact && t.opts.NoExactFields {
			return nil, false, ErrNoExactFields
		}
		if fs, err = t.exactFields(n.Field); err != nil {
			return nil, false, err
		}
	}
	if t.opts.Stats != nil && !n.Prefix && n.Fuzziness == 0 && !n.Exact {
		q, ok := t.words(n.Text, fs)
		if !ok {
			return nil, false, nil
		}
		return q, true, nil
	}
	qs := make([]query.Query, 0, len(fs))
	for _, f := range fs {
		var q boostable
		if n.Prefix {
			pq := query.NewPrefixQuery(FoldPrefix(n.Text))
			pq.SetField(f.name)
			q = pq
		} else {
			if t.analysesAway(f.name, n.Text) {
				continue
			}
			mq := query.NewMatchQuery(n.Text)
			mq.SetField(f.name)
			// A word the analyzer splits ("COVID-19") needs all its parts.
			mq.SetOperator(query.MatchQueryOperatorAnd)
			switch {
			case n.Fuzziness == FuzzyAuto:
				mq.SetAutoFuzziness(true)
			case n.Fuzziness > 0:
				mq.SetFuzziness(n.Fuzziness)
			}
			q = mq
		}
		if f.boost != 0 {
			q.SetBoost(f.boost)
		}
		qs = append(qs, q)
	}
	return anyField(qs)
}

func (t *translator) phrase(n *Phrase) (query.Query, bool, error) {
	fs, err := t.fields(n.Field)
	if err != nil {
		return nil, false, err
	}
	if n.Slop < 0 || n.Slop > MaxProximity {
		return nil, false, fmt.Errorf("proximity %d out of range 0..%d", n.Slop, MaxProximity)
	}
	prefixed := hasPrefixWord(n.Text)
	if (n.Exact || prefixed) && t.opts.NoExactFields {
		return nil, false, ErrNoExactFields
	}
	qs := make([]query.Query, 0, len(fs))
	for _, f := range fs {
		// An exact phrase on a field with an unstemmed copy is a
		// phraseQuery too: the copy has no positions (issue 15), so its
		// words are placed through the stemmed field and checked on the
		// stored text. Other fields are their own exact copy.
		exactCopy := n.Exact && ExactField(f.name) != f.name
		af := f.name
		if n.Exact {
			af = ExactField(f.name)
		}
		if !prefixed && t.analysesAway(af, n.Text) {
			continue
		}
		var q boostable
		switch {
		case prefixed || exactCopy:
			q = &phraseQuery{Phrase: n.Text, FieldVal: f.name, ExactField: ExactField(f.name), Exact: n.Exact, Slop: n.Slop}
		case n.Slop == 0:
			pq := query.NewMatchPhraseQuery(n.Text)
			pq.SetField(af)
			q = pq
		default:
			q = &proximityQuery{Proximity: n.Text, FieldVal: af, Slop: n.Slop}
		}
		if f.boost != 0 {
			q.SetBoost(f.boost)
		}
		qs = append(qs, q)
	}
	if t.opts.Stats == nil {
		return anyField(qs)
	}
	// Bleve scores a phrase with its BM25; rank phrase matches by BM25F of
	// their words instead. A plain phrase over title and body is checked
	// by the words' searcher on the positions it reads anyway; any other
	// is kept as a filter.
	if n.Slop == 0 && !n.Exact && !prefixed && len(qs) > 0 && onlyTitleBody(fs) {
		words, ok := t.words(n.Text, fs)
		if ok {
			words.Phrase = true
			return words, true, nil
		}
	}
	filter, ok, err := anyField(qs)
	if err != nil || !ok {
		return filter, ok, err
	}
	words, ok := t.words(withoutPrefixWords(n.Text), fs)
	if !ok {
		return filter, true, nil // only exact or prefix words: the filter scores
	}
	bq := query.NewBooleanQuery([]query.Query{words}, nil, nil)
	bq.AddFilter(filter)
	return bq, true, nil
}

// onlyTitleBody reports whether fs are title and body alone, whose
// analyzer puts one word at each position.
func onlyTitleBody(fs []fieldSpec) bool {
	for _, f := range fs {
		if f.name != indexer.FieldTitle && f.name != indexer.FieldBody {
			return false
		}
	}
	return true
}

// dateRange turns published:[a TO b] into a DateRangeQuery. A bound written
// at day (month, year) granularity covers the whole day (month, year): an
// inclusive end 2019-12-31 ends before 2020-01-01T00:00Z, an exclusive
// start {2019 starts at 2020-01-01.
func dateRange(r *DateRange) (query.Query, error) {
	if r.Field != ScopePublished {
		return nil, fmt.Errorf("date range on %q: only published: has dates", r.Field)
	}
	start, end := query.MinRFC3339CompatibleTime, query.MaxRFC3339CompatibleTime
	startIncl, endIncl := true, true
	if r.From != "*" {
		t, u, err := parseQueryDate(r.From)
		if err != nil {
			return nil, err
		}
		start, startIncl = t, r.FromInclusive
		if !r.FromInclusive && u != unitInstant {
			start, startIncl = addUnit(t, u), true
		}
	}
	if r.To != "*" {
		t, u, err := parseQueryDate(r.To)
		if err != nil {
			return nil, err
		}
		end, endIncl = t, r.ToInclusive
		if r.ToInclusive && u != unitInstant {
			end, endIncl = addUnit(t, u), false
		}
	}
	q := query.NewDateRangeInclusiveQuery(start, end, &startIncl, &endIncl)
	q.SetField(indexer.FieldPublished)
	return q, nil
}

// proximityQuery is "a b"~N: the phrase's words within N position moves of
// their places in the phrase (Lucene's sloppy phrase: the spread of
// position-minus-phrase-offset over the words is at most N, so "b a"
// needs N >= 2). Bleve v2.6.3 has no slop: MatchPhraseQuery and
// MultiPhraseQuery always ask for exact positions (the phrase searcher's
// slop argument is hard-wired to 0). So this runs a conjunction of the
// words with term vectors and keeps documents whose positions fit. Like
// phrases, it finds nothing in a field indexed without term vectors.
//
// A word repeated in the phrase must occur at as many distinct positions,
// which is necessary but, in rare overlapping cases, not sufficient for a
// true match.
//
// It marshals to JSON as {"proximity":..,"field":..,"slop":..} for logs and
// golden files; Bleve's query.ParseQuery cannot read it back.
type proximityQuery struct {
	Proximity string       `json:"proximity"`
	FieldVal  string       `json:"field"`
	Slop      int          `json:"slop"`
	BoostVal  *query.Boost `json:"boost,omitempty"`
}

func (q *proximityQuery) SetBoost(b float64) {
	bb := query.Boost(b)
	q.BoostVal = &bb
}

func (q *proximityQuery) Boost() float64    { return q.BoostVal.Value() }
func (q *proximityQuery) SetField(f string) { q.FieldVal = f }
func (q *proximityQuery) Field() string     { return q.FieldVal }

func (q *proximityQuery) Validate() error {
	if q.Slop < 0 {
		return fmt.Errorf("proximity query: negative slop %d", q.Slop)
	}
	return nil
}

// Searcher analyses the phrase with the field's analyzer, like
// MatchPhraseQuery does.
func (q *proximityQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	field := q.FieldVal
	if field == "" {
		field = m.DefaultSearchField()
	}
	an := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	if an == nil {
		return nil, fmt.Errorf("proximity query: no analyzer for field %q", field)
	}
	pm := newProximityMatcher(an.Analyze([]byte(q.Proximity)), q.Slop, field)
	return pm.searcher(ctx, i, m, options, q.BoostVal.Value())
}

// searcher is the conjunction of pm's slots (each a disjunction of its
// terms) filtered by pm.match.
func (pm *proximityMatcher) searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions, boost float64) (bsearch.Searcher, error) {
	if len(pm.slots) == 0 {
		return searcher.NewMatchNoneSearcher(i)
	}
	parts := pm.parts(boost)
	if len(pm.slots) == 1 {
		return parts[0].Searcher(ctx, i, m, options)
	}
	inner := options
	inner.IncludeTermVectors = true // positions are what we filter on
	s, err := query.NewConjunctionQuery(parts).Searcher(ctx, i, m, inner)
	if err != nil {
		return nil, err
	}
	keep := options.IncludeTermVectors
	return searcher.NewFilteringSearcher(ctx, s, func(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		ok := pm.match(d.FieldTermLocations)
		if !keep {
			d.FieldTermLocations = d.FieldTermLocations[:0]
		}
		return ok
	}), nil
}

// parts is one query per distinct slot of pm: its term, or a disjunction
// of its terms.
func (pm *proximityMatcher) parts(boost float64) []query.Query {
	var parts []query.Query
	seen := map[string]bool{}
	for _, s := range pm.slots {
		key := strings.Join(s, "\x01")
		if seen[key] {
			continue
		}
		seen[key] = true
		alts := make([]query.Query, len(s))
		for j, ft := range s {
			field, term, _ := strings.Cut(ft, "\x00")
			tq := query.NewTermQuery(term)
			tq.SetField(field)
			tq.SetBoost(boost)
			alts[j] = tq
		}
		if len(alts) == 1 {
			parts = append(parts, alts[0])
		} else {
			dq := query.NewDisjunctionQuery(alts)
			dq.SetMin(1)
			parts = append(parts, dq)
		}
	}
	return parts
}

// proximityMatcher checks one document's term positions against a phrase.
// One matcher serves one searcher, which calls it from one goroutine, so
// it keeps scratch buffers.
type proximityMatcher struct {
	slop    int
	slots   [][]string       // field\x00term allowed at each phrase position (several: synonyms, prefix expansions)
	rel     []int            // each slot's position in the phrase
	slotsOf map[string][]int // field\x00term -> slots it fills
	repeats map[string]int   // field\x00term -> slot count, for terms in more than one slot

	events []proxEvent
	stamp  []int
	gen    int
	scr    []int
}

type proxEvent struct {
	key  string // array positions, for multi-valued fields
	off  int    // position minus the slot's phrase offset
	pos  int
	slot int
	term string
}

func newProximityMatcher(toks analysis.TokenStream, slop int, field string) *proximityMatcher {
	slots := make([]phraseSlot, len(toks))
	for i, t := range toks {
		slots[i] = phraseSlot{pos: t.Position, terms: []string{field + "\x00" + string(t.Term)}}
	}
	return newSlotMatcher(slots, slop)
}

// phraseSlot is one word of a phrase: its position and the field\x00term
// keys that may stand there.
type phraseSlot struct {
	pos   int
	terms []string
}

// newSlotMatcher matches slots whose terms may come from different fields
// with aligned positions (a stemmed field and its exact copy).
func newSlotMatcher(slots []phraseSlot, slop int) *proximityMatcher {
	pm := &proximityMatcher{slop: slop, slotsOf: map[string][]int{}}
	if len(slots) == 0 {
		return pm
	}
	var sorted []phraseSlot
	for _, sl := range slots {
		for _, term := range sl.terms {
			sorted = append(sorted, phraseSlot{pos: sl.pos, terms: []string{term}})
		}
	}
	if len(sorted) == 0 {
		return pm
	}
	slices.SortStableFunc(sorted, func(a, b phraseSlot) int { return a.pos - b.pos })
	first := sorted[0].pos
	for _, t := range sorted {
		term := t.terms[0]
		rel := t.pos - first
		if n := len(pm.rel); n > 0 && pm.rel[n-1] == rel {
			if !slices.Contains(pm.slots[n-1], term) {
				pm.slots[n-1] = append(pm.slots[n-1], term)
				pm.slotsOf[term] = append(pm.slotsOf[term], n-1)
			}
			continue
		}
		pm.slots = append(pm.slots, []string{term})
		pm.rel = append(pm.rel, rel)
		pm.slotsOf[term] = append(pm.slotsOf[term], len(pm.slots)-1)
	}
	for term, ss := range pm.slotsOf {
		if len(ss) > 1 {
			if pm.repeats == nil {
				pm.repeats = map[string]int{}
			}
			pm.repeats[term] = len(ss)
		}
	}
	pm.stamp = make([]int, len(pm.slots))
	return pm
}

func arrayKey(ap bsearch.ArrayPositions) string {
	if len(ap) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range ap {
		b.WriteString(strconv.FormatUint(p, 10))
		b.WriteByte(',')
	}
	return b.String()
}

func (pm *proximityMatcher) match(ftls []bsearch.FieldTermLocation) bool {
	ev := pm.events[:0]
	for _, l := range ftls {
		ss := pm.slotsOf[l.Field+"\x00"+l.Term]
		if len(ss) == 0 {
			continue
		}
		key := arrayKey(l.Location.ArrayPositions)
		term := ""
		if pm.repeats != nil {
			term = l.Field + "\x00" + l.Term
		}
		for _, s := range ss {
			ev = append(ev, proxEvent{key: key, off: int(l.Location.Pos) - pm.rel[s], pos: int(l.Location.Pos), slot: s, term: term})
		}
	}
	pm.events = ev
	slices.SortFunc(ev, func(a, b proxEvent) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.off - b.off
	})
	for lo := 0; lo < len(ev); {
		hi := lo + 1
		for hi < len(ev) && ev[hi].key == ev[lo].key {
			hi++
		}
		if pm.matchGroup(ev[lo:hi]) {
			return true
		}
		lo = hi
	}
	return false
}

// matchGroup looks for a window of offsets no wider than the slop that
// holds every slot. Offsets are sorted.
func (pm *proximityMatcher) matchGroup(g []proxEvent) bool {
	n := len(pm.slots)
	if pm.repeats == nil {
		// Classic minimum window: O(len(g)).
		count := pm.scratch(n)
		covered, l := 0, 0
		for r := range g {
			if count[g[r].slot] == 0 {
				covered++
			}
			count[g[r].slot]++
			for covered == n {
				if g[r].off-g[l].off <= pm.slop {
					return true
				}
				count[g[l].slot]--
				if count[g[l].slot] == 0 {
					covered--
				}
				l++
			}
		}
		return false
	}
	// With a repeated word every window within the slop is a candidate,
	// since a wider one may bring the distinct position the narrow one lacks.
	for r := range g {
		pm.gen++
		covered := 0
		for l := r; l >= 0 && g[r].off-g[l].off <= pm.slop; l-- {
			if pm.stamp[g[l].slot] != pm.gen {
				pm.stamp[g[l].slot] = pm.gen
				covered++
			}
			if covered == n && pm.distinctEnough(g[l:r+1]) {
				return true
			}
		}
	}
	return false
}

func (pm *proximityMatcher) scratch(n int) []int {
	if cap(pm.scr) < n {
		pm.scr = make([]int, n)
	}
	pm.scr = pm.scr[:n]
	clear(pm.scr)
	return pm.scr
}

// distinctEnough: a word that fills k slots must occur at k positions.
func (pm *proximityMatcher) distinctEnough(w []proxEvent) bool {
	for term, k := range pm.repeats {
		var ps []int
		for _, e := range w {
			if e.term == term && !slices.Contains(ps, e.pos) {
				ps = append(ps, e.pos)
			}
		}
		if len(ps) < k {
			return false
		}
	}
	return true
}

// compile-time checks: the proximity query is a full Bleve query.
var (
	_ query.BoostableQuery   = (*proximityQuery)(nil)
	_ query.FieldableQuery   = (*proximityQuery)(nil)
	_ query.ValidatableQuery = (*proximityQuery)(nil)
)

// prefixWordRE finds the prefix words of a phrase: letters or digits
// right before a *.
var prefixWordRE = regexp.MustCompile(`[\p{L}\p{N}]+\*`)

// hasPrefixWord reports whether a phrase has a word ending in * ("immigra*
// policy"): such a word is a prefix over the words as written.
func hasPrefixWord(phrase string) bool { return prefixWordRE.MatchString(phrase) }

// withoutPrefixWords drops a phrase's prefix words, which BM25F (over
// stems) cannot score, keeping the others to rank by.
func withoutPrefixWords(phrase string) string { return prefixWordRE.ReplaceAllString(phrase, " ") }
