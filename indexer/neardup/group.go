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
		// One representative per group met in the bucket so far: an
		// article is compared with at most maxBucketCompare of them, so a
		// bucket of thousands of copies of one story costs a comparison
		// or two per article, not one per pair.
		var reps []int
		for _, b := range bucket {
			sb := sig(b)
			if sb == nil {
				continue
			}
			for k := 0; k < len(reps) && k < maxBucketCompare; k++ {
				a := reps[k]
				if find(a) == find(b) {
					continue
				}
				if opts.Copies(sig(a), sb) {
					union(a, b)
				}
			}
			rb := find(b)
			if !slices.ContainsFunc(reps, func(a int) bool { return find(a) == rb }) && len(reps) < maxBucketCompare {
				reps = append(reps, b)
			}
		}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = find(i)
	}
	return out
}

// Buckets lists the articles that agree on some whole band, one bucket
// per band and value shared by two or more; nil signatures are left out.
// It sorts one band at a time, so memory stays at one entry per article.
func Buckets(sigs []*Signature) [][]int {
	type entry struct {
		h uint64
		i int32
	}
	hashes := make([][B]uint64, len(sigs))
	for i, s := range sigs {
		if s != nil {
			hashes[i] = s.BandHashes()
		}
	}
	var out [][]int
	es := make([]entry, 0, len(sigs))
	for b := range B {
		es = es[:0]
		for i, s := range sigs {
			if s != nil {
				es = append(es, entry{hashes[i][b], int32(i)})
			}
		}
		slices.SortFunc(es, func(x, y entry) int {
			if c := cmp.Compare(x.h, y.h); c != 0 {
				return c
			}
			return cmp.Compare(x.i, y.i)
		})
		for lo := 0; lo < len(es); {
			hi := lo + 1
			for hi < len(es) && es[hi].h == es[lo].h {
				hi++
			}
			if hi-lo > 1 {
				bucket := make([]int, hi-lo)
				for k := range bucket {
					bucket[k] = int(es[lo+k].i)
				}
				out = append(out, bucket)
			}
			lo = hi
		}
	}
	return out
}

// GroupAll groups signatures held in memory: Buckets, then Resolve.
func GroupAll(sigs []*Signature, earlier func(a, b int) bool, opts Options) []int {
	return Resolve(len(sigs), Buckets(sigs), func(i int) *Signature { return sigs[i] }, earlier, opts)
}
