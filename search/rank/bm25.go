package rank

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// WordsQuery scores documents for a bag of words over one or more text
// fields with BM25F (Robertson & Zaragoza, "The Probabilistic Relevance
// Framework", 2009): a word's frequency in each field is normalised by the
// field's length against the field's true mean length (FieldStats),
// weighted by the field's weight, summed over the fields, and only then
// saturated with k1, so a word in the title and again in the body does not
// count twice at full strength. Each word adds
// weight * idf * tf~(k1+1)/(k1+tf~), the idf taken from the word's largest
// document frequency over the fields. Words add up; there is no
// coordination factor (Bleve's disjunctions multiply by matched/total,
// which cost 0.04 nDCG@10 on Cranfield).
//
// Proximity: each pair of words next to each other in the query (stop
// words aside) that also occur within Params.ProxWindow positions of each other
// in a field of the document adds 1/distance² to a pair frequency, which
// is normalised, saturated and weighted like a word's, with the rarer
// word's idf.
//
// MinMatch words must occur for a document to match: 1 ORs the words
// (natural-language queries), 0 requires all (the parts of one word the
// analyzer splits, "COVID-19"; words ANDed in the query language).
//
// It replaces Bleve's BM25 for plain words. Bleve v2.6.3's divides by a
// wrong mean length (FieldStats), takes sqrt(tf) for tf, multiplies each
// term by its TF-IDF query weight (boost * idf * query norm), which
// squares idf, and applies the coordination factor; on Cranfield it scores
// nDCG@10 0.477 where this scores 0.528 (FTS5's BM25: 0.528), and fixing
// the mean alone in Bleve gives 0.487. It marshals to JSON for logs and
// golden files; Bleve's query.ParseQuery cannot read it back.
type WordsQuery struct {
	Text     string        `json:"bm25"`
	Fields   []WeightField `json:"fields"`
	MinMatch int           `json:"min_match,omitempty"`
	// Extra are weighted words added to Text's (pseudo-relevance feedback);
	// Text's own words weigh Extra[word] when listed, else 1.
	Extra    map[string]float64 `json:"extra,omitempty"`
	BoostVal *query.Boost       `json:"boost,omitempty"`
	// Phrase requires Text's words as a phrase in one of the fields: at
	// the positions the field's analyzer gives them, a word the analyzer
	// drops leaving its place (as Bleve's MatchPhraseQuery matches). The
	// searcher checks it on the positions it reads for proximity anyway,
	// instead of a phrase searcher reading every posting again.
	Phrase bool `json:"phrase,omitempty"`
	// TopK, when positive, says only the TopK best matches need exact
	// scores, as when the first page of a relevance-ordered search is all
	// that is shown: a document whose words alone, with the most any
	// proximity could add, score below the TopK-th best so far gets the
	// words' score alone, so its positions are never read. The TopK best,
	// and their order, are the same as with every score exact. Set it only
	// when this query's score is the search's whole score.
	TopK int `json:"-"`

	// Stats are the shared field lengths; nil measures them per search.
	Stats *FieldStats `json:"-"`
	// Params are the ranking settings; nil means DefaultParams.
	Params *Params `json:"-"`
}

// WeightField is a field of a WordsQuery and its BM25F weight.
type WeightField struct {
	Name   string  `json:"field"`
	Weight float64 `json:"weight"`
}

func (q *WordsQuery) SetBoost(b float64) {
	bb := query.Boost(b)
	q.BoostVal = &bb
}

func (q *WordsQuery) Boost() float64 { return q.BoostVal.Value() }

// Validate checks the fields and weights.
func (q *WordsQuery) Validate() error {
	if len(q.Fields) == 0 {
		return errors.New("bm25 query: no fields")
	}
	if q.Params != nil {
		if err := q.Params.Validate(); err != nil {
			return err
		}
	}
	for _, f := range q.Fields {
		if !(f.Weight > 0) || math.IsInf(f.Weight, 0) {
			return fmt.Errorf("bm25 query: weight %v of %s must be a positive number", f.Weight, f.Name)
		}
	}
	for w, x := range q.Extra {
		if !(x >= 0) || math.IsInf(x, 0) {
			return fmt.Errorf("bm25 query: weight %v of %q must be a non-negative number", x, w)
		}
	}
	return nil
}

// Searcher analyses the text with each field's analyzer and opens one
// posting list per word and field.
func (q *WordsQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	stats := q.Stats
	if stats == nil {
		stats = NewFieldStats()
	}
	docCount, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("bm25 query: %w", err)
	}
	s := &wordsSearcher{options: options, boost: q.BoostVal.Value(), p: params(q.Params)}
	// Positions serve the phrase, the caller's term vectors and proximity;
	// with TopK proximity reads them from a second reader, and only for
	// the documents that can still reach the top.
	scored := options.Score != "none"
	lazy := q.TopK > 0 && scored && !q.Phrase && !options.IncludeTermVectors && !options.Explain && s.boost > 0
	wordIdx := map[string]int{}
	word := func(w string) int {
		i, ok := wordIdx[w]
		if !ok {
			i = len(s.words)
			wordIdx[w] = i
			s.words = append(s.words, w)
			s.df = append(s.df, 0)
		}
		return i
	}
	// Words in query order; pairs of neighbours for proximity come from
	// the first field's analysis (the text fields share an analyzer).
	perField := make([][]string, len(q.Fields))
	for fi, f := range q.Fields {
		an := m.AnalyzerNamed(m.AnalyzerNameForPath(f.Name))
		if an == nil {
			return nil, fmt.Errorf("bm25 query: no analyzer for field %q", f.Name)
		}
		mean, err := stats.MeanLength(ctx, r, f.Name, an)
		if err != nil {
			return nil, err
		}
		s.fields = append(s.fields, fieldNorm{name: f.Name, weight: f.Weight, mean: mean, b: s.p.B})
		prev := -1
		var prevTok *analysis.Token
		first := -1
		for _, tok := range an.Analyze([]byte(q.Text)) {
			w := string(tok.Term)
			wi := word(w)
			if q.Phrase {
				if first < 0 {
					first = tok.Position
				}
				if s.phrase == nil {
					s.phrase = make([][]phraseWord, len(q.Fields))
				}
				off := tok.Position - first
				if ws := s.phrase[fi]; len(ws) > 0 && ws[len(ws)-1].offset >= off {
					// Two words at one place (a synonym, say) would need
					// either one there: only Bleve's phrase query does that.
					return nil, fmt.Errorf("bm25 query: phrase %q puts two words at one position in %s", q.Text, f.Name)
				}
				s.phrase[fi] = append(s.phrase[fi], phraseWord{word: wi, offset: off})
			}
			if fi == 0 && prev >= 0 && prev != wi && s.p.ProxWeight > 0 && s.p.pair(q.Text, prevTok, tok) {
				s.pairs = append(s.pairs, [2]int{prev, wi})
			}
			prev, prevTok = wi, tok
			perField[fi] = append(perField[fi], w)
		}
		for _, w := range slices.Sorted(maps.Keys(q.Extra)) {
			if q.Extra[w] > 0 {
				word(w)
				perField[fi] = append(perField[fi], w)
			}
		}
	}
	// Positions are read only where proximity or the caller needs them.
	inPair := make([]bool, len(s.words))
	for _, pr := range s.pairs {
		inPair[pr[0]], inPair[pr[1]] = true, true
	}
	for fi, terms := range perField {
		for _, w := range terms {
			wi := wordIdx[w]
			if slices.ContainsFunc(s.postings, func(p *posting) bool { return p.word == wi && p.field == fi }) {
				continue // a word repeated in the text counts once
			}
			if err := bsearch.RecordTermSearcher(ctx); err != nil {
				s.Close()
				return nil, err
			}
			proximity := inPair[wi] && scored
			tr, err := r.TermFieldReader(ctx, []byte(w), q.Fields[fi].Name, true, true, options.IncludeTermVectors || q.Phrase || proximity && !lazy)
			if err != nil {
				s.Close()
				return nil, fmt.Errorf("bm25 query: %w", err)
			}
			s.df[wi] = max(s.df[wi], tr.Count())
			p := &posting{reader: tr, word: wi, field: fi}
			s.postings = append(s.postings, p)
			if proximity && lazy {
				if p.positions, err = r.TermFieldReader(ctx, []byte(w), q.Fields[fi].Name, false, false, true); err != nil {
					s.Close()
					return nil, fmt.Errorf("bm25 query: %w", err)
				}
			}
		}
	}
	if len(s.words) == 0 {
		s.Close()
		return searcher.NewMatchNoneSearcher(r)
	}
	s.minMatch = q.MinMatch
	if s.minMatch <= 0 || s.minMatch > len(s.words) || q.Phrase {
		s.minMatch = len(s.words)
	}
	s.qw = make([]float64, len(s.words))
	s.idf = make([]float64, len(s.words))
	for i, w := range s.words {
		s.qw[i] = 1
		if x, ok := q.Extra[w]; ok {
			s.qw[i] = x
		}
		s.idf[i] = bm25IDF(docCount, s.df[i])
	}
	s.matched = make([]bool, len(s.words))
	s.tf = make([]float64, len(s.words))
	if lazy && len(s.pairs) > 0 {
		s.topK = q.TopK
		s.pairMax = make([]float64, len(s.pairs))
		for i, pr := range s.pairs {
			// saturate never reaches k1+1
			s.pairMax[i] = s.p.ProxWeight * min(s.qw[pr[0]], s.qw[pr[1]]) * min(s.idf[pr[0]], s.idf[pr[1]]) * (s.p.K1 + 1)
		}
	}
	if s.minMatch == len(s.words) && len(s.words) > 1 {
		// Every word required: skip ahead (leapfrog) instead of merging.
		s.byWord = make([][]*posting, len(s.words))
		for _, p := range s.postings {
			s.byWord[p.word] = append(s.byWord[p.word], p)
		}
	}
	for _, p := range s.postings {
		if err := p.next(); err != nil {
			s.Close()
			return nil, fmt.Errorf("bm25 query: %w", err)
		}
		if p.cur != nil {
			s.heap = append(s.heap, p)
		}
	}
	heap.Init(&s.heap)
	return s, nil
}

// pair reports whether two query words that follow each other in the
// analysed text make a proximity pair: with ProxClauses not across a
// clause break (. , ; : ? ! between them), with ProxAdjacent not across a
// stop word either.
func (p Params) pair(text string, a, b *analysis.Token) bool {
	if p.ProxAdjacent && b.Position != a.Position+1 {
		return false
	}
	if p.ProxClauses && a.End <= b.Start && b.Start <= len(text) && strings.ContainsAny(text[a.End:b.Start], ".,;:?!") {
		return false
	}
	return true
}

// bm25IDF is Lucene's BM25 idf, which is never negative.
func bm25IDF(docCount, df uint64) float64 {
	return math.Log(1 + (float64(docCount)-float64(df)+0.5)/(float64(df)+0.5))
}

type fieldNorm struct {
	name   string
	weight float64
	mean   float64 // mean field length; 0 when no document has the field
	b      float64 // BM25 b
}

// lengthNorm is BM25's 1-b+b*length/mean for a document's field.
func (f fieldNorm) lengthNorm(norm float64) float64 {
	if f.mean <= 0 {
		return 1
	}
	return 1 - f.b + f.b*lengthFromNorm(norm)/f.mean
}

// posting is one word's posting list in one field.
type posting struct {
	reader index.TermFieldReader
	word   int
	field  int
	tfd    index.TermFieldDoc
	cur    *index.TermFieldDoc // nil when exhausted
	doc    uint64              // cur's document number, compared without bytes.Compare

	// positions, when not nil, reads the word's positions in the field
	// for the documents that need them (WordsQuery.TopK); reader then
	// reads frequencies and norms alone.
	positions index.TermFieldReader
	posTFD    index.TermFieldDoc
	posAt     *index.TermFieldDoc // where positions last stopped
}

func (p *posting) next() error {
	d, err := p.reader.Next(p.tfd.Reset())
	p.set(d)
	return err
}

func (p *posting) advance(id index.IndexInternalID) error {
	d, err := p.reader.Advance(id, p.tfd.Reset())
	p.set(d)
	return err
}

func (p *posting) set(d *index.TermFieldDoc) {
	p.cur = d
	if d != nil {
		p.doc = d.ID.Value()
	}
}

// vectors are the word's positions in the current document; with a
// positions reader, as far as readPositions brought it.
func (p *posting) vectors() []*index.TermFieldVector {
	if p.positions != nil {
		if p.posAt == nil {
			return nil
		}
		return p.posAt.Vectors
	}
	return p.cur.Vectors
}

// readPositions brings the positions reader to the current document.
func (p *posting) readPositions() error {
	if p.positions == nil || p.posAt != nil && p.posAt.ID.Equals(p.cur.ID) {
		return nil
	}
	d, err := p.positions.Advance(p.cur.ID, p.posTFD.Reset())
	if err != nil {
		return err
	}
	if d == nil || !d.ID.Equals(p.cur.ID) {
		// Both readers read one posting list of one snapshot.
		return fmt.Errorf("bm25 query: positions of word %d in field %d out of step with its postings", p.word, p.field)
	}
	p.posAt = d
	return nil
}

// postingHeap orders postings by their current document.
type postingHeap []*posting

func (h postingHeap) Len() int           { return len(h) }
func (h postingHeap) Less(i, j int) bool { return h[i].doc < h[j].doc }
func (h postingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *postingHeap) Push(x any)        { *h = append(*h, x.(*posting)) }
func (h *postingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topScores is a min-heap of the best scores returned so far.
type topScores []float64

func (h topScores) Len() int           { return len(h) }
func (h topScores) Less(i, j int) bool { return h[i] < h[j] }
func (h topScores) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topScores) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *topScores) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// wordsSearcher merges the posting lists of a WordsQuery by document and
// scores each document once.
type wordsSearcher struct {
	options  bsearch.SearcherOptions
	boost    float64
	p        Params
	words    []string
	df       []uint64
	idf      []float64
	qw       []float64 // query weight per word
	pairs    [][2]int  // neighbouring words in the query
	fields   []fieldNorm
	minMatch int
	postings []*posting
	heap     postingHeap  // all postings not exhausted, unless byWord is set
	byWord   [][]*posting // when every word is required: postings per word
	target   index.IndexInternalID
	phrase   [][]phraseWord // by field, the phrase a match must hold in it (WordsQuery.Phrase)

	// With WordsQuery.TopK: the most each pair can add, and the best
	// exact scores so far.
	topK    int
	pairMax []float64
	top     topScores

	// scratch, per document
	at      []*posting // postings on the current document
	matched []bool
	tf      []float64
}

func (s *wordsSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	if s.byWord != nil {
		return s.nextAll(ctx)
	}
	if len(s.postings) <= fewPostings {
		return s.nextFew(ctx)
	}
	for len(s.heap) > 0 {
		s.at = s.at[:0]
		doc := s.heap[0].doc
		for len(s.heap) > 0 && s.heap[0].doc == doc {
			s.at = append(s.at, heap.Pop(&s.heap).(*posting))
		}
		dm, err := s.score(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range s.at {
			if err := p.next(); err != nil {
				return nil, err
			}
			if p.cur != nil {
				heap.Push(&s.heap, p)
			}
		}
		if dm != nil {
			return dm, nil
		}
	}
	return nil, nil
}

// fewPostings is how many postings Next merges by scanning them all for
// the next document instead of keeping them in a heap: a word or two over
// title and body, where the heap's calls cost more than the scan.
const fewPostings = 6

// nextFew is Next for few postings.
func (s *wordsSearcher) nextFew(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for {
		doc, ok := firstDoc(s.postings)
		if !ok {
			return nil, nil
		}
		if dm, err := s.scoreAndStep(ctx, doc); dm != nil || err != nil {
			return dm, err
		}
	}
}

// scoreAndStep scores document doc from the postings on it and moves
// those postings past it; the match is nil when doc does not qualify.
func (s *wordsSearcher) scoreAndStep(ctx *bsearch.SearchContext, doc uint64) (*bsearch.DocumentMatch, error) {
	s.at = s.at[:0]
	for _, p := range s.postings {
		if p.cur != nil && p.doc == doc {
			s.at = append(s.at, p)
		}
	}
	dm, err := s.score(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range s.at {
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	return dm, nil
}

func (s *wordsSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	if s.byWord != nil || len(s.postings) <= fewPostings {
		if err := s.advanceTo(id); err != nil {
			return nil, err
		}
		return s.Next(ctx)
	}
	// Postings already at or past id stay; the others skip ahead.
	doc := id.Value()
	kept := s.heap[:0]
	var behind []*posting
	for _, p := range s.heap {
		if p.doc >= doc {
			kept = append(kept, p)
		} else {
			behind = append(behind, p)
		}
	}
	s.heap = kept
	for _, p := range behind {
		if err := p.advance(id); err != nil {
			return nil, err
		}
		if p.cur != nil {
			s.heap = append(s.heap, p)
		}
	}
	heap.Init(&s.heap)
	return s.Next(ctx)
}

// nextAll finds the next document that has every word: it moves each
// word's postings to the furthest word's next document until they agree.
func (s *wordsSearcher) nextAll(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for {
		var target uint64
		for i, ps := range s.byWord {
			m, ok := firstDoc(ps)
			if !ok {
				return nil, nil // a word has no documents left
			}
			if i == 0 || m > target {
				target = m
			}
		}
		s.target = index.NewIndexInternalID(s.target, target)
		if err := s.advanceTo(s.target); err != nil {
			return nil, err
		}
		aligned := true
		for _, ps := range s.byWord {
			m, ok := firstDoc(ps)
			if !ok {
				return nil, nil
			}
			aligned = aligned && m == target
		}
		if !aligned {
			continue
		}
		if dm, err := s.scoreAndStep(ctx, target); dm != nil || err != nil {
			return dm, err
		}
	}
}

// advanceTo moves every posting that is before id to id or past it.
func (s *wordsSearcher) advanceTo(id index.IndexInternalID) error {
	doc := id.Value()
	for _, p := range s.postings {
		if p.cur != nil && p.doc < doc {
			if err := p.advance(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstDoc is the earliest current document among ps; false if all are done.
func firstDoc(ps []*posting) (uint64, bool) {
	var m uint64
	found := false
	for _, p := range ps {
		if p.cur != nil && (!found || p.doc < m) {
			m, found = p.doc, true
		}
	}
	return m, found
}

// score returns the match for the document the postings in s.at are on,
// or nil when fewer than minMatch words occur in it.
func (s *wordsSearcher) score(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	clear(s.matched)
	clear(s.tf)
	n := 0
	for _, p := range s.at {
		if !s.matched[p.word] {
			s.matched[p.word] = true
			n++
		}
		f := s.fields[p.field]
		s.tf[p.word] += f.weight * float64(p.cur.Freq) / f.lengthNorm(p.cur.Norm)
	}
	if n < s.minMatch || s.phrase != nil && !s.hasPhrase() {
		return nil, nil
	}
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = index.NewIndexInternalIDFrom(dm.IndexInternalID, s.at[0].cur.ID)
	if s.options.Score != "none" {
		score := 0.0
		for w, tf := range s.tf {
			if s.matched[w] {
				score += s.qw[w] * s.idf[w] * s.saturate(tf)
			}
		}
		prox, exact := 0.0, true
		if n > 1 {
			if exact = s.canReachTop(score); exact {
				if err := s.readPositions(); err != nil {
					ctx.DocumentMatchPool.Put(dm)
					return nil, err
				}
				prox = s.proximity(nil)
			}
		}
		dm.Score = (score + prox) * s.boost
		if exact && s.topK > 0 {
			s.keep(dm.Score)
		}
		if s.options.Explain {
			dm.Expl = s.explain(dm.Score, prox)
		}
	}
	if s.options.IncludeTermVectors {
		for _, p := range s.at {
			for _, v := range p.cur.Vectors {
				dm.FieldTermLocations = append(dm.FieldTermLocations, bsearch.FieldTermLocation{
					Field: v.Field,
					Term:  s.words[p.word],
					Location: bsearch.Location{
						Pos: v.Pos, Start: v.Start, End: v.End,
						ArrayPositions: slices.Clone(v.ArrayPositions),
					},
				})
			}
		}
	}
	return dm, nil
}

// canReachTop reports whether the current document, whose words score
// words, could be among the TopK best with the most its pairs could add;
// always true without TopK. The TopK-th best score so far only rises,
// so a document below it now is below the final page.
func (s *wordsSearcher) canReachTop(words float64) bool {
	if s.topK == 0 || len(s.top) < s.topK {
		return true
	}
	bound := words
	for i, pr := range s.pairs {
		if s.matched[pr[0]] && s.matched[pr[1]] {
			bound += s.pairMax[i]
		}
	}
	// The margin keeps rounding in the exact sum from mattering.
	return bound*s.boost*(1+1e-9) >= s.top[0]
}

// keep records an exact score among the best TopK.
func (s *wordsSearcher) keep(score float64) {
	if len(s.top) < s.topK {
		heap.Push(&s.top, score)
	} else if score > s.top[0] {
		s.top[0] = score
		heap.Fix(&s.top, 0)
	}
}

// readPositions brings the positions readers of the current document's
// postings to it.
func (s *wordsSearcher) readPositions() error {
	for _, p := range s.at {
		if err := p.readPositions(); err != nil {
			return err
		}
	}
	return nil
}

// phraseWord is a word of a phrase: its place in the field's analysis
// of the text, after the first word's.
type phraseWord struct {
	word, offset int
}

// hasPhrase reports whether the current document holds the phrase in one
// of its fields: every word of the field's analysis at its offset from
// the first, in the same value of the field.
func (s *wordsSearcher) hasPhrase() bool {
	for fi, ws := range s.phrase {
		if len(ws) == 0 {
			continue
		}
		start := s.postingAt(ws[0].word, fi)
		if start == nil {
			continue
		}
	starts:
		for _, v := range start.vectors() {
			for _, pw := range ws[1:] {
				p := s.postingAt(pw.word, fi)
				if p == nil || !hasPosition(p.vectors(), v.Pos+uint64(pw.offset), v.ArrayPositions) {
					continue starts
				}
			}
			return true
		}
	}
	return false
}

// hasPosition reports whether vs has position pos in the field value at
// array positions ap.
func hasPosition(vs []*index.TermFieldVector, pos uint64, ap []uint64) bool {
	for _, v := range vs {
		if v.Pos == pos && slices.Equal(v.ArrayPositions, ap) {
			return true
		}
	}
	return false
}

// saturate is BM25's tf(k1+1)/(k1+tf).
func (s *wordsSearcher) saturate(tf float64) float64 { return tf * (s.p.K1 + 1) / (s.p.K1 + tf) }

// proximity sums the pair scores of the current document; expl, when not
// nil, collects one explanation per scoring pair.
func (s *wordsSearcher) proximity(expl *[]*bsearch.Explanation) float64 {
	total := 0.0
	for _, pr := range s.pairs {
		if !s.matched[pr[0]] || !s.matched[pr[1]] {
			continue
		}
		tf := 0.0
		for fi, f := range s.fields {
			a, b := s.postingAt(pr[0], fi), s.postingAt(pr[1], fi)
			if a == nil || b == nil {
				continue
			}
			acc := 0.0
			for _, va := range a.vectors() {
				for _, vb := range b.vectors() {
					if !slices.Equal(va.ArrayPositions, vb.ArrayPositions) {
						continue
					}
					d := int(vb.Pos) - int(va.Pos)
					if d < 0 {
						d = -d
					}
					if d > 0 && d <= s.p.ProxWindow {
						acc += 1 / float64(d*d)
					}
				}
			}
			tf += f.weight * acc / f.lengthNorm(a.cur.Norm)
		}
		if tf == 0 {
			continue
		}
		x := s.p.ProxWeight * min(s.qw[pr[0]], s.qw[pr[1]]) * min(s.idf[pr[0]], s.idf[pr[1]]) * s.saturate(tf)
		total += x
		if expl != nil {
			*expl = append(*expl, &bsearch.Explanation{Value: x,
				Message: fmt.Sprintf("proximity(%s %s): pair tf~=%.4f, idf=%.4f", s.words[pr[0]], s.words[pr[1]], tf, min(s.idf[pr[0]], s.idf[pr[1]]))})
		}
	}
	return total
}

func (s *wordsSearcher) postingAt(word, field int) *posting {
	for _, p := range s.at {
		if p.word == word && p.field == field {
			return p
		}
	}
	return nil
}

func (s *wordsSearcher) explain(total, prox float64) *bsearch.Explanation {
	var parts []*bsearch.Explanation
	for w, tf := range s.tf {
		if !s.matched[w] {
			continue
		}
		var fields []*bsearch.Explanation
		for _, p := range s.at {
			if p.word != w {
				continue
			}
			f := s.fields[p.field]
			fields = append(fields, &bsearch.Explanation{
				Value: f.weight * float64(p.cur.Freq) / f.lengthNorm(p.cur.Norm),
				Message: fmt.Sprintf("%s: weight=%g * tf=%d / (1-b+b*fieldLength/avgFieldLength), b=%g, fieldLength=%g, avgFieldLength=%.3f",
					f.name, f.weight, p.cur.Freq, f.b, lengthFromNorm(p.cur.Norm), f.mean),
			})
		}
		parts = append(parts, &bsearch.Explanation{
			Value: s.qw[w] * s.idf[w] * s.saturate(tf),
			Message: fmt.Sprintf("bm25f(%s): query weight=%g * idf=%.4f (docFreq=%d) * tf~=%.4f*(k1+1)/(k1+tf~), k1=%g",
				s.words[w], s.qw[w], s.idf[w], s.df[w], tf, s.p.K1),
			Children: fields,
		})
	}
	if prox > 0 {
		var pairs []*bsearch.Explanation
		s.proximity(&pairs)
		parts = append(parts, &bsearch.Explanation{Value: prox, Message: "proximity of neighbouring query words", Children: pairs})
	}
	return &bsearch.Explanation{Value: total, Message: fmt.Sprintf("sum, times boost %g, of:", s.boost), Children: parts}
}

// Weight and SetQueryNorm are Bleve's TF-IDF query normalisation, which
// BM25 has no use for: a constant weight keeps the parent's norm at 1.
func (s *wordsSearcher) Weight() float64            { return 1 }
func (s *wordsSearcher) SetQueryNorm(float64)       {}
func (s *wordsSearcher) Min() int                   { return 0 }
func (s *wordsSearcher) DocumentMatchPoolSize() int { return 1 }

// Count estimates the matches: the postings summed.
func (s *wordsSearcher) Count() uint64 {
	var n uint64
	for _, p := range s.postings {
		n += p.reader.Count()
	}
	return n
}

func (s *wordsSearcher) Size() int {
	n := 256 + 16*len(s.words)
	for _, p := range s.postings {
		n += p.reader.Size() + 64
		if p.positions != nil {
			n += p.positions.Size()
		}
	}
	return n
}

func (s *wordsSearcher) Close() error {
	var errs []error
	for _, p := range s.postings {
		errs = append(errs, p.reader.Close())
		if p.positions != nil {
			errs = append(errs, p.positions.Close())
		}
	}
	s.postings, s.heap = nil, nil
	return errors.Join(errs...)
}

// String is for debugging and test failure messages.
func (q *WordsQuery) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bm25(%q", q.Text)
	for _, f := range q.Fields {
		fmt.Fprintf(&b, " %s^%g", f.Name, f.Weight)
	}
	return b.String() + ")"
}

// compile-time checks: WordsQuery is a full Bleve query.
var (
	_ query.BoostableQuery   = (*WordsQuery)(nil)
	_ query.ValidatableQuery = (*WordsQuery)(nil)
)
