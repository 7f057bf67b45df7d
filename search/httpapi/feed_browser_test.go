package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mmcdole/gofeed"

	"newsdex/indexer"
)

// glacierArticles are stories the built-in corpus does not touch, in two
// outlets, one of them undated (a feed places it by its ingest time, now,
// ahead of the dated ones).
func glacierArticles() []indexer.Article {
	day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 9, 0, 0, 0, time.UTC) }
	return []indexer.Article{
		{ID: "glacier-1", Title: "Glacier retreats a record distance", Source: "Alpine Post", Published: day(8, 1), Body: "The glacier above the valley retreated further than in any summer on record."},
		{ID: "glacier-2", Title: "Glacier museum opens", Source: "Alpine Post", Published: day(9, 12), Body: "A museum about the glacier opened in the village."},
		{ID: "glacier-3", Title: "Glacier walk closed", Source: "Alpine Post", Body: "The path onto the glacier is closed after a rockfall, the guides said."},
		{ID: "glacier-4", Title: "Glacier tours sell out", Source: "Valley Herald", Published: day(9, 20), Body: "Tours onto the glacier sold out for the season."},
		{ID: "glacier-5", Title: "Glacier lake drained", Source: "Valley Herald", Published: day(3, 2), Body: "Engineers drained a lake that formed on the glacier."},
	}
}

// TestFeedLinksInBrowser: the page's feed links (Atom, RSS, JSON Feed,
// and the <link rel="alternate"> in <head>) carry the current query and
// filters, leave out what a feed does not take (sort, paging), follow the
// search as it changes, and answer a valid feed of exactly the matches,
// newest first.
func TestFeedLinksInBrowser(t *testing.T) {
	svc := uiService(t, nil, glacierArticles()...)
	ts := httptest.NewServer(newTestServer(t, svc))
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	problems := consoleProblems(ctx)
	hits := `document.querySelectorAll('#results li.hit').length`
	links := `[...document.querySelectorAll('#exports a.feed-link')]`

	// fetchFeed gets a link's feed as the page's origin serves it, and
	// parses it as a feed reader would.
	fetchFeed := func(t *testing.T, href string) *gofeed.Feed {
		t.Helper()
		resp, err := http.Get(href)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", href, resp.Status, body)
		}
		f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s does not parse as a feed: %v\n%s", href, err, body)
		}
		return f
	}
	titles := func(f *gofeed.Feed) string {
		var out []string
		for _, it := range f.Items {
			out = append(out, it.Title)
		}
		return strings.Join(out, "|")
	}

	t.Run("the links follow the query and the outlet filter", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=glacier&sort=date"))
		waitJS(t, ctx, "results", hits+` === 5 && `+links+`.length === 3`)
		browse(t, ctx, chromedp.Click(chromedp.CSS(`[data-focus="facet:source:Alpine Post"]`), chromedp.NodeVisible))
		waitJS(t, ctx, "Alpine Post only", hits+` === 3 && `+links+`.length === 3 && `+links+`[0].href.includes('source=Alpine')`)

		formats := jsEval[[]string](t, ctx, links+`.map(a => a.dataset.format)`)
		hrefs := jsEval[[]string](t, ctx, links+`.map(a => a.href)`)
		if strings.Join(formats, ",") != "atom,rss,json" {
			t.Fatalf("feed links %v, want atom, rss and json", formats)
		}
		want := "Glacier walk closed|Glacier museum opens|Glacier retreats a record distance"
		for i, href := range hrefs {
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			v := u.Query()
			if u.Path != "/api/v1/feed" || v.Get("q") != "glacier" || v.Get("source") != "Alpine Post" || v.Get("format") != formats[i] || v.Has("sort") || v.Has("page") || v.Has("cursor") {
				t.Errorf("%s link %s: want /api/v1/feed with q, source and format only", formats[i], href)
			}
			f := fetchFeed(t, href)
			if got := titles(f); got != want {
				t.Errorf("%s feed lists %s, want %s (the filtered matches, newest first, the undated one by its ingest time)", formats[i], got, want)
			}
			if !strings.Contains(f.FeedType, formats[i]) {
				t.Errorf("%s link answers a %s feed", formats[i], f.FeedType)
			}
		}
		alt := jsEval[string](t, ctx, `document.querySelector('link[rel="alternate"][type="application/atom+xml"]').href`)
		if alt != hrefs[0] {
			t.Errorf("<link rel=alternate> is %s, want the Atom link %s", alt, hrefs[0])
		}
		if got := jsEval[string](t, ctx, `document.querySelector('link[rel="alternate"][type="application/atom+xml"]').title`); got != "newsdex: glacier" {
			t.Errorf("<link rel=alternate> title %q", got)
		}
	})

	t.Run("a new query and dates change the links", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=glacier&from_date=2025-09-01&to_date=2025-09-30"))
		waitJS(t, ctx, "September only", hits+` === 2 && `+links+`.length === 3 && `+links+`[0].href.includes('from_date=2025-09-01')`)
		browse(t, ctx, chromedp.SetValue(chromedp.ID("q"), "glacier AND tours"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('search-form').requestSubmit()`)) // as pressing Enter does
		waitJS(t, ctx, "the new query", hits+` === 1 && `+links+`[0].href.includes('tours')`)
		href := jsEval[string](t, ctx, links+`.find(a => a.dataset.format === 'rss').href`)
		v, _ := url.ParseQuery(strings.SplitN(href, "?", 2)[1])
		if v.Get("q") != "glacier AND tours" || v.Get("from_date") != "2025-09-01" || v.Get("to_date") != "2025-09-30" {
			t.Errorf("RSS link %s lost the query or the dates", href)
		}
		if got := titles(fetchFeed(t, href)); got != "Glacier tours sell out" {
			t.Errorf("RSS feed lists %q", got)
		}
	})

	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %q", p)
	}
}
