package count

import (
	"slices"
	"strings"

	"newsdex/indexer/entity"
)

// NodeID is a network node's id: its type and canonical name.
func NodeID(typ, name string) string { return typ + ":" + name }

// Cooccurrence gathers the entities of each matching article (its Visit
// is a Hooks.Visit) and, once the search has counted them, builds the
// network of the most frequent. The zero value is ready to use.
type Cooccurrence struct {
	// The articles' entities, in one flat list, since which entities
	// are nodes is known only once all are counted.
	flat []int32
	ends []int
}

// Visit records one article's entities.
func (c *Cooccurrence) Visit(ents []int32) {
	if len(ents) < 2 {
		return // names no pair
	}
	c.flat = append(c.flat, ents...)
	c.ends = append(c.ends, len(c.flat))
}

// Network returns the size entities of the wanted types (by entity.Types
// index) named in most matches, by count, then name, then type, and an
// edge for every two of them named together in at least one article. fc
// is the counter of the search that called Visit; it must have counted
// entities (Counter.CountedEntities).
func (c *Cooccurrence) Network(fc *Counter, wantType [3]bool, size int) ([]Node, []Edge) {
	type cand struct {
		e     int32
		name  string
		typ   int8
		count uint32
	}
	var cands []cand
	fc.EntityCounts(func(e int32, t int8, n uint32) {
		if wantType[t] {
			cands = append(cands, cand{e: e, typ: t, count: n})
		}
	})
	for i := range cands {
		cands[i].name = fc.Entity(cands[i].e).Name
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.count != b.count {
			return int(b.count) - int(a.count)
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return int(a.typ) - int(b.typ)
	})
	cands = cands[:min(len(cands), size)]
	node := make(map[int32]int, len(cands))
	nodes := make([]Node, len(cands))
	for i, cd := range cands {
		typ := entity.Types[cd.typ]
		nodes[i] = Node{ID: NodeID(typ, cd.name), Type: typ, Name: cd.name, Count: int(cd.count)}
		node[cd.e] = i
	}
	// Edges: every pair of nodes in each article.
	pairs := NewPairs(len(cands))
	var in []int
	from := 0
	for _, end := range c.ends {
		in = in[:0]
		for _, e := range c.flat[from:end] {
			if n, ok := node[e]; ok {
				in = append(in, n)
			}
		}
		from = end
		pairs.Add(in)
	}
	return nodes, pairs.Edges(nodes)
}
