package releval

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newsdex/search"
	"newsdex/search/rank"
)

var (
	sweep    = flag.String("sweep", "", "rank the classic collections with each ranking setting of the named sweep and choose by leave-one-collection-out (TestSweep)")
	sweepOut = flag.String("sweepout", "", "TestSweep also writes each query's nDCG@10 to DIR/COLLECTION.SETTING.perq")
)

// sweepCollections are the collections a sweep ranks; the Reuters topic
// proxy is ranked too, as the held-out news check, but never chooses.
var sweepCollections = []string{"cranfield", "ir/adi", "ir/cacm", "ir/lisa", "ir/med", "ir/npl"}

// sweepSettings are the candidate settings of each sweep, by name.
func sweepSettings(name string) []rank.Params {
	d := rank.DefaultParams()
	with := func(f func(p *rank.Params)) rank.Params { p := d; f(&p); return p }
	switch name {
	case "steps":
		return []rank.Params{
			d,
			with(func(p *rank.Params) { p.FeedbackDocs = 0 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 0; p.ProxWeight = 0 }),
		}
	case "loo": // BENCHMARKS.md, "Matching and ranking": the leave-one-out table
		old := d
		old.FeedbackFull = true
		return []rank.Params{
			old,
			d,
			with(func(p *rank.Params) { p.ProxClauses = true }),
			with(func(p *rank.Params) { p.ProxClauses, p.ProxAdjacent = true, true }),
			with(func(p *rank.Params) { p.ProxWeight = 0.5 }),
			with(func(p *rank.Params) { p.B = 0.5 }),
			with(func(p *rank.Params) { p.FeedbackOrig = 0.7 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 0 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 0; p.ProxWeight = 0 }),
		}
	case "window":
		return []rank.Params{
			d,
			with(func(p *rank.Params) { p.ProxWindow = 1 }),
			with(func(p *rank.Params) { p.ProxWindow = 2 }),
			with(func(p *rank.Params) { p.ProxWindow = 5 }),
		}
	case "explore":
		return []rank.Params{
			d,
			with(func(p *rank.Params) { p.FeedbackDocs = 0 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 0; p.ProxWeight = 0 }),
			with(func(p *rank.Params) { p.ProxWeight = 0 }),
			with(func(p *rank.Params) { p.ProxWeight = 0.5 }),
			with(func(p *rank.Params) { p.FeedbackOrig = 0.7 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 10 }),
			with(func(p *rank.Params) { p.FeedbackDocs = 3 }),
			with(func(p *rank.Params) { p.FeedbackTerms = 10 }),
			with(func(p *rank.Params) { p.B = 0.5 }),
			with(func(p *rank.Params) { p.B = 0.9 }),
			with(func(p *rank.Params) { p.K1 = 0.9 }),
			with(func(p *rank.Params) { p.K1 = 1.6 }),
		}
	}
	return nil
}

func paramsName(p rank.Params) string {
	s := fmt.Sprintf("k1=%g b=%g prox=%g/%d fb=%d/%d/%g", p.K1, p.B, p.ProxWeight, p.ProxWindow, p.FeedbackDocs, p.FeedbackTerms, p.FeedbackOrig)
	if p.ProxClauses {
		s += " clauses"
	}
	if p.ProxAdjacent {
		s += " adjacent"
	}
	if p.FeedbackFull {
		s += " fbfull"
	}
	return s
}

// TestSweep ranks every collection with every setting of -sweep NAME and
// prints the table, then the leave-one-collection-out choice: for each
// collection, the setting with the best mean nDCG@10 over the other five,
// and what that setting scores on the held-out one. With -proxydir (the
// Reuters topic collection TestReutersTopics writes) the proxy is ranked
// too, as the news check; it never takes part in the choice. -sweepout
// keeps each query's nDCG@10 for per-query comparisons.
//
//	go test ./search/releval -run TestSweep -sweep loo -timeout 60m -v
func TestSweep(t *testing.T) {
	if *sweep == "" {
		t.Skip("-sweep NAME not given")
	}
	settings := sweepSettings(*sweep)
	if len(settings) == 0 {
		t.Fatalf("no sweep named %q", *sweep)
	}
	logger := slog.New(slog.DiscardHandler)
	cols := sweepCollections
	if *proxyDir != "" {
		cols = append(append([]string(nil), cols...), *proxyDir)
	}
	// scores[collection][setting]
	scores := make([][]Scores, len(cols))
	for ci, name := range cols {
		dir := name
		if !filepath.IsAbs(dir) {
			dir = filepath.Join("../../../shared/data", name, "generic")
		}
		c, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := NewIndex(context.Background(), c, logger)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range settings {
			lim := search.DefaultLimits()
			lim.MaxSize, lim.MaxOffset, lim.Timeout = Depth, Depth, 10*time.Minute
			lim.Ranking = p
			svc, err := search.NewService(idx, lim, logger, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Evaluate(context.Background(), svc, search.Request{}, c)
			if err != nil {
				t.Fatal(err)
			}
			scores[ci] = append(scores[ci], rep.Mean)
			t.Logf("%-10s %-45s MAP=%.4f P@10=%.4f nDCG@10=%.4f", filepath.Base(name), paramsName(p), rep.Mean.AP, rep.Mean.P10, rep.Mean.NDCG10)
			if *sweepOut != "" {
				var b strings.Builder
				for _, q := range rep.Queries {
					fmt.Fprintf(&b, "%s %.4f\n", q.Query.ID, q.Scores.NDCG10)
				}
				out := fmt.Sprintf("%s/%s.%d.perq", *sweepOut, strings.ReplaceAll(name, "/", "_"), len(scores[ci])-1)
				if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		idx.Close()
	}
	// Leave one collection out over the classic collections only.
	n := len(sweepCollections)
	for held := 0; held < n; held++ {
		best, bestMean := 0, -1.0
		for si := range settings {
			sum := 0.0
			for ci := 0; ci < n; ci++ {
				if ci != held {
					sum += scores[ci][si].NDCG10
				}
			}
			if m := sum / float64(n-1); m > bestMean+1e-9 {
				best, bestMean = si, m
			}
		}
		h := scores[held][best]
		t.Logf("held out %-10s chose %-45s (others %.4f): MAP=%.4f P@10=%.4f nDCG@10=%.4f", sweepCollections[held], paramsName(settings[best]), bestMean, h.AP, h.P10, h.NDCG10)
	}
}
