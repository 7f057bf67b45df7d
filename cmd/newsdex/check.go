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
	"newsdex/search"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("check", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex check [--index DIR]")
		fmt.Fprintln(stderr, "Verifies every segment file's checksum, reads every stored article back, opens and counts the index, and checks the entity corrections and stored entity names; prints each problem with its file and exits 1 if there is any.")
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
	return checkIndex(ctx, cfg, cfg.Index.Dir, stdout)
}

// checkIndex is newsdex check, and restore's last step: the files and
// stored articles (indexer.Check), then the entity data
// (search.CheckEntities, with the configured alias table). Warnings are
// printed; problems fail it.
func checkIndex(ctx context.Context, cfg Config, dir string, stdout io.Writer) error {
	start := time.Now()
	rep, err := indexer.Check(ctx, dir)
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return checkFailed(dir, rep.Problems)
	}
	ents, err := checkEntities(ctx, cfg, dir)
	if err != nil {
		return err
	}
	for _, w := range ents.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	if len(ents.Problems) > 0 {
		return checkFailed(dir, ents.Problems)
	}
	entities := fmt.Sprintf("%d entity names, %d corrected or blocked names (%d warnings)", ents.Names, ents.Corrections, len(ents.Warnings))
	if ents.Skipped != "" {
		entities = "entities not checked: " + ents.Skipped
	}
	fmt.Fprintf(stdout, "ok: %d segment files, %d stored documents read, %d articles, %s, in %.1f s\n",
		rep.Segments, rep.Stored, rep.Articles, entities, time.Since(start).Seconds())
	return nil
}

// entityReport is search.CheckEntities' report, or why it was skipped.
type entityReport struct {
	search.EntityCheck
	Skipped string
}

// checkEntities opens the index read-only and checks its entity data.
// An index that serve holds cannot be opened: that is said, not failed,
// as check of a served index still verifies every file.
func checkEntities(ctx context.Context, cfg Config, dir string) (entityReport, error) {
	aliases, err := loadAliases(cfg)
	if err != nil {
		return entityReport{}, err
	}
	idx, err := indexer.OpenReadOnly(dir)
	if errors.Is(err, indexer.ErrIndexLocked) {
		return entityReport{Skipped: "the index is in use (stop serve, or check a backup)"}, nil
	}
	if err != nil {
		return entityReport{}, err
	}
	defer idx.Close()
	rep, err := search.CheckEntities(ctx, idx, aliases)
	return entityReport{EntityCheck: rep}, err
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
