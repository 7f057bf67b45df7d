package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// TestSearchesAnswerDuringIngest posts batches of articles to
// POST /api/v1/articles while clients search the same on-disk index over
// HTTP: every search answers 200 within a bounded time, totals never go
// back, and each batch is visible to a search as soon as its POST returns.
func TestSearchesAnswerDuringIngest(t *testing.T) {
	const batches, perBatch, clients = 15, 200, 4
	if testing.Short() {
		t.Skip("ingests 3,000 articles while searching; skipped with -short")
	}
	idx, _, err := indexer.Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	if _, err := ing.Ingest(context.Background(), indexer.PathSource([]string{"../../data/articles.txt"}, func(p string, err error) { t.Fatal(err) })); err != nil {
		t.Fatal(err)
	}
	svc, err := search.NewService(idx, search.Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := New(logger, Options{AdminKeys: []string{testAdminKey}})
	s.SetSearcher(svc)
	s.SetWriter(indexer.NewWriter(idx, ing))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)

	// total searches q over HTTP; any failure is an error of the test.
	total := func(q string, extra url.Values) (uint64, time.Duration, error) {
		v := url.Values{"q": {q}, "size": {"10"}}
		for k, vs := range extra {
			v[k] = vs
		}
		start := time.Now()
		resp, err := http.Get(ts.URL + "/api/v1/search?" + v.Encode())
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		took := time.Since(start)
		if err != nil {
			return 0, took, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, took, fmt.Errorf("q=%q: status %d: %s", q, resp.StatusCode, body)
		}
		var res search.Result
		if err := json.Unmarshal(body, &res); err != nil {
			return 0, took, fmt.Errorf("q=%q: %w", q, err)
		}
		return res.Total, took, nil
	}
	// Every generated article has "report" in its title.
	base, _, err := total("report", nil)
	if err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		searches  atomic.Int64
		wg        sync.WaitGroup
	)
	fail := make(chan error, clients+1)
	ui := url.Values{"facets": {"source,person,org,place"}, "histogram": {"month"}}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			qs := []string{"report", "ambassador", "kaka OR lomi", `"report 12"`, "outlet", ""}
			for i := 0; ctx.Err() == nil; i++ {
				q := qs[(i+c)%len(qs)]
				n, took, err := total(q, ui)
				if err != nil {
					fail <- err
					return
				}
				if q == "report" {
					if n < last {
						fail <- fmt.Errorf("total of %q went back from %d to %d", q, last, n)
						return
					}
					last = n
				}
				searches.Add(1)
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}
		}()
	}

	arts := generatedArticles(batches * perBatch)
	start := time.Now()
	for b := range batches {
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		for _, a := range arts[b*perBatch : (b+1)*perBatch] {
			if err := enc.Encode(a); err != nil {
				t.Fatal(err)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/articles", &body)
		req.Header.Set("Authorization", "Bearer "+testAdminKey)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res ingestResult
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || res.Indexed != perBatch {
			t.Fatalf("batch %d: status %d, %+v, %v", b, resp.StatusCode, res, err)
		}
		// Read your writes: the batch is searchable once the POST returns.
		n, _, err := total("report", url.Values{"size": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := base + uint64((b+1)*perBatch); n != want {
			t.Errorf("after batch %d: %d articles match report, want %d", b, n, want)
		}
	}
	ingestTook := time.Since(start)
	time.Sleep(200 * time.Millisecond) // a few searches on the finished index
	stop()
	wg.Wait()
	close(fail)
	for err := range fail {
		t.Error(err)
	}
	slices.Sort(latencies)
	if len(latencies) < 20 {
		t.Fatalf("only %d searches during the ingest", len(latencies))
	}
	p50, p99, worst := latencies[len(latencies)/2], latencies[len(latencies)*99/100], latencies[len(latencies)-1]
	t.Logf("%d articles in %d POSTs in %s (%.0f/s) while %d clients ran %d searches: p50 %s, p99 %s, max %s",
		len(arts), batches, ingestTook.Round(time.Millisecond), float64(len(arts))/ingestTook.Seconds(),
		clients, searches.Load(), p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond))
	if p99 > 2*time.Second || worst > 5*time.Second {
		t.Errorf("searches during ingest: p99 %s, max %s; want p99 under 2 s and none over 5 s", p99, worst)
	}
	n, _, err := total("report", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := base + uint64(len(arts)); n != want {
		t.Errorf("after the ingest %d articles match report, want %d", n, want)
	}
}
