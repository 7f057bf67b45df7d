package count

import (
	"math"
	"slices"
	"testing"
)

func TestJLH(t *testing.T) {
	tests := []struct {
		name                     string
		fg, fgTotal, bg, bgTotal int
		want                     float64
	}{
		{"twice as common", 20, 100, 100, 1000, (0.2 - 0.1) * 2},
		{"as common", 10, 100, 100, 1000, 0},
		{"rarer", 5, 100, 100, 1000, 0},
		{"absent from the background", 1, 10, 0, 100, (0.1 - 0.005) * 0.1 / 0.005},
		{"empty foreground", 0, 0, 5, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JLH(tt.fg, tt.fgTotal, tt.bg, tt.bgTotal); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("JLH = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChiSquare(t *testing.T) {
	// 2×2 table a=20 b=80 / c=80 d=820: chi² = n(ad-bc)² / row and column totals.
	want := 1000.0 * math.Pow(20*820-80*80, 2) / (100 * 900 * 100 * 900)
	if got := ChiSquare(20, 100, 100, 1000); math.Abs(got-want) > 1e-9 {
		t.Errorf("ChiSquare = %v, want %v", got, want)
	}
	if got := ChiSquare(5, 100, 100, 1000); got != 0 {
		t.Errorf("ChiSquare of a rarer value = %v, want 0", got)
	}
}

func TestSample(t *testing.T) {
	a := Sample(1000, 50, 7)
	if len(a) != 50 || !slices.IsSorted(a) || slices.Compact(slices.Clone(a)) == nil || len(slices.Compact(slices.Clone(a))) != 50 {
		t.Fatalf("Sample(1000, 50, 7) = %v: want 50 distinct sorted numbers", a)
	}
	if b := Sample(1000, 50, 7); !slices.Equal(a, b) {
		t.Errorf("same seed, different samples: %v, %v", a, b)
	}
	if c := Sample(1000, 50, 8); slices.Equal(a, c) {
		t.Errorf("different seeds, same sample")
	}
	if got := Sample(3, 10, 1); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("Sample(3, 10) = %v, want all", got)
	}
	// Uniform: each of 20 numbers drawn about k/n of the time.
	hits := make([]int, 20)
	for seed := range uint64(20000) {
		for _, i := range Sample(20, 5, seed) {
			hits[i]++
		}
	}
	for i, h := range hits {
		if h < 4500 || h > 5500 { // expected 5000, sd ≈ 61
			t.Errorf("number %d drawn %d times in 20000 samples, want about 5000", i, h)
		}
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		sizes []int
		k     int
		want  []int
	}{
		{[]int{50, 30, 20}, 10, []int{5, 3, 2}},
		{[]int{1, 1, 1}, 2, []int{1, 1, 0}},
		{[]int{2, 100}, 50, []int{1, 49}},
		{[]int{3, 4}, 100, []int{3, 4}},
		{[]int{0, 0}, 5, []int{0, 0}},
		{[]int{10, 1}, 3, []int{3, 0}},
	}
	for _, tt := range tests {
		if got := Allocate(tt.sizes, tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("Allocate(%v, %d) = %v, want %v", tt.sizes, tt.k, got, tt.want)
		}
	}
}
