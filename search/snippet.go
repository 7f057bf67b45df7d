package search

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

// termMatcher knows which tokens of a text the query matched: a token
// matches when the index analyzer turns it into one of the query's terms,
// or when its lower-case form starts with one of the query's prefixes.
// Using the index's own analyzer means "defectors" marks "defector".
type termMatcher struct {
	analyzer analysis.Analyzer
	terms    map[string]bool
	prefixes []string
}

// newTermMatcher matches words (a trailing * marks a prefix) in text
// analysed with an, the index's text analyzer.
func newTermMatcher(an analysis.Analyzer, words []string) *termMatcher {
	m := &termMatcher{analyzer: an, terms: map[string]bool{}}
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

func (m *termMatcher) empty() bool { return len(m.terms) == 0 && len(m.prefixes) == 0 }

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

// span is a matched token's byte range in the text.
type span struct{ start, end int }

// matches returns the byte ranges of matched tokens in text, in order.
func (m *termMatcher) matches(text string) []span {
	if m.empty() || text == "" {
		return nil
	}
	var out []span
	for _, t := range analyzeWithOffsets(m.analyzer, text) {
		if m.terms[string(t.Term)] || m.prefixMatch(text[t.Start:t.End]) {
			out = append(out, span{t.Start, t.End})
			if len(out) >= maxSnippetMatches {
				break
			}
		}
	}
	return out
}

func (m *termMatcher) prefixMatch(word string) bool {
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

// snippet returns the passage of body with the most distinct query terms,
// HTML-escaped, with matches in <mark>. A body without matches gives its
// opening; an empty body gives the title, marked the same way.
func (m *termMatcher) snippet(body, title string) string {
	if strings.TrimSpace(body) == "" {
		return markAll(title, m.matches(title))
	}
	spans := m.matches(body)
	if len(spans) == 0 {
		return plainSnippet(body)
	}
	best, bestScore := 0, -1
	for i := range spans {
		distinct := map[string]bool{}
		n := 0
		for j := i; j < len(spans) && spans[j].end-spans[i].start <= snippetBytes; j++ {
			distinct[strings.ToLower(body[spans[j].start:spans[j].end])] = true
			n++
		}
		if score := len(distinct)*1000 + n; score > bestScore {
			best, bestScore = i, score
		}
	}
	// Start a little before the first match so it reads in context.
	start := wordStartBefore(body, spans[best].start-snippetBytes/5)
	end := wordEndAfter(body, start+snippetBytes)
	var in []span
	for _, sp := range spans[best:] {
		if sp.end > end {
			break
		}
		in = append(in, span{sp.start - start, sp.end - start})
	}
	out := markAll(body[start:end], in)
	out = collapseSpace(out)
	if start > 0 {
		out = "…" + out
	}
	if end < len(body) {
		out += "…"
	}
	return out
}

// plainSnippet is the opening of the text, escaped.
func plainSnippet(body string) string {
	end := wordEndAfter(body, snippetBytes)
	out := collapseSpace(html.EscapeString(body[:end]))
	if end < len(body) {
		out += "…"
	}
	return out
}

// markAll escapes text and wraps each span in <mark>.
func markAll(text string, spans []span) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.start < last || sp.end > len(text) {
			continue
		}
		b.WriteString(html.EscapeString(text[last:sp.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[sp.start:sp.end]))
		b.WriteString("</mark>")
		last = sp.end
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

func collapseSpace(s string) string { return strings.TrimSpace(spaceRun.ReplaceAllString(s, " ")) }
