package ner

import (
	"unicode"
	"unicode/utf8"
)

// gazetteer holds known entity names as hashed token sequences, matched
// case-insensitively. Values: low bits are a mask of the types the
// sequence is an entity of; gazPrefix marks a prefix of a longer entry, so
// matching stops as soon as no entry can continue.
type gazetteer struct {
	m      *table64[uint8]
	maxLen int
}

const gazPrefix = 0x80

func newGazetteer() *gazetteer { return &gazetteer{m: newTable64[uint8](0)} }

const gazSeed = 0x67617a

func (g *gazetteer) add(words []string, t Type) {
	h := uint64(gazSeed)
	for i, w := range words {
		h = mix(h, lowerKey(w))
		if i < len(words)-1 {
			*g.m.ptr(h) |= gazPrefix
		}
	}
	*g.m.ptr(h) |= 1 << t
	g.maxLen = max(g.maxLen, len(words))
}

// match marks, for each token of words, the (type, BILOU position) of
// every gazetteer entry covering it, as bit 4*type+pos of out[i].
func (g *gazetteer) match(words []string, lowerH []uint64, flags []uint8, out []uint32) {
	for i := range out {
		out[i] = 0
	}
	if g == nil || g.m.n == 0 {
		return
	}
	for i := range words {
		if flags[i]&fStartsLower != 0 {
			continue
		}
		h := uint64(gazSeed)
		for j := i; j < len(words) && j-i < g.maxLen; j++ {
			h = mix(h, lowerH[j])
			v, _ := g.m.get(h)
			if v == 0 {
				break
			}
			for t := Type(0); t < numTypes; t++ {
				if v&(1<<t) == 0 {
					continue
				}
				if i == j {
					out[i] |= 1 << (4*uint(t) + posU)
					continue
				}
				out[i] |= 1 << (4*uint(t) + posB)
				for k := i + 1; k < j; k++ {
					out[k] |= 1 << (4*uint(t) + posI)
				}
				out[j] |= 1 << (4*uint(t) + posL)
			}
			if v&gazPrefix == 0 {
				break
			}
		}
	}
}

func startsLower(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsLower(r)
}

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// docState is scratch space for preparing one document.
type docState struct {
	seen  table64[uint8]
	nl    table64[nlCounts]
	spans table64[spanCounts]
	// spanMax is the longest first-pass entity; spanBuf is scratch.
	spanMax int
	spanBuf []Span
}

const (
	seenLower = 1 << iota
	seenCapMid
)

// Word flags, computed once per word (per vocabulary word by the Tagger).
const (
	fStartsLower = 1 << iota
	fStartsUpper
	fCased // has a cased letter
	fLower // has a lower-case letter
	// fOutside: the Tagger fixes the word to O (Model.outside, or an
	// unknown word that starts lower case or has no letter); set by
	// the Tagger only.
	fOutside
)

func wordFlags(w string) uint8 {
	var f uint8
	if startsLower(w) {
		f |= fStartsLower
	}
	if startsUpper(w) {
		f |= fStartsUpper
	}
	cased, lower := hasCase(w)
	if cased {
		f |= fCased
	}
	if lower {
		f |= fLower
	}
	return f
}

// hasCase reports whether w contains a cased letter, and whether it
// contains a lower-case one.
func hasCase(w string) (cased, lower bool) {
	for _, r := range w {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				return true, true
			}
			if 'A' <= r && r <= 'Z' {
				cased = true
			}
			continue
		}
		if unicode.IsLower(r) {
			return true, true
		}
		if unicode.IsUpper(r) {
			cased = true
		}
	}
	return cased, false
}

// fillHashes sets the per-token hashes of s from its words.
func (s *sentence) fillHashes() {
	n := len(s.words)
	s.lowerH = resize(s.lowerH, n+2)
	s.shapeH = resize(s.shapeH, n+2)
	s.flags = resize(s.flags, n)
	s.lowerH[0], s.lowerH[n+1] = lowerKey(padStart), lowerKey(padEnd)
	s.shapeH[0], s.shapeH[n+1] = shapeKey(padStart), shapeKey(padEnd)
	for i, w := range s.words {
		s.lowerH[i+1], s.shapeH[i+1] = lowerKey(w), shapeKey(w)
		s.flags[i] = wordFlags(w)
	}
}

// prepareDoc fills in the per-sentence and document facts the context
// features use. The words and hashes of each sentence must be set; the
// other slices are resized.
func prepareDoc(sents []sentence, gaz, lex *gazetteer, st *docState) {
	ntok := 0
	for si := range sents {
		ntok += len(sents[si].words)
	}
	st.seen.reset(ntok)
	for si := range sents {
		s := &sents[si]
		n := len(s.words)
		s.gaz = resize(s.gaz, n)
		s.docCase = resize(s.docCase, n)
		s.lex = resize(s.lex, n)
		var all uint8
		for _, f := range s.flags {
			all |= f
		}
		s.allCaps = all&fCased != 0 && all&fLower == 0
		gaz.match(s.words, s.lowerH[1:], s.flags, s.gaz)
		lex.match(s.words, s.lowerH[1:], s.flags, s.lex)
		for i, f := range s.flags {
			switch {
			case f&fStartsLower != 0:
				*st.seen.ptr(s.lowerH[i+1]) |= seenLower
			case i > 0 && !s.allCaps && f&fStartsUpper != 0:
				*st.seen.ptr(s.lowerH[i+1]) |= seenCapMid
			}
		}
	}
	for si := range sents {
		s := &sents[si]
		for i, f := range s.flags {
			s.docCase[i] = 0
			if f&fStartsUpper == 0 {
				continue
			}
			seen, _ := st.seen.get(s.lowerH[i+1])
			if i == 0 || s.allCaps {
				s.docCase[i] = 1 + seen
			} else {
				s.docCase[i] = 5 + seen&seenLower
			}
		}
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
