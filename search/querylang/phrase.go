package querylang

import (
	"context"
	"fmt"
	"strings"

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
	pm := newSlotMatcher(slots, q.Slop)
	if exactField == field || len(pm.slots) < 2 || !pm.uses(exactField) {
		// Every word has positions in the index (or there is one word,
		// which needs none).
		return pm.searcher(ctx, i, m, options, q.BoostVal.Value())
	}
	return q.copySearcher(ctx, i, m, options, pm, field, exactField)
}

// copySearcher matches a phrase with words of the exact copy, which is
// indexed without positions (issue 15: term vectors on the copy were a
// fifth of the index). The exact copy and the stemmed field are analysed
// alike but for the stemmer, so a word as written at position p has its
// stem at p in the stemmed field, which keeps positions:
//   - the conjunction of the slots' terms (without positions) finds and
//     scores the candidates, exactly as the positional phrase scored them;
//   - the phrase of their stems in the stemmed field (positions, no
//     score) narrows them to documents where the stems stand in place;
//   - the stored text of the stemmed field, analysed again, settles
//     whether the words as written do (stems conflate "rates" and
//     "rated").
func (q *phraseQuery) copySearcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions, pm *proximityMatcher, field, exactField string) (bsearch.Searcher, error) {
	stemAn := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	exactAn := m.AnalyzerNamed(m.AnalyzerNameForPath(exactField))
	if stemAn == nil || exactAn == nil {
		return nil, fmt.Errorf("phrase query: no analyzer for field %q or %q", field, exactField)
	}
	cand, err := query.NewConjunctionQuery(pm.parts(q.BoostVal.Value())).Searcher(ctx, i, m, options)
	if err != nil {
		return nil, err
	}
	verify := &storedPhrase{pm: pm, field: field, exactField: exactField, stemAn: stemAn, exactAn: exactAn,
		stemmed: pm.uses(field), forms: map[string]string{}}
	stems, ok := stemSlots(pm, stemAn, field, exactField)
	if !ok {
		return searcher.NewFilteringSearcher(ctx, cand, func(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
			return verify.match(i, d, nil)
		}), nil
	}
	// The stems' locations (positions and byte offsets) come with the
	// documents where they stand in place, so the check reads only those
	// words of the stored text.
	pre, err := newSlotMatcher(stems, q.Slop).searcher(ctx, i, m, bsearch.SearcherOptions{Score: "none", IncludeTermVectors: true}, 1)
	if err != nil {
		return nil, err
	}
	at := follow(pre)
	fs := searcher.NewFilteringSearcher(ctx, cand, func(sctx *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		ref := at(sctx, d)
		return ref != nil && verify.match(i, d, ref.FieldTermLocations)
	})
	return &closingBoth{Searcher: fs, other: pre}, nil
}

// closingBoth is a searcher that also closes another one it reads from.
type closingBoth struct {
	bsearch.Searcher
	other bsearch.Searcher
}

func (s *closingBoth) Close() error {
	err := s.Searcher.Close()
	if e := s.other.Close(); err == nil {
		err = e
	}
	return err
}

// uses reports whether a slot of pm holds a term of field.
func (pm *proximityMatcher) uses(field string) bool {
	for _, s := range pm.slots {
		for _, t := range s {
			if f, _, _ := strings.Cut(t, "\x00"); f == field {
				return true
			}
		}
	}
	return false
}

// stemSlots maps pm's slots onto the stemmed field: a word as written
// becomes its stem (what the stemmed field's analyzer makes of it). False
// when a word does not analyse to exactly one term.
func stemSlots(pm *proximityMatcher, stemAn analysis.Analyzer, field, exactField string) ([]phraseSlot, bool) {
	out := make([]phraseSlot, len(pm.slots))
	for k, s := range pm.slots {
		out[k].pos = pm.rel[k]
		seen := map[string]bool{}
		for _, ft := range s {
			f, term, _ := strings.Cut(ft, "\x00")
			if f == exactField {
				toks := stemAn.Analyze([]byte(term))
				if len(toks) != 1 {
					return nil, false
				}
				term = string(toks[0].Term)
			}
			key := field + "\x00" + term
			if !seen[key] {
				seen[key] = true
				out[k].terms = append(out[k].terms, key)
			}
		}
	}
	return out, true
}

// follow walks s alongside documents arriving in increasing order (as
// Bleve's BooleanQuery filter does) and returns s's match for each one,
// or nil when s does not match it.
func follow(s bsearch.Searcher) func(*bsearch.SearchContext, *bsearch.DocumentMatch) *bsearch.DocumentMatch {
	var started bool
	var ref *bsearch.DocumentMatch
	return func(sctx *bsearch.SearchContext, d *bsearch.DocumentMatch) *bsearch.DocumentMatch {
		var err error
		if !started {
			started = true
			if ref, err = s.Next(sctx); err != nil {
				ref = nil
			}
		}
		if ref == nil {
			return nil
		}
		if ref.IndexInternalID.Compare(d.IndexInternalID) < 0 {
			sctx.DocumentMatchPool.Put(ref)
			if ref, err = s.Advance(sctx, d.IndexInternalID); err != nil {
				ref = nil
			}
			if ref == nil {
				return nil
			}
		}
		if ref.IndexInternalID.Compare(d.IndexInternalID) != 0 {
			return nil
		}
		return ref
	}
}

// storedPhrase checks a phrase against a document's stored text: the
// field analysed as the exact copy (and, when the phrase has words as the
// stemmed field holds them, as the stemmed field), each word at its
// position.
type storedPhrase struct {
	pm                *proximityMatcher
	field, exactField string
	stemAn, exactAn   analysis.Analyzer
	stemmed           bool              // some slot holds a stemmed term
	forms             map[string]string // a word as the text has it -> as the exact copy has it ("" for not one term)
	locs              []bsearch.FieldTermLocation
}

// match checks d's stored text. stemLocs, when given, are the locations
// of the slots' stems in the stemmed field: then only the words at those
// byte offsets are analysed, unless the text is not ASCII (folding
// diacritics moves the offsets the index recorded) or a word does not
// analyse to one term, when the whole text is.
func (v *storedPhrase) match(i index.IndexReader, d *bsearch.DocumentMatch, stemLocs []bsearch.FieldTermLocation) bool {
	id, err := i.ExternalID(d.IndexInternalID)
	if err != nil {
		return false
	}
	doc, err := i.Document(id)
	if err != nil || doc == nil {
		return false
	}
	var texts [][]byte
	var aps [][]uint64
	doc.VisitFields(func(f index.Field) {
		if f.Name() == v.field {
			texts = append(texts, f.Value())
			aps = append(aps, f.ArrayPositions())
		}
	})
	if len(texts) == 1 && len(aps[0]) == 0 && stemLocs != nil && v.fromLocations(texts[0], stemLocs) {
		return len(v.locs) > 0 && v.pm.match(v.locs)
	}
	v.locs = v.locs[:0]
	for k, text := range texts {
		v.add(v.exactField, v.exactAn, text, aps[k])
		if v.stemmed {
			v.add(v.field, v.stemAn, text, aps[k])
		}
	}
	return len(v.locs) > 0 && v.pm.match(v.locs)
}

// fromLocations fills v.locs from the stems' locations; false when it
// cannot (see match).
func (v *storedPhrase) fromLocations(text []byte, stemLocs []bsearch.FieldTermLocation) bool {
	v.locs = v.locs[:0]
	for _, c := range text {
		if c >= 0x80 {
			return false
		}
	}
	for _, l := range stemLocs {
		if l.Field != v.field || len(l.Location.ArrayPositions) > 0 || l.Location.End > uint64(len(text)) || l.Location.Start >= l.Location.End {
			return false
		}
		loc := bsearch.Location{Pos: l.Location.Pos, Start: l.Location.Start, End: l.Location.End}
		if v.stemmed && len(v.pm.slotsOf[v.field+"\x00"+l.Term]) > 0 {
			v.locs = append(v.locs, bsearch.FieldTermLocation{Field: v.field, Term: l.Term, Location: loc})
		}
		word := string(text[l.Location.Start:l.Location.End])
		form, ok := v.forms[word]
		if !ok {
			if toks := v.exactAn.Analyze([]byte(word)); len(toks) == 1 {
				form = string(toks[0].Term)
			}
			v.forms[word] = form
		}
		if form == "" {
			return false
		}
		if len(v.pm.slotsOf[v.exactField+"\x00"+form]) > 0 {
			v.locs = append(v.locs, bsearch.FieldTermLocation{Field: v.exactField, Term: form, Location: loc})
		}
	}
	return true
}

func (v *storedPhrase) add(field string, an analysis.Analyzer, text []byte, ap []uint64) {
	for _, t := range an.Analyze(text) {
		term := string(t.Term)
		if len(v.pm.slotsOf[field+"\x00"+term]) == 0 {
			continue
		}
		v.locs = append(v.locs, bsearch.FieldTermLocation{Field: field, Term: term,
			Location: bsearch.Location{Pos: uint64(t.Position), Start: uint64(t.Start), End: uint64(t.End), ArrayPositions: ap}})
	}
}

var (
	_ query.BoostableQuery   = (*phraseQuery)(nil)
	_ query.FieldableQuery   = (*phraseQuery)(nil)
	_ query.ValidatableQuery = (*phraseQuery)(nil)
)
