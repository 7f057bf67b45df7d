package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"newsdex/indexer"
	"newsdex/search"
)

// reutersCorpus is the Reuters-21578 collection in JSON Lines, beside the
// repository (research licence: never copied into it).
const reutersCorpus = "../../../shared/data/reuters21578.jsonl"

// measureQueries are what a visitor of a business-news archive types.
var measureQueries = []string{
	"oil prices", "coffee", "interest rates", "gold", "wheat exports", "opec", "dollar", "merger",
	"tokyo stocks", "sugar", "copper", "acquisition", "trade deficit", "crude", "soybeans", "japan",
	"grain", "earnings", "bank", "cocoa", "steel", "tin", "inflation", "bonds", "strike",
}

// measureHostPage embeds one widget and records, for each rendered
// result list, the time of the frame after it (relative to navigation).
const measureHostPage = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>measure</title>
<script>
window.__nd = [];
document.addEventListener('newsdex:results', function (e) {
  var d = e.detail;
  requestAnimationFrame(function () { __nd.push({ t: performance.now(), q: d.query, total: d.total }); });
}, true);
performance.setResourceTimingBufferSize(5000);
</script></head>
<body><div id="w" data-newsdex-search data-endpoint="{{API}}"{{QUERY}}></div>
<script src="{{API}}/embed.js" async></script></body></html>`

// TestMeasureEmbed measures the widget against the goals on the
// Reuters corpus: bytes, dependent fetch rounds and query-to-result time
// in headless Chromium, on loopback and under emulated slow network, and
// how soon an HTTP ingest is searchable. It prints a Markdown report.
//
//	NEWSDEX_MEASURE_EMBED=1 go test ./search/httpapi -run TestMeasureEmbed -v -timeout 10m
func TestMeasureEmbed(t *testing.T) {
	if os.Getenv("NEWSDEX_MEASURE_EMBED") == "" {
		t.Skip("set NEWSDEX_MEASURE_EMBED=1 to measure the embed widget")
	}
	if _, err := os.Stat(reutersCorpus); err != nil {
		t.Skipf("Reuters corpus not found (%v)", err)
	}
	logger := slog.New(slog.DiscardHandler)
	// NEWSDEX_MEASURE_INDEX keeps the index between runs; else a temp dir.
	dir := os.Getenv("NEWSDEX_MEASURE_INDEX")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "index")
	}
	idx, created, err := indexer.Open(dir)
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() { idx.Close() })
	aliasSrc, err := os.ReadFile("../../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := indexer.ParseAliases(aliasSrc)
	if err != nil {
		t.Fatal(err)
	}
	w := indexer.NewWriter(idx, indexer.NewIngester(idx, indexer.IngestOptions{}, logger, aliases, nil))
	if created {
		start := time.Now()
		sum, err := w.Ingest(context.Background(), indexer.PathSource([]string{reutersCorpus}, func(p string, err error) { t.Fatal(err) }), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Reuters: %d articles indexed (%d skipped) in %s", sum.Indexed, sum.Skipped, time.Since(start).Round(time.Millisecond))
	}
	svc, err := search.NewService(idx, search.Limits{}, logger, aliases)
	if err != nil {
		t.Fatal(err)
	}
	reuters, err := svc.Search(context.Background(), search.Request{Filters: search.Filters{Sources: []string{"Reuters"}}, Size: 1})
	if err != nil || reuters.Total < 20000 {
		t.Fatalf("index holds %v Reuters articles (%v); remove %s to rebuild it", reuters, err, dir)
	}

	host := http.NewServeMux()
	hostSrv := httptest.NewServer(host)
	t.Cleanup(hostSrv.Close)
	s := New(logger, Options{CORSOrigins: []string{hostSrv.URL}, AdminKeys: []string{testAdminKey}})
	s.SetSearcher(svc)
	s.SetWriter(w)
	apiLog := &requestLog{h: s}
	apiSrv := httptest.NewServer(apiLog)
	t.Cleanup(apiSrv.Close)
	host.HandleFunc("/page", func(rw http.ResponseWriter, r *http.Request) {
		attr := ""
		if q := r.URL.Query().Get("q"); q != "" {
			attr = ` data-query="` + q + `"` // the test's own queries: no quotes in them
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-store")
		page := strings.ReplaceAll(measureHostPage, "{{API}}", apiSrv.URL)
		fmt.Fprint(rw, strings.Replace(page, "{{QUERY}}", attr, 1))
	})

	ctx := newBrowser(t)
	var report strings.Builder
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&report, "Reuters-21578: %d articles; %s; widget size 8, no facets; %d CPUs, load average %s.\n\n",
		reuters.Total, chromiumVersion(t, ctx), runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	gz := request{target: "/embed.js", header: map[string]string{"Accept-Encoding": "gzip"}}.do(t, s)
	plain := request{target: "/embed.js"}.do(t, s)
	fmt.Fprintf(&report, "| measure | value |\n|---|---|\n")
	fmt.Fprintf(&report, "| embed.js incl. CSS, gzipped body (raw) | %s (%s) |\n", kb(gz.Body.Len()), kb(plain.Body.Len()))

	for _, throttled := range []bool{false, true} {
		n := len(measureQueries)
		label := "loopback"
		if throttled {
			n = 10
			label = "150 ms latency, 1.6 Mbit/s"
			throttle(t, ctx, networkConditions{Latency: 150, DownloadThroughput: 1.6e6 / 8, UploadThroughput: 750e3 / 8})
		}
		m := measureRun(t, ctx, hostSrv.URL, apiLog, n)
		fmt.Fprintf(&report, "| **%s** | |\n", label)
		fmt.Fprintf(&report, "| first search on a fresh page (data-query): bytes transferred, embed.js + search | %s + %s = %s (host page itself %s) |\n",
			kb(p50i(m.firstScript)), kb(p50i(m.firstSearch)), kb(p50i(m.firstScript)+p50i(m.firstSearch)), kb(p50i(m.firstPage)))
		fmt.Fprintf(&report, "| dependent fetch rounds to the first result / requests to the service | %d / %d, no preflight |\n", m.rounds, m.requests)
		fmt.Fprintf(&report, "| fresh page: navigation start to first result rendered, p50 [p90] | %s [%s] |\n", ms(p50(m.pageToResult)), ms(pct(m.pageToResult, 0.9)))
		fmt.Fprintf(&report, "| first typed query on a fresh page to result rendered (incl. 100 ms debounce), p50 [p90] | %s [%s] |\n", ms(p50(m.firstTyped)), ms(pct(m.firstTyped, 0.9)))
		fmt.Fprintf(&report, "| later typed queries to result rendered (incl. debounce), p50 [p90] | %s [%s] |\n", ms(p50(m.laterTyped)), ms(pct(m.laterTyped, 0.9)))
		fmt.Fprintf(&report, "| later submitted queries (Enter, no debounce), p50 [p90] | %s [%s] |\n", ms(p50(m.laterSubmitted)), ms(pct(m.laterSubmitted, 0.9)))
		fmt.Fprintf(&report, "| bytes per later search, p50 [max] | %s [%s] |\n", kb(p50i(m.laterBytes)), kb(slices.Max(m.laterBytes)))
		if throttled {
			throttle(t, ctx, networkConditions{DownloadThroughput: -1, UploadThroughput: -1})
		}
	}

	vis := measureVisibility(t, apiSrv.URL)
	fmt.Fprintf(&report, "| **HTTP ingest (disk index, safe batches)** | |\n")
	fmt.Fprintf(&report, "| POST of 100 articles (NDJSON, ~%s), response time p50 [max] | %s [%s] |\n", kb(vis.bodyBytes), ms(p50(vis.post)), ms(slices.Max(vis.post)))
	fmt.Fprintf(&report, "| response to the posted articles found by a search, p50 [max] | %s [%s]; found by the first search every time: %v |\n",
		ms(p50(vis.visible)), ms(slices.Max(vis.visible)), vis.firstTry)
	t.Logf("report:\n%s", report.String())
	if out := os.Getenv("NEWSDEX_MEASURE_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// networkConditions are the parameters of Network.emulateNetworkConditions,
// which Chromium 148 still takes; its successor ...ByRule refused every
// parameter set tried.
type networkConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`            // ms
	DownloadThroughput float64 `json:"downloadThroughput"` // bytes/s; -1 off
	UploadThroughput   float64 `json:"uploadThroughput"`
}

func throttle(t *testing.T, ctx context.Context, c networkConditions) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdp.Command[networkConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}, c); err != nil {
		t.Fatalf("emulate network %+v: %v", c, err)
	}
}

func chromiumVersion(t *testing.T, ctx context.Context) string {
	return strings.Replace(embEval[string](t, ctx, "navigator.userAgent.match(/(HeadlessChrome|Chrome)\\/[0-9.]+/)[0]"), "HeadlessChrome", "headless Chromium", 1)
}

type embedMeasures struct {
	firstScript, firstSearch, firstPage []int
	pageToResult, firstTyped            []float64
	laterTyped, laterSubmitted          []float64
	laterBytes                          []int
	rounds, requests                    int
}

// resourceEntry is a PerformanceResourceTiming, as much as we use.
type resourceEntry struct {
	Name          string  `json:"name"`
	StartTime     float64 `json:"startTime"`
	ResponseEnd   float64 `json:"responseEnd"`
	TransferSize  int     `json:"transferSize"`
	EncodedBody   int     `json:"encodedBodySize"`
	InitiatorType string  `json:"initiatorType"`
}

const entriesJS = `JSON.stringify(performance.getEntriesByType('resource').map(e => ({name: e.name, startTime: e.startTime,
  responseEnd: e.responseEnd, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, initiatorType: e.initiatorType})))`

func entries(t *testing.T, ctx context.Context) []resourceEntry {
	t.Helper()
	var out []resourceEntry
	if err := json.Unmarshal([]byte(embEval[string](t, ctx, entriesJS)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func lastEntry(es []resourceEntry, part string) (resourceEntry, bool) {
	for i := len(es) - 1; i >= 0; i-- {
		if strings.Contains(es[i].Name, part) {
			return es[i], true
		}
	}
	return resourceEntry{}, false
}

// typeQuery types q into the widget (or submits it) and resolves with the
// time until the frame after its results render.
const typeQueryJS = `new Promise((resolve) => {
  const w = document.getElementById('w'), root = w.shadowRoot, input = root.querySelector('input');
  const q = %q, submit = %v;
  const on = (e) => {
    if (e.detail.query !== q) return;
    w.removeEventListener('newsdex:results', on);
    requestAnimationFrame(() => resolve(performance.now() - t0));
  };
  w.addEventListener('newsdex:results', on);
  const t0 = performance.now();
  input.value = q;
  if (submit) root.querySelector('form').requestSubmit();
  else input.dispatchEvent(new Event('input', { bubbles: true }));
})`

func measureRun(t *testing.T, ctx context.Context, hostURL string, apiLog *requestLog, n int) embedMeasures {
	t.Helper()
	var m embedMeasures
	setCache := func(disabled bool) {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: disabled}); err != nil {
			t.Fatal(err)
		}
	}
	setCache(true)
	defer setCache(false)
	for i := range n {
		q := measureQueries[i%len(measureQueries)]
		// Fresh page with data-query: page, script, one search.
		apiLog.take()
		embDo(t, ctx, chromedp.Navigate(hostURL+"/page?q="+strings.ReplaceAll(q, " ", "+")))
		embWait(t, ctx, "first result", "window.__nd && __nd.length > 0")
		m.pageToResult = append(m.pageToResult, embEval[float64](t, ctx, "__nd[0].t"))
		es := entries(t, ctx)
		script, ok1 := lastEntry(es, "/embed.js")
		srch, ok2 := lastEntry(es, "/api/v1/search")
		if !ok1 || !ok2 || script.TransferSize == 0 || srch.TransferSize == 0 {
			t.Fatalf("resource timing without sizes (Timing-Allow-Origin?): %+v", es)
		}
		m.firstScript = append(m.firstScript, script.TransferSize)
		m.firstSearch = append(m.firstSearch, srch.TransferSize)
		m.firstPage = append(m.firstPage, embEval[int](t, ctx, "performance.getEntriesByType('navigation')[0].transferSize"))
		reqs := apiLog.take()
		m.requests = len(reqs)
		// Rounds: the page, then the script it names, then the search the
		// script makes; nothing else may sit in between.
		m.rounds = 1
		if script.StartTime >= 0 {
			m.rounds++
		}
		if srch.StartTime >= script.ResponseEnd {
			m.rounds++
		}
		if len(reqs) != 2 || len(es) != 2 || slices.ContainsFunc(reqs, func(r string) bool { return strings.HasPrefix(r, "OPTIONS") }) {
			t.Errorf("fresh page %q: service saw %q, page loaded %d resources", q, reqs, len(es))
		}
		// Fresh page without a query: the visitor types the first one.
		embDo(t, ctx, chromedp.Navigate(hostURL+"/page"))
		embWait(t, ctx, "widget", "document.getElementById('w').shadowRoot && document.getElementById('w').shadowRoot.querySelector('input')")
		m.firstTyped = append(m.firstTyped, embEval[float64](t, ctx, fmt.Sprintf(typeQueryJS, q, false)))
	}
	// Later searches on one page, typed and submitted.
	embDo(t, ctx, chromedp.Navigate(hostURL+"/page?q=reuters"))
	embWait(t, ctx, "first result", "window.__nd && __nd.length > 0")
	for i := range n {
		for _, submit := range []bool{false, true} {
			q := measureQueries[(i+7)%len(measureQueries)]
			if submit {
				q += " market" // a different query each time
			}
			apiLog.take()
			d := embEval[float64](t, ctx, fmt.Sprintf(typeQueryJS, q, submit))
			if submit {
				m.laterSubmitted = append(m.laterSubmitted, d)
			} else {
				m.laterTyped = append(m.laterTyped, d)
			}
			srch, _ := lastEntry(entries(t, ctx), "/api/v1/search")
			m.laterBytes = append(m.laterBytes, srch.TransferSize)
			if reqs := apiLog.take(); len(reqs) != 1 {
				t.Errorf("later search %q: service saw %q, want one request", q, reqs)
			}
		}
	}
	return m
}

type visibility struct {
	post, visible []float64
	firstTry      bool
	bodyBytes     int
}

// measureVisibility posts batches of new articles over HTTP and searches
// for them as soon as each response arrives.
func measureVisibility(t *testing.T, api string) visibility {
	t.Helper()
	v := visibility{firstTry: true}
	client := &http.Client{Timeout: 30 * time.Second}
	for round := range 20 {
		token := fmt.Sprintf("zqvis%dtoken", round)
		var body bytes.Buffer
		for i := range 100 {
			fmt.Fprintf(&body, `{"id":"vis-%d-%d","title":"Visibility probe %s %d","body":"A freshly posted wire story about %s and grain prices, number %d.","source":"Probe Wire"}`+"\n",
				round, i, token, i, token, i)
		}
		v.bodyBytes = body.Len()
		req, err := http.NewRequest(http.MethodPost, api+"/api/v1/articles", &body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testAdminKey)
		req.Header.Set("Content-Type", "application/x-ndjson")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t1 := time.Now()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"indexed":100`) {
			t.Fatalf("ingest: %d %s", resp.StatusCode, b)
		}
		for try := 0; ; try++ {
			resp, err := client.Get(api + "/api/v1/search?size=1&q=" + token)
			if err != nil {
				t.Fatal(err)
			}
			var res search.Result
			err = json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.Total == 100 {
				v.visible = append(v.visible, float64(time.Since(t1).Microseconds())/1000)
				break
			}
			v.firstTry = false
			if time.Since(t1) > 5*time.Second {
				t.Fatalf("posted articles not searchable after 5 s (total %d)", res.Total)
			}
		}
		v.post = append(v.post, float64(t1.Sub(t0).Microseconds())/1000)
	}
	return v
}

func kb(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

func ms(f float64) string { return fmt.Sprintf("%.0f ms", math.Round(f)) }

func pct(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(math.Ceil(p*float64(len(s))))-1]
}

func p50(xs []float64) float64 { return pct(xs, 0.5) }

func p50i(xs []int) int {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	return int(p50(f))
}
