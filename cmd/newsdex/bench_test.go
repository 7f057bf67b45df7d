package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/search/opensearch"
	"newsdex/search/opensearch/ostest"
)

// TestBenchOnSeedCorpus indexes the built-in corpus and benches it: every
// request answered, latencies ordered, the first pass checked and the
// empty query included.
func TestBenchOnSeedCorpus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	out, errOut, err := runCmd(t, "index", "--index", dir, "../../data/articles.txt")
	if err != nil {
		t.Fatalf("index: %v\n%s", err, errOut)
	}
	if !regexp.MustCompile(`indexed 10, skipped 0 in .* docs/s, peak RSS \d+ MB\)`).MatchString(out) {
		t.Errorf("index summary %q lacks the rate or the peak RSS", out)
	}
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("ambassador\n\n\"acting ambassador\"\nrice OR cash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cache := range []string{"--no-cache", "--no-cache=false"} {
		t.Run(cache, func(t *testing.T) {
			out, errOut, err := runCmd(t, "bench", "--index", dir, "--queries", queries, "--concurrency", "2",
				"--duration", "300ms", "--empty-query", cache)
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, errOut)
			}
			var r benchResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("output is not one JSON object: %v\n%s", err, out)
			}
			if r.Errors != 0 || r.FirstErr != "" {
				t.Errorf("%d errors, first: %s", r.Errors, r.FirstErr)
			}
			if r.Requests == 0 || r.QPS <= 0 || r.Queries != 4 || r.Articles != 10 || r.Concurrency != 2 {
				t.Errorf("result %+v: want requests, 4 queries, 10 articles, 2 clients", r)
			}
			if !(r.P50MS > 0 && r.P50MS <= r.P90MS && r.P90MS <= r.P99MS && r.P99MS <= r.MaxMS) {
				t.Errorf("percentiles out of order: p50 %v p90 %v p99 %v max %v", r.P50MS, r.P90MS, r.P99MS, r.MaxMS)
			}
			if r.Cache != (cache != "--no-cache") {
				t.Errorf("cache = %v with %s", r.Cache, cache)
			}
			if len(r.FirstPass.Slowest) != 3 || r.PeakRSSMB <= 0 {
				t.Errorf("first pass %+v, peak RSS %v", r.FirstPass, r.PeakRSSMB)
			}
			totals := map[string]uint64{}
			for _, q := range r.FirstPass.Slowest {
				totals[q.Query] = q.Total
			}
			if n, ok := totals[""]; ok && n != 10 {
				t.Errorf("the empty query matched %d articles, want all 10", n)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four is the third, as the peer computes it", ms(1, 2, 3, 4), 0.5, 3 * time.Millisecond},
		{"p99 of a hundred is the last", hundred, 0.99, 100 * time.Millisecond},
		{"p90 of a hundred is the 91st", hundred, 0.90, 91 * time.Millisecond},
		{"max", ms(1, 2, 3), 1, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, percentile(tt.sorted, tt.p)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--index", "x"},
		{"bench", "--index", "x", "--queries", "q", "--concurrency", "0"},
	} {
		if _, _, err := runCmd(t, args...); exitCode(err) != 2 {
			t.Errorf("%q: err %v, want a usage error", args, err)
		}
	}
}

// TestBenchOpenSearch benches the built-in corpus on a cluster index
// through --config, as the Bleve test does through --index: every request
// answered from the same HTTP handler, and --no-cache reaching the
// shards, whose request cache a repeated search never hits then (and
// does hit with the cache on).
func TestBenchOpenSearch(t *testing.T) {
	urls := ostest.URLs(t)
	ostest.Steady(t)
	ctx := t.Context()
	dir := t.TempDir()
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	cfgPath := filepath.Join(dir, "os.yaml")
	yaml := "index:\n  dir: " + filepath.Join(dir, "state") + "\n  backend: opensearch\n  opensearch:\n    urls: [" +
		strings.Join(urls, ", ") + "]\n    name: " + name + "\n    shards: 3\n    replicas: 1\nlog:\n  level: warn\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := openSearchOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := opensearch.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DeleteIndex(context.Background()); err != nil {
			t.Errorf("delete index %s: %v", name, err)
		}
		c.Close()
	})

	queries := filepath.Join(dir, "queries.txt")
	if err := os.WriteFile(queries, []byte("ambassador\n\"acting ambassador\"\nrice OR cash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bench := func(t *testing.T, flags ...string) benchResult {
		t.Helper()
		args := append([]string{"bench", "--config", cfgPath, "--queries", queries, "--concurrency", "2",
			"--duration", "2s", "--empty-query"}, flags...)
		out, errOut, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, errOut)
		}
		var r benchResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("output is not one JSON object: %v\n%s", err, out)
		}
		return r
	}
	// requestCache is how often the index's shards answered from their
	// request cache, and how often they looked in it and missed.
	requestCache := func(t *testing.T) (hits, misses int) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, urls[0]+"/"+name+"/_stats/request_cache", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			All struct {
				Total struct {
					RequestCache struct {
						Hits   int `json:"hit_count"`
						Misses int `json:"miss_count"`
					} `json:"request_cache"`
				} `json:"total"`
			} `json:"_all"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("request cache stats: status %d, %v", resp.StatusCode, err)
		}
		return st.All.Total.RequestCache.Hits, st.All.Total.RequestCache.Misses
	}

	// Before the index exists: a clear error, and bench creates nothing.
	if _, _, err := runCmd(t, "bench", "--config", cfgPath, "--queries", queries, "--duration", "1s"); err == nil ||
		!strings.Contains(err.Error(), "opensearch index "+name) {
		t.Fatalf("bench without the index: err %v, want one naming the index", err)
	}
	if n, err := c.Count(ctx); err == nil {
		t.Fatalf("bench created index %s (%d articles)", name, n)
	}
	if _, errOut, err := runCmd(t, "index", "--config", cfgPath, "../../data/articles.txt"); err != nil {
		t.Fatalf("index: %v\n%s", err, errOut)
	}
	if _, _, err := runCmd(t, "bench", "--config", cfgPath, "--index", dir, "--queries", queries); exitCode(err) != 2 {
		t.Errorf("--index with the opensearch backend: err %v, want a usage error", err)
	}
	if _, _, err := runCmd(t, "bench", "--config", cfgPath, "--queries", queries, "--backups"); exitCode(err) != 2 {
		t.Errorf("--backups with the opensearch backend: err %v, want a usage error", err)
	}

	// --no-cache first: warming reads the archive once (misses), and no
	// search may hit, though the timed run repeats the first pass's.
	hits0, _ := requestCache(t)
	for _, cache := range []string{"--no-cache", "--no-cache=false"} {
		t.Run(cache, func(t *testing.T) {
			r := bench(t, cache)
			if r.Backend != backendOpenSearch || r.Errors != 0 || r.FirstErr != "" {
				t.Errorf("backend %q, %d errors, first: %s", r.Backend, r.Errors, r.FirstErr)
			}
			// The timed run repeats what the first pass sent, so one
			// request (a second each on a loaded machine) is a repeat.
			if r.Requests < 1 || r.QPS <= 0 || r.Queries != 4 || r.Articles != 10 || r.Concurrency != 2 {
				t.Errorf("result %+v: want requests, 4 queries, 10 articles, 2 clients", r)
			}
			if !(r.P50MS > 0 && r.P50MS <= r.P90MS && r.P90MS <= r.P99MS && r.P99MS <= r.MaxMS) {
				t.Errorf("percentiles out of order: p50 %v p90 %v p99 %v max %v", r.P50MS, r.P90MS, r.P99MS, r.MaxMS)
			}
			if r.Cache != (cache != "--no-cache") {
				t.Errorf("cache = %v with %s", r.Cache, cache)
			}
			totals := map[string]uint64{}
			for _, q := range r.FirstPass.Slowest {
				totals[q.Query] = q.Total
			}
			if n, ok := totals[""]; ok && n != 10 {
				t.Errorf("the empty query matched %d articles, want all 10", n)
			}
			hits, misses := requestCache(t)
			if r.Cache && hits == hits0 {
				t.Errorf("with the cache on, %d requests never hit the shards' request cache (%d misses)", r.Requests, misses)
			}
			if !r.Cache && hits != hits0 {
				t.Errorf("--no-cache: the shards' request cache answered %d times", hits-hits0)
			}
		})
	}
}
