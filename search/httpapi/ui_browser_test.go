package httpapi

import (
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"newsdex/indexer"
	"newsdex/search"
)

// xssArticle carries markup and script in every text field. The page must
// show all of it as text; the window.__xss probes tell if any ran.
func xssArticle() indexer.Article {
	return indexer.Article{
		ID:        "xss-probe",
		Title:     `Ambassador <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>`,
		Body:      "The ambassador wrote <img src=x onerror=\"window.__xss=3\"> and <script>window.__xss=4</script> in a cable.\n\nA second <b>paragraph</b> & more.",
		Source:    `Probe <img src=x onerror="window.__xss=5"> Outlet`,
		URL:       "javascript:window.__xss=6",
		Published: time.Date(2019, 2, 14, 9, 0, 0, 0, time.UTC),
		Persons:   []string{`Eve <img src=x onerror="window.__xss=7">`},
	}
}

// uiService indexes the built-in corpus and extra articles into a fresh
// in-memory index through the production ingest path. entities may be nil.
func uiService(t testing.TB, entities indexer.EntityFinder, extra ...indexer.Article) *search.Service {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	src, err := os.ReadFile("../../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := indexer.ParseAliases(src)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, aliases, entities)
	ing.OnSkip = func(r indexer.Record) { t.Errorf("skipped %s: %v", r.Location(), r.Err) }
	ctx := context.Background()
	if _, err := ing.Ingest(ctx, indexer.PathSource([]string{"../../data/articles.txt"}, func(p string, err error) { t.Fatal(err) })); err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		if _, err := ing.Ingest(ctx, func(ctx context.Context, emit func(indexer.Record) error) error {
			for i, a := range extra {
				if err := emit(indexer.Record{File: "extra", Line: i + 1, Article: a}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := search.NewService(idx, search.Limits{}, logger, aliases)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// consoleProblems collects the page's exceptions and console errors (a
// CSP violation is one) until the returned func is called.
func consoleProblems(ctx context.Context) func() []string {
	ctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var out []string
	done := make(chan struct{})
	msgs := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			// Failed requests are left out: a bad query's 400 is expected,
			// and a missing asset fails the tests anyway.
			if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
				mu.Lock()
				out = append(out, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return out
	}
}

// jsEval runs a JavaScript expression in the page and returns its value.
func jsEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it holds.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		status := jsEval[string](t, ctx, `document.getElementById('status').textContent + ' | ' + document.getElementById('error').textContent + ' | ' + location.search`)
		t.Fatalf("waiting for %s (%s): %v; page says %q", what, expr, err, status)
	}
}

func browse(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestUIInBrowser(t *testing.T) {
	svc := uiService(t, nil, xssArticle())
	ts := httptest.NewServer(newTestServer(t, svc))
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	problems := consoleProblems(ctx)
	res, err := svc.Search(context.Background(), search.Request{Query: "ambassador"})
	if err != nil {
		t.Fatal(err)
	}
	total := int(res.Total)
	if total < 4 {
		t.Fatalf("ambassador: %d matches, want >= 4 for this test to mean something", total)
	}
	count := `parseInt(document.getElementById('status').textContent, 10)`
	hits := `document.querySelectorAll('#results li.hit').length`

	t.Run("search shows results, facets, chart and export links", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=ambassador"))
		waitJS(t, ctx, "results", hits+` > 0`)
		if got := jsEval[int](t, ctx, count); got != total {
			t.Errorf("status shows %d matches, want %d", got, total)
		}
		if got := jsEval[int](t, ctx, hits); got != min(total, 10) {
			t.Errorf("%d hits listed, want %d", got, min(total, 10))
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#results mark').length`); got < total {
			t.Errorf("%d <mark> elements in snippets, want >= %d", got, total)
		}
		if got := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#facets .facet h2')].map(e => e.textContent)`); strings.Join(got, ",") != "Outlets,People,Organisations,Places" {
			t.Errorf("facet headings = %q", got)
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#facets .facet-value').length`); got < 3 {
			t.Errorf("%d facet values, want >= 3", got)
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#chart svg g.bar').length`); got < 1 {
			t.Errorf("%d chart bars, want >= 1", got)
		}
		hrefs := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#exports a.export-link')].map(a => a.href)`)
		if len(hrefs) != 4 {
			t.Fatalf("export links = %q, want 4", hrefs)
		}
		// The CSV link downloads every match.
		resp, err := http.Get(hrefs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rows, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != total+1 || !strings.Contains(resp.Header.Get("Content-Disposition"), "newsdex-export.csv") {
			t.Errorf("export link %s: %d rows (with header), disposition %q; want %d", hrefs[0], len(rows), resp.Header.Get("Content-Disposition"), total+1)
		}
	})

	t.Run("markup in articles stays text", func(t *testing.T) {
		a := xssArticle()
		got := jsEval[string](t, ctx, `document.querySelector('#results li[data-id="xss-probe"] h2').textContent`)
		if got != a.Title {
			t.Errorf("title shown as %q, want the raw text %q", got, a.Title)
		}
		snippet := jsEval[string](t, ctx, `document.querySelector('#results li[data-id="xss-probe"] .snippet').textContent`)
		if !strings.Contains(snippet, `<img src=x onerror="window.__xss=3">`) || !strings.Contains(snippet, "<script>window.__xss=4</script>") {
			t.Errorf("snippet shown as %q, want the markup as text", snippet)
		}
		if !jsEval[bool](t, ctx, `document.body.innerText.includes('<script>window.__xss=2</script>')`) {
			t.Error("the title's <script> text is not visible on the page")
		}
		assertNoInjectedMarkup(t, ctx)

		// The article view shows the stored text with the query's words
		// marked, as text, and no link for a javascript: URL.
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#results li[data-id="xss-probe"] h2 a`), chromedp.NodeVisible))
		waitJS(t, ctx, "article view", `document.querySelector('#article h2') !== null && !document.getElementById('article-view').hidden`)
		body := jsEval[string](t, ctx, `document.querySelector('#article .article-body').textContent`)
		if !strings.Contains(body, `<img src=x onerror="window.__xss=3">`) || !strings.Contains(body, "<b>paragraph</b> & more.") {
			t.Errorf("article body shown as %q", body)
		}
		if got := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#article mark')].map(m => m.textContent)`); len(got) < 2 || !strings.EqualFold(got[0], "ambassador") {
			t.Errorf("marked words in the article = %q, want ambassador in title and body", got)
		}
		if jsEval[bool](t, ctx, `document.getElementById('toolbar').offsetParent !== null || document.getElementById('results-view').offsetParent !== null`) {
			t.Error("the toolbar or the result list shows beside the article")
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#article a[href^="javascript"]').length`); got != 0 {
			t.Error("the article links to its javascript: URL")
		}
		if got := jsEval[string](t, ctx, `document.querySelector('#article .chips').textContent`); !strings.Contains(got, `Eve <img src=x onerror="window.__xss=7">`) {
			t.Errorf("entity chips = %q", got)
		}
		assertNoInjectedMarkup(t, ctx)
		browse(t, ctx, chromedp.Click(chromedp.ID("back"), chromedp.NodeVisible))
		waitJS(t, ctx, "results again", `!document.getElementById('results-view').hidden && `+hits+` > 0`)
	})

	t.Run("a facet narrows and the chip removes it", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=ambassador"))
		waitJS(t, ctx, "results", hits+` > 0`)
		browse(t, ctx, chromedp.Click(chromedp.CSS(`[data-focus="facet:source:ABC News"]`), chromedp.NodeVisible))
		waitJS(t, ctx, "one match", count+` === 1`)
		if loc := jsEval[string](t, ctx, `location.search`); !strings.Contains(loc, "source=ABC+News") {
			t.Errorf("URL %q does not hold the filter", loc)
		}
		if got := jsEval[string](t, ctx, `document.activeElement.dataset.focus || ''`); got != "facet:source:ABC News" {
			t.Errorf("focus went to %q, want back on the facet button", got)
		}
		if got := jsEval[string](t, ctx, `document.querySelector('[data-focus="facet:source:ABC News"]').getAttribute('aria-pressed')`); got != "true" {
			t.Errorf("facet button aria-pressed = %q", got)
		}
		// Back returns to the unfiltered search; forward to the filtered.
		browse(t, ctx, chromedp.NavigateBack())
		waitJS(t, ctx, "all matches after back", fmt.Sprintf(`%s === %d`, count, total))
		browse(t, ctx, chromedp.NavigateForward())
		waitJS(t, ctx, "one match after forward", count+` === 1`)
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#active button.chip`), chromedp.NodeVisible))
		waitJS(t, ctx, "all matches after removing the chip", fmt.Sprintf(`%s === %d`, count, total))
	})

	t.Run("a chart bar narrows the dates", func(t *testing.T) {
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#chart g.bar`), chromedp.NodeVisible))
		waitJS(t, ctx, "dated matches only", count+` === 1`)
		loc := jsEval[string](t, ctx, `location.search`)
		v, _ := url.ParseQuery(strings.TrimPrefix(loc, "?"))
		if v.Get("from_date") != "2019-02-01" || v.Get("to_date") != "2019-02-28" {
			t.Errorf("URL %q, want February 2019", loc)
		}
	})

	t.Run("keyword in context lists aligned lines and sorts them", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=ambassador&view=kwic"))
		waitJS(t, ctx, "KWIC lines", `document.querySelectorAll('#kwic tbody tr').length > 0`)
		kw, err := svc.KWIC(context.Background(), search.Request{Query: "ambassador"}, 60, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#kwic tbody tr').length`); got != len(kw.Lines) {
			t.Errorf("%d KWIC rows, want %d", got, len(kw.Lines))
		}
		keywords := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#kwic td.k')].map(e => e.textContent.toLowerCase())`)
		for _, k := range keywords {
			if !strings.HasPrefix(k, "ambassador") {
				t.Errorf("keyword cell %q", k)
			}
		}
		if got := jsEval[string](t, ctx, `getComputedStyle(document.querySelector('#kwic td.l')).textAlign`); got != "right" {
			t.Errorf("left context is aligned %q, want right (against the keyword)", got)
		}
		browse(t, ctx, chromedp.SetValue(chromedp.ID("kwic-sort"), "right"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('kwic-sort').dispatchEvent(new Event('change'))`))
		waitJS(t, ctx, "sorted by the word after", `location.search.includes('ksort=right') && document.getElementById('kwic').dataset.sort === 'right'`)
		after := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#kwic td.r')].map(e => (e.textContent.toLowerCase().match(/[\p{L}\p{N}]+/u) || [''])[0])`)
		if !slices.IsSorted(after) || len(after) != len(kw.Lines) {
			t.Errorf("lines not sorted by the word after: %q", after)
		}
		browse(t, ctx, chromedp.SetValue(chromedp.ID("kwic-sort"), "left"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('kwic-sort').dispatchEvent(new Event('change'))`))
		waitJS(t, ctx, "sorted by the word before", `location.search.includes('ksort=left') && document.getElementById('kwic').dataset.sort === 'left'`)
		before := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#kwic td.l')].map(e => (e.textContent.toLowerCase().match(/[\p{L}\p{N}]+(?=[^\p{L}\p{N}]*$)/u) || [''])[0])`)
		if !slices.IsSorted(before) {
			t.Errorf("lines not sorted by the word before: %q", before)
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#kwic-exports a').length`); got != 2 {
			t.Errorf("%d KWIC export links, want 2", got)
		}
		assertNoInjectedMarkup(t, ctx)
	})

	t.Run("the keyboard alone searches", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/"),
			chromedp.Focus(chromedp.ID("q")),
			chromedp.KeyEvent("defector\r"))
		waitJS(t, ctx, "defector results", `location.search === '?q=defector' && `+hits+` > 0`)
		if got := jsEval[string](t, ctx, `document.activeElement.id`); got != "q" {
			t.Errorf("focus moved to %q after searching, want it to stay in the box", got)
		}
		for _, sel := range []string{"#results h2 a", "#facets .facet-value", "#exports a", "#tab-kwic", "#syntax-toggle"} {
			if got := jsEval[int](t, ctx, `document.querySelector('`+sel+`').tabIndex`); got < 0 {
				t.Errorf("%s is not reachable with Tab", sel)
			}
		}
		browse(t, ctx, chromedp.Focus(chromedp.ID("syntax-toggle")), chromedp.KeyEvent("\r"))
		waitJS(t, ctx, "syntax help open", `!document.getElementById('syntax').hidden`)
	})

	t.Run("a malformed query says what is wrong", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=%22unclosed"))
		waitJS(t, ctx, "the error", `!document.getElementById('error').hidden`)
		if got := jsEval[string](t, ctx, `document.getElementById('error').textContent`); !strings.Contains(got, "unclosed quote at 0") {
			t.Errorf("error shown = %q", got)
		}
	})

	t.Run("no script errors or policy violations", func(t *testing.T) {
		if p := problems(); len(p) > 0 {
			t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
		}
	})
}

// assertNoInjectedMarkup checks that none of the probe article's markup
// became elements or ran.
func assertNoInjectedMarkup(t *testing.T, ctx context.Context) {
	t.Helper()
	if n := jsEval[int](t, ctx, `document.querySelectorAll('img, main script, aside script, b').length`); n != 0 {
		t.Errorf("%d elements injected from article text", n)
	}
	if v := jsEval[string](t, ctx, `String(window.__xss)`); v != "undefined" {
		t.Errorf("article markup ran: window.__xss = %s", v)
	}
}

// TestUIScreenshot writes the README's screenshot of the page when
// NEWSDEX_SCREENSHOT names the file. By default it serves the built-in
// corpus from an in-test index built without entity extraction; set
// NEWSDEX_SCREENSHOT_URL to shoot a running `newsdex serve` instead, whose
// index has the entities its ingest found:
//
//	newsdex serve --index /tmp/shot-idx --addr 127.0.0.1:18181 &
//	NEWSDEX_SCREENSHOT=$PWD/data/screenshot.png NEWSDEX_SCREENSHOT_URL=http://127.0.0.1:18181 \
//	    go test ./search/httpapi -run TestUIScreenshot
//
// NEWSDEX_SCREENSHOT_SIZE=WIDTHxHEIGHT sets the viewport (default 1280x900)
// and NEWSDEX_SCREENSHOT_PAGE the page (default /?q=ambassador).
func TestUIScreenshot(t *testing.T) {
	out := os.Getenv("NEWSDEX_SCREENSHOT")
	if out == "" {
		t.Skip("set NEWSDEX_SCREENSHOT=path.png to write a screenshot of the page")
	}
	base := os.Getenv("NEWSDEX_SCREENSHOT_URL")
	if base == "" {
		ts := httptest.NewServer(newTestServer(t, uiService(t, nil)))
		t.Cleanup(ts.Close)
		base = ts.URL
	}
	var w, h int64 = 1280, 900
	if size := os.Getenv("NEWSDEX_SCREENSHOT_SIZE"); size != "" {
		if _, err := fmt.Sscanf(size, "%dx%d", &w, &h); err != nil {
			t.Fatalf("NEWSDEX_SCREENSHOT_SIZE=%q: want WIDTHxHEIGHT", size)
		}
	}
	page := os.Getenv("NEWSDEX_SCREENSHOT_PAGE")
	if page == "" {
		page = "/?q=ambassador"
	}
	ctx := newBrowser(t)
	browse(t, ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(strings.TrimSuffix(base, "/")+page))
	waitJS(t, ctx, "the page to fill", `!document.getElementById('main').hasAttribute('aria-busy') &&
		document.querySelectorAll('#results li.hit, #kwic tbody tr, #article h2, #error:not([hidden]), #entity-view:not([hidden]) #entity-outlets li').length > 0`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}

// TestUIWithPublicKey: when the operator requires keys, the page opened as
// /?key=KEY sends it with every API call, keeps it off shared permalinks,
// and sees only what the key's filter allows.
func TestUIWithPublicKey(t *testing.T) {
	svc := uiService(t, nil)
	s := New(slog.New(slog.DiscardHandler), Options{MaxBodyBytes: 1 << 16, PublicKeys: []PublicKey{
		{Key: "pk_telegraph_page", Filter: search.Filters{Sources: []string{"The Telegraph"}}},
	}})
	s.SetSearcher(svc)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	hits := `document.querySelectorAll('#results li.hit').length`

	browse(t, ctx, chromedp.Navigate(ts.URL+"/?key=pk_telegraph_page&q="))
	waitJS(t, ctx, "results", hits+` > 0`)
	if got := jsEval[int](t, ctx, hits); got != 1 {
		t.Errorf("%d hits with the Telegraph key, want its 1 article", got)
	}
	if got := jsEval[string](t, ctx, `document.querySelector('.export-link').getAttribute('href')`); !strings.Contains(got, "key=pk_telegraph_page") {
		t.Errorf("export link %q does not carry the key", got)
	}
	// The key stays with the tab: a fresh page without it in the address
	// still searches with it, and permalinks never show it.
	browse(t, ctx, chromedp.Navigate(ts.URL+"/"), chromedp.Focus(chromedp.ID("q")), chromedp.KeyEvent("defector\r"))
	waitJS(t, ctx, "new search", `location.search === '?q=defector' && `+hits+` > 0`)
	if got := jsEval[string](t, ctx, `location.search`); strings.Contains(got, "pk_") {
		t.Errorf("permalink %q leaks the key", got)
	}
	if got := jsEval[string](t, ctx, `document.getElementById('status').textContent`); strings.Contains(got, "401") || strings.Contains(strings.ToLower(got), "key") {
		t.Errorf("search after navigation failed: %q", got)
	}
}
