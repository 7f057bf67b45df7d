package ner

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Counts are entity-level exact-match counts for one type.
type Counts struct {
	TP, FP, FN int
}

// Precision is TP/(TP+FP), 0 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when there was nothing to find.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (c *Counts) add(o Counts) {
	c.TP += o.TP
	c.FP += o.FP
	c.FN += o.FN
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Score holds entity-level exact-match counts per type, as conlleval
// computes them: a predicted entity counts only if its type and both
// boundaries match a gold entity.
type Score struct {
	ByType [numTypes]Counts
}

// Add scores one sentence's predicted spans against its gold spans.
func (s *Score) Add(gold, pred []Span) {
	match := make(map[Span]bool, len(gold))
	for _, g := range gold {
		match[g] = true
	}
	for _, p := range pred {
		if match[p] {
			s.ByType[p.Type].TP++
			delete(match, p)
		} else {
			s.ByType[p.Type].FP++
		}
	}
	for g := range match {
		s.ByType[g.Type].FN++
	}
}

// Overall sums the counts of the given types.
func (s *Score) Overall(types ...Type) Counts {
	var c Counts
	for _, t := range types {
		c.add(s.ByType[t])
	}
	return c
}

// Main is the headline figure: PER+ORG+LOC micro-averaged, the types
// newsdex indexes. MISC is tagged and reported but not part of it.
func (s *Score) Main() Counts { return s.Overall(PER, ORG, LOC) }

// All is the standard CoNLL figure over all four types.
func (s *Score) All() Counts { return s.Overall(PER, ORG, LOC, MISC) }

// Write prints a table of precision, recall and F1 per type, for
// PER+ORG+LOC and for all four types.
func (s *Score) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "type\tprecision\trecall\tF1\tgold\tpredicted\t\n")
	row := func(name string, c Counts) {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t%d\t\n", name, c.Precision(), c.Recall(), c.F1(), c.TP+c.FN, c.TP+c.FP)
	}
	for t := range numTypes {
		row(t.String(), s.ByType[t])
	}
	row("PER+ORG+LOC", s.Main())
	row("all", s.All())
	return tw.Flush()
}
