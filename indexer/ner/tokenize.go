package ner

import (
	"unicode"
	"unicode/utf8"
)

// Token is one token of raw text: its text as written and its byte
// offsets in the input.
type Token struct {
	Text       string
	Start, End int
}

// maxSentence caps sentence length so that text without punctuation
// (tables, lists) cannot make one sentence of a whole article.
const maxSentence = 200

// Tokenize splits raw text into sentences of CoNLL-style tokens:
// punctuation, possessive "'s" and "n't" split off, abbreviations such as
// "U.S." and "Mr." and hyphenated words such as "Jong-un" kept whole.
// Sentences end after ".", "!" or "?" followed by a capitalised word,
// a digit or a quote, at blank lines and at indented line starts.
func Tokenize(text string) [][]Token {
	toks, bounds := appendTokens(nil, nil, text)
	out := make([][]Token, 0, len(bounds))
	start := 0
	for _, end := range bounds {
		out = append(out, toks[start:end])
		start = end
	}
	return out
}

// tokenizer is the state of one pass over the text.
type tokenizer struct {
	text    string
	toks    []Token
	bounds  []int // exclusive end index in toks of each sentence
	pending bool  // the last token ended a sentence if the next one starts one
}

// appendTokens tokenises text into toks and writes sentence ends (token
// counts) into bounds, reusing both slices.
func appendTokens(toks []Token, bounds []int, text string) ([]Token, []int) {
	tz := tokenizer{text: text, toks: toks[:0], bounds: bounds[:0]}
	newlines := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c == '\n' {
			newlines++
			i++
			// A newline followed by indentation starts a paragraph
			// (Reuters style); two newlines always do.
			if newlines >= 2 || (i < len(text) && (text[i] == ' ' || text[i] == '\t')) {
				tz.breakSentence()
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			if unicode.IsSpace(r) {
				i += size
				continue
			}
		}
		newlines = 0
		j := i + size
		for j < len(text) {
			c := text[j]
			if c < utf8.RuneSelf {
				if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
					break
				}
				j++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		if tz.pending && startsSentence(text[i:j]) {
			tz.breakSentence()
		}
		tz.pending = false
		tz.chunk(i, j)
		i = j
	}
	tz.breakSentence()
	return tz.toks, tz.bounds
}

func (tz *tokenizer) breakSentence() {
	start := 0
	if len(tz.bounds) > 0 {
		start = tz.bounds[len(tz.bounds)-1]
	}
	if len(tz.toks) > start {
		tz.bounds = append(tz.bounds, len(tz.toks))
	}
	tz.pending = false
}

func (tz *tokenizer) emit(start, end int) {
	if start >= end {
		return
	}
	tz.toks = append(tz.toks, Token{Text: tz.text[start:end], Start: start, End: end})
	begin := 0
	if len(tz.bounds) > 0 {
		begin = tz.bounds[len(tz.bounds)-1]
	}
	if len(tz.toks)-begin >= maxSentence {
		tz.breakSentence()
	}
}

// startsSentence reports whether a chunk can begin a sentence: a capital,
// a digit, or an opening quote or bracket.
func startsSentence(chunk string) bool {
	r, _ := utf8.DecodeRuneInString(chunk)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || isOpener(r) || r == '\'' || r == '’'
}

func isOpener(r rune) bool {
	switch r {
	case '"', '(', '[', '{', '“', '‘', '«', '„':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case '"', ')', ']', '}', '”', '’', '»', '\'', ',', ';', ':', '!', '?', '.', '…':
		return true
	}
	return false
}

// chunk splits the whitespace-free text[start:end] into tokens.
func (tz *tokenizer) chunk(start, end int) {
	s := tz.text
	// Leading openers.
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:end])
		if !isOpener(r) && !((r == '\'' || r == '‘' || r == '’') && start+n < end && !isClitic(s[start:end])) {
			break
		}
		tz.emit(start, start+n)
		start += n
	}
	// Trailing closers, collected right to left, emitted after the core.
	var trail [8][2]int
	nt := 0
	ends := false
	for start < end && nt < len(trail) {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isCloser(r) {
			break
		}
		if r == '.' {
			// "..." as one token.
			k := end - 1
			for k > start && s[k-1] == '.' {
				k--
			}
			if end-k > 1 && k > start {
				trail[nt] = [2]int{k, end}
				nt++
				end = k
				ends = true
				continue
			}
			if isAbbrev(s[start:end]) {
				break
			}
		}
		if (r == '\'' || r == '’') && end-n > start {
			// Plural possessive "Koreans'" keeps splitting; a clitic
			// such as "rock'n'roll" does not reach here.
			pr, _ := utf8.DecodeLastRuneInString(s[start : end-n])
			if !unicode.IsLetter(pr) && !isCloser(pr) {
				break
			}
		}
		if r == '.' || r == '!' || r == '?' || r == '…' {
			ends = true
		}
		trail[nt] = [2]int{end - n, end}
		nt++
		end -= n
	}
	tz.core(start, end)
	for k := nt - 1; k >= 0; k-- {
		tz.emit(trail[k][0], trail[k][1])
	}
	tz.pending = ends
}

// isClitic reports whether w starts with an apostrophe clitic like "'s".
func isClitic(w string) bool {
	_, n := utf8.DecodeRuneInString(w)
	rest := w[n:]
	switch rest {
	case "s", "S", "re", "ve", "ll", "d", "m", "t":
		return true
	}
	return false
}

// abbrevs are words whose trailing period belongs to the word.
func isAbbrev(w string) bool {
	// w ends in '.'. Initials and dotted abbreviations: "W.", "U.S.".
	core := w[:len(w)-1]
	if core == "" {
		return false
	}
	if r, n := utf8.DecodeRuneInString(core); n == len(core) && unicode.IsLetter(r) {
		return true
	}
	for i := 0; i < len(core); i++ {
		if core[i] == '.' {
			return true
		}
	}
	switch core {
	case "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Prof", "Gen", "Sen", "Rep", "Gov",
		"Lt", "Col", "Capt", "Sgt", "Maj", "Adm", "Rev", "Hon", "Pres", "Supt", "Insp",
		"Inc", "Corp", "Co", "Ltd", "Bros", "Messrs", "Mt", "Ft", "No", "Nos", "vs", "etc",
		"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
		"approx", "est", "dept", "Dept", "Univ", "Ave", "Blvd", "Rd", "cf", "al":
		return true
	}
	return false
}

// core splits a chunk stripped of outer punctuation: clitics ("'s",
// "n't"), dashes, and run-together sentences ("Jong-un.Trump").
func (tz *tokenizer) core(start, end int) {
	s := tz.text
	if plainWord(s[start:end]) {
		tz.emit(start, end) // most words: no rule below applies
		return
	}
	for start < end {
		// Find the first split point inside.
		split, next := -1, -1
		for i := start; i < end; {
			r, n := utf8.DecodeRuneInString(s[i:end])
			switch {
			case r == '–' || r == '—' || (r == '-' && i+1 < end && s[i+1] == '-'):
				k := i + n
				for k < end && s[k] == '-' {
					k++
				}
				split, next = i, k
			case (r == '\'' || r == '’') && i > start:
				if isClitic(s[i:end]) {
					split, next = i, -2
				}
			case r == 'n' && i > start && i+n < end:
				if rest := s[i+1 : end]; rest == "'t" || rest == "’t" {
					split, next = i, -2
				}
			case r == '.' && i > start && i+1 < end:
				if runTogether(s[start:i], s[i+1:end]) {
					split, next = i+1, -3
				}
			case r == ',' && i > start && i+1 < end:
				pr, _ := utf8.DecodeLastRuneInString(s[start:i])
				nr, _ := utf8.DecodeRuneInString(s[i+1 : end])
				if unicode.IsLetter(pr) && unicode.IsLetter(nr) {
					split, next = i, i+1
				}
			}
			if split >= 0 {
				break
			}
			i += n
		}
		switch {
		case split < 0:
			tz.emit(start, end)
			return
		case next == -2: // clitic: the rest is one token
			tz.emit(start, split)
			tz.emit(split, end)
			return
		case next == -3: // run-together sentence: "un." then new sentence
			tz.emit(start, split-1)
			tz.emit(split-1, split)
			tz.breakSentence()
			start = split
		default: // separator token text[split:next]
			tz.emit(start, split)
			tz.emit(split, next)
			start = next
		}
	}
}

// plainWord reports whether w is ASCII without '-', '\”, '.' or ',':
// every split rule of core needs one of those or a non-ASCII dash or
// quote, so core keeps such a word whole.
func plainWord(w string) bool {
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= utf8.RuneSelf, c == '-', c == '\'', c == '.', c == ',':
			return false
		}
	}
	return true
}

// runTogether reports whether "left.right" is two sentences with the
// space missing: a lower-case word of two letters or more before the
// period and a capitalised word after it ("Jong-un.Trump", not "U.S" or
// "example.com").
func runTogether(left, right string) bool {
	if len(left) < 2 || len(right) < 2 {
		return false
	}
	l1, n1 := utf8.DecodeLastRuneInString(left)
	l2, _ := utf8.DecodeLastRuneInString(left[:len(left)-n1])
	r1, m := utf8.DecodeRuneInString(right)
	r2, _ := utf8.DecodeRuneInString(right[m:])
	return unicode.IsLower(l1) && unicode.IsLower(l2) && unicode.IsUpper(r1) && unicode.IsLower(r2)
}
