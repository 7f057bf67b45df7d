package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
