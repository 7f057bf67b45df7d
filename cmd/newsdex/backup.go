package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

// runBackup copies a consistent snapshot of the index to DEST, which must
// not exist yet. The copy is itself an index: restore by pointing
// --index (or index.dir) at it, or by moving it into place while newsdex
// is stopped.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("backup", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex backup [--index DIR] DEST")
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
