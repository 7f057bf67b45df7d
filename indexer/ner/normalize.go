package ner

import (
	"strings"
	"unicode/utf8"
)

// normRune maps typographic punctuation to the ASCII the training data
// uses, so that "Jo’s" is tagged like "Jo's".
func normRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '′', '`':
		return '\''
	case '“', '”', '„', '″', '«', '»':
		return '"'
	case '–', '—', '‒', '―', '−':
		return '-'
	}
	return r
}

// normalize returns w with normRune applied. ASCII words and the common
// one-character and clitic cases come back without allocating.
func normalize(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf || w[i] == '`' {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	r, n := utf8.DecodeRuneInString(w)
	if n == len(w) {
		switch normRune(r) {
		case '\'':
			return "'"
		case '"':
			return `"`
		case '-':
			return "-"
		}
		return w
	}
	if r == '’' {
		switch w[n:] {
		case "s":
			return "'s"
		case "S":
			return "'S"
		}
	}
	changed := false
	for _, r := range w {
		if normRune(r) != r {
			changed = true
			break
		}
	}
	if !changed {
		return w
	}
	return strings.Map(normRune, w)
}
