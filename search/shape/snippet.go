package shape

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// snippetBytes is the length of a snippet passage, about two lines.
const snippetBytes = 220

// maxSnippetMatches bounds the work on a body with very many matches.
const maxSnippetMatches = 2000

// Matcher knows which tokens of a text the query matched: a token
// matches when the index analyzer turns it into one of the query's terms,
// or when its lower-case form starts with one of the query's prefixes.
// Using the index's own analyzer means "defectors" marks "defector".
type Matcher struct {
	analyzer analysis.Analyzer
	terms    map[string]bool
	prefixes []string
}

// NewMatcher matches words (a trailing * marks a prefix) in text
// analysed with an, the index's text analyzer.
func NewMatcher(an analysis.Analyzer, words []string) *Matcher {
	m := &Matcher{analyzer: an, terms: map[string]bool{}}
	for _, w := range words {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if p != "" {
				m.prefixes = append(m.prefixes, strings.ToLower(p))
			}
			continue
		}
		for _, t := range an.Analyze([]byte(w)) {
			m.terms[string(t.Term)] = true
		}
	}
	return m
}

// Empty reports whether there is nothing to match (no positive words).
func (m *Matcher) Empty() bool { return len(m.terms) == 0 && len(m.prefixes) == 0 }

// analyzeWithOffsets analyses text as the index does, but with each
// token's Start and End pointing into text itself. Bleve applies char
// filters (diacritics folding) to the whole text first, which shifts every
// offset after a folded character; here they are applied per token.
func analyzeWithOffsets(an analysis.Analyzer, text string) analysis.TokenStream {
	da, ok := an.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) == 0 {
		return an.Analyze([]byte(text))
	}
	tokens := da.Tokenizer.Tokenize([]byte(text))
	for _, t := range tokens {
		for _, cf := range da.CharFilters {
			t.Term = cf.Filter(t.Term)
		}
	}
	for _, tf := range da.TokenFilters {
		tokens = tf.Filter(tokens)
	}
	return tokens
}

// Span is a matched token's byte range in the text.
type Span struct{ Start, End int }

// Matches returns the byte ranges of matched tokens in text, in order.
func (m *Matcher) Matches(text string) []Span {
	if m.Empty() || text == "" {
		return nil
	}
	var out []Span
	for _, t := range analyzeWithOffsets(m.analyzer, text) {
		if m.terms[string(t.Term)] || m.prefixMatch(text[t.Start:t.End]) {
			out = append(out, Span{t.Start, t.End})
			if len(out) >= maxSnippetMatches {
				break
			}
		}
	}
	return out
}

func (m *Matcher) prefixMatch(word string) bool {
	if len(m.prefixes) == 0 {
		return false
	}
	lw := strings.ToLower(word)
	for _, p := range m.prefixes {
		if strings.HasPrefix(lw, p) {
			return true
		}
	}
	return false
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
	for i := range spans {
		distinct := map[string]bool{}
		n := 0
		for j := i; j < len(spans) && spans[j].End-spans[i].Start <= snippetBytes; j++ {
			distinct[strings.ToLower(body[spans[j].Start:spans[j].End])] = true
			n++
		}
		if score := len(distinct)*1000 + n; score > bestScore {
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

var spaceRun = regexp.MustCompile(`\s+`)

// CollapseSpace folds each run of white space to one space and trims the ends.
func CollapseSpace(s string) string { return strings.TrimSpace(spaceRun.ReplaceAllString(s, " ")) }
