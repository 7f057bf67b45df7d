package httpapi

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"newsdex/search"
)

// TestAnalyticsInBrowser drives the analytics views of the researcher
// page in headless Chromium: the numbers shown are the API's, and the
// page stays within its Content-Security-Policy (no console errors).
func TestAnalyticsInBrowser(t *testing.T) {
	svc := uiService(t, nil, append(analyticsArticles(), copyArticles()...)...)
	ts := httptest.NewServer(newTestServer(t, svc))
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	problems := consoleProblems(ctx)

	t.Run("compare overlays queries and downloads CSV", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?view=compare&cq=harbour&cq=election&cint=month"))
		waitJS(t, ctx, "compare chart", `document.querySelectorAll('#compare-chart polyline').length === 2`)
		tl, err := svc.Timeline(context.Background(), search.TimelineRequest{Queries: []string{"harbour", "election"}, Interval: "month"})
		if err != nil {
			t.Fatal(err)
		}
		legend := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#compare-legend li')].map(e => e.textContent)`)
		if len(legend) != 2 || !strings.HasPrefix(legend[0], "harbour: ") || !strings.Contains(legend[0], strconv.Itoa(int(tl.Series[0].Total))+" ") {
			t.Errorf("legend = %q, want harbour with %d matches first", legend, tl.Series[0].Total)
		}
		points := jsEval[int](t, ctx, `document.querySelector('#compare-chart polyline').getAttribute('points').split(' ').length`)
		if points != len(tl.All) {
			t.Errorf("%d points per line, want %d buckets", points, len(tl.All))
		}
		href := jsEval[string](t, ctx, `document.getElementById('compare-csv').href`)
		u, err := url.Parse(href)
		if err != nil || u.Path != "/api/v1/timeline" || u.Query().Get("format") != "csv" || len(u.Query()["q"]) != 2 {
			t.Errorf("CSV link %q", href)
		}
		// Switching to shares and to outlets goes through the form.
		jsEval[bool](t, ctx, `(document.getElementById('compare-measure').value = 'share',
			document.getElementById('compare-by').value = 'source', document.getElementById('compare-go').click(), true)`)
		waitJS(t, ctx, "outlet series", `location.search.includes('cby=source') && document.querySelectorAll('#compare-chart polyline').length === 3`)
		if got := jsEval[string](t, ctx, `document.getElementById('compare-status').textContent`); !strings.Contains(got, "share") {
			t.Errorf("status %q does not say shares", got)
		}
	})

	t.Run("network lists the articles behind an edge", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?view=network&q="+url.QueryEscape("harbour OR election")))
		waitJS(t, ctx, "network", `document.querySelectorAll('#network-chart g.edge').length > 0`)
		nw, err := svc.Cooccurrence(context.Background(), search.CooccurrenceRequest{Request: search.Request{Query: "harbour OR election"}, Size: 30})
		if err != nil {
			t.Fatal(err)
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#network-chart circle').length`); got != len(nw.Nodes) {
			t.Errorf("%d nodes drawn, want %d", got, len(nw.Nodes))
		}
		if got := jsEval[int](t, ctx, `document.querySelectorAll('#network-chart g.edge').length`); got != len(nw.Edges) {
			t.Errorf("%d edges drawn, want %d", got, len(nw.Edges))
		}
		want := jsEval[int](t, ctx, `(() => { const g = document.querySelector('#network-chart g.edge'); g.dispatchEvent(new MouseEvent('click', {bubbles: true})); return +g.dataset.count; })()`)
		waitJS(t, ctx, "edge articles", `document.querySelectorAll('#network-articles li').length === `+strconv.Itoa(min(want, 20)))
		links := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#network-exports a')].map(a => a.href)`)
		if len(links) != 2 || !strings.Contains(links[0], "format=gexf") {
			t.Errorf("network downloads %q", links)
		}
	})

	t.Run("distinctive words join the query", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=strike"))
		waitJS(t, ctx, "distinctive panel", `document.querySelectorAll('#distinctive-list button').length > 0`)
		sg, err := svc.Significant(context.Background(), search.SignificantRequest{Request: search.Request{Query: "strike"}, Field: "terms", Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#distinctive-list button')].map(b => b.dataset.value)`)
		if len(got) != len(sg.Items) || got[0] != sg.Items[0].Value {
			t.Fatalf("panel lists %q, API %+v", got, sg.Items)
		}
		jsEval[bool](t, ctx, `(document.querySelector('#distinctive-list button').click(), true)`)
		waitJS(t, ctx, "query extended", `document.getElementById('q').value === 'strike "`+sg.Items[0].Value+`"'`)
		// Names become filters.
		jsEval[bool](t, ctx, `(() => { const s = document.getElementById('distinctive-field'); s.value = 'place'; s.dispatchEvent(new Event('change')); return true; })()`)
		waitJS(t, ctx, "places", `[...document.querySelectorAll('#distinctive-list button')].some(b => ['Portsmouth', 'Leith'].includes(b.dataset.value)) || document.getElementById('distinctive-note').textContent.includes('None')`)
	})

	t.Run("unique stories and copies", func(t *testing.T) {
		q := "ferry OR museum OR bridge"
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q="+url.QueryEscape(q)))
		waitJS(t, ctx, "results", `document.querySelectorAll('#results li.hit').length === 5`)
		if got := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#results li.hit .copies-toggle')].map(b => b.textContent)`); len(got) != 3 || got[0] != "3 copies" {
			t.Errorf("copies links %q, want 3 copies on each of the 3 copies", got)
		}
		jsEval[bool](t, ctx, `(document.querySelector('#results li[data-id="dup-b"] .copies-toggle').click(), true)`)
		waitJS(t, ctx, "copies list", `document.querySelectorAll('#results li[data-id="dup-b"] .copies-list li').length === 3`)
		if got := jsEval[string](t, ctx, `document.querySelector('#results li[data-id="dup-b"] .copies-list li').dataset.id`); got != "dup-a" {
			t.Errorf("first copy listed %q, want the earliest, dup-a", got)
		}
		jsEval[bool](t, ctx, `(document.getElementById('dedup').click(), true)`)
		waitJS(t, ctx, "unique stories", `location.search.includes('dedup=true') && document.querySelectorAll('#results li.hit').length === 3`)
		if got := jsEval[int](t, ctx, `parseInt(document.getElementById('status').textContent, 10)`); got != 3 {
			t.Errorf("status shows %d matches with unique stories, want 3", got)
		}
	})

	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %q", p)
	}
}
