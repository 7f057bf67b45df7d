package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"newsdex/indexer/entity"
	"newsdex/search/count"
)

// CooccurrenceRequest asks who is named with whom among the matches of
// the embedded Request (its query, filters and restriction).
type CooccurrenceRequest struct {
	Request
	Types []string // person, org, place; none means all three
	Size  int      // nodes: the most frequent entities; 0 means DefaultAnalysisSize
}

// Network is the answer to a CooccurrenceRequest. Nodes are the Size
// entities named in most matches (an article counts once per entity,
// whichever spellings name it), by count; edges join every two of them
// named together in at least one match, Count being those articles,
// exactly, and Score their Jaccard index.
type Network struct {
	Total  uint64       `json:"total"` // matches
	Score  string       `json:"score"` // how edges are scored: "jaccard"
	Nodes  []count.Node `json:"nodes"`
	Edges  []count.Edge `json:"edges"`
	TookMS float64      `json:"took_ms"`
}

// NodeID is a network node's id: its type and canonical name.
func NodeID(typ, name string) string { return typ + ":" + name }

// Cooccurrence counts the entities of the matches and the articles
// naming each pair of the most frequent together, in one pass over the
// matches. Errors wrap ErrInvalidRequest for bad input and
// context.DeadlineExceeded past the search timeout.
func (s *Service) Cooccurrence(ctx context.Context, cr CooccurrenceRequest) (*Network, error) {
	start := time.Now()
	size, err := s.analysisSize(cr.Size)
	if err != nil {
		return nil, err
	}
	var wantType [3]bool
	if len(cr.Types) == 0 {
		wantType = [3]bool{true, true, true}
	}
	for _, typ := range cr.Types {
		i := slices.Index(entity.Types, typ)
		if i < 0 {
			return nil, fmt.Errorf("%w: unknown type %q (want person, org or place)", ErrInvalidRequest, typ)
		}
		wantType[i] = true
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()

	// The articles' entities, kept in one flat list, since which entities
	// are nodes is known only once all are counted.
	var flat []int32
	var ends []int
	visit := func(ents []int32) {
		if len(ents) < 2 {
			return // names no pair
		}
		flat = append(flat, ents...)
		ends = append(ends, len(flat))
	}
	res, fc, err := s.tally(ctx, cr.Request, map[string]int{FacetPerson: 1}, false, visit)
	if err != nil {
		return nil, err
	}

	// Nodes: the most frequent entities of the wanted types.
	type cand struct {
		e     int32
		name  string
		typ   int8
		count uint32
	}
	var cands []cand
	for e, n := range fc.entCounts {
		if t := fc.entType[e]; n > 0 && t >= 0 && wantType[t] {
			cands = append(cands, cand{e: int32(e), typ: t, count: n})
		}
	}
	for i := range cands {
		cands[i].name = entityAt(fc.ents.table, fc.extra, cands[i].e).Name
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
	out := &Network{Total: res.Total, Score: "jaccard", Nodes: make([]count.Node, len(cands))}
	for i, c := range cands {
		typ := entity.Types[c.typ]
		out.Nodes[i] = count.Node{ID: NodeID(typ, c.name), Type: typ, Name: c.name, Count: int(c.count)}
		node[c.e] = i
	}

	// Edges: every pair of nodes in each article.
	pairs := count.NewPairs(len(cands))
	var nodes []int
	from := 0
	for _, end := range ends {
		nodes = nodes[:0]
		for _, e := range flat[from:end] {
			if n, ok := node[e]; ok {
				nodes = append(nodes, n)
			}
		}
		from = end
		pairs.Add(nodes)
	}
	out.Edges = pairs.Edges(out.Nodes)
	out.TookMS = tookMS(start)
	return out, nil
}
