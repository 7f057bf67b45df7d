package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/httpapi"
	"newsdex/search/opensearch"
)

// uiFacets is what the web UI asks for with every search.
const uiFacets = "source,person,org,place"

// benchResult is what bench prints: one JSON object.
type benchResult struct {
	QPS         float64 `json:"qps"`
	P50MS       float64 `json:"p50_ms"`
	P90MS       float64 `json:"p90_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	MeanMS      float64 `json:"mean_ms"`
	Errors      int     `json:"errors"`
	Requests    int     `json:"requests"`
	Concurrency int     `json:"concurrency"`
	Cache       bool    `json:"cache"`
	DurationS   float64 `json:"duration_s"`
	Queries     int     `json:"queries"`
	// Backend is index.backend: bleve or opensearch.
	Backend  string `json:"backend"`
	Articles uint64 `json:"articles"`
	// WarmS is how long building the search columns took before the
	// first request, as serve does at startup (Service.Warm).
	WarmS float64 `json:"warm_s"`
	// FirstPass is one sequential pass over every query before the timed
	// run: each query's first sight, so no cache has seen it.
	FirstPass struct {
		P50MS   float64     `json:"p50_ms"`
		P99MS   float64     `json:"p99_ms"`
		MaxMS   float64     `json:"max_ms"`
		Slowest []queryTime `json:"slowest"`
	} `json:"first_pass"`
	PeakRSSMB float64 `json:"peak_rss_mb"` // whole process: server and clients
	RSSMB     float64 `json:"rss_mb"`      // at the end of the run
	AnonMB    float64 `json:"rss_anon_mb"` // of which heap and stacks
	FileMB    float64 `json:"rss_file_mb"` // of which mmapped index pages
	FirstErr  string  `json:"first_error,omitempty"`
	// Backups, with --backups: backups of the index streamed one after
	// another through the whole timed run (to io.Discard), and the mean
	// time of one, so p50/p99 above are latencies while a backup streams.
	Backups *struct {
		Count int     `json:"count"`
		MeanS float64 `json:"mean_s"`
		MB    float64 `json:"mb"` // of one backup
	} `json:"backups,omitempty"`
}

// queryTime is one query's latency in the first pass.
type queryTime struct {
	Query string  `json:"q"`
	MS    float64 `json:"ms"`
	Total uint64  `json:"total"`
}

// runBench serves the index in-process exactly as serve does and drives
// /api/v1/search with the queries as the web UI sends them, from
// --concurrency clients for --duration. The config's index.backend says
// what answers: the Bleve index in --index (or index.dir), or the
// OpenSearch index, through the same HTTP handler and Searcher interface
// serve uses, so that the two backends are measured by one tool.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("bench", stderr)
	dir := fs.String("index", "", "Bleve index directory (default: index.dir from config)")
	queriesPath := fs.String("queries", "", "file of queries, one a line")
	concurrency := fs.Int("concurrency", 4, "concurrent clients")
	duration := fs.Duration("duration", 30*time.Second, "how long to drive the service")
	size := fs.Int("size", 10, "hits per page")
	noCache := fs.Bool("no-cache", false, "turn the result cache off (with opensearch also the shards' request cache), so every request runs the whole search")
	empty := fs.Bool("empty-query", false, "add the empty query (the landing page: every article) to the queries")
	backups := fs.Bool("backups", false, "stream backups of the index (as GET /api/v1/admin/backup does) one after another during the timed run")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex bench [--index DIR | --config FILE] --queries FILE [--concurrency N] [--duration D] [--no-cache] [--empty-query] [--backups]")
		fmt.Fprintln(stderr, "Serves the index (Bleve, or the OpenSearch index when the config's index.backend is opensearch)")
		fmt.Fprintln(stderr, "on a loopback port and prints one JSON object of throughput and latency.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *queriesPath == "" {
		fs.Usage()
		return usageError{"bench needs --queries FILE"}
	}
	if *concurrency < 1 || *duration <= 0 || *size < 1 {
		return usageError{"--concurrency, --duration and --size must be positive"}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	openSearch := cfg.Index.Backend == backendOpenSearch
	switch {
	case openSearch && flagSet(fs, "index"):
		return usageError{"--index names a Bleve index, but the config's index.backend is opensearch: drop one of them"}
	case openSearch && *backups:
		return usageError{"--backups streams a Bleve index; with index.backend opensearch, backups are the cluster's snapshots"}
	case flagSet(fs, "index"):
		cfg.Index.Dir = *dir
	}
	queries, err := readQueries(*queriesPath)
	if err != nil {
		return err
	}
	if *empty {
		queries = append(queries, "")
	}
	// The service logs every request as it would in production; the lines
	// are formatted and dropped so they cost what they cost there.
	logger := newLogger(cfg.Log, io.Discard)
	bleve.SetLog(slog.NewLogLogger(logger.Handler(), slog.LevelDebug))

	aliases, err := loadAliases(cfg)
	if err != nil {
		return err
	}
	lim := searchLimits(cfg)
	if *noCache {
		lim.ResultCache = -1
	}
	var out benchResult
	out.Backend = cfg.Index.Backend
	var (
		svc  benchSearcher
		idx  bleve.Index // Bleve only, for --backups
		done func()
	)
	if openSearch {
		svc, out.Articles, done, err = openSearchBench(ctx, cfg, lim, logger, aliases)
	} else {
		idx, svc, out.Articles, done, err = bleveBench(cfg, lim, logger, aliases)
	}
	if err != nil {
		return err
	}
	defer done()
	api := newAPI(cfg, logger)
	api.SetSearcher(svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(cfg, api, logger)
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()

	base := "http://" + ln.Addr().String() + "/api/v1/search?"
	urls := make([]string, len(queries))
	for i, q := range queries {
		urls[i] = base + url.Values{
			"q": {q}, "facets": {uiFacets}, "facet_size": {"10"}, "histogram": {"month"},
			"highlight": {"true"}, "size": {fmt.Sprint(*size)}, "from": {"0"},
		}.Encode()
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        *concurrency,
		MaxIdleConnsPerHost: *concurrency,
		DisableCompression:  true,
	}}

	warmStart := time.Now()
	if err := svc.Warm(ctx); err != nil {
		return err
	}
	out.WarmS = round(time.Since(warmStart).Seconds(), 2)
	out.Queries = len(queries)
	out.Concurrency = *concurrency
	out.Cache = !*noCache

	// First pass: every query once, in order, with the response checked.
	first := make([]time.Duration, 0, len(urls))
	var times []queryTime
	for i, u := range urls {
		var total uint64
		d, err := benchRequest(ctx, client, u, &total)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			out.Errors++
			if out.FirstErr == "" {
				out.FirstErr = err.Error()
			}
			continue
		}
		first = append(first, d)
		times = append(times, queryTime{Query: queries[i], MS: ms(d), Total: total})
	}
	slices.SortFunc(times, func(a, b queryTime) int { return cmp.Compare(b.MS, a.MS) })
	out.FirstPass.Slowest = times[:min(3, len(times))]
	slices.Sort(first)
	out.FirstPass.P50MS = ms(percentile(first, 0.50))
	out.FirstPass.P99MS = ms(percentile(first, 0.99))
	out.FirstPass.MaxMS = ms(percentile(first, 1))

	// Timed run: each client walks the queries from its own offset.
	runCtx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	if *backups {
		wg.Go(func() {
			var n int
			var took time.Duration
			var bytes int64
			for runCtx.Err() == nil {
				t := time.Now()
				sum, err := indexer.WriteBackup(runCtx, idx, io.Discard)
				if err != nil {
					break // the run ended mid-backup
				}
				n, took, bytes = n+1, took+time.Since(t), sum.Bytes
			}
			mu.Lock()
			defer mu.Unlock()
			out.Backups = &struct {
				Count int     `json:"count"`
				MeanS float64 `json:"mean_s"`
				MB    float64 `json:"mb"`
			}{Count: n, MB: round(float64(bytes)/(1<<20), 1)}
			if n > 0 {
				out.Backups.MeanS = round(took.Seconds()/float64(n), 2)
			}
		})
	}
	for c := range *concurrency {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1<<14)
			errs, firstErr := 0, ""
			for i := c * len(urls) / *concurrency; runCtx.Err() == nil; i++ {
				d, err := benchRequest(runCtx, client, urls[i%len(urls)], nil)
				if err != nil {
					if runCtx.Err() != nil {
						break // the run ended mid-request: not an error
					}
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			out.Errors += errs
			if out.FirstErr == "" {
				out.FirstErr = firstErr
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return err
	}

	slices.Sort(all)
	out.Requests = len(all) + out.Errors
	out.DurationS = round(elapsed.Seconds(), 2)
	out.QPS = round(float64(len(all))/elapsed.Seconds(), 1)
	out.P50MS = ms(percentile(all, 0.50))
	out.P90MS = ms(percentile(all, 0.90))
	out.P99MS = ms(percentile(all, 0.99))
	out.MaxMS = ms(percentile(all, 1))
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	if len(all) > 0 {
		out.MeanMS = ms(sum / time.Duration(len(all)))
	}
	out.PeakRSSMB = round(peakRSSMB(), 1)
	rss, anon, file := currentRSSMB()
	out.RSSMB, out.AnonMB, out.FileMB = round(rss, 1), round(anon, 1), round(file, 1)
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	fmt.Fprintln(stdout, string(b))
	return nil
}

// benchSearcher is what bench serves: what the HTTP server reads through,
// and Warm, which serve's startup (Bleve) or first search (OpenSearch)
// would otherwise do inside the first timed requests.
type benchSearcher interface {
	httpapi.Searcher
	Warm(ctx context.Context) error
}

var (
	_ benchSearcher = (*search.Service)(nil)
	_ benchSearcher = (*opensearch.Service)(nil)
)

// bleveBench opens the Bleve index in cfg.Index.Dir read-only, as serve
// reads it, and returns it, its service and its article count.
func bleveBench(cfg Config, lim search.Limits, logger *slog.Logger, aliases *indexer.Aliases) (bleve.Index, benchSearcher, uint64, func(), error) {
	idx, err := indexer.OpenReadOnly(cfg.Index.Dir)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	svc, err := search.NewService(idx, lim, logger, aliases)
	if err != nil {
		idx.Close()
		return nil, nil, 0, nil, err
	}
	search.SetClauseLimit(svc.Limits().MaxTermExpansion) // as serve does
	n, err := idx.DocCount()
	if err != nil {
		idx.Close()
		return nil, nil, 0, nil, fmt.Errorf("count articles: %w", err)
	}
	return idx, svc, n, func() { idx.Close() }, nil
}

// openSearchBench connects to the configured cluster's index, which must
// exist and hold articles: unlike serve, bench creates nothing there.
func openSearchBench(ctx context.Context, cfg Config, lim search.Limits, logger *slog.Logger, aliases *indexer.Aliases) (benchSearcher, uint64, func(), error) {
	opts, err := openSearchOptions(cfg)
	if err != nil {
		return nil, 0, nil, err
	}
	c, err := opensearch.NewClient(opts)
	if err != nil {
		return nil, 0, nil, err
	}
	fail := func(err error) (benchSearcher, uint64, func(), error) {
		c.Close()
		return nil, 0, nil, err
	}
	where := fmt.Sprintf("opensearch index %s at %s", opts.Index, strings.Join(opts.URLs, ", "))
	n, err := c.Count(ctx)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", where, err))
	}
	if n == 0 {
		return fail(fmt.Errorf("%s holds no articles: index some first (newsdex index --config FILE ...)", where))
	}
	svc, err := opensearch.NewService(c, lim, logger, aliases)
	if err != nil {
		return fail(err)
	}
	return svc, n, func() { c.Close() }, nil
}

// benchRequest makes one search and returns its latency. With a non-nil
// total it also decodes the body, checks it has what the UI draws and
// sets *total to the number of matches.
func benchRequest(ctx context.Context, client *http.Client, u string, total *uint64) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, truncateBytes(body, 200))
	}
	if total != nil {
		var r struct {
			Total     uint64                     `json:"total"`
			Hits      []json.RawMessage          `json:"hits"`
			Facets    map[string]json.RawMessage `json:"facets"`
			Histogram []json.RawMessage          `json:"histogram"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return 0, fmt.Errorf("decode response: %w", err)
		}
		if len(r.Facets) != len(strings.Split(uiFacets, ",")) || r.Histogram == nil {
			return 0, errors.New("response lacks the facets or histogram asked for")
		}
		*total = r.Total
	}
	return d, nil
}

// readQueries reads one query a line, skipping blank lines, as the FTS5
// peer does.
func readQueries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" {
			out = append(out, q)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read queries %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read queries %s: no queries", path)
	}
	return out, nil
}

// percentile is the nearest-rank percentile of sorted latencies, the
// definition fts5_peer.py uses: sorted[min(n-1, int(p*n))].
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return round(float64(d)/1e6, 3) }

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
