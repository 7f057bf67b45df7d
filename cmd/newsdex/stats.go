package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"newsdex/indexer"
	"newsdex/search"
)

func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset, configPath := newFlagSet("stats", stderr)
	dir := fset.String("index", "", "index directory (default: index.dir from config)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fset, "index") {
		cfg.Index.Dir = *dir
	}
	idx, err := indexer.OpenReadOnly(cfg.Index.Dir)
	if err != nil {
		return err
	}
	defer idx.Close()
	svc, err := search.NewService(idx, searchLimits(cfg), newLogger(cfg.Log, stderr), nil)
	if err != nil {
		return err
	}
	st, err := svc.Stats(ctx)
	if err != nil {
		return err
	}
	size, err := dirSize(cfg.Index.Dir)
	if err != nil {
		return fmt.Errorf("index size: %w", err)
	}
	// Segments on disk: many after a bulk load say newsdex compact would
	// make the index smaller.
	segs, err := indexer.SegmentCount(idx)
	if err != nil {
		return fmt.Errorf("index segments: %w", err)
	}
	fmt.Fprintf(stdout, "index:    %s\narticles: %d\nsources:  %d\nsize:     %.1f MB\nsegments: %d\n",
		cfg.Index.Dir, st.Articles, st.Sources, float64(size)/1e6, segs)
	return nil
}

func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}
