package count

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Significance methods, as responses name them.
const (
	MethodJLH       = "jlh"
	MethodChiSquare = "chi_square"
)

// JLH is Elasticsearch's default significance heuristic: with
// fgP = fg/fgTotal and bgP = bg/bgTotal, (fgP - bgP) × fgP/bgP when the
// value is more common in the foreground, else 0. It rewards both the
// absolute and the relative rise. A value absent from the background
// (possible with a background query) counts as half an article there.
func JLH(fg, fgTotal, bg, bgTotal int) float64 {
	if fg <= 0 || fgTotal <= 0 || bgTotal <= 0 {
		return 0
	}
	fgP := float64(fg) / float64(fgTotal)
	b := float64(bg)
	if b <= 0 {
		b = 0.5
	}
	bgP := b / float64(bgTotal)
	if fgP <= bgP {
		return 0
	}
	return (fgP - bgP) * fgP / bgP
}

// ChiSquare is Pearson's chi-square statistic of the 2×2 table of
// articles with and without the value, in the foreground and in the rest
// of the background (the foreground taken to lie within the background,
// as when the background is the whole archive), 0 when the value is no
// more common in the foreground than in the rest.
func ChiSquare(fg, fgTotal, bg, bgTotal int) float64 {
	a := float64(fg)                              // foreground, with
	b := float64(fgTotal - fg)                    // foreground, without
	c := float64(max(bg-fg, 0))                   // rest, with
	d := float64(max(bgTotal-fgTotal-(bg-fg), 0)) // rest, without
	n := a + b + c + d
	if n == 0 || a+b == 0 || c+d == 0 || a+c == 0 || b+d == 0 {
		return 0
	}
	if a/(a+b) <= c/(c+d) {
		return 0
	}
	num := a*d - b*c
	return n * num * num / ((a + b) * (c + d) * (a + c) * (b + d))
}

// Sample returns k distinct numbers below n, drawn uniformly at random,
// in increasing order; all of 0…n-1 when k ≥ n. The same n, k and seed
// give the same sample (Floyd's algorithm over a PCG generator).
func Sample(n, k int, seed uint64) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	if k <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, 0x6e657773646578)) // "newsdex"
	chosen := make(map[int]bool, k)
	for j := n - k; j < n; j++ {
		t := r.IntN(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
	}
	out := make([]int, 0, k)
	for i := range chosen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// Allocate splits k draws among groups of the given sizes in proportion
// (largest remainder), never more than a group holds: a stratified
// sample's share per outlet. The result sums to min(k, sum of sizes).
func Allocate(sizes []int, k int) []int {
	total := 0
	for _, s := range sizes {
		total += s
	}
	out := make([]int, len(sizes))
	if total == 0 || k <= 0 {
		return out
	}
	k = min(k, total)
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	used := 0
	for i, s := range sizes {
		exact := float64(k) * float64(s) / float64(total)
		out[i] = int(math.Floor(exact))
		used += out[i]
		rems = append(rems, rem{i, exact - float64(out[i])})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for j := 0; used < k; j = (j + 1) % len(rems) {
		if i := rems[j].i; out[i] < sizes[i] {
			out[i]++
			used++
		}
	}
	return out
}
