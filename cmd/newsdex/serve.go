package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/data"
	"newsdex/indexer"
	"newsdex/indexer/neardup"
	"newsdex/search"
	"newsdex/search/httpapi"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("serve", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	addr := fs.String("addr", "", "listen address HOST:PORT (default: server.addr from config)")
	force := fs.Bool("force", false, "serve an index whose segment checksums fail, as far as it can be read")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", fs.Arg(0))}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	if flagSet(fs, "addr") {
		cfg.Server.Addr = *addr
	}
	logger := newLogger(cfg.Log, stderr)
	if cfg.Index.Backend == backendOpenSearch {
		return runServeOpenSearch(ctx, cfg, logger, stdout) // opensearch.go
	}
	bleve.SetLog(slog.NewLogLogger(logger.Handler(), slog.LevelDebug))

	// The quick check: every segment's footer checksum, before anything
	// reads them.
	problems, _, err := indexer.CheckFiles(cfg.Index.Dir)
	if err != nil {
		return fmt.Errorf("check index: %w", err)
	}
	damaged := len(problems) > 0
	if damaged {
		err := checkFailed(cfg.Index.Dir, problems)
		if !*force {
			return err
		}
		logger.Warn("serving a damaged index read-only (--force)", slog.String("error", err.Error()))
	}

	api := newAPI(cfg, logger)
	// Listen before opening the index, so a busy port fails at once and
	// /healthz answers while a first index is being built.
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(cfg, api, logger)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var idx *indexer.Guarded
	if damaged {
		// Read-only: opened for writing, Bleve would fall back to an
		// older snapshot and delete the segment files it does not name.
		idx, err = openDamagedIndex(cfg.Index.Dir)
	} else {
		idx, err = openServingIndex(ctx, cfg, logger)
	}
	if err != nil {
		_ = srv.Close()
		return err
	}
	defer func() {
		if err := idx.Close(); err != nil {
			logger.Error("close index", slog.String("error", err.Error()))
		}
	}()
	aliases, err := loadAliases(cfg)
	if err != nil {
		_ = srv.Close()
		return err
	}
	svc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
	if err != nil {
		_ = srv.Close()
		return err
	}
	search.SetClauseLimit(svc.Limits().MaxTermExpansion) // Bleve's process-wide cap, once, before any search
	api.SetSearcher(svc)
	// Build the search columns (search/count) now, not in the first
	// searches; waited for before the index closes.
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		start := time.Now()
		if err := svc.Warm(ctx); err != nil {
			if ctx.Err() == nil {
				logger.Warn("build search columns", slog.String("error", err.Error()))
			}
			return
		}
		logger.Info("search columns built", slog.Duration("took", time.Since(start)))
	}()
	defer func() { <-warmed }()
	ing, err := newIngester(cfg, idx, logger)
	if err != nil {
		_ = srv.Close()
		return err
	}
	if !damaged {
		writer := indexer.NewWriter(idx, ing)
		// Alerts read every write of the writer, HTTP or fetched, and at
		// start what was written while the server was down (alerts.go).
		waitAlerts, err := startAlerts(ctx, cfg, idx, writer, svc, logger)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer waitAlerts()
		api.SetWriter(writer) // POST/DELETE /api/v1/articles, with admin keys
		api.SetBackuper(idx)  // GET /api/v1/admin/backup, with admin keys
		// The feeds of ingest.sources, if set, through the same writer
		// (fetch.go); a damaged index served read-only fetches nothing.
		waitFetcher, err := startFetcher(ctx, cfg, writer, api, logger)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer waitFetcher()
	}
	n, _ := idx.DocCount()
	fmt.Fprintf(stdout, "newsdex: serving %d articles from %s on http://%s/\n", n, cfg.Index.Dir, ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("grace", cfg.Server.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newAPI is the HTTP handler as serve configures it; bench drives the same.
func newAPI(cfg Config, logger *slog.Logger) *httpapi.Server {
	return httpapi.New(logger, apiOptions(cfg, logger))
}

// apiOptions copies the server settings from the config. Public keys'
// filters take the alias table's canonical names, as the index does.
func apiOptions(cfg Config, logger *slog.Logger) httpapi.Options {
	s := cfg.Server
	opts := httpapi.Options{
		MaxBodyBytes:   s.MaxBodyBytes,
		CORSOrigins:    s.CORS.AllowedOrigins,
		AdminKeys:      s.AdminKeys,
		RateLimit:      httpapi.Rate{RPS: s.RateLimit.RPS, Burst: s.RateLimit.Burst},
		PublicFullText: s.PublicFullText,
		TrustedProxies: s.TrustedProxies,
		MaxBackups:     s.MaxBackups,
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		aliases = nil // serve stops on this error when it loads them for searching
	}
	for _, k := range s.PublicKeys {
		f, err := httpapi.FilterFromConfig(k.Filter, aliases)
		if err != nil {
			// Config.Validate refuses such a filter. Should one get here,
			// the key sees nothing rather than everything.
			logger.Error("public key filter", slog.String("error", err.Error()))
			f = search.Filters{Sources: []string{"\x00no such outlet"}}
		}
		opts.PublicKeys = append(opts.PublicKeys, httpapi.PublicKey{Key: k.Key, Filter: f,
			Rate: httpapi.Rate{RPS: k.RPS, Burst: k.Burst}})
	}
	return opts
}

// newHTTPServer wraps the handler in the server settings serve uses.
func newHTTPServer(cfg Config, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// openServingIndex opens the configured index for reading and writing. A
// new or empty index is first filled with the built-in corpus, so a new
// user sees articles at once.
//
// Every write goes through the free-space guard, so a full disk answers
// writes with 507 and leaves searching alone.
func openServingIndex(ctx context.Context, cfg Config, logger *slog.Logger) (*indexer.Guarded, error) {
	opened, created, err := indexer.Open(cfg.Index.Dir)
	if err != nil {
		return nil, err
	}
	idx := indexer.Guard(opened, cfg.Index.Dir, indexer.SpaceOptions{Logger: logger})
	n, err := idx.DocCount()
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("count articles: %w", err)
	}
	if !created && n > 0 {
		return idx, nil
	}
	logger.Info("building the index from the built-in corpus", slog.String("index", cfg.Index.Dir))
	ing, err := newIngester(cfg, idx, logger)
	if err != nil {
		idx.Close()
		return nil, err
	}
	ing.OnSkip = func(r indexer.Record) {
		logger.Warn("skipped record", slog.String("at", r.Location()), slog.String("error", r.Err.Error()))
	}
	sum, err := ing.Ingest(ctx, builtinCorpus)
	if errors.Is(err, indexer.ErrNoSpace) {
		idx.Close()
		return nil, noSpaceError(cfg.Index.Dir, sum.Indexed, err)
	}
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("index built-in corpus: %w", err)
	}
	logger.Info("built-in corpus indexed", slog.Int("articles", sum.Indexed), slog.Duration("took", sum.Elapsed))
	return idx, nil
}

// openDamagedIndex opens an index that failed its check for reading only.
func openDamagedIndex(dir string) (*indexer.Guarded, error) {
	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		return nil, err
	}
	return indexer.Guard(idx, dir, indexer.SpaceOptions{}), nil
}

// builtinCorpus reads the corpus embedded in the binary.
func builtinCorpus(ctx context.Context, emit func(indexer.Record) error) error {
	f, err := data.Corpus.Open(data.CorpusFile)
	if err != nil {
		return fmt.Errorf("open built-in corpus: %w", err)
	}
	defer f.Close()
	return indexer.Parse(f, "data/"+data.CorpusFile, indexer.FormatArchive, emit)
}

// searchLimits copies the search settings from the config.
func searchLimits(cfg Config) search.Limits {
	s := cfg.Search
	return search.Limits{
		DefaultOperator:  s.DefaultOperator,
		Timeout:          s.Timeout,
		MaxQueryLength:   s.MaxQueryLength,
		MaxClauses:       s.MaxClauses,
		MaxDepth:         s.MaxDepth,
		MaxTermExpansion: s.MaxTermExpansion,
		MaxSize:          s.MaxSize,
		MaxOffset:        s.MaxOffset,
		MaxFacetSize:     s.MaxFacetSize,
		TitleBoost:       s.TitleBoost,
		RecencyBoost:     s.RecencyBoost,

		MaxAnalysisSize:   s.MaxAnalysisSize,
		SignificantSample: s.SignificantSample,
		NearDuplicates:    neardup.Options{Jaccard: s.NearDuplicateJaccard, Containment: s.NearDuplicateContainment},
		Ranking:           s.ranking(),
	}
}
