package rank

import (
	"fmt"
	"math"
)

// Params are the ranking settings. DefaultParams are the shipped ones
// (config keys search.ranking.*); a WordsQuery without Params uses them.
type Params struct {
	K1 float64 // BM25 saturation of a word's frequency
	B  float64 // BM25 length normalisation, 0 (none) to 1 (full)
	// ProxWeight is how much a pair of neighbouring query words found
	// within ProxWindow positions weighs against one word; 0 turns
	// proximity off.
	ProxWeight float64
	ProxWindow int
	// ProxClauses pairs only words of one clause of the question (no
	// . , ; : ? ! between them); ProxAdjacent only words with no stop word
	// between them either.
	ProxClauses  bool
	ProxAdjacent bool
	// FeedbackDocs is how many top documents pseudo-relevance feedback
	// reads; 0 turns feedback off. FeedbackTerms words are added, and the
	// question keeps FeedbackOrig of the weight.
	FeedbackDocs  int
	FeedbackTerms int
	FeedbackOrig  float64
	// FeedbackFull spreads the feedback share over the words found however
	// few they are (before issue 16); otherwise fewer than FeedbackTerms
	// words get a proportionally smaller share.
	FeedbackFull bool
}

// DefaultParams are the settings newsdex ships with (BENCHMARKS.md,
// "Matching and ranking": how they were chosen).
func DefaultParams() Params {
	return Params{K1: 1.2, B: 0.75, ProxWeight: 1, ProxWindow: 3, FeedbackDocs: 5, FeedbackTerms: 20, FeedbackOrig: 0.5}
}

// Validate reports the first setting out of range.
func (p Params) Validate() error {
	switch {
	case !(p.K1 > 0) || math.IsInf(p.K1, 0):
		return fmt.Errorf("ranking: k1 %v must be a positive number", p.K1)
	case !(p.B >= 0 && p.B <= 1):
		return fmt.Errorf("ranking: b %v must be between 0 and 1", p.B)
	case !(p.ProxWeight >= 0) || math.IsInf(p.ProxWeight, 0):
		return fmt.Errorf("ranking: proximity weight %v must be a non-negative number", p.ProxWeight)
	case p.ProxWindow < 1 || p.ProxWindow > 50:
		return fmt.Errorf("ranking: proximity window %d must be between 1 and 50", p.ProxWindow)
	case p.FeedbackDocs < 0 || p.FeedbackDocs > 100:
		return fmt.Errorf("ranking: feedback documents %d must be between 0 and 100", p.FeedbackDocs)
	case p.FeedbackTerms < 0 || p.FeedbackTerms > 200:
		return fmt.Errorf("ranking: feedback terms %d must be between 0 and 200", p.FeedbackTerms)
	case !(p.FeedbackOrig >= 0 && p.FeedbackOrig <= 1):
		return fmt.Errorf("ranking: feedback original weight %v must be between 0 and 1", p.FeedbackOrig)
	}
	return nil
}

// params returns p, or the defaults when p is nil.
func params(p *Params) Params {
	if p == nil {
		return DefaultParams()
	}
	return *p
}
