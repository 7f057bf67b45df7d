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

	var co count.Cooccurrence
	res, fc, err := s.tally(ctx, cr.Request, map[string]int{FacetPerson: 1}, false, count.Hooks{Visit: co.Visit})
	if err != nil {
		return nil, err
	}
	out := &Network{Total: res.Total, Score: "jaccard"}
	out.Nodes, out.Edges = co.Network(fc, wantType, size)
	out.TookMS = tookMS(start)
	return out, nil
}
