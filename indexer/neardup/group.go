package neardup

import (
	"cmp"
	"slices"
)

// maxBucketCompare bounds the comparisons one article makes within one
// band bucket: the distinct groups already there it is checked against.
// A bucket of many copies of one story holds one group, so this only cuts
// off buckets of unrelated articles that share a band by chance.
const maxBucketCompare = 16

// Resolve groups n articles: buckets are the articles sharing a band key
// (any order within a bucket); two articles of a bucket are copies when
// opts say so (Options.Copies), and copies of copies are one group. It returns, per article, the article that names its group: the
// earliest member by earlier (a strict order), the article itself when it
// has no copies.
func Resolve(n int, buckets [][]int, sig func(i int) *Signature, earlier func(a, b int) bool, opts Options) []int {
	opts.SetDefaults()
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if earlier(rb, ra) {
			ra, rb = rb, ra
		}
		parent[rb] = ra // the root stays the earliest member
	}
	for _, bucket := range buckets {
		for j := 1; j < len(bucket); j++ {
			b := bucket[j]
			sb := sig(b)
			if sb == nil {
				continue
			}
			seen := map[int]bool{}
			for i := 0; i < j && len(seen) < maxBucketCompare; i++ {
				a := bucket[i]
				ra := find(a)
				if seen[ra] || ra == find(b) {
					continue
				}
				seen[ra] = true
				if sa := sig(a); sa != nil && opts.Copies(sa, sb) {
					union(a, b)
				}
			}
		}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = find(i)
	}
	return out
}

// GroupAll groups signatures held in memory (the index does the same from
// its stored band keys): a convenience for tests and measurements.
func GroupAll(sigs []*Signature, earlier func(a, b int) bool, opts Options) []int {
	byKey := map[string][]int{}
	for i, s := range sigs {
		if s == nil {
			continue
		}
		for _, k := range s.Bands() {
			byKey[k] = append(byKey[k], i)
		}
	}
	var buckets [][]int
	for _, b := range byKey {
		if len(b) > 1 {
			buckets = append(buckets, b)
		}
	}
	slices.SortFunc(buckets, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	return Resolve(len(sigs), buckets, func(i int) *Signature { return sigs[i] }, earlier, opts)
}
