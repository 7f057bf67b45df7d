package ner

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Feature templates. A feature is a template, an offset relative to the
// token being tagged and a value, hashed to 32 bits; the model stores
// weights by hash, so no feature strings are kept.
const (
	tBias = iota + 1
	tWord
	tLower
	tShape
	tPrefix
	tSuffix
	tCluster
	tLength
	tFirst
	tCapsLower
	tBigramPrev
	tBigramNext
	tShape3
	tGaz
	tDocCase
	tHyphenLast
	tNonLocal
	tLex
)

// Offsets at which word-level templates apply. Word-level features of the
// token at i+off depend only on that token's text, which is what lets the
// tagger precompute their summed weights per vocabulary word.
const (
	minOff   = -2
	maxOff   = 2
	numOffs  = maxOff - minOff + 1
	padStart = "<S>"
	padEnd   = "</S>"
)

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fh is an FNV-1a hash under construction.
type fh uint64

func newHash(tmpl, off int) fh {
	h := fh(fnvOffset64)
	return h.byte(byte(tmpl)).byte(byte(off + 16))
}

func (h fh) byte(b byte) fh { return (h ^ fh(b)) * fnvPrime64 }

func (h fh) str(s string) fh {
	for i := 0; i < len(s); i++ {
		h = (h ^ fh(s[i])) * fnvPrime64
	}
	return h
}

func (h fh) rune(r rune) fh {
	if r < utf8.RuneSelf {
		return h.byte(byte(r))
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, b := range buf[:n] {
		h = h.byte(b)
	}
	return h
}

// lower hashes s lower-cased with digits folded to 0, so "1996" and
// "2001" share a feature.
func (h fh) lower(s string) fh {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case '0' <= c && c <= '9':
				c = '0'
			}
			h = h.byte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		h = h.rune(unicode.ToLower(r))
		i += n
	}
	return h
}

// shape hashes the word shape of s: upper case as X, lower case as x,
// digits as d, other characters as themselves, runs collapsed ("Jong-un"
// -> "Xx-x", "1,000" -> "d,d").
func (h fh) shape(s string) fh {
	var last rune = -1
	n := 0
	for _, r := range s {
		c := shapeClass(r)
		if c == last {
			continue
		}
		last = c
		h = h.rune(c)
		if n++; n >= 12 {
			break
		}
	}
	return h
}

func shapeClass(r rune) rune {
	switch {
	case 'a' <= r && r <= 'z':
		return 'x'
	case 'A' <= r && r <= 'Z':
		return 'X'
	case '0' <= r && r <= '9':
		return 'd'
	case r < utf8.RuneSelf:
		return r
	case unicode.IsUpper(r):
		return 'X'
	case unicode.IsLower(r), unicode.IsLetter(r):
		return 'x'
	case unicode.IsDigit(r):
		return 'd'
	}
	return '*'
}

func (h fh) sum() uint32 {
	x := uint64(h)
	v := uint32(x ^ x>>32)
	if v == 0 {
		v = 1
	}
	return v
}

// lowerKey is the 64-bit hash of a word's folded form, used for document
// and gazetteer lookups where a 32-bit collision would matter more.
func lowerKey(s string) uint64 { return uint64(fh(fnvOffset64).lower(s)) }

func shapeKey(s string) uint64 { return uint64(fh(fnvOffset64).shape(s)) }

func lengthBucket(n int) byte {
	switch {
	case n <= 4:
		return byte(n)
	case n <= 6:
		return 5
	case n <= 9:
		return 6
	}
	return 7
}

// wordFeatures appends the features the word w contributes when it sits
// at offset off from the token being tagged.
func (m *Model) wordFeatures(dst []uint32, w string, off int) []uint32 {
	ids, ok := m.clusters[w]
	return m.appendWordFeatures(dst, w, off, ids, ok)
}

// appendWordFeatures is wordFeatures given w's clusters (ok: it has
// some), so that a caller wanting every offset looks them up once.
func (m *Model) appendWordFeatures(dst []uint32, w string, off int, ids []uint16, ok bool) []uint32 {
	if off == 0 {
		dst = append(dst, newHash(tBias, 0).sum())
		// Affixes by rune so that non-ASCII words get whole characters.
		n := utf8.RuneCountInString(w)
		dst = append(dst, newHash(tLength, 0).byte(lengthBucket(n)).sum())
		end := 0
		for k := 1; k <= 4 && k < n; k++ {
			_, size := utf8.DecodeRuneInString(w[end:])
			end += size
			dst = append(dst, newHash(tPrefix+16*k, 0).str(w[:end]).sum())
		}
		start := len(w)
		for k := 1; k <= 4 && k < n; k++ {
			_, size := utf8.DecodeLastRuneInString(w[:start])
			start -= size
			dst = append(dst, newHash(tSuffix+16*k, 0).str(w[start:]).sum())
		}
		if i := lastHyphen(w); i > 0 && i < len(w)-1 {
			dst = append(dst, newHash(tHyphenLast, 0).lower(w[i+1:]).sum())
		}
	}
	if off >= -1 && off <= 1 {
		dst = append(dst, newHash(tWord, off).str(w).sum())
	}
	dst = append(dst, newHash(tLower, off).lower(w).sum())
	dst = append(dst, newHash(tShape, off).shape(w).sum())
	if ok {
		for g, id := range ids {
			if off < -1 || off > 1 {
				if g != 0 {
					continue
				}
			}
			dst = append(dst, newHash(tCluster+16*g, off).byte(byte(id)).byte(byte(id>>8)).sum())
		}
	}
	return dst
}

func lastHyphen(w string) int {
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] == '-' {
			return i
		}
	}
	return -1
}

// mix folds v into the hash h; context features combine the per-token
// hashes of prepareDoc with it instead of rehashing text.
func mix(h, v uint64) uint64 {
	h = (h ^ v) * 0x9E3779B97F4A7C15
	return h ^ h>>31
}

func ctxKey(tmpl, variant int) uint64 { return uint64(newHash(tmpl, variant)) }

func fold(h uint64) uint32 {
	v := uint32(h ^ h>>32)
	if v == 0 {
		v = 1
	}
	return v
}

// sentence is one sentence prepared for feature extraction: normalised
// token texts, per-token hashes and per-sentence and document facts.
type sentence struct {
	words   []string // normalised forms
	ids     []int32  // vocabulary ids (tagging only)
	lowerH  []uint64 // hash of each word's folded form; pads at both ends
	shapeH  []uint64 // hash of each word's shape; pads at both ends
	flags   []uint8  // wordFlags of each word
	allCaps bool     // a headline: every cased token is upper case
	gaz     []uint32 // per token: bitmask of gazetteer (type, BILOU) hits
	docCase []uint8  // per token: document case evidence, 0 if n/a
	lex     []uint32 // per token: bitmask of lexicon (kind, BILOU) hits
	nl      []uint64 // per token: non-local descriptor, 0 if none
	hasNL   bool     // some token has a non-local descriptor
}

func (s *sentence) word(i int) string {
	switch {
	case i < 0:
		return padStart
	case i >= len(s.words):
		return padEnd
	}
	return s.words[i]
}

// contextFeatures appends the features of token i that depend on more
// than one token, the sentence or the document.
func contextFeatures(dst []uint32, s *sentence, i int) []uint32 {
	lo, sh := s.lowerH[i+1:], s.shapeH[i+1:] // lo[-1+1] is the previous token
	l0, s0 := lo[0], sh[0]
	lp, ln := s.lowerH[i], lo[1]
	sp, sn := s.shapeH[i], sh[1]
	if i == 0 {
		dst = append(dst, fold(mix(ctxKey(tFirst, 0), s0)), fold(mix(ctxKey(tFirst, 1), l0)))
	}
	if s.allCaps {
		dst = append(dst, fold(mix(ctxKey(tCapsLower, 0), l0)), fold(mix(mix(ctxKey(tCapsLower, 1), lp), l0)))
	}
	dst = append(dst,
		fold(mix(mix(ctxKey(tBigramPrev, 0), lp), l0)),
		fold(mix(mix(ctxKey(tBigramNext, 0), l0), ln)),
		fold(mix(mix(mix(ctxKey(tShape3, 0), sp), s0), sn)))
	for g := s.gaz[i]; g != 0; g &= g - 1 {
		bit := uint64(bits.TrailingZeros32(g))
		dst = append(dst, fold(mix(ctxKey(tGaz, 0), bit)), fold(mix(mix(ctxKey(tGaz, 1), bit), s0)))
	}
	for g := s.lex[i]; g != 0; g &= g - 1 {
		bit := uint64(bits.TrailingZeros32(g))
		dst = append(dst, fold(mix(ctxKey(tLex, 0), bit)), fold(mix(mix(ctxKey(tLex, 1), bit), s0)))
	}
	if c := s.docCase[i]; c != 0 {
		dst = append(dst, fold(mix(ctxKey(tDocCase, 0), uint64(c))), fold(mix(mix(ctxKey(tDocCase, 1), uint64(c)), s0)))
	}
	return dst
}
