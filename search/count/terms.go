package count

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Item is one distinctive term or name: FG and BG are the articles naming
// it in the foreground and the background.
type Item struct {
	Value string  `json:"value"`
	FG    int     `json:"fg"`
	BG    int     `json:"bg"`
	Score float64 `json:"score"`
}

// MinFG is the fewest foreground articles an item needs: a value in one
// article is an accident, not a pattern.
const MinFG = 2

// Rank scores items by JLH, keeps those with MinFG articles and a
// positive score, and returns the best size of them, by score, then
// value.
func Rank(items []Item, fgTotal, bgTotal uint64, size int) []Item {
	out := []Item{}
	for _, it := range items {
		if it.FG < MinFG {
			continue
		}
		it.Score = JLH(it.FG, int(fgTotal), it.BG, int(bgTotal))
		if it.Score > 0 {
			out = append(out, it)
		}
	}
	sortItems(out)
	return out[:min(len(out), size)]
}

func sortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// Candidates are the terms of a foreground sample (fg, of fgDocs
// articles) most distinctive against a background sample (bg, of bgDocs)
// by JLH on the samples: n of them, the counts still to be made exact.
func Candidates(fg, bg *TermCounter, n int) []Item {
	minFG := MinFG
	if fg.docs < 50 {
		minFG = 1 // a handful of articles: every word is a candidate
	}
	var keep []Item
	for term, st := range fg.out {
		if st.docs < minFG {
			continue
		}
		b := 0
		if bs := bg.out[term]; bs != nil {
			b = bs.docs
		}
		keep = append(keep, Item{Value: term, FG: st.docs, BG: b, Score: JLH(st.docs, fg.docs, b, max(bg.docs, 1))})
	}
	sortItems(keep)
	return keep[:min(len(keep), n)]
}

// TermCounter counts, per index term, the articles holding it and its
// written forms. Stop words (which the analyzer drops), numbers and
// one-letter words are left out.
type TermCounter struct {
	an     analysis.Analyzer
	docs   int
	out    map[string]*termStats
	termOf map[string]*written // written word → its term and count

	formsDone bool // forms gathered from termOf
}

// termStats are a term's articles and its written forms.
type termStats struct {
	docs  int
	forms map[string]int
	stamp int // the last article counted
}

type written struct {
	st *termStats // nil: not a term worth counting
	n  int        // occurrences of this form
}

// NewTermCounter returns a counter analysing words with an, the index's
// text analyzer.
func NewTermCounter(an analysis.Analyzer) *TermCounter {
	return &TermCounter{an: an, out: map[string]*termStats{}, termOf: map[string]*written{}}
}

// Add counts one article's texts (its title and body).
//
// Words are cut from the text as written (not with the analyzer's char
// filter, which folds accents and so moves the offsets, nor its UAX #29
// tokenizer, four times slower), then each distinct word is analysed
// alone to its index term.
func (tc *TermCounter) Add(texts ...string) {
	tc.docs++
	stamp := tc.docs
	for _, text := range texts {
		eachWord(text, func(form string) {
			w := tc.termOf[form]
			if w == nil {
				var st *termStats
				if wordLike(form) {
					if toks := tc.an.Analyze([]byte(form)); len(toks) == 1 && utf8.RuneCount(toks[0].Term) >= 2 {
						term := string(toks[0].Term)
						if st = tc.out[term]; st == nil {
							st = &termStats{forms: map[string]int{}}
							tc.out[term] = st
						}
					}
				}
				w = &written{st: st}
				tc.termOf[strings.Clone(form)] = w
			}
			st := w.st
			if st == nil {
				return
			}
			w.n++
			if st.stamp != stamp {
				st.stamp = stamp
				st.docs++
			}
		})
	}
}

// Docs is the number of articles added.
func (tc *TermCounter) Docs() int { return tc.docs }

// SurfaceForm is a term's most common written form; at equal counts the
// lower-case one (a word capitalised at a sentence start is the same
// word), then the first in byte order. It is the term itself when no
// article added held it. Call it after the last Add.
func (tc *TermCounter) SurfaceForm(term string) string {
	st := tc.out[term]
	if st == nil {
		return term
	}
	if !tc.formsDone {
		for form, w := range tc.termOf {
			if w.st != nil {
				w.st.forms[form] += w.n
			}
		}
		tc.formsDone = true
	}
	best, bestN := "", -1
	for f, n := range st.forms {
		lower := strings.ToLower(f) == f
		switch {
		case n > bestN, n == bestN && lower && strings.ToLower(best) != best, n == bestN && lower == (strings.ToLower(best) == best) && f < best:
			best, bestN = f, n
		}
	}
	// Possessives and the like are analysed away: show the bare word.
	return strings.TrimSuffix(strings.TrimSuffix(best, "'s"), "’s")
}

// eachWord calls fn with each word of text: letters, digits and marks,
// with apostrophes inside (Kim's). The string passed shares text's memory.
func eachWord(text string, fn func(string)) {
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		if !inWord && (r == '\'' || r == '’') && start >= 0 {
			// An apostrophe stays when a letter follows.
			if next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):]); unicode.IsLetter(next) {
				inWord = true
			}
		}
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			fn(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// wordLike reports whether a written form is a word worth showing: two
// letters or more and no digits.
func wordLike(form string) bool {
	letters := 0
	for _, r := range form {
		switch {
		case unicode.IsDigit(r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters >= 2
}
