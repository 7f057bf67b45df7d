package ner

import (
	"testing"
)

func TestNLDescriptor(t *testing.T) {
	uPER, bORG, lORG, uLOC := mkTag(PER, posU), mkTag(ORG, posB), mkTag(ORG, posL), mkTag(LOC, posU)
	bucket := func(d uint32, bucket int) uint32 { return d >> (2 * bucket) & 3 }
	tests := []struct {
		name    string
		counts  map[int]uint16
		buckets [nlBuckets]uint32 // PER, ORG, LOC, MISC, O
		tags    []int
	}{
		{"nothing", nil, [nlBuckets]uint32{}, nil},
		{"all PER", map[int]uint16{uPER: 3}, [nlBuckets]uint32{3, 0, 0, 0, 0}, []int{uPER}},
		{"ORG by B and L", map[int]uint16{bORG: 1, lORG: 1}, [nlBuckets]uint32{0, 3, 0, 0, 0}, []int{bORG, lORG}},
		{"half LOC half O", map[int]uint16{uLOC: 2, tagO: 2}, [nlBuckets]uint32{0, 0, 2, 0, 2}, []int{tagO, uLOC}},
		{"mostly O", map[int]uint16{uPER: 1, tagO: 4}, [nlBuckets]uint32{1, 0, 0, 0, 2}, []int{tagO, uPER}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c nlCounts
			for tag, n := range tt.counts {
				c[tag] = n
			}
			d := nlDescriptor(&c)
			if tt.counts == nil {
				if d != 0 {
					t.Fatalf("descriptor %#x, want 0", d)
				}
				return
			}
			for b, want := range tt.buckets {
				if got := bucket(d, b); got != want {
					t.Errorf("bucket %d = %d, want %d", b, got, want)
				}
			}
			var want uint32
			for _, tag := range tt.tags {
				want |= 1 << tag
			}
			if got := d >> nlTagShift; got != want {
				t.Errorf("tags seen %#b, want %#b", got, want)
			}
		})
	}
}

// TestPrepareNonLocal checks which tokens get evidence from which
// others: same word in any case, never from itself, none for lower-case
// or forced tokens.
func TestPrepareNonLocal(t *testing.T) {
	uPER, uLOC := mkTag(PER, posU), mkTag(LOC, posU)
	doc := [][]string{
		{"Costa", "said", "Costa", "."},
		{"COSTA", "IN", "ROME"},
		{"Rome", "is", "costa", "."},
		{"The", "Smith"},
	}
	tags := [][]int{
		{uPER, tagO, uPER, tagO},
		{tagO, tagO, uLOC},
		{uLOC, tagO, tagO, tagO},
		{tagO, uPER},
	}
	forced := [][]bool{
		{false, true, false, true},
		{false, false, false},
		{false, true, true, true},
		{true, false},
	}
	// want[s][i]: expected (type bucket) per token as PER, LOC, O
	// buckets, or nil for no descriptor.
	type b3 [3]uint32
	want := [][]*b3{
		{{2, 0, 2}, nil, {2, 0, 2}, nil}, // others of each Costa: one PER, COSTA O
		{{3, 0, 0}, nil, {0, 3, 0}},      // COSTA: two PER; IN: no other; ROME: Rome LOC
		{{0, 3, 0}, nil, nil, nil},       // Rome: ROME LOC; costa lower case
		{nil, nil},                       // The forced; Smith alone
	}
	var sents []sentence
	var flatTags []int
	var flatForced []bool
	for i, w := range doc {
		s := sentence{words: w}
		s.fillHashes()
		sents = append(sents, s)
		flatTags = append(flatTags, tags[i]...)
		flatForced = append(flatForced, forced[i]...)
	}
	var st docState
	if !prepareNonLocal(sents, flatTags, flatForced, &st) {
		t.Fatal("prepareNonLocal found no evidence")
	}
	for si, s := range sents {
		hasNL := false
		for i, d := range s.nl {
			w := want[si][i]
			if w == nil {
				if d != 0 {
					t.Errorf("%q (sentence %d): descriptor %#x, want none", s.words[i], si, d)
				}
				continue
			}
			hasNL = true
			got := b3{uint32(d & 3), uint32(d >> (2 * int(LOC)) & 3), uint32(d >> (2 * int(numTypes)) & 3)}
			if got != *w {
				t.Errorf("%q (sentence %d): PER, LOC, O buckets %v, want %v", s.words[i], si, got, *w)
			}
		}
		if s.hasNL != hasNL {
			t.Errorf("sentence %d: hasNL %v, want %v", si, s.hasNL, hasNL)
		}
	}
}

// TestNonLocalSpans checks the span bits: word sequences the first pass
// labelled elsewhere in the document, not counting the occurrence itself.
func TestNonLocalSpans(t *testing.T) {
	bPER, iPER, lPER, uPER, uORG := mkTag(PER, posB), mkTag(PER, posI), mkTag(PER, posL), mkTag(PER, posU), mkTag(ORG, posU)
	bit := func(ty Type, pos int) uint64 { return 1 << (nlSpanShift + 4*uint(ty) + uint(pos)) }
	doc := [][]string{
		{"Bill", "J.", "Clinton", "met", "Clinton"},
		{"BILL", "J.", "CLINTON", "and", "Apple"},
		{"Apple", "said"},
	}
	tags := [][]int{
		{bPER, iPER, lPER, tagO, uPER},
		{tagO, tagO, tagO, tagO, uORG},
		{tagO, tagO},
	}
	want := [][]uint64{
		{0, 0, bit(PER, posU), 0, 0}, // "Bill J. Clinton" only here; "Clinton" alone at the end
		{bit(PER, posB), bit(PER, posI), bit(PER, posL) | bit(PER, posU), 0, 0},
		{bit(ORG, posU), 0},
	}
	var sents []sentence
	var flatTags []int
	var forced []bool
	for i, w := range doc {
		s := sentence{words: w}
		s.fillHashes()
		sents = append(sents, s)
		flatTags = append(flatTags, tags[i]...)
		for range w {
			forced = append(forced, false)
		}
	}
	var st docState
	prepareNonLocal(sents, flatTags, forced, &st)
	for si, s := range sents {
		for i, d := range s.nl {
			if got := d &^ (1<<nlSpanShift - 1); got != want[si][i] {
				t.Errorf("%q (sentence %d): span bits %#x, want %#x", s.words[i], si, got>>nlSpanShift, want[si][i]>>nlSpanShift)
			}
		}
	}
}
