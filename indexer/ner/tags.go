package ner

import "strings"

// Type is an entity type.
type Type uint8

// Entity types, in the order the model stores them.
const (
	PER Type = iota
	ORG
	LOC
	MISC
	numTypes
)

var typeNames = [numTypes]string{"PER", "ORG", "LOC", "MISC"}

// String returns the CoNLL name of the type ("PER", "ORG", "LOC", "MISC").
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return "?"
}

// ParseType returns the type for a CoNLL type name.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s {
			return Type(i), true
		}
	}
	return 0, false
}

// Internal tags are BILOU: 0 is O, then for each type four tags
// (Begin, Inside, Last, Unit). BILOU makes span ends explicit, which
// a first-order model otherwise has to infer from the next tag.
const (
	tagO    = 0
	numTags = 1 + 4*int(numTypes)
)

const (
	posB = iota
	posI
	posL
	posU
)

func mkTag(t Type, pos int) int { return 1 + 4*int(t) + pos }

func tagType(tag int) Type { return Type((tag - 1) / 4) }

func tagPos(tag int) int { return (tag - 1) % 4 }

// allowed reports whether tag cur may follow tag prev under BILOU.
// prev == -1 stands for the start of a sentence.
func allowed(prev, cur int) bool {
	open := prev > 0 && (tagPos(prev) == posB || tagPos(prev) == posI)
	if open {
		return cur > 0 && tagType(cur) == tagType(prev) && (tagPos(cur) == posI || tagPos(cur) == posL)
	}
	return cur == tagO || tagPos(cur) == posB || tagPos(cur) == posU
}

// canEnd reports whether a sentence may end on tag.
func canEnd(tag int) bool {
	return tag == tagO || tagPos(tag) == posL || tagPos(tag) == posU
}

// Span is a run of tokens [Start, End) of one entity type.
type Span struct {
	Type       Type
	Start, End int
}

// SpansFromTags reads entity spans from IOB1 or BIO2 tags ("B-PER",
// "I-ORG", "O", ...) with the conlleval rules: a chunk starts at a B- tag
// or at an I- tag whose type differs from the previous tag's. Unknown
// types are kept out of the result.
func SpansFromTags(tags []string) []Span {
	var spans []Span
	start, cur := -1, ""
	flush := func(end int) {
		if start >= 0 {
			if t, ok := ParseType(cur); ok {
				spans = append(spans, Span{Type: t, Start: start, End: end})
			}
		}
		start, cur = -1, ""
	}
	for i, tag := range tags {
		prefix, typ, _ := strings.Cut(tag, "-")
		if tag == "O" || typ == "" {
			flush(i)
			continue
		}
		switch {
		case prefix == "B", prefix == "S", prefix == "U":
			flush(i)
			start, cur = i, typ
		case start < 0 || typ != cur:
			flush(i)
			start, cur = i, typ
		}
		if prefix == "E" || prefix == "L" || prefix == "S" || prefix == "U" {
			flush(i + 1)
		}
	}
	flush(len(tags))
	return spans
}

// bilouFromSpans writes internal BILOU tags for spans over n tokens.
func bilouFromSpans(dst []int, spans []Span) {
	for i := range dst {
		dst[i] = tagO
	}
	for _, s := range spans {
		if s.End-s.Start == 1 {
			dst[s.Start] = mkTag(s.Type, posU)
			continue
		}
		dst[s.Start] = mkTag(s.Type, posB)
		for i := s.Start + 1; i < s.End-1; i++ {
			dst[i] = mkTag(s.Type, posI)
		}
		dst[s.End-1] = mkTag(s.Type, posL)
	}
}

// spansFromBILOU reads spans from a valid internal tag sequence.
func spansFromBILOU(dst []Span, tags []int) []Span {
	start := -1
	for i, tag := range tags {
		if tag == tagO {
			start = -1
			continue
		}
		switch tagPos(tag) {
		case posU:
			dst = append(dst, Span{Type: tagType(tag), Start: i, End: i + 1})
			start = -1
		case posB:
			start = i
		case posL:
			if start >= 0 {
				dst = append(dst, Span{Type: tagType(tag), Start: start, End: i + 1})
			}
			start = -1
		}
	}
	return dst
}

// IOB1 writes spans over n tokens as CoNLL-2003 IOB1 tags: I-TYPE, with
// B-TYPE only where an entity directly follows one of the same type.
func IOB1(spans []Span, n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "O"
	}
	prevEnd, prevType := -1, Type(0)
	for _, s := range spans {
		for i := s.Start; i < s.End; i++ {
			tags[i] = "I-" + s.Type.String()
		}
		if s.Start == prevEnd && s.Type == prevType {
			tags[s.Start] = "B-" + s.Type.String()
		}
		prevEnd, prevType = s.End, s.Type
	}
	return tags
}
