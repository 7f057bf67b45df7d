package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("check", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex check [--index DIR]")
		fmt.Fprintln(stderr, "Verifies every segment file's checksum, reads every stored article back, and opens and counts the index; prints each problem with its file and exits 1 if there is any.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("check takes no arguments, got %q", fs.Arg(0))}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	logger := newLogger(cfg.Log, stderr)
	bleve.SetLog(slog.NewLogLogger(logger.Handler(), slog.LevelDebug))
	start := time.Now()
	rep, err := indexer.Check(ctx, cfg.Index.Dir)
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return checkFailed(cfg.Index.Dir, rep.Problems)
	}
	fmt.Fprintf(stdout, "ok: %d segment files, %d stored documents read, %d articles, in %.1f s\n",
		rep.Segments, rep.Stored, rep.Articles, time.Since(start).Seconds())
	return nil
}

// checkFailed is the error of check, and of serve on an index whose
// quick check fails: each problem with its file, and what to do.
func checkFailed(dir string, problems []indexer.Problem) error {
	var b strings.Builder
	fmt.Fprintf(&b, "index %s is damaged:\n", dir)
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	b.WriteString("restore the latest backup (newsdex backup), or re-ingest into a new index; serve --force serves what can still be read")
	return errors.New(b.String())
}
