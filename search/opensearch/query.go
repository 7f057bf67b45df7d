package opensearch

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/querylang"
)

// obj is a piece of query DSL.
type obj = map[string]any

// translator turns the query language's tree into OpenSearch's query DSL
// over the fields of indexBody. It mirrors querylang.ToBleve without its
// ranking (BM25F, proximity scoring): the matches are the same, the order
// is OpenSearch's BM25 with the title boosted.
type translator struct {
	titleBoost float64
	// analyze is the Bleve mapping's analysis of a field, used to drop a
	// clause that analyses to nothing (a stop word) as ToBleve does:
	// OpenSearch's match on no terms matches nothing, which would make
	// "the AND war" unmatchable.
	analyze func(field, text string) []string
	text    analysis.Analyzer // for the words of a phrase with prefixes
	exact   analysis.Analyzer
}

// newTranslator uses the analyzers of indexer.NewMapping, which the
// index's own analysis mirrors (indexBody).
func newTranslator(titleBoost float64) (*translator, error) {
	if titleBoost == 0 {
		titleBoost = querylang.DefaultTitleBoost
	}
	if titleBoost < 0 || math.IsNaN(titleBoost) || math.IsInf(titleBoost, 0) {
		return nil, fmt.Errorf("title boost %v must be a positive number", titleBoost)
	}
	m := indexer.NewMapping()
	return &translator{titleBoost: titleBoost, analyze: querylang.MappingAnalyze(m),
		text: m.AnalyzerNamed(indexer.AnalyzerText), exact: m.AnalyzerNamed(indexer.AnalyzerExact)}, nil
}

// Translate returns the DSL for n; a query whose every clause analyses
// away matches nothing, as in Bleve.
func (t *translator) Translate(n querylang.Node) (obj, error) {
	if n == nil {
		return nil, errors.New("translate query: nil node")
	}
	q, ok, err := t.node(n)
	if err != nil {
		return nil, fmt.Errorf("translate query: %w", err)
	}
	if !ok {
		return obj{"match_none": obj{}}, nil
	}
	return q, nil
}

func (t *translator) node(n querylang.Node) (obj, bool, error) {
	switch n := n.(type) {
	case querylang.MatchAll, *querylang.MatchAll:
		return obj{"match_all": obj{}}, true, nil
	case *querylang.Term:
		return t.term(n)
	case *querylang.Phrase:
		return t.phrase(n)
	case *querylang.DateRange:
		q, err := dateRange(n)
		return q, err == nil, err
	case *querylang.And:
		return t.and(n.Clauses)
	case *querylang.Or:
		return t.or(n.Clauses)
	case *querylang.Not:
		c, ok, err := t.node(n.Clause)
		if err != nil || !ok {
			return nil, false, err
		}
		return boolQuery(nil, nil, []obj{c}, 0), true, nil
	case *querylang.Must:
		return t.node(n.Clause)
	case nil:
		return nil, false, errors.New("nil node")
	}
	return nil, false, fmt.Errorf("unknown node type %T", n)
}

func (t *translator) and(cs []querylang.Node) (obj, bool, error) {
	var must, mustNot []obj
	for _, c := range cs {
		neg := false
		switch cc := c.(type) {
		case *querylang.Not:
			c, neg = cc.Clause, true
		case *querylang.Must:
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

// or needs one plain clause unless some are +required; negated clauses
// exclude from the whole group, as in querylang.ToBleve.
func (t *translator) or(cs []querylang.Node) (obj, bool, error) {
	var must, should, mustNot []obj
	for _, c := range cs {
		dst := &should
		switch cc := c.(type) {
		case *querylang.Not:
			c, dst = cc.Clause, &mustNot
		case *querylang.Must:
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

// boolQuery is a bool query. A bool of only must_not matches every
// document but those, as Bleve's does.
func boolQuery(must, should, mustNot []obj, minShould int) obj {
	b := obj{}
	if len(must) > 0 {
		b["must"] = must
	}
	if len(should) > 0 {
		b["should"] = should
		if minShould > 0 {
			b["minimum_should_match"] = minShould
		}
	}
	if len(mustNot) > 0 {
		b["must_not"] = mustNot
	}
	return obj{"bool": b}
}

type fieldSpec struct {
	name  string
	boost float64 // 0: none
}

func (t *translator) fields(scope string) ([]fieldSpec, error) {
	switch scope {
	case "":
		return []fieldSpec{{indexer.FieldTitle, t.titleBoost}, {indexer.FieldBody, 0}}, nil
	case querylang.ScopeTitle:
		return []fieldSpec{{indexer.FieldTitle, t.titleBoost}}, nil
	case querylang.ScopeBody:
		return []fieldSpec{{indexer.FieldBody, 0}}, nil
	case querylang.ScopeSource:
		return []fieldSpec{{indexer.FieldSourceText, 0}}, nil
	case querylang.ScopePerson:
		return []fieldSpec{{indexer.FieldPersonsText, 0}}, nil
	case querylang.ScopeOrg:
		return []fieldSpec{{indexer.FieldOrgsText, 0}}, nil
	case querylang.ScopePlace:
		return []fieldSpec{{indexer.FieldPlacesText, 0}}, nil
	case querylang.ScopePublished:
		return nil, errors.New("published: takes only dates")
	}
	return nil, fmt.Errorf("unknown field %q", scope)
}

func exactFields(fs []fieldSpec) []fieldSpec {
	out := make([]fieldSpec, len(fs))
	for i, f := range fs {
		out[i] = fieldSpec{querylang.ExactField(f.name), f.boost}
	}
	return out
}

// analysesAway reports whether text would leave no tokens in field.
func (t *translator) analysesAway(field, text string) bool {
	return len(t.analyze(field, text)) == 0
}

// anyField ORs one query per field; a single field needs no wrapper.
func anyField(qs []obj) (obj, bool, error) {
	switch len(qs) {
	case 0:
		return nil, false, nil
	case 1:
		return qs[0], true, nil
	}
	return boolQuery(nil, qs, nil, 1), true, nil
}

func withBoost(q obj, b float64) obj {
	if b != 0 {
		q["boost"] = b
	}
	return q
}

func (t *translator) term(n *querylang.Term) (obj, bool, error) {
	fs, err := t.fields(n.Field)
	if err != nil {
		return nil, false, err
	}
	if n.Text == "" {
		return nil, false, errors.New("empty term")
	}
	if n.Exact || n.Prefix {
		fs = exactFields(fs)
	}
	qs := make([]obj, 0, len(fs))
	for _, f := range fs {
		if n.Prefix {
			qs = append(qs, obj{"prefix": obj{f.name: withBoost(obj{"value": querylang.FoldPrefix(n.Text)}, f.boost)}})
			continue
		}
		if t.analysesAway(f.name, n.Text) {
			continue
		}
		// A word the analyzer splits ("COVID-19") needs all its parts.
		m := obj{"query": n.Text, "operator": "and"}
		switch {
		case n.Fuzziness == querylang.FuzzyAuto:
			m["fuzziness"] = "AUTO"
		case n.Fuzziness > 0:
			m["fuzziness"] = n.Fuzziness
		}
		if n.Fuzziness != 0 {
			// Bleve's fuzzy words have no common prefix and do not count
			// a transposition as one edit.
			m["prefix_length"], m["fuzzy_transpositions"] = 0, false
		}
		qs = append(qs, obj{"match": obj{f.name: withBoost(m, f.boost)}})
	}
	return anyField(qs)
}

func (t *translator) phrase(n *querylang.Phrase) (obj, bool, error) {
	fs, err := t.fields(n.Field)
	if err != nil {
		return nil, false, err
	}
	if n.Slop < 0 || n.Slop > querylang.MaxProximity {
		return nil, false, fmt.Errorf("proximity %d out of range 0..%d", n.Slop, querylang.MaxProximity)
	}
	words, terms := querylang.PhraseWords(t.analyzerFor(n.Exact), n.Text)
	prefixed := false
	for _, w := range words {
		prefixed = prefixed || w.Prefix != ""
	}
	qfs := fs
	if n.Exact && !prefixed {
		qfs = exactFields(fs)
	}
	qs := make([]obj, 0, len(fs))
	for _, f := range qfs {
		switch {
		case prefixed:
			if q, ok := spanPhrase(words, terms, f, n); ok {
				qs = append(qs, q)
			}
		case t.analysesAway(f.name, n.Text):
		default:
			m := obj{"query": n.Text}
			if n.Slop > 0 {
				m["slop"] = n.Slop
			}
			qs = append(qs, obj{"match_phrase": obj{f.name: withBoost(m, f.boost)}})
		}
	}
	return anyField(qs)
}

func (t *translator) analyzerFor(exact bool) analysis.Analyzer {
	if exact {
		return t.exact
	}
	return t.text
}

// spanPhrase is a phrase with prefix words ("immigra* policy"): a
// span_near of the analysed words on f and the prefixes on its unstemmed
// copy, masked as f (copy_to keeps their positions in step). The gaps
// stop words left count as slop.
func spanPhrase(words []querylang.PhraseWord, terms []string, f fieldSpec, n *querylang.Phrase) (obj, bool) {
	if len(words) == 0 {
		return nil, false
	}
	exactField := querylang.ExactField(f.name)
	field := f.name
	if n.Exact {
		field = exactField
	}
	clauses := make([]obj, 0, len(words))
	for i, w := range words {
		if w.Prefix != "" {
			pre := obj{"span_multi": obj{"match": obj{"prefix": obj{exactField: obj{"value": w.Prefix}}}}}
			if exactField != field {
				pre = obj{"field_masking_span": obj{"query": pre, "field": field}}
			}
			clauses = append(clauses, pre)
			continue
		}
		clauses = append(clauses, obj{"span_term": obj{field: terms[i]}})
	}
	if len(clauses) == 1 {
		return withBoost(clauses[0], f.boost), true
	}
	gaps := words[len(words)-1].Pos - words[0].Pos - (len(words) - 1)
	return obj{"span_near": withBoost(obj{"clauses": clauses, "slop": n.Slop + gaps, "in_order": n.Slop == 0}, f.boost)}, true
}

// dateRange is published:[a TO b] with the bounds querylang.ToBleve
// computes (a day, month or year bound covers all of it).
func dateRange(r *querylang.DateRange) (obj, error) {
	bq, err := querylang.ToBleve(r, querylang.TranslateOptions{})
	if err != nil {
		return nil, err
	}
	dr, ok := bq.(*query.DateRangeQuery)
	if !ok {
		return nil, fmt.Errorf("date range translated to %T", bq)
	}
	rng := obj{}
	if !dr.Start.IsZero() && dr.Start.Time != query.MinRFC3339CompatibleTime {
		rng[bound(dr.InclusiveStart, "gte", "gt")] = dr.Start.UTC().Format(time.RFC3339Nano)
	}
	if !dr.End.IsZero() && dr.End.Time != query.MaxRFC3339CompatibleTime {
		rng[bound(dr.InclusiveEnd, "lte", "lt")] = dr.End.UTC().Format(time.RFC3339Nano)
	}
	return obj{"range": obj{indexer.FieldPublished: rng}}, nil
}

func bound(incl *bool, yes, no string) string {
	if incl == nil || *incl {
		return yes
	}
	return no
}
