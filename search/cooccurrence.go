package search

import (
	"context"
	"fmt"
	"slices"
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
func NodeID(typ, name string) string { return count.NodeID(typ, name) }

// NetworkCounter is the counting a co-occurrence network needs from a
// backend: entities per article, then pairs of the chosen ones.
type NetworkCounter interface {
	// Entities returns the number of matches of req and the entities of
	// the wanted types (by entity.Types index) named in them, each with
	// its articles (once per article whatever spellings name it),
	// blocked ones left out; IDs need not be set (count.TopNodes sets
	// them). Counts must be exact for at least the
	// first size in count.TopNodes order; any other may be lower than
	// its true count, never higher than the size-th.
	Entities(ctx context.Context, req Request, wantType [3]bool, size int) (uint64, []count.Node, error)
	// Pairs counts the matches of req naming each two of nodes, some of
	// those the last Entities call on req returned.
	Pairs(ctx context.Context, req Request, nodes []count.Node) (*count.Pairs, error)
}

// Cooccurrence counts the entities of the matches and the articles
// naming each pair of the most frequent together (RunCooccurrence).
func (s *Service) Cooccurrence(ctx context.Context, cr CooccurrenceRequest) (*Network, error) {
	return RunCooccurrence(ctx, s.counting(), s.lim, cr)
}

// RunCooccurrence is the network of every backend, counted by c: the
// Size entities named in most matches (count.TopNodes) and an edge for
// every two of them named together. Errors wrap ErrInvalidRequest for
// bad input and context.DeadlineExceeded past lim.Timeout.
func RunCooccurrence(ctx context.Context, c NetworkCounter, lim Limits, cr CooccurrenceRequest) (*Network, error) {
	start := time.Now()
	size, err := analysisSize(lim, cr.Size)
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
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	total, cands, err := c.Entities(ctx, cr.Request, wantType, size)
	if err != nil {
		return nil, err
	}
	nodes := count.TopNodes(cands, size)
	pairs, err := c.Pairs(ctx, cr.Request, nodes)
	if err != nil {
		return nil, err
	}
	out := &Network{Total: total, Score: "jaccard", Nodes: nodes, Edges: pairs.Edges(nodes)}
	out.TookMS = tookMS(start)
	return out, nil
}
