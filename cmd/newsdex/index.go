package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/blevesearch/bleve/v2"

	"newsdex/data"
	"newsdex/indexer"
)

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("index", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	workers := fs.Int("workers", 0, "goroutines for parsing and entity extraction (default: one per core)")
	noEntities := fs.Bool("no-entities", false, "skip entity extraction")
	var inputs indexInputs // index_sources.go
	fs.StringVar(&inputs.mapSpec, "map", "", "rename another tool's columns: FIELD=COLUMN,... (e.g. title=headline,published=publish_date)")
	fs.StringVar(&inputs.preset, "format", "", "column preset for a known export: mediacloud")
	fetchPages := fs.Bool("fetch", false, "fetch and extract the page of every article with a URL and no text (e.g. --format mediacloud), politely, as newsdex fetch does")
	fs.StringVar(&inputs.sources, "sources", "", "sources file whose hosts name the outlets of WARC pages (default: ingest.sources)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex index [--index DIR] [--config FILE] [--map FIELD=COLUMN,... | --format mediacloud] PATH...")
		fmt.Fprintln(stderr, "Ingests JSON Lines (.jsonl, .ndjson), CSV, plain .txt articles, the archive text format and web archives (.warc, .warc.gz); folders are walked.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"index needs at least one PATH"}
	}
	if err := inputs.check(); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	if inputs.sources == "" {
		inputs.sources = cfg.Ingest.Sources
	}
	if flagSet(fs, "workers") {
		cfg.Index.Workers = *workers
	}
	if *noEntities {
		cfg.Index.Entities = false
	}
	logger := newLogger(cfg.Log, stderr)
	if *fetchPages {
		inputs.pages = pageFetcher(cfg, logger) // fetch.go
	}

	var idx *indexer.Guarded
	var ing *indexer.Ingester
	finish := func(context.Context) error { return nil }
	if cfg.Index.Backend == backendOpenSearch {
		ing, finish, err = openSearchIngester(ctx, cfg, logger) // opensearch.go
		if err != nil {
			return err
		}
	} else {
		opened, _, err := indexer.Open(cfg.Index.Dir)
		if err != nil {
			return err
		}
		defer opened.Close()
		idx = indexer.Guard(opened, cfg.Index.Dir, indexer.SpaceOptions{Logger: logger})
		if ing, err = newIngester(cfg, idx, logger); err != nil {
			return err
		}
	}
	var mu sync.Mutex // skip reports and file errors come from two goroutines
	var fileErrors int
	report := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, format, a...)
	}
	ing.OnSkip = func(r indexer.Record) { report("%s: %v\n", r.Location(), r.Err) }
	onFileError := func(path string, err error) {
		mu.Lock()
		fileErrors++
		mu.Unlock()
		report("%s: %v\n", path, err)
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("indexing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("docs"),
			progressbar.OptionClearOnFinish(),
		)
		ing.OnProgress = func(n int) { _ = bar.Set(n) }
		defer bar.Finish()
	} else {
		ing.OnProgress = func(n int) { logger.Debug("indexed", slog.Int("articles", n)) }
	}

	src, err := inputs.source(fs.Args(), onFileError)
	if err != nil {
		return err
	}
	sum, err := ing.Ingest(ctx, src)
	if ferr := finish(context.WithoutCancel(ctx)); err == nil {
		err = ferr
	}
	fmt.Fprintf(stdout, "indexed %d, skipped %d in %.1f s (%.0f docs/s, peak RSS %.0f MB)\n",
		sum.Indexed, sum.Skipped, sum.Elapsed.Seconds(), sum.DocsPerSecond(), peakRSSMB())
	if errors.Is(err, indexer.ErrNoSpace) {
		logger.Error("index stopped", slog.String("error", err.Error()))
		return noSpaceError(cfg.Index.Dir, sum.Indexed, err)
	}
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if sum.Indexed == 0 && (sum.Skipped > 0 || fileErrors > 0) {
		return errors.New("index: nothing could be ingested")
	}
	if sum.Indexed == 0 {
		return errors.New("index: no articles found in the given paths")
	}
	if idx == nil {
		return nil // opensearch: alerts need the bleve backend (README)
	}
	return checkAlertsOnce(ctx, cfg, idx, ing.Settled, logger) // alerts.go
}

// noSpaceError says what a full disk did to an ingest, and what to do:
// ids are stable, so running the same command again skips nothing and
// duplicates nothing.
func noSpaceError(dir string, committed int, err error) error {
	return fmt.Errorf("%w at %s: %d articles were committed; free space and run the same command again", noSpace{err}, dir, committed)
}

// noSpace prints as ErrNoSpace's text and unwraps to the detailed error.
type noSpace struct{ err error }

func (e noSpace) Error() string { return indexer.ErrNoSpace.Error() }
func (e noSpace) Unwrap() error { return e.err }

// newIngester builds the ingest pipeline the config describes.
func newIngester(cfg Config, idx bleve.Index, logger *slog.Logger) (*indexer.Ingester, error) {
	aliases, err := loadAliases(cfg)
	if err != nil {
		return nil, err
	}
	var entities indexer.EntityFinder
	if cfg.Index.Entities {
		ex, err := newEntityExtractor(aliases)
		if err != nil {
			return nil, err
		}
		entities = ex
	}
	opts := indexer.IngestOptions{BatchDocs: cfg.Index.BatchDocs, BatchBytes: cfg.Index.BatchBytes, Workers: cfg.Index.Workers}
	return indexer.NewIngester(idx, opts, logger, aliases, entities), nil
}

// loadAliases reads the configured alias table, or the built-in one.
func loadAliases(cfg Config) (*indexer.Aliases, error) {
	src, err := cfg.aliasesFile()
	if err != nil {
		return nil, err
	}
	if src == nil {
		src = data.Aliases
	}
	a, err := indexer.ParseAliases(src)
	if err != nil {
		return nil, fmt.Errorf("aliases %s: %w", cfg.Index.Aliases, err)
	}
	return a, nil
}
