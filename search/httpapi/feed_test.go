package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"newsdex/indexer"
	"newsdex/indexer/fetch"
	"newsdex/search"
)

// TestFeedParsesBack checks each format by reading it with a feed
// reader's parser: the entries are the search's newest matches, newest
// first, with links and dates.
func TestFeedParsesBack(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	h := newTestServer(t, uiService(t, nil,
		indexer.Article{Title: "Zeppelin flies again", Body: "A zeppelin flew over the lake.", Source: "Lake News", URL: "https://lake.example/z1", Published: day(2)},
		indexer.Article{Title: "Zeppelin museum opens", Body: "The zeppelin museum opened its doors.", Source: "Lake News", URL: "https://lake.example/z2", Published: day(20)},
		indexer.Article{Title: "Zeppelin & the weather", Body: "Wind grounded the zeppelin <again>.", Source: "Air Daily", Published: day(11)},
	))
	tests := []struct {
		format, contentType, feedType string
	}{
		{"atom", "application/atom+xml", "atom"},
		{"rss", "application/rss+xml", "rss"},
		{"json", "application/feed+json", "json"},
		{"", "application/atom+xml", "atom"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, "/api/v1/feed?q=zeppelin&format="+tt.format, nil, nil)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.contentType) {
				t.Fatalf("status %d, Content-Type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("parse back: %v\n%s", err, rec.Body)
			}
			if f.FeedType != tt.feedType || f.Title != "newsdex: zeppelin" || len(f.Items) != 3 {
				t.Fatalf("feed type %q, title %q, %d items", f.FeedType, f.Title, len(f.Items))
			}
			if f.Items[0].Title != "Zeppelin museum opens" || f.Items[1].Title != "Zeppelin & the weather" {
				t.Errorf("not newest first: %q, %q", f.Items[0].Title, f.Items[1].Title)
			}
			if !strings.Contains(f.Items[1].Link, "/api/v1/articles/") {
				t.Errorf("article without URL links to %q", f.Items[1].Link)
			}
			for i, it := range f.Items {
				if it.Title == "" || !strings.HasPrefix(it.Link, "http") || it.GUID == "" {
					t.Errorf("item %d = %+v", i, it)
				}
				if it.PublishedParsed == nil {
					t.Errorf("item %d has no date", i)
					continue
				}
				if i > 0 && f.Items[i-1].PublishedParsed != nil && it.PublishedParsed.After(*f.Items[i-1].PublishedParsed) {
					t.Errorf("item %d newer than item %d", i, i-1)
				}
			}
		})
	}
	rec := do(t, h, http.MethodGet, "/api/v1/feed?q=korea&format=pdf", nil, nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "atom, rss or json") {
		t.Errorf("unknown format: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, http.MethodGet, "/api/v1/feed?q=%22unclosed", nil, nil)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("bad query: %d %s", rec.Code, rec.Body)
	}
}

// TestFeedUndatedByIngestTime: an article without a publication date is
// placed by when it entered the index, so a new undated item heads a feed
// of older dated ones instead of trailing the archive; an undated article
// that came in long ago stays below newer dated ones.
func TestFeedUndatedByIngestTime(t *testing.T) {
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	write := func(arts ...indexer.Article) {
		t.Helper()
		if _, err := ing.Ingest(context.Background(), func(ctx context.Context, emit func(indexer.Record) error) error {
			for _, a := range arts {
				if err := emit(indexer.Record{File: "test", Article: a}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	write(indexer.Article{Title: "Glider undated, earlier", Body: "A glider."})
	write(
		indexer.Article{Title: "Glider dated tomorrow", Body: "A glider.", Published: now.Add(24 * time.Hour)},
		indexer.Article{Title: "Glider dated last week", Body: "A glider.", Published: now.Add(-7 * 24 * time.Hour)},
		indexer.Article{Title: "Glider dated last year", Body: "A glider.", Published: now.AddDate(-1, 0, 0)},
		indexer.Article{Title: "Boat off topic", Body: "A boat.", Published: now},
	)
	time.Sleep(5 * time.Millisecond)
	write(indexer.Article{Title: "Glider undated, just in", Body: "A glider."})
	svc, err := search.NewService(idx, search.Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestServer(t, svc)
	for _, format := range []string{"atom", "rss", "json"} {
		rec := do(t, h, http.MethodGet, "/api/v1/feed?q=glider&format="+format, nil, nil)
		f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: status %d: %v\n%s", format, rec.Code, err, rec.Body)
		}
		var titles []string
		for _, it := range f.Items {
			titles = append(titles, it.Title)
		}
		want := "Glider dated tomorrow|Glider undated, just in|Glider undated, earlier|Glider dated last week|Glider dated last year"
		if got := strings.Join(titles, "|"); got != want {
			t.Errorf("%s: items %s, want %s", format, got, want)
		}
		if format == "atom" && (f.Items[1].UpdatedParsed == nil || now.Sub(*f.Items[1].UpdatedParsed) > time.Minute || strings.Count(rec.Body.String(), "<published>") != 3) {
			t.Errorf("atom: undated entry updated %v, want its ingest time, and no publication date for the undated:\n%s", f.Items[1].UpdatedParsed, rec.Body)
		}
	}
	// size bounds the merged list.
	rec := do(t, h, http.MethodGet, "/api/v1/feed?q=glider&format=json&size=2", nil, nil)
	f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
	if err != nil || len(f.Items) != 2 || f.Items[1].Title != "Glider undated, just in" {
		t.Errorf("size=2: %v %s", err, rec.Body)
	}
}

// TestFeedKeepsAccessRules: a public key limited to one outlet gets only
// that outlet's articles in its feed, and no key gets nothing.
func TestFeedKeepsAccessRules(t *testing.T) {
	svc := seedService(t)
	var res search.Result
	all := do(t, newTestServer(t, svc), http.MethodGet, searchURL("q", "korea", "facets", "source"), nil, &res)
	if all.Code != http.StatusOK || len(res.Facets["source"]) < 2 {
		t.Fatalf("need two outlets: %s", all.Body)
	}
	outlet := res.Facets["source"][0].Value
	s := New(slog.New(slog.DiscardHandler), Options{MaxBodyBytes: 1 << 16,
		PublicKeys: []PublicKey{{Key: "pk_outlet_only", Filter: search.Filters{Sources: []string{outlet}}}}})
	s.SetSearcher(svc)

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/feed?q=korea&format=rss", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no key: status %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/feed?q=korea&format=rss&size=50&key=pk_outlet_only", nil))
	f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("status %d: %v", rec.Code, err)
	}
	if len(f.Items) == 0 {
		t.Fatal("no items")
	}
	for _, it := range f.Items {
		if len(it.Categories) == 0 || it.Categories[0] != outlet {
			t.Errorf("item from %v, key allows only %q", it.Categories, outlet)
		}
	}
	if strings.Contains(rec.Body.String(), "pk_outlet_only") {
		t.Error("the feed echoes the key")
	}
}

func TestSourcesEndpoint(t *testing.T) {
	s := newTestServer(t, nil)
	var e apiError
	if rec := do(t, s, http.MethodGet, "/api/v1/sources", nil, &e); rec.Code != http.StatusNotFound || !strings.Contains(e.Error.Message, "ingest.sources") {
		t.Errorf("no sources: %d %+v", rec.Code, e)
	}
	s.SetSources(func() []fetch.SourceHealth {
		return []fetch.SourceHealth{{Name: "Harbour Times", Feeds: 2, Total: 7, LastDay: 3}}
	})
	var got struct{ Sources []fetch.SourceHealth }
	if rec := do(t, s, http.MethodGet, "/api/v1/sources", nil, &got); rec.Code != http.StatusOK || len(got.Sources) != 1 || got.Sources[0].Total != 7 {
		t.Errorf("sources: %d %+v", rec.Code, got)
	}
}

// TestSourceMetrics: /metrics has each source's counts, with the source's
// name as the only label; before the fetcher reports, no source series.
func TestSourceMetrics(t *testing.T) {
	s := newTestServer(t, nil)
	scrape := func() string {
		rec := do(t, s, http.MethodGet, "/metrics", nil, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("/metrics: %d", rec.Code)
		}
		return rec.Body.String()
	}
	if body := scrape(); strings.Contains(body, "newsdex_source_fetches_total{") {
		t.Errorf("source series before any source:\n%s", body)
	}
	success := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.SetSources(func() []fetch.SourceHealth {
		return []fetch.SourceHealth{
			{Name: "Harbour Times", Feeds: 2, Total: 7, LastDay: 3, Fetches: 40, Failures: 2, Added: 6, Updated: 1, LastSuccess: success, LastArticle: success},
			{Name: `Quote "and" slash\`, Feeds: 1, LastError: "HTTP 404", Stale: true},
		}
	})
	body := scrape()
	for _, want := range []string{
		`newsdex_source_fetches_total{source="Harbour Times"} 40`,
		`newsdex_source_fetch_failures_total{source="Harbour Times"} 2`,
		`newsdex_source_articles_added_total{source="Harbour Times"} 6`,
		`newsdex_source_articles_updated_total{source="Harbour Times"} 1`,
		`newsdex_source_articles_total{source="Harbour Times"} 7`,
		`newsdex_source_articles_last_day{source="Harbour Times"} 3`,
		`newsdex_source_last_success_timestamp_seconds{source="Harbour Times"} 1.7961192e+09`,
		`newsdex_source_failing{source="Harbour Times"} 0`,
		`newsdex_source_failing{source="Quote \"and\" slash\\"} 1`,
		`newsdex_source_stale{source="Quote \"and\" slash\\"} 1`,
		"# TYPE newsdex_source_fetches_total counter",
		"# TYPE newsdex_source_last_success_timestamp_seconds gauge",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `newsdex_source_last_success_timestamp_seconds{source="Quote`) {
		t.Error("a source never polled has a last-success time")
	}
}
