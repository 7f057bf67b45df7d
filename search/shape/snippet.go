package shape

import (
	"html"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"

	"newsdex/indexer/tokenize"
)

// snippetBytes is the length of a snippet passage, about two lines.
const snippetBytes = 220

// maxSnippetMatches bounds the work on a body with very many matches.
const maxSnippetMatches = 2000

// Matcher knows which tokens of a text the query matched: a token
// matches when the index analyzer turns it into one of the query's terms,
// when its form as written (lower-cased, folded) is one of the query's
// exact forms, or when that form starts with one of the query's prefixes.
// Using the index's own analyzer means "defectors" marks "defector".
// Phrases added with AddPhrase match as a whole: one span per occurrence.
// A Matcher serves one goroutine at a time.
type Matcher struct {
	analyzer analysis.Analyzer
	exactAn  analysis.Analyzer // words as written; nil: the lower-cased text
	terms    map[string]bool
	exact    map[string]bool
	prefixes []string
	phrases  []Phrase
	stems    stemLookup // the stemmer's output per input term, across texts
	scratch  scratch    // reused from text to text
}

// scratch holds a Matcher's token buffers between texts: a page of hits
// analyses ten bodies, and their tokens were a third of a search's
// allocations.
type scratch struct {
	toks   []analysis.Token
	stream analysis.TokenStream
	out    []token
}

// Stems remembers the Porter stemmer's output per word across searches,
// for every Matcher given it (WithStems): the pages of hits of a
// service's searches stem the same words again and again, and stemming
// was a fifth of a snippet's work. It holds at most a fixed number of
// words and starts over when full. Safe for concurrent use.
type Stems struct {
	mu  sync.RWMutex
	m   map[string]string
	max int
}

// NewStems remembers up to max words.
func NewStems(max int) *Stems { return &Stems{m: map[string]string{}, max: max} }

func (c *Stems) get(term []byte) (string, bool) {
	c.mu.RLock()
	st, ok := c.m[string(term)]
	c.mu.RUnlock()
	return st, ok
}

func (c *Stems) put(in, out string) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[in] = out
	c.mu.Unlock()
}

// stemLookup is one Matcher's stems: its own, then the shared ones.
type stemLookup struct {
	local  map[string]string
	shared *Stems
}

func (l *stemLookup) get(term []byte) (string, bool) {
	if st, ok := l.local[string(term)]; ok {
		return st, true
	}
	if l.shared == nil {
		return "", false
	}
	st, ok := l.shared.get(term)
	if ok {
		l.local[string(term)] = st
	}
	return st, ok
}

func (l *stemLookup) put(in, out string) {
	l.local[in] = out
	if l.shared != nil {
		l.shared.put(in, out)
	}
}

// Phrase is a phrase to find as a whole: its words at their positions
// relative to the first, within Slop position moves (as the index's
// proximity search counts them).
type Phrase struct {
	Slots []PhraseSlot
	Slop  int
}

// PhraseSlot is one word of a Phrase: a stemmed term, an exact form
// (Exact), or a prefix of the form as written (Prefix, Term empty).
type PhraseSlot struct {
	Rel    int
	Term   string
	Exact  bool
	Prefix string
}

// NewMatcher matches words (a trailing * marks a prefix, a leading = an
// exact form) in text analysed with an, the index's text analyzer.
func NewMatcher(an analysis.Analyzer, words []string) *Matcher {
	m := &Matcher{analyzer: an, terms: map[string]bool{}, exact: map[string]bool{}}
	for _, w := range words {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if p != "" {
				m.prefixes = append(m.prefixes, fold(p))
			}
			continue
		}
		if e, ok := strings.CutPrefix(w, "="); ok {
			if e != "" {
				m.exact[fold(e)] = true
			}
			continue
		}
		for _, t := range an.Analyze([]byte(w)) {
			m.terms[string(t.Term)] = true
		}
	}
	return m
}

// WithExact sets the index's analyzer of words as written
// (indexer.AnalyzerExact), which exact forms and prefixes compare with;
// without it they compare with the lower-cased token. It returns m.
func (m *Matcher) WithExact(an analysis.Analyzer) *Matcher {
	m.exactAn = an
	return m
}

// WithStems shares c's stems with m and its forks. It returns m.
func (m *Matcher) WithStems(c *Stems) *Matcher {
	m.stems.shared = c
	return m
}

// Fork returns a Matcher that matches what m matches and may serve
// another goroutine at the same time as m: it shares m's words and phrases
// (call AddPhrase before forking) but keeps its own stem cache.
func (m *Matcher) Fork() *Matcher {
	f := *m
	f.stems.local = nil
	f.scratch = scratch{}
	f.prefixes, f.phrases = slices.Clip(m.prefixes), slices.Clip(m.phrases)
	return &f
}

// AddPhrase makes m match p as a whole.
func (m *Matcher) AddPhrase(p Phrase) {
	if len(p.Slots) > 0 {
		m.phrases = append(m.phrases, p)
	}
}

// Empty reports whether there is nothing to match (no positive words).
func (m *Matcher) Empty() bool {
	return len(m.terms) == 0 && len(m.prefixes) == 0 && len(m.exact) == 0 && len(m.phrases) == 0
}

// fold lower-cases s and folds its diacritics, as the index does.
func fold(s string) string {
	return strings.ToLower(string(asciifolding.New().Filter([]byte(s))))
}

// analyzeWithOffsets analyses text as the index does, but with each
// token's Start and End pointing into text itself. Bleve applies char
// filters (diacritics folding) to the whole text first, which shifts every
// offset after a folded character; here they are applied per token.
//
// stems, when not nil, caches the last token filter's output per input
// term when that filter is the Porter stemmer, which treats each token
// alone: a body repeats its words, and stemming was a tenth of a snippet.
func analyzeWithOffsets(an analysis.Analyzer, text string, stems *stemLookup, sc *scratch) analysis.TokenStream {
	da, ok := an.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) == 0 {
		return an.Analyze([]byte(text))
	}
	var tokens analysis.TokenStream
	if _, fast := tokenize.Swap(da.Tokenizer).(tokenize.Unicode); fast && sc != nil {
		tokens, sc.toks = tokenize.TokenizeInto(sc.toks, sc.stream, []byte(text))
		sc.stream = tokens
	} else {
		tokens = tokenize.Swap(da.Tokenizer).Tokenize([]byte(text))
	}
	for _, t := range tokens {
		for _, cf := range da.CharFilters {
			if _, folding := cf.(*asciifolding.AsciiFoldingFilter); folding && isASCII(t.Term) {
				continue // folding keeps ASCII as it is
			}
			t.Term = cf.Filter(t.Term)
		}
	}
	filters := da.TokenFilters
	var stemmer *porter.PorterStemmer
	if n := len(filters); n > 0 && stems != nil {
		if st, ok := filters[n-1].(*porter.PorterStemmer); ok {
			stemmer, filters = st, filters[:n-1]
		}
	}
	for _, tf := range filters {
		tokens = tf.Filter(tokens)
	}
	if stemmer != nil {
		for _, t := range tokens {
			if t.KeyWord {
				continue
			}
			if st, ok := stems.get(t.Term); ok {
				t.Term = []byte(st)
				continue
			}
			in := string(t.Term)
			stemmer.Filter(analysis.TokenStream{t})
			stems.put(in, string(t.Term))
		}
	}
	return tokens
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Span is a matched token's byte range in the text.
type Span struct{ Start, End int }

// token is one analysed word of a text: its stem, its form as written,
// its position and its byte range.
type token struct {
	stem, exact string
	pos         int
	Span
}

// tokens analyses text for matching. Both analyzers drop the same stop
// words, so their tokens pair up by position. The slice is reused by the
// next call.
func (m *Matcher) tokens(text string) []token {
	if m.stems.local == nil {
		m.stems.local = map[string]string{}
	}
	stems := analyzeWithOffsets(m.analyzer, text, &m.stems, &m.scratch)
	out := slices.Grow(m.scratch.out[:0], len(stems))[:len(stems)]
	m.scratch.out = out
	for i, t := range stems {
		out[i] = token{stem: string(t.Term), pos: t.Position, Span: Span{t.Start, t.End}}
	}
	needExact := len(m.exact) > 0 || len(m.prefixes) > 0 || len(m.phrases) > 0
	if !needExact {
		return out
	}
	if m.exactAn == nil {
		for i := range out {
			out[i].exact = fold(text[out[i].Start:out[i].End])
		}
		return out
	}
	j := 0
	for _, e := range analyzeWithOffsets(m.exactAn, text, nil, &m.scratch) {
		for j < len(out) && out[j].pos < e.Position {
			j++
		}
		if j < len(out) && out[j].pos == e.Position {
			out[j].exact = string(e.Term)
		}
	}
	return out
}

func (m *Matcher) wordMatch(t *token) bool {
	if m.terms[t.stem] || m.exact[t.exact] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(t.exact, p) {
			return true
		}
	}
	return false
}

func (s PhraseSlot) match(t *token) bool {
	switch {
	case s.Prefix != "":
		return strings.HasPrefix(t.exact, s.Prefix)
	case s.Exact:
		return t.exact == s.Term
	}
	return t.stem == s.Term
}

// Matches returns the byte ranges of matched tokens in text, in order: a
// phrase occurrence is one range from its first word to its last, and
// words inside it are not matched again.
func (m *Matcher) Matches(text string) []Span {
	if m.Empty() || text == "" {
		return nil
	}
	toks := m.tokens(text)
	var out []Span
	for _, p := range m.phrases {
		out = append(out, phraseSpans(p, toks)...)
	}
	if len(out) > 0 {
		slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
		kept := out[:1]
		for _, sp := range out[1:] {
			if sp.Start >= kept[len(kept)-1].End {
				kept = append(kept, sp)
			}
		}
		out = kept
	}
	phrases := len(out)
	p := 0
	for i := range toks {
		t := &toks[i]
		for p < phrases && out[p].End <= t.Start {
			p++
		}
		if p < phrases && t.Start >= out[p].Start && t.End <= out[p].End {
			continue
		}
		if m.wordMatch(t) {
			out = append(out, t.Span)
			if len(out) >= maxSnippetMatches {
				break
			}
		}
	}
	if phrases > 0 {
		slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	}
	return out
}

// phraseSpans finds p's occurrences in toks: windows holding a token for
// every slot whose offsets (position minus the slot's place in the
// phrase) differ by at most p.Slop. Occurrences do not overlap.
func phraseSpans(p Phrase, toks []token) []Span {
	type event struct{ off, slot, tok int }
	var ev []event
	for i := range toks {
		for k, s := range p.Slots {
			if s.match(&toks[i]) {
				ev = append(ev, event{toks[i].pos - s.Rel, k, i})
			}
		}
	}
	slices.SortFunc(ev, func(a, b event) int {
		if a.off != b.off {
			return a.off - b.off
		}
		return a.tok - b.tok
	})
	n := len(p.Slots)
	count := make([]int, n)
	covered, l := 0, 0
	var out []Span
	for r := 0; r < len(ev); r++ {
		if count[ev[r].slot] == 0 {
			covered++
		}
		count[ev[r].slot]++
		for covered == n {
			if ev[r].off-ev[l].off <= p.Slop {
				sp := Span{toks[ev[l].tok].Start, toks[ev[l].tok].End}
				for _, e := range ev[l : r+1] {
					sp.Start = min(sp.Start, toks[e.tok].Start)
					sp.End = max(sp.End, toks[e.tok].End)
				}
				out = append(out, sp)
				clear(count)
				covered, l = 0, r+1
				break
			}
			count[ev[l].slot]--
			if count[ev[l].slot] == 0 {
				covered--
			}
			l++
		}
	}
	return out
}

// Snippet returns the passage of body with the most distinct query terms,
// HTML-escaped, with matches in <mark>. A body without matches gives its
// opening; an empty body gives the title, marked the same way.
func (m *Matcher) Snippet(body, title string) string {
	if strings.TrimSpace(body) == "" {
		return markAll(title, m.Matches(title))
	}
	spans := m.Matches(body)
	if len(spans) == 0 {
		return PlainSnippet(body)
	}
	best, bestScore := 0, -1
	var seen distinctWords
	for i := range spans {
		seen.reset()
		n := 0
		for j := i; j < len(spans) && spans[j].End-spans[i].Start <= snippetBytes; j++ {
			seen.add(strings.ToLower(body[spans[j].Start:spans[j].End]))
			n++
		}
		if score := seen.len()*1000 + n; score > bestScore {
			best, bestScore = i, score
		}
	}
	// Start a little before the first match so it reads in context.
	start := wordStartBefore(body, spans[best].Start-snippetBytes/5)
	end := wordEndAfter(body, start+snippetBytes)
	var in []Span
	for _, sp := range spans[best:] {
		if sp.End > end {
			break
		}
		in = append(in, Span{sp.Start - start, sp.End - start})
	}
	out := markAll(body[start:end], in)
	out = CollapseSpace(out)
	if start > 0 {
		out = "…" + out
	}
	if end < len(body) {
		out += "…"
	}
	return out
}

// distinctWords counts distinct words: in a slice while they are few, as
// in a passage they nearly always are, in a map past that.
type distinctWords struct {
	few  []string
	many map[string]bool
}

func (d *distinctWords) reset() {
	d.few = d.few[:0]
	clear(d.many)
}

func (d *distinctWords) add(w string) {
	if len(d.many) > 0 {
		d.many[w] = true
		return
	}
	if slices.Contains(d.few, w) {
		return
	}
	if len(d.few) < 16 {
		d.few = append(d.few, w)
		return
	}
	if d.many == nil {
		d.many = map[string]bool{}
	}
	for _, x := range d.few {
		d.many[x] = true
	}
	d.many[w] = true
}

func (d *distinctWords) len() int {
	if len(d.many) > 0 {
		return len(d.many)
	}
	return len(d.few)
}

// PlainSnippet is the opening of the text, escaped.
func PlainSnippet(body string) string {
	end := wordEndAfter(body, snippetBytes)
	out := CollapseSpace(html.EscapeString(body[:end]))
	if end < len(body) {
		out += "…"
	}
	return out
}

// markAll escapes text and wraps each Span in <mark>.
func markAll(text string, spans []Span) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.Start < last || sp.End > len(text) {
			continue
		}
		b.WriteString(html.EscapeString(text[last:sp.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[sp.Start:sp.End]))
		b.WriteString("</mark>")
		last = sp.End
	}
	b.WriteString(html.EscapeString(text[last:]))
	return b.String()
}

// wordStartBefore moves i back to the start of the word it falls in.
func wordStartBefore(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// wordEndAfter moves i forward to the end of the word it falls in.
func wordEndAfter(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// CollapseSpace folds each run of white space (tab, newline, form feed,
// carriage return, space: what \s matches in Go's regexp) to one space and
// trims the ends as strings.TrimSpace does.
func CollapseSpace(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if !asciiSpace(s[i]) {
			if b != nil {
				b = append(b, s[i])
			}
			continue
		}
		j := i + 1
		for j < len(s) && asciiSpace(s[j]) {
			j++
		}
		if b == nil {
			if j == i+1 && s[i] == ' ' {
				continue // a lone space stays as it is
			}
			b = append(make([]byte, 0, len(s)), s[:i]...)
		}
		b = append(b, ' ')
		i = j - 1
	}
	if b == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(b))
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
