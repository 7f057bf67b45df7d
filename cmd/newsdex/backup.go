package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

// runBackup copies a consistent snapshot of the index to DEST, which must
// not exist yet. The copy is itself an index: restore by pointing
// --index (or index.dir) at it, or by moving it into place while newsdex
// is stopped. A DEST ending in .tar, or - for standard output, gets the
// tar that GET /api/v1/admin/backup streams, for newsdex restore.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("backup", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex backup [--index DIR] DEST|DEST.tar|-")
		fmt.Fprintln(stderr, "Copies an index not in use (a running serve answers GET /api/v1/admin/backup instead). DEST.tar or - writes a tar for newsdex restore.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"backup needs one DEST directory"}
	}
	dest := fs.Arg(0)
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	if dest == "-" || strings.HasSuffix(dest, ".tar") {
		return backupTar(ctx, cfg.Index.Dir, dest, stdout, stderr)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new directory", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	idx, err := indexer.OpenReadOnly(cfg.Index.Dir)
	if err != nil {
		return err
	}
	defer idx.Close()
	copyable, ok := idx.(bleve.IndexCopyable)
	if !ok {
		return errors.New("backup: this index type cannot be copied")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := copyable.CopyTo(bleve.FileSystemDirectory(dest)); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	n, _ := idx.DocCount()
	fmt.Fprintf(stdout, "backed up %d articles from %s to %s\n", n, cfg.Index.Dir, dest)
	return nil
}

// backupTar writes the backup tar of the index at dir to dest, a new
// file, or to stdout when dest is "-".
func backupTar(ctx context.Context, dir, dest string, stdout, stderr io.Writer) (err error) {
	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		return err
	}
	defer idx.Close()
	w, report := stdout, stderr
	if dest != "-" {
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = cerr
			}
			if err != nil {
				os.Remove(dest)
			}
		}()
		w, report = f, stdout
	}
	sum, err := indexer.WriteBackup(ctx, idx, w)
	if err != nil {
		return err
	}
	n, _ := idx.DocCount()
	fmt.Fprintf(report, "backed up %d articles from %s to %s (%d files, %.1f MB)\n", n, dir, dest, sum.Files, float64(sum.Bytes)/(1<<20))
	return nil
}
