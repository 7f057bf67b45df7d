package opensearch

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/opensearch/ostest"
)

// synthetic makes n articles of random words from a small vocabulary, so
// that every query below matches many of them on every shard.
func synthetic(n int, seed uint64) []indexer.Article {
	words := strings.Fields("market oil price bank trade export government minister talks strike " +
		"harbour grain coffee steel currency dollar yen growth budget election court police rain")
	outlets := []string{"Herald", "Courier", "Gazette", "Tribune"}
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]indexer.Article, n)
	for i := range out {
		var b strings.Builder
		for range 60 {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		out[i] = indexer.Article{
			ID: fmt.Sprintf("syn-%d-%d", seed, i), Title: words[r.IntN(len(words))] + " " + words[r.IntN(len(words))],
			Body: b.String(), Source: outlets[r.IntN(len(outlets))],
			Published: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(365*24)) * time.Hour),
		}
	}
	return out
}

func ingest(t *testing.T, ctx context.Context, c *Client, arts []indexer.Article) indexer.Summary {
	t.Helper()
	ing := indexer.NewSinkIngester(NewBulk(c), indexer.IngestOptions{BatchDocs: 500}, slog.New(slog.DiscardHandler), nil, nil)
	var skipped []string
	ing.OnSkip = func(r indexer.Record) { skipped = append(skipped, r.Err.Error()) }
	sum, err := ing.Ingest(ctx, func(ctx context.Context, emit func(indexer.Record) error) error {
		for _, a := range arts {
			if err := emit(indexer.Record{File: "synthetic", Article: a}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if len(skipped) > 0 {
		t.Fatalf("ingest skipped %d articles, first: %s", len(skipped), skipped[0])
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return sum
}

// Failover (issue 18): with 3 nodes and 1 replica, one node is killed
// while 8 clients search. Every search answers, with the totals it had
// before (no partial results); requests that hit the dead node are
// retried on another; writes go through once the cluster is yellow.
func TestFailover(t *testing.T) {
	urls := ostest.URLs(t)
	if len(urls) < 3 {
		t.Skipf("failover needs 3 nodes, the cluster has %d", len(urls))
	}
	ostest.Disturb(t) // alone on the cluster while it kills a node
	ctx := t.Context()
	c, err := NewClient(Options{URLs: urls, Index: fmt.Sprintf("failover-%d", time.Now().UnixNano()), Shards: 3, Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ostest.Restart(t, 1)
		wctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := ostest.WaitHealth(wctx, urls[0], "green"); err != nil {
			t.Errorf("cluster after restart: %v", err)
		}
		if err := c.DeleteIndex(context.Background()); err != nil {
			t.Errorf("delete index: %v", err)
		}
		c.Close()
	})
	if _, err := c.EnsureIndex(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := ostest.WaitHealth(wctx, urls[0], "green"); err != nil {
		t.Fatalf("replicas not allocated: %v", err)
	}
	ingest(t, ctx, c, synthetic(3000, 1))
	lim := search.DefaultLimits()
	lim.Timeout = time.Minute
	svc, err := NewService(c, lim, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	queries := []search.Request{
		{Query: "oil"}, {Query: "oil AND price"}, {Query: `"grain export"`}, {Query: "bank -dollar"},
		{Query: "strik*"}, {Query: "", Facets: []string{"source"}, Histogram: "month"},
		{Query: "coffee OR steel", Sort: search.SortDate},
		{Query: "minister", Filters: search.Filters{Sources: []string{"Herald"}}},
	}
	want := make([]uint64, len(queries))
	for i, q := range queries {
		res, err := svc.Search(ctx, q)
		if err != nil {
			t.Fatalf("%q before the kill: %v", q.Query, err)
		}
		want[i] = res.Total
	}

	var (
		searches, failures, wrong atomic.Int64
		mu                        sync.Mutex
		firstErr                  error
		lat                       []time.Duration
	)
	before := c.Retried()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := r.IntN(len(queries))
				start := time.Now()
				res, err := svc.Search(ctx, queries[i])
				d := time.Since(start)
				searches.Add(1)
				mu.Lock()
				lat = append(lat, d)
				switch {
				case err != nil:
					failures.Add(1)
					if firstErr == nil {
						firstErr = err
					}
				case res.Total != want[i]:
					wrong.Add(1)
					if firstErr == nil {
						firstErr = fmt.Errorf("%q: total %d, want %d", queries[i].Query, res.Total, want[i])
					}
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(3 * time.Second)
	killed := time.Now()
	ostest.Kill(t, 1)
	time.Sleep(12 * time.Second)
	close(stop)
	wg.Wait()
	retried := c.Retried() - before
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("failover: %d searches by 8 clients, node 1 killed after 3 s; %d failed, %d wrong totals, %d requests retried on another node; p50 %s, p99 %s, max %s",
		searches.Load(), failures.Load(), wrong.Load(), retried, pct(0.5), pct(0.99), lat[len(lat)-1])
	if failures.Load() > 0 || wrong.Load() > 0 {
		t.Errorf("searches failed or answered wrong during failover: %v", firstErr)
	}

	// Writes once the cluster is yellow (the lost copies promoted).
	wctx2, cancel2 := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel2()
	if err := ostest.WaitHealth(wctx2, urls[0], "yellow"); err != nil {
		t.Fatalf("cluster after the kill: %v", err)
	}
	t.Logf("yellow %s after the kill", time.Since(killed).Round(time.Millisecond))
	n0, err := c.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := ingest(t, ctx, c, synthetic(500, 2))
	n1, err := c.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 500 || n1 != n0+500 {
		t.Errorf("writes after failover: indexed %d, count %d → %d", sum.Indexed, n0, n1)
	}
}
