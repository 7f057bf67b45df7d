package ner

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSpansFromTags(t *testing.T) {
	tests := []struct {
		name string
		tags string
		want []Span
	}{
		{"empty", "", nil},
		{"all O", "O O O", nil},
		{"IOB1 single", "I-PER I-PER O I-LOC", []Span{{PER, 0, 2}, {LOC, 3, 4}}},
		{"IOB1 adjacent same type", "I-LOC B-LOC I-LOC", []Span{{LOC, 0, 1}, {LOC, 1, 3}}},
		{"IOB1 type change", "I-ORG I-PER", []Span{{ORG, 0, 1}, {PER, 1, 2}}},
		{"BIO2", "B-PER I-PER B-PER O B-MISC", []Span{{PER, 0, 2}, {PER, 2, 3}, {MISC, 4, 5}}},
		{"BIOES", "B-ORG E-ORG S-LOC", []Span{{ORG, 0, 2}, {LOC, 2, 3}}},
		{"ends on entity", "O I-MISC", []Span{{MISC, 1, 2}}},
		{"unknown type dropped", "I-XYZ I-PER", []Span{{PER, 1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpansFromTags(strings.Fields(tt.tags))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SpansFromTags(%q) mismatch (-want +got):\n%s", tt.tags, diff)
			}
		})
	}
}

func TestIOB1RoundTrip(t *testing.T) {
	tests := []string{
		"O O O",
		"I-PER I-PER O I-LOC",
		"I-LOC B-LOC I-LOC O",
		"I-ORG I-PER I-PER B-PER",
	}
	for _, tags := range tests {
		t.Run(tags, func(t *testing.T) {
			in := strings.Fields(tags)
			got := IOB1(SpansFromTags(in), len(in))
			if diff := cmp.Diff(in, got); diff != "" {
				t.Errorf("IOB1 mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBILOURoundTrip(t *testing.T) {
	spans := []Span{{PER, 0, 1}, {ORG, 1, 4}, {LOC, 5, 7}, {LOC, 7, 8}}
	tags := make([]int, 9)
	bilouFromSpans(tags, spans)
	for i := range tags {
		prev := -1
		if i > 0 {
			prev = tags[i-1]
		}
		if !allowed(prev, tags[i]) {
			t.Errorf("tag %d after %d not allowed", tags[i], prev)
		}
	}
	if !canEnd(tags[len(tags)-1]) {
		t.Errorf("cannot end on %d", tags[len(tags)-1])
	}
	if diff := cmp.Diff(spans, spansFromBILOU(nil, tags)); diff != "" {
		t.Errorf("spans mismatch (-want +got):\n%s", diff)
	}
}

func TestScore(t *testing.T) {
	var s Score
	s.Add([]Span{{PER, 0, 2}, {LOC, 3, 4}, {MISC, 5, 6}}, []Span{{PER, 0, 2}, {LOC, 3, 5}, {ORG, 6, 7}})
	want := [numTypes]Counts{PER: {TP: 1}, ORG: {FP: 1}, LOC: {FP: 1, FN: 1}, MISC: {FN: 1}}
	if diff := cmp.Diff(want, s.ByType); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
	main := s.Main()
	if main != (Counts{TP: 1, FP: 2, FN: 1}) {
		t.Errorf("Main() = %+v", main)
	}
	if got, want := main.F1(), 2*(1.0/3)*(1.0/2)/(1.0/3+1.0/2); got != want {
		t.Errorf("F1 = %v, want %v", got, want)
	}
	var b strings.Builder
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"PER", "ORG", "LOC", "MISC", "PER+ORG+LOC", "all"} {
		if !strings.Contains(b.String(), row) {
			t.Errorf("score table has no %s row:\n%s", row, b.String())
		}
	}
}

// TestSegmentsMatchViterbi checks that decoding the runs between tokens
// fixed to O one by one finds the same path as decoding the sentence.
func TestSegmentsMatchViterbi(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var trans [numTags + 1][numTags + 1]float32
	for i := range trans {
		for j := range trans[i] {
			trans[i][j] = float32(rng.NormFloat64())
		}
	}
	lat := newLattice(&trans)
	var vs viterbiScratch
	for n := 1; n <= 40; n++ {
		for _, pForced := range []float64{0, 0.2, 0.5, 0.9, 1} {
			emit := make([]float32, n*numTags)
			for i := range emit {
				emit[i] = float32(rng.NormFloat64() * 2)
			}
			forced := make([]bool, n)
			for i := range forced {
				forced[i] = rng.Float64() < pForced
			}
			want, got := make([]int, n), make([]int, n)
			lat.viterbi(emit, forced, want, &vs)
			for i := range got {
				got[i] = -1
			}
			lat.segments(emit, forced, got, &vs, nil)
			if !slices.Equal(want, got) {
				t.Fatalf("n=%d forced=%v: segments %v, viterbi %v", n, forced, got, want)
			}
			// Redoing no run leaves the forced tokens O and the rest alone.
			lat.segments(emit, forced, got, &vs, func(a, b int) bool { return false })
			if !slices.Equal(want, got) {
				t.Fatalf("n=%d: skipping every run changed the path", n)
			}
		}
	}
}
