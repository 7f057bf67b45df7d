package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"
	"time"

	"newsdex/indexer"
	"newsdex/indexer/fetch"
	"newsdex/search"
	"newsdex/search/httpapi"
)

// fetchStateFile is where the fetcher remembers feeds and items, inside
// the index folder so that it goes wherever the index goes.
const fetchStateFile = "newsdex-fetch-state.json"

func runFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("fetch", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	once := fs.Bool("once", false, "poll every feed once and exit (for cron)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex fetch [--index DIR] [--config FILE] [--once] SOURCES.yaml")
		fmt.Fprintln(stderr, "Polls the feeds and news sitemaps of a sources file, fetches new articles and indexes them.")
		fmt.Fprintln(stderr, "Without --once it keeps polling until interrupted.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"fetch needs one SOURCES.yaml"}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	logger := newLogger(cfg.Log, stderr)
	sources, err := fetch.LoadSources(fs.Arg(0))
	if err != nil {
		return err
	}
	if cfg.Index.Backend == backendOpenSearch {
		return fetchOpenSearch(ctx, cfg, sources, *once, logger, stdout) // opensearch.go
	}
	opened, _, err := indexer.Open(cfg.Index.Dir)
	if err != nil {
		return err
	}
	defer opened.Close()
	idx := indexer.Guard(opened, cfg.Index.Dir, indexer.SpaceOptions{Logger: logger})
	ing, err := newIngester(cfg, idx, logger)
	if err != nil {
		return err
	}
	writer := indexer.NewWriter(idx, ing)
	f, err := newFetcher(cfg, sources, writer, logger)
	if err != nil {
		return err
	}
	if !*once {
		aliases, err := loadAliases(cfg)
		if err != nil {
			return err
		}
		svc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
		if err != nil {
			return err
		}
		waitAlerts, err := startAlerts(ctx, cfg, idx, writer, svc, logger) // alerts.go: after every write
		if err != nil {
			return err
		}
		defer waitAlerts()
		fmt.Fprintf(stdout, "newsdex: following %d sources into %s\n", len(sources.Sources), cfg.Index.Dir)
		return f.Run(ctx)
	}
	rep, err := f.Once(ctx)
	fmt.Fprintf(stdout, "polled %d feeds (%d failed): indexed %d articles, skipped %d items\n",
		rep.Feeds, rep.Failed, rep.Articles, rep.Skipped)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	return checkAlertsOnce(ctx, cfg, idx, ing.Settled, logger)
}

// runSources lists each source's health from the fetcher's state.
func runSources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("sources", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex sources [--index DIR] [--config FILE] [--json] [SOURCES.yaml]")
		fmt.Fprintln(stderr, "Lists each source's last success, last error and articles (default sources file: ingest.sources).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	path := cfg.Ingest.Sources
	if fs.NArg() > 0 {
		path = fs.Arg(0)
	}
	if path == "" {
		return usageError{"sources needs a SOURCES.yaml, or ingest.sources in the config"}
	}
	sources, err := fetch.LoadSources(path)
	if err != nil {
		return err
	}
	state, err := fetch.OpenState(filepath.Join(cfg.Index.Dir, fetchStateFile))
	if err != nil {
		return err
	}
	health := state.Sources(sources, time.Now(), cfg.Ingest.StaleAfter)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"sources": health})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tFEEDS\tLAST SUCCESS\tLAST DAY\tTOTAL\tSTATUS")
	for _, h := range health {
		status := "ok"
		switch {
		case h.LastError != "":
			status = "failing: " + h.LastError
		case h.LastSuccess.IsZero():
			status = "not polled yet"
		}
		if h.Stale {
			status = "STALE, " + status
		}
		last := "never"
		if !h.LastSuccess.IsZero() {
			last = h.LastSuccess.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\n", h.Name, h.Feeds, last, h.LastDay, h.Total, status)
	}
	return tw.Flush()
}

// newFetcher builds the fetcher the config describes, with its state in
// the index folder.
func newFetcher(cfg Config, sources *fetch.SourceList, sink fetch.Sink, logger *slog.Logger) (*fetch.Fetcher, error) {
	state, err := fetch.OpenState(filepath.Join(cfg.Index.Dir, fetchStateFile))
	if err != nil {
		return nil, err
	}
	return fetch.New(sources, sink, state, fetchOptions(cfg), logger.With(slog.String("component", "fetch"))), nil
}

// fetchOptions copies the ingest settings from the config.
func fetchOptions(cfg Config) fetch.Options {
	in := cfg.Ingest
	return fetch.Options{
		UserAgent:            in.UserAgent,
		Interval:             in.Interval,
		HostDelay:            in.HostDelay,
		Timeout:              in.Timeout,
		MaxPageBytes:         in.MaxPageBytes,
		MaxFeedBytes:         in.MaxFeedBytes,
		MaxRedirects:         in.MaxRedirects,
		Retries:              in.Retries,
		MaxItemsPerFeed:      in.MaxItemsPerFeed,
		AllowPrivateNetworks: in.AllowPrivateNetworks,
		StaleAfter:           in.StaleAfter,
		StateHorizon:         in.StateHorizon,
	}
}

// startFetcher runs the fetcher in the background when the config names a
// sources file, writing through w (whose writes trigger the alerts) and
// reporting the sources' health to api; the returned function stops it
// and waits until it has.
func startFetcher(ctx context.Context, cfg Config, w fetch.Sink, api *httpapi.Server, logger *slog.Logger) (wait func(), err error) {
	if cfg.Ingest.Sources == "" {
		return func() {}, nil
	}
	sources, err := fetch.LoadSources(cfg.Ingest.Sources)
	if err != nil {
		return nil, err
	}
	f, err := newFetcher(cfg, sources, w, logger)
	if err != nil {
		return nil, err
	}
	api.SetSources(f.Health) // GET /api/v1/sources
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Run(ctx); err != nil {
			logger.Error("fetcher stopped", slog.String("error", err.Error()))
		}
	}()
	logger.Info("fetching sources", slog.String("file", cfg.Ingest.Sources), slog.Int("sources", len(sources.Sources)))
	return func() { cancel(); <-done }, nil
}

// pageFetcher fetches single pages (index --fetch) with the ingest
// settings; it follows no feeds and keeps no state.
func pageFetcher(cfg Config, logger *slog.Logger) *fetch.Fetcher {
	state, _ := fetch.OpenState("") // in memory: cannot fail
	return fetch.New(&fetch.SourceList{}, nil, state, fetchOptions(cfg), logger.With(slog.String("component", "fetch")))
}
