package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"newsdex/indexer"
)

// runCompact merges the index's segments into one (indexer.Compact):
// after a bulk load, for a smaller index that searches touch less of.
func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("compact", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex compact [--index DIR]")
		fmt.Fprintln(stderr, "Merges the index's segments into one, for a smaller index once a bulk load is done. Needs free space as large as the index, and the index not in use; it accepts writes afterwards.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("compact takes no arguments, got %q", fs.Arg(0))}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	if cfg.Index.Backend == backendOpenSearch {
		return fmt.Errorf("compact: index.backend is opensearch, whose nodes merge their own segments (POST /%s/_forcemerge?max_num_segments=1 on the cluster)", cfg.Index.OpenSearch.Name)
	}
	logger := newLogger(cfg.Log, stderr)
	opened, err := indexer.OpenExisting(cfg.Index.Dir)
	if err != nil {
		return err
	}
	idx := indexer.Guard(opened, cfg.Index.Dir, indexer.SpaceOptions{Logger: logger})
	start := time.Now()
	rep, err := idx.Compact(ctx)
	if cerr := idx.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("compact: closing the index: %w", cerr)
	}
	if err != nil {
		return err
	}
	switch {
	case rep.Rounds == 0 && rep.SegmentsBefore == 0:
		fmt.Fprintf(stdout, "%s is empty: nothing to compact\n", cfg.Index.Dir)
		return nil
	case rep.Rounds == 0:
		fmt.Fprintf(stdout, "%s is already one segment (%.1f MiB)\n", cfg.Index.Dir, float64(rep.BytesAfter)/(1<<20))
		return nil
	}
	fmt.Fprintf(stdout, "compacted %s: %s (%.1f MiB) → %s (%.1f MiB) in %.1f s\n", cfg.Index.Dir,
		segments(rep.SegmentsBefore), float64(rep.BytesBefore)/(1<<20), segments(rep.SegmentsAfter), float64(rep.BytesAfter)/(1<<20), time.Since(start).Seconds())
	return nil
}

func segments(n int) string {
	if n == 1 {
		return "1 segment"
	}
	return fmt.Sprintf("%d segments", n)
}
