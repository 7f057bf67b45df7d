package querylang

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// phraseQuery is a phrase with prefix words ("immigra* policy"), exact
// ("=\"immigra* policies\"") or not. A prefix word stands for every word of
// ExactField that starts with it, as written; the other words are
// analysed as FieldVal (stemmed) analyses them, or, in an exact phrase, as
// ExactField does. The two fields are analysed alike but for the stemmer,
// so their positions agree and one position check (proximityMatcher, Slop
// 0 for a plain phrase) covers words from both.
//
// The prefix words expand against the term dictionary when the searcher is
// built, bounded like Bleve's own prefixes by
// searcher.DisjunctionMaxClauseCount (search.max_term_expansion).
type phraseQuery struct {
	Phrase     string       `json:"prefix_phrase"`
	FieldVal   string       `json:"field"`
	ExactField string       `json:"exact_field"`
	Exact      bool         `json:"exact,omitempty"`
	Slop       int          `json:"slop,omitempty"`
	BoostVal   *query.Boost `json:"boost,omitempty"`
}

func (q *phraseQuery) SetBoost(b float64) {
	bb := query.Boost(b)
	q.BoostVal = &bb
}

func (q *phraseQuery) Boost() float64    { return q.BoostVal.Value() }
func (q *phraseQuery) SetField(f string) { q.FieldVal = f }
func (q *phraseQuery) Field() string     { return q.FieldVal }

func (q *phraseQuery) Validate() error {
	if q.Slop < 0 {
		return fmt.Errorf("phrase query: negative slop %d", q.Slop)
	}
	return nil
}

// PhraseWord is one word of a phrase as the index sees it.
type PhraseWord struct {
	Pos    int    // token position (stop words leave gaps)
	Start  int    // byte offsets of the word in the phrase text
	End    int    //
	Prefix string // folded prefix for a word written with a trailing *; "" otherwise
}

// PhraseWords tokenizes a phrase with an (an index analyzer built by
// indexer.NewMapping: char filters, tokenizer, token filters), reporting
// which words end in * and are prefixes. Words the analyzer drops (stop
// words) are left out unless they are prefixes; positions keep their gaps.
// The second result holds each kept non-prefix word's analysed term.
func PhraseWords(an analysis.Analyzer, text string) ([]PhraseWord, []string) {
	da, ok := an.(*analysis.DefaultAnalyzer)
	if !ok {
		var ws []PhraseWord
		var ts []string
		for _, t := range an.Analyze([]byte(text)) {
			ws = append(ws, PhraseWord{Pos: t.Position, Start: t.Start, End: t.End})
			ts = append(ts, string(t.Term))
		}
		return ws, ts
	}
	var words []PhraseWord
	var terms []string
	for _, t := range da.Tokenizer.Tokenize([]byte(text)) {
		w := PhraseWord{Pos: t.Position, Start: t.Start, End: t.End}
		for _, cf := range da.CharFilters {
			t.Term = cf.Filter(t.Term)
		}
		if t.End < len(text) && text[t.End] == '*' {
			w.Prefix = FoldPrefix(string(t.Term))
			words = append(words, w)
			terms = append(terms, "")
			continue
		}
		ts := analysis.TokenStream{t}
		for _, tf := range da.TokenFilters {
			ts = tf.Filter(ts)
		}
		if len(ts) == 0 {
			continue
		}
		words = append(words, w)
		terms = append(terms, string(ts[0].Term))
	}
	return words, terms
}

func (q *phraseQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	field := q.FieldVal
	if field == "" {
		field = m.DefaultSearchField()
	}
	exactField := q.ExactField
	if exactField == "" {
		exactField = field
	}
	wordField := field
	if q.Exact {
		wordField = exactField
	}
	an := m.AnalyzerNamed(m.AnalyzerNameForPath(wordField))
	if an == nil {
		return nil, fmt.Errorf("phrase query: no analyzer for field %q", wordField)
	}
	words, terms := PhraseWords(an, q.Phrase)
	slots := make([]phraseSlot, 0, len(words))
	limit := searcher.DisjunctionMaxClauseCount
	for k, w := range words {
		sl := phraseSlot{pos: w.Pos}
		if w.Prefix == "" {
			sl.terms = []string{wordField + "\x00" + terms[k]}
		} else {
			d, err := i.FieldDictPrefix(exactField, []byte(w.Prefix))
			if err != nil {
				return nil, err
			}
			for e, err := d.Next(); e != nil && err == nil; e, err = d.Next() {
				if limit > 0 && len(sl.terms) >= limit {
					d.Close()
					return nil, fmt.Errorf("TooManyClauses over field: `%s` [%d > maxClauseCount, which is set to %d]", exactField, len(sl.terms)+1, limit)
				}
				sl.terms = append(sl.terms, exactField+"\x00"+e.Term)
			}
			if err := d.Close(); err != nil {
				return nil, err
			}
			if len(sl.terms) == 0 {
				return searcher.NewMatchNoneSearcher(i) // no word starts so
			}
		}
		slots = append(slots, sl)
	}
	return newSlotMatcher(slots, q.Slop).searcher(ctx, i, m, options, q.BoostVal.Value())
}

var (
	_ query.BoostableQuery   = (*phraseQuery)(nil)
	_ query.FieldableQuery   = (*phraseQuery)(nil)
	_ query.ValidatableQuery = (*phraseQuery)(nil)
)
