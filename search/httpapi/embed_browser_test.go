package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// embEval evaluates a JavaScript expression in the page.
func embEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// embWait polls a JavaScript condition until it holds.
func embWait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

func embDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// consoleErrors collects the page's exceptions and console errors (CSP
// violations are among them) until the returned func is called.
func consoleErrors(ctx context.Context) func() []string {
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
			if m.IsException() || m.Type == chromedp.ConsoleError {
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

// requestLog records the requests a handler sees.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
	h    http.Handler
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
	l.mu.Unlock()
	l.h.ServeHTTP(w, r)
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

// hostPage is a page of another site that embeds two widgets and tries
// hard to restyle everything.
const hostPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Host</title><link rel="icon" href="data:,">
<style>
* { color: red !important; font-size: 30px !important; display: inline !important; letter-spacing: 5px !important; }
head, style, script { display: none !important; }
mark { background: black !important; }
a { text-decoration: line-through !important; }
</style></head>
<body>
<h1 id="host-title">A newsroom page</h1>
<mark id="host-mark">host mark</mark>
<div id="w1" data-newsdex-search data-endpoint="{{API}}" data-query="harbour" data-size="3"></div>
<div id="w2" data-newsdex-search data-endpoint="{{API}}/" data-source="Beta Post|Gamma Wire" data-facets="source" data-theme="dark"></div>
<script src="{{API}}/embed.js" async></script>
</body></html>`

// widgetJS is a JavaScript expression for widget id's shadow root.
func widgetJS(id string) string {
	return fmt.Sprintf("document.getElementById(%q).shadowRoot", id)
}

func TestEmbedWidgetInBrowser(t *testing.T) {
	ctx := newBrowser(t)

	host := http.NewServeMux()
	hostSrv := httptest.NewServer(host)
	t.Cleanup(hostSrv.Close)
	s := newAccessServer(t, Options{CORSOrigins: []string{hostSrv.URL}, AdminKeys: []string{testAdminKey}})
	apiLog := &requestLog{h: s}
	apiSrv := httptest.NewServer(apiLog)
	t.Cleanup(apiSrv.Close)
	host.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.ReplaceAll(hostPage, "{{API}}", apiSrv.URL))
	})
	if !strings.HasPrefix(hostSrv.URL, "http://127.0.0.1:") || hostSrv.URL == apiSrv.URL {
		t.Fatalf("host %s and API %s must be two loopback origins", hostSrv.URL, apiSrv.URL)
	}

	// An article whose text looks like markup, posted over HTTP.
	xss := `{"id":"x1","title":"<img src=x onerror=alert(1)> harbour","body":"The <b>harbour</b> & \"quay\" <script>alert(2)</script>","source":"Beta Post"}`
	if rec := (request{method: http.MethodPost, target: "/api/v1/articles", body: xss, header: bearerHeader(testAdminKey)}).do(t, s); rec.Code != 200 {
		t.Fatalf("post article: %d %s", rec.Code, rec.Body)
	}

	problems := consoleErrors(ctx)
	apiLog.take()
	embDo(t, ctx, chromedp.Navigate(hostSrv.URL+"/page"))
	w1, w2 := widgetJS("w1"), widgetJS("w2")

	t.Run("data-query shows results from another origin", func(t *testing.T) {
		embWait(t, ctx, "results in widget 1", w1+" && "+w1+".querySelectorAll('.hit').length === 3")
		status := embEval[string](t, ctx, w1+".querySelector('.status').textContent")
		if status != "5 results for “harbour”" {
			t.Errorf("status %q", status)
		}
		marks := embEval[int](t, ctx, w1+".querySelectorAll('.snip mark').length")
		if marks == 0 {
			t.Error("no highlighted terms in snippets")
		}
		reqs := apiLog.take()
		if len(reqs) != 2 || reqs[0] != "GET /embed.js" || reqs[1] != "GET /api/v1/search" {
			t.Errorf("API requests for the first search: %q; want the script and one search, no preflight", reqs)
		}
	})

	t.Run("second widget is independent and keyboard driven", func(t *testing.T) {
		if n := embEval[int](t, ctx, w2+".querySelectorAll('.hit').length"); n != 0 {
			t.Fatalf("widget 2 without data-query shows %d hits", n)
		}
		embEval[bool](t, ctx, w2+".querySelector('input').focus() || true")
		embDo(t, ctx, chromedp.KeyEvent("harbour"), chromedp.KeyEvent("\r"))
		embWait(t, ctx, "results in widget 2", w2+".querySelectorAll('.hit').length === 3")
		got := embEval[[]string](t, ctx, `Array.from(`+w2+`.querySelectorAll('.meta')).map(e => e.textContent)`)
		for _, m := range got {
			if !strings.HasPrefix(m, "Beta Post") && !strings.HasPrefix(m, "Gamma Wire") {
				t.Errorf("widget 2 fixed to Beta Post|Gamma Wire shows %q", m)
			}
		}
		if n := embEval[int](t, ctx, w1+".querySelectorAll('.hit').length"); n != 3 {
			t.Errorf("widget 1 changed: %d hits", n)
		}
		if q := embEval[string](t, ctx, w1+".querySelector('input').value"); q != "harbour" {
			t.Errorf("widget 1 input %q", q)
		}
		// The facet filter narrows within the fixed outlets.
		opts := embEval[[]string](t, ctx, `Array.from(`+w2+`.querySelector('select').options).map(o => o.textContent)`)
		want := []string{"All outlets", "Beta Post (2)", "Gamma Wire (1)"}
		if strings.Join(opts, "|") != strings.Join(want, "|") {
			t.Errorf("facet options %q, want %q", opts, want)
		}
		embEval[bool](t, ctx, `(() => { const s = `+w2+`.querySelector('select'); s.value = 'Gamma Wire'; s.dispatchEvent(new Event('change')); return true })()`)
		embWait(t, ctx, "facet filter", w2+".querySelectorAll('.hit').length === 1 && "+w2+".querySelector('.meta').textContent.startsWith('Gamma Wire')")
		// Escape clears.
		embEval[bool](t, ctx, w2+".querySelector('input').focus() || true")
		embDo(t, ctx, chromedp.KeyEvent("\u001b"))
		embWait(t, ctx, "cleared", w2+".querySelectorAll('.hit').length === 0 && "+w2+".querySelector('input').value === ''")
	})

	t.Run("article text never becomes markup", func(t *testing.T) {
		embEval[bool](t, ctx, `(() => { const s = `+w2+`.querySelector('select'); s.value = ''; s.dispatchEvent(new Event('change')); return true })()`)
		embEval[bool](t, ctx, w2+".querySelector('input').focus() || true")
		embDo(t, ctx, chromedp.KeyEvent("quay\r"))
		embWait(t, ctx, "the markup-like article", w2+".querySelectorAll('.hit').length === 1")
		title := embEval[string](t, ctx, w2+".querySelector('.title').textContent")
		if title != "<img src=x onerror=alert(1)> harbour" {
			t.Errorf("title rendered as %q", title)
		}
		snip := embEval[string](t, ctx, w2+".querySelector('.snip').textContent")
		if !strings.Contains(snip, `The <b>harbour</b> & "quay" <script>`) {
			t.Errorf("snippet rendered as %q", snip)
		}
		tags := embEval[[]string](t, ctx, `Array.from(`+w2+`.querySelectorAll('.hits *')).map(e => e.tagName)`)
		for _, tag := range tags {
			switch tag {
			case "LI", "A", "SPAN", "P", "MARK":
			default:
				t.Errorf("unexpected element <%s> in the results", tag)
			}
		}
		if href := embEval[string](t, ctx, w2+".querySelector('.title').href"); href != apiSrv.URL+"/?view=article&id=x1" {
			t.Errorf("link %q", href)
		}
	})

	t.Run("host styles do not reach in, widget styles do not leak out", func(t *testing.T) {
		css := func(expr, prop string) string {
			return embEval[string](t, ctx, fmt.Sprintf("getComputedStyle(%s).getPropertyValue(%q)", expr, prop))
		}
		title := w1 + ".querySelector('.title')"
		for _, c := range []struct{ expr, prop, bad string }{
			{title, "color", "rgb(255, 0, 0)"},
			{title, "font-size", "30px"},
			{title, "letter-spacing", "5px"},
			{title, "text-decoration-line", "line-through"},
			{w1 + ".querySelector('.hit')", "display", "inline"},
			{w1 + ".querySelector('.nd')", "display", "inline"},
			{w1 + ".querySelector('mark')", "background-color", "rgb(0, 0, 0)"},
		} {
			if got := css(c.expr, c.prop); got == c.bad {
				t.Errorf("%s %s is the host's %s", c.expr, c.prop, got)
			}
		}
		if got := css(w1+".querySelector('.nd')", "font-size"); got != "15px" {
			t.Errorf("widget font-size %s, want 15px", got)
		}
		if a, b := css(w1+".querySelector('.nd')", "background-color"), css(w2+".querySelector('.nd')", "background-color"); a == b {
			t.Errorf("light and dark widgets share background %s", a)
		}
		if got := css("document.getElementById('host-mark')", "background-color"); got != "rgb(0, 0, 0)" {
			t.Errorf("host mark background %s: the widget restyled the host", got)
		}
		if got := css("document.getElementById('host-title')", "color"); got != "rgb(255, 0, 0)" {
			t.Errorf("host title color %s", got)
		}
		h := embEval[float64](t, ctx, "document.getElementById('w1').getBoundingClientRect().height")
		if h < 100 {
			t.Errorf("widget 1 is %v px high; the host CSS collapsed it", h)
		}
	})

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors on the host page: %q", p)
	}

	t.Run("an origin that is not allowed gets no results", func(t *testing.T) {
		other := strings.Replace(hostSrv.URL, "127.0.0.1", "localhost", 1)
		embDo(t, ctx, chromedp.Navigate(other+"/page"))
		embWait(t, ctx, "the error message", widgetJS("w1")+" && "+widgetJS("w1")+".querySelector('.status.err')")
		msg := embEval[string](t, ctx, widgetJS("w1")+".querySelector('.status').textContent")
		if msg != "The search service could not be reached." {
			t.Errorf("status %q", msg)
		}
		if n := embEval[int](t, ctx, widgetJS("w1")+".querySelectorAll('.hit').length"); n != 0 {
			t.Errorf("%d hits shown to a page of a disallowed origin", n)
		}
	})

	t.Run("the /embed page works under its own CSP", func(t *testing.T) {
		problems := consoleErrors(ctx)
		embDo(t, ctx, chromedp.Navigate(apiSrv.URL+"/embed?q=harbour&size=2&source=Alpha+Times"))
		w := "document.querySelector('[data-newsdex-search]').shadowRoot"
		embWait(t, ctx, "results on /embed", w+" && "+w+".querySelectorAll('.hit').length === 2")
		if r := embEval[string](t, ctx, "getComputedStyle("+w+".querySelector('.nd')).borderTopLeftRadius"); r != "8px" {
			t.Errorf("widget styles not applied under the page's CSP (border radius %q)", r)
		}
		if tgt := embEval[string](t, ctx, w+".querySelector('.title').target"); tgt != "_blank" {
			t.Errorf("links in the frame open in %q", tgt)
		}
		if p := problems(); len(p) > 0 {
			t.Errorf("console errors on /embed (CSP violations?): %q", p)
		}
	})
}
