package ner

import "math/bits"

// Non-local features: the tagger runs twice over a document. The second
// pass sees, for each capitalised token, how the first pass labelled the
// other occurrences of the same word (case-folded) in the document, so
// that "Clinton" alone inherits PER from "Bill Clinton" two sentences
// back and a headline in capitals inherits the body's labels.
//
// Both passes score with one set of weights; the first pass simply has
// no non-local features. Training sees every sentence both ways.

// nlCounts counts a word's first-pass tags in a document, saturating.
type nlCounts [numTags]uint16

// Bits of a token's non-local descriptor (sentence.nl): for each of the
// four types and O, a 2-bit bucket of the share of the word's other
// occurrences labelled with it (0 none, 1 under half, 2 at least half,
// 3 all); above those, one bit per BILOU tag seen on another occurrence.
const (
	nlBuckets  = int(numTypes) + 1 // the types, then O
	nlTagShift = 2 * nlBuckets
)

// nlCounted reports whether a token with these flags takes part in
// non-local evidence: it has a cased letter and does not start lower
// case, so numbers, punctuation and ordinary words are left out.
func nlCounted(f uint8) bool { return f&fCased != 0 && f&fStartsLower == 0 }

// prepareNonLocal sets sents[i].nl from the first-pass tags of the whole
// document, given sentence after sentence in tags. Tokens fixed to O
// (forced, given like tags) count as O occurrences of their word but get
// no descriptor. It reports whether any token got a non-zero descriptor.
func prepareNonLocal(sents []sentence, tags []int, forced []bool, st *docState) bool {
	counted := 0
	for si := range sents {
		for _, f := range sents[si].flags {
			if nlCounted(f) {
				counted++
			}
		}
	}
	st.nl.reset(counted)
	st.spans.reset(counted / 2)
	st.spanMax = 0
	off := 0
	for si := range sents {
		s := &sents[si]
		for i, f := range s.flags {
			if nlCounted(f) {
				c := st.nl.ptr(s.lowerH[i+1])
				if t := tags[off+i]; c[t] < 0xffff {
					c[t]++
				}
			}
		}
		st.addSpans(s, tags[off:off+len(s.words)])
		off += len(s.words)
	}
	any := false
	off = 0
	for si := range sents {
		s := &sents[si]
		s.nl = resize(s.nl, len(s.words))
		s.hasNL = false
		for i, f := range s.flags {
			s.nl[i] = 0
			if !nlCounted(f) || forced[off+i] {
				continue
			}
			c, _ := st.nl.get(s.lowerH[i+1])
			if self := tags[off+i]; c[self] > 0 {
				c[self]--
			}
			s.nl[i] = uint64(nlDescriptor(&c))
		}
		st.matchSpans(s, tags[off:off+len(s.words)], forced[off:off+len(s.words)])
		for _, d := range s.nl {
			s.hasNL = s.hasNL || d != 0
		}
		any = any || s.hasNL
		off += len(s.words)
	}
	return any
}

// spanCounts counts how often the first pass found a word sequence as an
// entity of each type; prefix marks the start of a longer one.
type spanCounts struct {
	n      [numTypes]uint16
	prefix bool
}

// nlSpanShift is where the span bits start in a descriptor: bit
// 4*type+pos is set where the token is at BILOU position pos of a word
// sequence the first pass labelled type elsewhere in the document.
const nlSpanShift = 32

// addSpans records the first-pass entities of s, keyed like gazetteer
// entries.
func (st *docState) addSpans(s *sentence, tags []int) {
	st.spanBuf = spansFromBILOU(st.spanBuf[:0], tags)
	for _, sp := range st.spanBuf {
		h := uint64(gazSeed)
		for j := sp.Start; j < sp.End; j++ {
			h = mix(h, s.lowerH[j+1])
			if j < sp.End-1 {
				st.spans.ptr(h).prefix = true
			}
		}
		if c := st.spans.ptr(h); c.n[sp.Type] < 0xffff {
			c.n[sp.Type]++
		}
		st.spanMax = max(st.spanMax, sp.End-sp.Start)
	}
}

// matchSpans sets the span bits of s.nl: every word sequence of s that
// the first pass labelled as an entity somewhere else in the document.
func (st *docState) matchSpans(s *sentence, tags []int, forced []bool) {
	if st.spanMax == 0 {
		return
	}
	for i, f := range s.flags {
		if !nlCounted(f) {
			continue
		}
		h := uint64(gazSeed)
		for j := i; j < len(s.words) && j-i < st.spanMax; j++ {
			h = mix(h, s.lowerH[j+1])
			c, ok := st.spans.get(h)
			if !ok {
				break
			}
			for t := range numTypes {
				n := c.n[t]
				if n > 0 && isSpan(tags, i, j+1, t) {
					n-- // this very occurrence
				}
				if n == 0 {
					continue
				}
				if i == j {
					s.nl[i] |= 1 << (nlSpanShift + 4*uint(t) + posU)
					continue
				}
				s.nl[i] |= 1 << (nlSpanShift + 4*uint(t) + posB)
				for k := i + 1; k < j; k++ {
					s.nl[k] |= 1 << (nlSpanShift + 4*uint(t) + posI)
				}
				s.nl[j] |= 1 << (nlSpanShift + 4*uint(t) + posL)
			}
			if !c.prefix {
				break
			}
		}
	}
	for i := range s.nl {
		if forced[i] {
			s.nl[i] = 0
		}
	}
}

// isSpan reports whether tags hold exactly an entity of type t over
// [a, b).
func isSpan(tags []int, a, b int, t Type) bool {
	if b-a == 1 {
		return tags[a] == mkTag(t, posU)
	}
	if tags[a] != mkTag(t, posB) || tags[b-1] != mkTag(t, posL) {
		return false
	}
	for k := a + 1; k < b-1; k++ {
		if tags[k] != mkTag(t, posI) {
			return false
		}
	}
	return true
}

// nlDescriptor encodes the tag counts of a word's other occurrences.
func nlDescriptor(c *nlCounts) uint32 {
	var byType [nlBuckets]int
	total := 0
	var present uint32
	for tag, n := range c {
		if n == 0 {
			continue
		}
		present |= 1 << tag
		total += int(n)
		if tag == tagO {
			byType[numTypes] += int(n)
		} else {
			byType[tagType(tag)] += int(n)
		}
	}
	if total == 0 {
		return 0
	}
	d := present << nlTagShift
	for t, n := range byType {
		var b uint32
		switch {
		case n == 0:
			continue
		case n == total:
			b = 3
		case 2*n >= total:
			b = 2
		default:
			b = 1
		}
		d |= b << (2 * t)
	}
	return d
}

// nonlocalFeatures appends the second-pass features of token i of s.
func nonlocalFeatures(dst []uint32, s *sentence, i int) []uint32 {
	d := s.nl[i]
	if d == 0 {
		return dst
	}
	// Where case says little (sentence start, headlines in capitals) the
	// other occurrences say more.
	weak := uint64(0)
	if i == 0 || s.allCaps {
		weak = 1
	}
	for t := range nlBuckets {
		b := uint64(d >> (2 * t) & 3)
		if b == 0 {
			continue
		}
		v := uint64(4*t) + b
		dst = append(dst, fold(mix(ctxKey(tNonLocal, 0), v)), fold(mix(mix(ctxKey(tNonLocal, 1), v), weak)))
	}
	for m := uint32(d) >> nlTagShift; m != 0; m &= m - 1 {
		dst = append(dst, fold(mix(ctxKey(tNonLocal, 2), uint64(bits.TrailingZeros32(m)))))
	}
	for m := uint32(d >> nlSpanShift); m != 0; m &= m - 1 {
		bit := uint64(bits.TrailingZeros32(m))
		dst = append(dst, fold(mix(ctxKey(tNonLocal, 3), bit)), fold(mix(mix(ctxKey(tNonLocal, 4), bit), weak)))
	}
	return dst
}
