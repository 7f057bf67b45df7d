package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

// runRestore unpacks a backup tar (GET /api/v1/admin/backup, or newsdex
// backup DEST.tar) into a new or empty directory and checks the index
// there as newsdex check does.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("restore", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex restore FILE.tar DIR")
		fmt.Fprintln(stderr, "Unpacks a backup (FILE.tar, or - for standard input) into DIR, which must not exist or be empty, then checks it as newsdex check does. Serve it with --index DIR, or move DIR into place while newsdex is stopped. A tar with links, devices or paths outside DIR, or larger than DIR's free space or index.restore_max_bytes, is refused before it is written.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return usageError{"restore needs a backup FILE.tar and a target DIR"}
	}
	file, dir := fs.Arg(0), fs.Arg(1)
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, stderr)
	bleve.SetLog(slog.NewLogLogger(logger.Handler(), slog.LevelDebug))
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		r = f
	}
	sum, err := indexer.Restore(r, dir, indexer.RestoreOptions{MaxBytes: cfg.Index.RestoreMaxBytes})
	if err != nil {
		switch {
		case errors.Is(err, indexer.ErrBadBackup):
			return fmt.Errorf("%s: %w; nothing was restored", file, err)
		case errors.Is(err, indexer.ErrRestoreTooLarge) && cfg.Index.RestoreMaxBytes > 0:
			return fmt.Errorf("%s: %w; nothing was restored (index.restore_max_bytes is %d)", file, err, cfg.Index.RestoreMaxBytes)
		case errors.Is(err, indexer.ErrRestoreTooLarge):
			return fmt.Errorf("%s: %w; nothing was restored", file, err)
		}
		return err
	}
	note := ""
	if !sum.Manifest {
		note = " (no newsdex manifest: a tar made by hand?)"
	}
	fmt.Fprintf(stdout, "unpacked %d files, %.1f MB, from %s into %s%s\n", sum.Files, float64(sum.Bytes)/(1<<20), file, dir, note)
	if err := checkIndex(ctx, cfg, dir, stdout); err != nil {
		return fmt.Errorf("the restored index does not pass check (the backup is damaged; the files stay in %s): %w", dir, err)
	}
	return nil
}
