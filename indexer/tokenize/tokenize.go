// Package tokenize splits text into words exactly as Bleve's "unicode"
// tokenizer does (Unicode word boundaries, UAX #29, as implemented by
// github.com/blevesearch/segment), and does it several times faster when
// the text is ASCII, as most news text is: the segmenter's state machine
// handles every script, and for ASCII the rules come down to a few
// character classes. Text with any other byte goes to Bleve's tokenizer.
//
// It is not registered with Bleve: index mappings keep naming "unicode",
// and the code that analyses title and body itself (ingest, snippets)
// swaps it in where the mapping's chain uses the unicode tokenizer, so an
// index is byte for byte what it was.
package tokenize

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// Unicode is Bleve's unicode tokenizer with an ASCII fast path.
type Unicode struct{}

var slow = unicode.NewUnicodeTokenizer()

// Swap returns t, or Unicode when t is Bleve's unicode tokenizer.
func Swap(t analysis.Tokenizer) analysis.Tokenizer {
	if _, ok := t.(*unicode.UnicodeTokenizer); ok {
		return Unicode{}
	}
	return t
}

// Tokenize returns the tokens Bleve's unicode tokenizer returns for input:
// the word segments, numbered from position 1, with their byte offsets
// and types.
func (Unicode) Tokenize(input []byte) analysis.TokenStream {
	ts, _ := TokenizeInto(nil, nil, input)
	return ts
}

// TokenizeInto is Tokenize reusing the tokens and the stream of an
// earlier call (which it overwrites) for ASCII input; it returns the
// stream and the tokens to pass next time.
func TokenizeInto(toks []analysis.Token, stream analysis.TokenStream, input []byte) (analysis.TokenStream, []analysis.Token) {
	for _, c := range input {
		if c >= 0x80 {
			return slow.Tokenize(input), toks
		}
	}
	if toks == nil {
		toks = make([]analysis.Token, 0, len(input)/5+1)
	}
	toks = toks[:0]
	n := len(input)
	for i := 0; i < n; {
		k := classes[input[i]]
		if k == other {
			i++
			continue
		}
		start := i
		letters, digits := false, false
	word:
		for i < n {
			switch classes[input[i]] {
			case letter:
				letters = true
			case digit:
				digits = true
			case underscore:
			default:
				// A mid-word character joins two letters (WB6, WB7) or two
				// digits (WB11, WB12), nothing else.
				if i+1 == n {
					break word
				}
				c, prev, next := input[i], classes[input[i-1]], classes[input[i+1]]
				switch {
				case prev == letter && next == letter && (c == ':' || c == '.' || c == '\''):
				case prev == digit && next == digit && (c == ',' || c == ';' || c == '.' || c == '\''):
				default:
					break word
				}
			}
			i++
		}
		typ := analysis.AlphaNumeric
		if digits && !letters { // only the numeric rule matches it whole
			typ = analysis.Numeric
		}
		toks = append(toks, analysis.Token{Term: input[start:i], Start: start, End: i, Position: len(toks) + 1, Type: typ})
	}
	if cap(stream) < len(toks) {
		stream = make(analysis.TokenStream, 0, len(toks))
	}
	rv := stream[:0]
	for j := range toks {
		rv = append(rv, &toks[j])
	}
	return rv, toks
}

// Character classes of ASCII bytes in UAX #29 word breaking. Every byte
// that is not a letter, digit or "_" ends a word unless it stands between
// two letters or two digits and may join them.
const (
	other = iota
	letter
	digit
	underscore // ExtendNumLet: joins letters and digits (WB13a, WB13b)
)

var classes = func() (c [128]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b], c[b-'a'+'A'] = letter, letter
	}
	for b := '0'; b <= '9'; b++ {
		c[b] = digit
	}
	c['_'] = underscore
	return c
}()
