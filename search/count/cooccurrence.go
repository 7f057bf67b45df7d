package count

import (
	"slices"
	"strings"

	"newsdex/indexer/entity"
)

// NodeID is a network node's id: its type and canonical name.
func NodeID(typ, name string) string { return typ + ":" + name }

// TopNodes orders candidate nodes as a network shows them (by count,
// then name, then type in entity.Types order), returns the first size
// and sets their IDs (NodeID). Both backends pick their nodes with it,
// so a tie is broken the same way whichever counted.
func TopNodes(nodes []Node, size int) []Node {
	if len(nodes) > size && size > 0 {
		// Only nodes counted at least the size-th highest count can be
		// among the first size: sort those alone, not every entity.
		counts := make([]int, len(nodes))
		for i, n := range nodes {
			counts[i] = n.Count
		}
		slices.Sort(counts)
		least := counts[len(counts)-size]
		kept := nodes[:0]
		for _, n := range nodes {
			if n.Count >= least {
				kept = append(kept, n)
			}
		}
		nodes = kept
	}
	slices.SortFunc(nodes, func(a, b Node) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return slices.Index(entity.Types, a.Type) - slices.Index(entity.Types, b.Type)
	})
	if nodes == nil {
		return []Node{} // a network without nodes lists none, not null
	}
	nodes = nodes[:min(len(nodes), size)]
	for i := range nodes {
		nodes[i].ID = NodeID(nodes[i].Type, nodes[i].Name)
	}
	return nodes
}

// Cooccurrence gathers the entities of each matching article (its Visit
// is a Hooks.Visit) and, once the search has counted them, gives the
// candidate nodes and, for the chosen ones, the pairs named together.
// The zero value is ready to use.
type Cooccurrence struct {
	// The articles' entities, in one flat list, since which entities
	// are nodes is known only once all are counted.
	flat []int32
	ends []int
	fc   *Counter // the search's, from Nodes
}

// Visit records one article's entities.
func (c *Cooccurrence) Visit(ents []int32) {
	if len(ents) < 2 {
		return // names no pair
	}
	c.flat = append(c.flat, ents...)
	c.ends = append(c.ends, len(c.flat))
}

// Nodes returns every entity of the wanted types (by entity.Types
// index) named in the matches, with its articles, in no order and
// without IDs (TopNodes sets those of the chosen). fc is the counter of
// the search that called Visit; it must have counted entities
// (Counter.CountedEntities).
func (c *Cooccurrence) Nodes(fc *Counter, wantType [3]bool) []Node {
	c.fc = fc
	var out []Node
	fc.EntityCounts(func(e int32, t int8, n uint32) {
		if wantType[t] {
			out = append(out, Node{Type: entity.Types[t], Name: fc.Entity(e).Name, Count: int(n)})
		}
	})
	return out
}

// Pairs counts the articles naming each two of nodes, some of those
// Nodes returned, from the entities Visit recorded.
func (c *Cooccurrence) Pairs(nodes []Node) *Pairs {
	type key struct {
		typ  string
		name string
	}
	want := make(map[key]int, len(nodes))
	least := uint32(1<<32 - 1)
	for i, n := range nodes {
		want[key{n.Type, n.Name}] = i
		least = min(least, uint32(n.Count))
	}
	node := make(map[int32]int, len(nodes))
	if c.fc != nil {
		c.fc.EntityCounts(func(e int32, t int8, n uint32) {
			if n < least {
				return // counted less than every node: not one
			}
			if i, ok := want[key{entity.Types[t], c.fc.Entity(e).Name}]; ok {
				node[e] = i
			}
		})
	}
	pairs := NewPairs(len(nodes))
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
	return pairs
}
