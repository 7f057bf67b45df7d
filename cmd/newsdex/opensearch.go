package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"newsdex/indexer"
	"newsdex/indexer/fetch"
	"newsdex/search"
	"newsdex/search/opensearch"
	"newsdex/search/releval"
)

// OpenSearchConfig is the cluster that holds the articles when
// index.backend is opensearch.
type OpenSearchConfig struct {
	URLs     []string `mapstructure:"urls"`
	Name     string   `mapstructure:"name"`
	Shards   int      `mapstructure:"shards"`
	Replicas int      `mapstructure:"replicas"`
	Username string   `mapstructure:"username"`
	Password string   `mapstructure:"password"`
	CAFile   string   `mapstructure:"ca_file"`
}

// indexName is what OpenSearch accepts as an index name, kept to the
// letters a shell and a URL path take without quoting.
var indexName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,199}$`)

// validate lists what cannot work, each naming its key.
func (o OpenSearchConfig) validate() []error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(len(o.URLs) > 0, "index.opensearch.urls is empty: name at least one node, e.g. http://127.0.0.1:9200")
	for i, raw := range o.URLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && (u.Path == "" || u.Path == "/"),
			"index.opensearch.urls[%d] must be an http(s) URL of a node, like http://127.0.0.1:9200, got %q", i, raw)
	}
	check(indexName.MatchString(o.Name) && o.Name != "." && o.Name != "..",
		"index.opensearch.name must be a lower-case index name (a-z, 0-9, _ . -, not starting with them), got %q", o.Name)
	check(o.Shards >= 1 && o.Shards <= 1024, "index.opensearch.shards must be between 1 and 1024, got %d", o.Shards)
	check(o.Replicas >= 0 && o.Replicas <= 16, "index.opensearch.replicas must be between 0 and 16, got %d", o.Replicas)
	check((o.Username == "") == (o.Password == ""), "index.opensearch.username and password go together: set both or neither")
	if o.CAFile != "" {
		_, err := os.Stat(o.CAFile)
		check(err == nil, "index.opensearch.ca_file: %v", err)
	}
	return errs
}

// openSearchOptions copies the cluster settings from the config.
func openSearchOptions(cfg Config) (opensearch.Options, error) {
	o := cfg.Index.OpenSearch
	opts := opensearch.Options{
		URLs: o.URLs, Index: o.Name, Shards: o.Shards, Replicas: o.Replicas,
		Username: o.Username, Password: o.Password,
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return opts, fmt.Errorf("index.opensearch.ca_file: %w", err)
		}
		opts.CACert = pem
	}
	return opts, nil
}

// backendOpenSearch is index.backend's value for a cluster.
const backendOpenSearch = "opensearch"

// openSearchClient connects to the configured cluster and creates the
// index (mapping and analysis) when it is not there yet.
func openSearchClient(ctx context.Context, cfg Config, logger *slog.Logger) (*opensearch.Client, error) {
	opts, err := openSearchOptions(cfg)
	if err != nil {
		return nil, err
	}
	c, err := opensearch.NewClient(opts)
	if err != nil {
		return nil, err
	}
	created, err := c.EnsureIndex(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("opensearch at %s: %w", strings.Join(opts.URLs, ", "), err)
	}
	if created {
		logger.Info("created the opensearch index", slog.String("index", opts.Index),
			slog.Int("shards", opts.Shards), slog.Int("replicas", opts.Replicas))
	}
	return c, nil
}

// newSinkIngester is newIngester writing into sink instead of Bleve.
func newSinkIngester(cfg Config, sink indexer.Sink, logger *slog.Logger) (*indexer.Ingester, error) {
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
	return indexer.NewSinkIngester(sink, opts, logger, aliases, entities), nil
}

// openSearchWriter is the writer for HTTP writes and the fetcher: each
// batch refreshed (searchable when Ingest returns), and the service's
// entities and near-duplicates resolved again after each write.
func openSearchWriter(cfg Config, c *opensearch.Client, svc *opensearch.Service, logger *slog.Logger) (*opensearch.Writer, error) {
	if _, err := loadAliases(cfg); err != nil {
		return nil, err
	}
	w := opensearch.NewWriter(c, func(sink indexer.Sink) *indexer.Ingester {
		ing, err := newSinkIngester(cfg, sink, logger)
		if err != nil { // checked above: loading the aliases is what can fail
			logger.Error("ingester", slog.String("error", err.Error()))
		}
		return ing
	})
	if svc != nil {
		w.OnWrite = svc.Invalidate
	}
	return w, nil
}

// openSearchService is the read side over the cluster.
func openSearchService(cfg Config, c *opensearch.Client, logger *slog.Logger) (*opensearch.Service, error) {
	aliases, err := loadAliases(cfg)
	if err != nil {
		return nil, err
	}
	return opensearch.NewService(c, searchLimits(cfg), logger, aliases)
}

// indexOpenSearch is newsdex index with the opensearch backend: the same
// pipeline, into the bulk API, refreshed once at the end.
func openSearchIngester(ctx context.Context, cfg Config, logger *slog.Logger) (*indexer.Ingester, func(context.Context) error, error) {
	c, err := openSearchClient(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	ing, err := newSinkIngester(cfg, opensearch.NewBulk(c), logger)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	finish := func(ctx context.Context) error {
		defer c.Close()
		if err := c.Refresh(ctx); err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		return nil
	}
	return ing, finish, nil
}

// runServeOpenSearch is serve with the opensearch backend: no local
// index, the built-in corpus loaded into an empty cluster index, reads
// and writes through the cluster.
func runServeOpenSearch(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	api := newAPI(cfg, logger)
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(cfg, api, logger)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fail := func(err error) error { _ = srv.Close(); return err }

	c, err := openSearchClient(ctx, cfg, logger)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	svc, err := openSearchService(cfg, c, logger)
	if err != nil {
		return fail(err)
	}
	writer, err := openSearchWriter(cfg, c, svc, logger)
	if err != nil {
		return fail(err)
	}
	n, err := c.Count(ctx)
	if err != nil {
		return fail(err)
	}
	if n == 0 {
		logger.Info("loading the built-in corpus into the opensearch index", slog.String("index", c.Index()))
		sum, err := writer.Ingest(ctx, builtinCorpus, func(r indexer.Record) {
			logger.Warn("skipped record", slog.String("at", r.Location()), slog.String("error", r.Err.Error()))
		})
		if err != nil {
			return fail(fmt.Errorf("index built-in corpus: %w", err))
		}
		n = uint64(sum.Indexed)
	}
	api.SetSearcher(svc)
	api.SetWriter(writer) // POST/DELETE /api/v1/articles, with admin keys
	waitFetcher, err := startFetcher(ctx, cfg, writer, api, logger)
	if err != nil {
		return fail(err)
	}
	defer waitFetcher()
	fmt.Fprintf(stdout, "newsdex: serving %d articles from opensearch index %s on http://%s/\n", n, c.Index(), ln.Addr())
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

// fetchOpenSearch is newsdex fetch with the opensearch backend; the
// fetcher's state stays in index.dir on this machine.
func fetchOpenSearch(ctx context.Context, cfg Config, sources *fetch.SourceList, once bool, logger *slog.Logger, stdout io.Writer) error {
	c, err := openSearchClient(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := os.MkdirAll(cfg.Index.Dir, 0o755); err != nil {
		return fmt.Errorf("fetch state folder: %w", err)
	}
	w, err := openSearchWriter(cfg, c, nil, logger)
	if err != nil {
		return err
	}
	f, err := newFetcher(cfg, sources, w, logger)
	if err != nil {
		return err
	}
	if !once {
		fmt.Fprintf(stdout, "newsdex: following %d sources into opensearch index %s\n", len(sources.Sources), c.Index())
		return f.Run(ctx)
	}
	rep, err := f.Once(ctx)
	fmt.Fprintf(stdout, "polled %d feeds (%d failed): indexed %d articles, skipped %d items\n",
		rep.Feeds, rep.Failed, rep.Articles, rep.Skipped)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	return nil
}

// evalOpenSearch is eval relevance with the opensearch backend: the
// collection goes into a throw-away index beside the configured one
// (same mapping and analysis, no entity extraction, as the Bleve run),
// ranked by the same natural-language requests, then deleted.
func evalOpenSearch(ctx context.Context, cfg Config, coll *releval.Collection, runFile string, logger *slog.Logger, stdout io.Writer) error {
	cfg.Index.OpenSearch.Name = fmt.Sprintf("%s-eval-%d", cfg.Index.OpenSearch.Name, time.Now().UnixNano())
	c, err := openSearchClient(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	defer func() {
		if err := c.DeleteIndex(context.WithoutCancel(ctx)); err != nil {
			logger.Warn("delete evaluation index", slog.String("index", c.Index()), slog.String("error", err.Error()))
		}
	}()
	ing := indexer.NewSinkIngester(opensearch.NewBulk(c), indexer.IngestOptions{}, logger, nil, nil)
	src := func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, d := range coll.Docs {
			if err := emit(indexer.Record{File: "docs.jsonl", Line: i + 1, Article: indexer.Article{ID: d.ID, Title: d.Title, Body: d.Body}}); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := ing.Ingest(ctx, src); err != nil {
		return fmt.Errorf("index %s: %w", coll.Name, err)
	}
	if err := c.Refresh(ctx); err != nil {
		return err
	}
	lim := searchLimits(cfg)
	lim.MaxSize = max(lim.MaxSize, releval.Depth)
	lim.MaxOffset = max(lim.MaxOffset, releval.Depth)
	lim.Timeout = max(lim.Timeout, time.Minute)
	svc, err := opensearch.NewService(c, lim, logger, nil)
	if err != nil {
		return err
	}
	rep, err := releval.Evaluate(ctx, svc, search.Request{}, coll)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", coll.Name, err)
	}
	if rep.Judged == 0 {
		return fmt.Errorf("evaluate %s: no query has a relevant document in qrels.txt", coll.Name)
	}
	if runFile != "" {
		if err := writeRunFile(runFile, rep); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "newsdex (opensearch) %s: queries=%d MAP=%.4f P@10=%.4f nDCG@10=%.4f\n",
		coll.Name, rep.Judged, rep.Mean.AP, rep.Mean.P10, rep.Mean.NDCG10)
	return nil
}
