package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"newsdex/search"
	"newsdex/search/releval"
)

// runEvalRelevance measures ranking quality on a test collection: it
// indexes DIR/docs.jsonl into a throw-away in-memory index with the
// production mapping, ranks DIR/queries.tsv as natural-language queries
// through the same search.Service the API uses, and scores the rankings
// against DIR/qrels.txt.
func runEvalRelevance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("eval relevance", stderr)
	runFile := fs.String("run", "", "also write the rankings to FILE as a TREC run (qid Q0 docid rank score newsdex)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex eval relevance [--run FILE] [--config FILE] DIR")
		fmt.Fprintln(stderr, "DIR holds docs.jsonl (id, title, body), queries.tsv (qid<TAB>text) and qrels.txt (TREC qrels).")
		fmt.Fprintln(stderr, "Prints MAP (top 1000), P@10 and nDCG@10 with binary relevance, averaged over judged queries.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"eval relevance needs exactly one DIR"}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, stderr)
	coll, err := releval.Load(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("load collection: %w", err)
	}
	if cfg.Index.Backend == backendOpenSearch {
		return evalOpenSearch(ctx, cfg, coll, *runFile, logger, stdout) // opensearch.go
	}
	start := time.Now()
	idx, err := releval.NewIndex(ctx, coll, logger)
	if err != nil {
		return err
	}
	defer idx.Close()
	indexed := time.Since(start)
	// The configured limits and scoring, except that one page may hold the
	// whole ranking (the query path is the same at any page size) and an
	// offline run need not meet an interactive deadline.
	lim := searchLimits(cfg)
	lim.MaxSize = max(lim.MaxSize, releval.Depth)
	lim.MaxOffset = max(lim.MaxOffset, releval.Depth)
	lim.Timeout = max(lim.Timeout, time.Minute)
	svc, err := search.NewService(idx, lim, logger, nil)
	if err != nil {
		return err
	}
	start = time.Now()
	rep, err := releval.Evaluate(ctx, svc, search.Request{}, coll)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", coll.Name, err)
	}
	if rep.Judged == 0 {
		return fmt.Errorf("evaluate %s: no query has a relevant document in qrels.txt", coll.Name)
	}
	if *runFile != "" {
		if err := writeRunFile(*runFile, rep); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "newsdex %s: queries=%d MAP=%.4f P@10=%.4f nDCG@10=%.4f\n",
		coll.Name, rep.Judged, rep.Mean.AP, rep.Mean.P10, rep.Mean.NDCG10)
	logger.Info("evaluated", "docs", len(coll.Docs), "index_time", indexed.Round(time.Millisecond), "search_time", time.Since(start).Round(time.Millisecond))
	return nil
}

func writeRunFile(path string, rep *releval.Report) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create run file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close run file: %w", cerr)
		}
	}()
	for _, q := range rep.Queries {
		if err := releval.WriteRun(f, q.Query.ID, q.Hits, "newsdex"); err != nil {
			return err
		}
	}
	return nil
}
