package count

import (
	"slices"
	"strings"
)

// Ref is one match to draw from: its article id and its stratum, the
// number plus one of its outlet (Match.Value), 0 for none.
type Ref struct {
	ID      string
	Stratum uint32
}

// SortRefs orders refs by article id, so that a draw depends on the
// matches, not on how the index's segments lie.
func SortRefs(refs []Ref) {
	slices.SortFunc(refs, func(a, b Ref) int { return strings.Compare(a.ID, b.ID) })
}

// Draw returns the ids of n of refs (sorted by SortRefs) drawn uniformly
// at random by seed, in id order. With strata, the outlets' names by
// number, each stratum gets its share of n in proportion to its refs
// (Allocate), drawn within it; strata are taken in the order of their
// names, so the draw does not depend on how values were numbered.
func Draw(refs []Ref, n int, seed uint64, strata []string) []string {
	var out []string
	if strata == nil {
		for _, i := range Sample(len(refs), n, seed) {
			out = append(out, refs[i].ID)
		}
		return out
	}
	groups := map[uint32][]Ref{}
	for _, r := range refs {
		groups[r.Stratum] = append(groups[r.Stratum], r)
	}
	keys := make([]uint32, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	name := func(k uint32) string {
		if k == 0 || int(k-1) >= len(strata) {
			return ""
		}
		return strata[k-1]
	}
	slices.SortFunc(keys, func(a, b uint32) int { return strings.Compare(name(a), name(b)) })
	sizes := make([]int, len(keys))
	for i, k := range keys {
		sizes[i] = len(groups[k])
	}
	for i, take := range Allocate(sizes, n) {
		g := groups[keys[i]]
		for _, j := range Sample(len(g), take, seed+uint64(i)) {
			out = append(out, g[j].ID)
		}
	}
	slices.Sort(out)
	return out
}
