package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/search"
)

// reutersPath is the Reuters-21578 collection in JSON Lines, beside the
// repository (research licence: read in place, never copied in).
const reutersPath = "../../../shared/data/reuters21578.jsonl"

// reutersIndex is Reuters-21578 in an in-memory index, ingested once per
// test binary (30-60 s on a busy machine) through the production ingest
// path without entity extraction, and shared by the load, soak and
// hostile-input-on-Reuters tests. It is never closed: the process ends.
var reutersIndex = sync.OnceValues(func() (bleve.Index, error) {
	idx, err := indexer.NewMemIndex()
	if err != nil {
		return nil, err
	}
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, slog.New(slog.DiscardHandler), nil, nil)
	var fileErr error
	sum, err := ing.Ingest(context.Background(), indexer.PathSource([]string{reutersPath}, func(p string, err error) { fileErr = err }))
	if err != nil {
		return nil, err
	}
	if fileErr != nil {
		return nil, fileErr
	}
	if sum.Indexed < 21000 {
		return nil, fmt.Errorf("indexed only %d Reuters articles", sum.Indexed)
	}
	return idx, nil
})

// reutersServer serves the shared Reuters index over a real listener with
// lim; it skips the test without the corpus or with -short.
func reutersServer(t *testing.T, lim search.Limits) *httptest.Server {
	t.Helper()
	if _, err := os.Stat(reutersPath); err != nil {
		t.Skipf("Reuters corpus not available at %s: %v", reutersPath, err)
	}
	if testing.Short() {
		t.Skip("ingests 21,578 articles; skipped with -short")
	}
	idx, err := reutersIndex()
	if err != nil {
		t.Fatalf("ingest Reuters: %v", err)
	}
	svc, err := search.NewService(idx, lim, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := New(slog.New(slog.DiscardHandler), Options{}) // rate limit off, as configured by default
	s.SetSearcher(svc)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// loadQueries are the benchmark's UI queries (testdata/queries.txt, a copy
// of the project's /work/shared/bench/queries.txt).
func loadQueries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			qs = append(qs, l)
		}
	}
	return qs
}

// uiRequest is the search the web page sends for q: all four facets, the
// month histogram and highlights, with the page, sort or a date filter a
// reader might pick next.
func uiRequest(base, q string, rng *rand.Rand) string {
	v := url.Values{"q": {q}, "facets": {"source,person,org,place"}, "histogram": {"month"}, "size": {"10"}}
	switch rng.IntN(8) {
	case 0:
		v.Set("from", "10")
	case 1:
		v.Set("sort", "-date")
	case 2:
		v.Set("from_date", "1987-03-01")
		v.Set("to_date", "1987-06-30")
	case 3:
		v.Set("sort", "date")
		v.Set("from", "20")
	}
	return base + "/api/v1/search?" + v.Encode()
}

// loadStats is what a load run measured.
type loadStats struct {
	requests int
	errors   []string // the first few
	nErrors  int
	took     time.Duration
	lat      []time.Duration // sorted
}

func (s loadStats) qps() float64 { return float64(s.requests) / s.took.Seconds() }
func (s loadStats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[min(len(s.lat)-1, int(float64(len(s.lat))*p))]
}

func (s loadStats) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f QPS, p50 %s, p90 %s, p99 %s, max %s, %d errors",
		s.requests, s.took.Round(time.Millisecond), s.qps(), s.pct(0.5).Round(time.Microsecond*100),
		s.pct(0.9).Round(time.Microsecond*100), s.pct(0.99).Round(time.Microsecond*100), s.pct(1).Round(time.Millisecond), s.nErrors)
}

// drive runs clients concurrent UI clients against base until ctx ends.
// Every answer must be a 200 with a search result whose facets and
// histogram are there.
func drive(ctx context.Context, base string, clients int, queries []string) loadStats {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu  sync.Mutex
		out loadStats
		wg  sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			var lat []time.Duration
			var errs []string
			for ctx.Err() == nil {
				target := uiRequest(base, queries[rng.IntN(len(queries))], rng)
				t0 := time.Now()
				err := uiSearch(hc, target)
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs = append(errs, err.Error())
				}
			}
			mu.Lock()
			out.lat = append(out.lat, lat...)
			out.nErrors += len(errs)
			out.errors = append(out.errors, errs[:min(len(errs), 3)]...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.took = time.Since(start)
	out.requests = len(out.lat)
	slices.Sort(out.lat)
	return out
}

// uiSearch sends one search and checks the answer.
func uiSearch(hc *http.Client, target string) error {
	resp, err := hc.Get(target)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %s", target, resp.StatusCode, truncate(string(body), 200))
	}
	var res search.Result
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if len(res.Facets) != 4 || res.Histogram == nil {
		return fmt.Errorf("%s: %d facets, histogram %v", target, len(res.Facets), res.Histogram != nil)
	}
	return nil
}

// TestLoadReuters is issue 9's load test: 32 concurrent clients for 10 s
// of UI searches on Reuters-21578 over HTTP, with the result cache as
// configured by default and with none, and no error allowed.
func TestLoadReuters(t *testing.T) {
	const clients, duration = 32, 10 * time.Second
	queries := loadQueries(t)
	for _, tc := range []struct {
		name string
		lim  search.Limits
	}{
		{"default limits", search.Limits{}},
		{"no result cache", search.Limits{ResultCache: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := reutersServer(t, tc.lim)
			ctx, cancel := context.WithTimeout(context.Background(), duration)
			defer cancel()
			st := drive(ctx, ts.URL, clients, queries)
			t.Logf("%d clients, %d queries: %s", clients, len(queries), st)
			if st.nErrors > 0 {
				t.Errorf("%d errors, first: %q", st.nErrors, st.errors)
			}
			if st.requests < clients {
				t.Errorf("only %d requests in %s", st.requests, duration)
			}
		})
	}
}

// TestLoadSoakMemory runs the load for NEWSDEX_SOAK (a duration such as
// 2m; NEWSDEX_SOAK_CACHE=off turns the result cache off) and samples the Go heap in use and the process RSS every few
// seconds. After a warm-up fifth, the last third's average must stay
// within 1.3 times the first third's: memory is flat, not growing with the
// requests served.
func TestLoadSoakMemory(t *testing.T) {
	env := os.Getenv("NEWSDEX_SOAK")
	if env == "" {
		t.Skip("set NEWSDEX_SOAK=2m to soak")
	}
	d, err := time.ParseDuration(env)
	if err != nil || d < 30*time.Second {
		t.Fatalf("NEWSDEX_SOAK=%q: want a duration of at least 30s", env)
	}
	lim := search.Limits{}
	if os.Getenv("NEWSDEX_SOAK_CACHE") == "off" {
		lim.ResultCache = -1 // every request runs the whole search
	}
	ts := reutersServer(t, lim)
	queries := loadQueries(t)
	every := max(2*time.Second, d/60)
	type sample struct {
		at         time.Duration
		heap, rssB uint64
	}
	var samples []sample
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan loadStats)
	go func() { done <- drive(ctx, ts.URL, 32, queries) }()
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	var st loadStats
loop:
	for {
		select {
		case st = <-done:
			break loop
		case <-tick.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			samples = append(samples, sample{time.Since(start), ms.HeapInuse, rss()})
		}
	}
	t.Logf("soak %s: %s", d, st)
	if st.nErrors > 0 {
		t.Errorf("%d errors, first: %q", st.nErrors, st.errors)
	}
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, " %s:%d/%d", s.at.Round(time.Second), s.heap>>20, s.rssB>>20)
	}
	t.Logf("samples (time:heap-in-use MB/RSS MB):%s", b.String())
	warm := len(samples) / 5
	rest := samples[warm:]
	if len(rest) < 6 {
		t.Fatalf("%d samples after warm-up; soak longer", len(rest))
	}
	third := len(rest) / 3
	avg := func(ss []sample, f func(sample) uint64) float64 {
		var sum float64
		for _, s := range ss {
			sum += float64(f(s))
		}
		return sum / float64(len(ss))
	}
	for _, m := range []struct {
		name string
		f    func(sample) uint64
	}{
		{"heap in use", func(s sample) uint64 { return s.heap }},
		{"RSS", func(s sample) uint64 { return s.rssB }},
	} {
		first, last := avg(rest[:third], m.f), avg(rest[len(rest)-third:], m.f)
		if first == 0 {
			t.Logf("%s not measured here", m.name)
			continue
		}
		t.Logf("%s: first third %.0f MB, last third %.0f MB (x%.2f)", m.name, first/(1<<20), last/(1<<20), last/first)
		if last > 1.3*first {
			t.Errorf("%s grew from %.0f MB to %.0f MB over the soak", m.name, first/(1<<20), last/(1<<20))
		}
	}
}

// rss is the process's resident set in bytes, from /proc (0 elsewhere).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestHostileInputOnReuters sends the hostile queries to the search,
// facet and KWIC endpoints of the Reuters index, where words have tens of
// thousands of postings: the slow paths the small fixture cannot show.
func TestHostileInputOnReuters(t *testing.T) {
	ts := reutersServer(t, search.Limits{ResultCache: -1})
	h := proxyHandler{ts.URL}
	var slowest time.Duration
	var slowestName string
	for _, hq := range hostileQueries {
		for _, ep := range []readEndpoint{searchGET, facetsGET, kwicGET, naturalGET} {
			c := ep.build(url.Values{"q": {hq.q}, "facets": {"source,person,org,place"}, "histogram": {"month"}})
			c.name = hq.name + "/" + ep.name
			c.want = []int{http.StatusOK, http.StatusBadRequest} // the 3,000-article fixture pins which
			t.Run(c.name, func(t *testing.T) {
				if took := c.check(t, h); took > slowest {
					slowest, slowestName = took, c.name
				}
			})
		}
	}
	t.Logf("slowest: %s, %s", slowestName, slowest.Round(time.Millisecond))
}

// naturalGET is a search in natural mode (plain words, ORed, with
// relevance feedback).
var naturalGET = getEndpoint("natural search GET", "/api/v1/search", url.Values{"mode": {"natural"}})

// proxyHandler serves a request by sending it to a real server, so the
// hostile checks can run against one.
type proxyHandler struct{ base string }

func (p proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.base+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
