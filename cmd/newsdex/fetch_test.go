package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"newsdex/indexer"
)

// newsSite serves a robots.txt, an RSS feed and two article pages.
func newsSite(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(title, text string) string {
		return `<!DOCTYPE html><html><head><title>` + title + ` | Harbour Times</title>
<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2026-11-30T08:15:00Z"></head>
<body><nav><a href="/">Home</a></nav><article><h1>` + title + `</h1><p>` + text + `</p>
<p>The mayor of Rotterdam, Ahmed Aboutaleb, welcomed the news at a press conference on Monday afternoon.</p></article>
<div class="share">Share on Facebook</div><footer>© Harbour Times</footer></body></html>`
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/rss.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Times</title>
<item><title>Strike ends</title><link>%[1]s/news/strike</link><pubDate>Mon, 30 Nov 2026 08:15:00 +0000</pubDate></item>
<item><title>Ferry returns</title><link>%[1]s/news/ferry</link><pubDate>Mon, 30 Nov 2026 09:00:00 +0000</pubDate></item>
</channel></rss>`, srv.URL)
		case "/news/strike":
			fmt.Fprint(w, page("Strike ends", "Dock workers in Rotterdam returned to work on Monday after union leaders accepted a pay offer that ends a strike of nearly three weeks."))
		case "/news/ferry":
			fmt.Fprint(w, page("Ferry returns", "The night ferry to Harwich sailed again on Monday after repairs to its engines kept it in port for most of November, the operator said."))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchCommand(t *testing.T) {
	srv := newsSite(t)
	dir := t.TempDir()
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte("sources:\n  - name: Harbour Times\n    feeds: ["+srv.URL+"/rss.xml]\n"), 0o644)
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("ingest:\n  allow_private_networks: true\n  host_delay: 0s\n"), 0o644)
	index := filepath.Join(dir, "index")

	out, errOut, err := runCmd(t, "fetch", "--config", config, "--index", index, "--once", sources)
	if err != nil {
		t.Fatalf("fetch: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "indexed 2 articles") {
		t.Errorf("stdout = %q", out)
	}
	out, errOut, err = runCmd(t, "search", "--index", index, "--json", "--config", config, "rotterdam")
	if err != nil {
		t.Fatalf("search: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, `"total": 2`) && !strings.Contains(out, `"total":2`) {
		t.Errorf("search after fetch: %s", out)
	}
	if !strings.Contains(out, "Harbour Times") || strings.Contains(out, "Share on Facebook") {
		t.Errorf("search hit: %s", out)
	}

	// Again: nothing new, nothing duplicated.
	out, _, err = runCmd(t, "fetch", "--config", config, "--index", index, "--once", sources)
	if err != nil || !strings.Contains(out, "indexed 0 articles") {
		t.Errorf("second fetch: %q, %v", out, err)
	}
	out, _, _ = runCmd(t, "stats", "--index", index, "--config", config)
	if !strings.Contains(out, "2") {
		t.Errorf("stats: %s", out)
	}

	out, _, err = runCmd(t, "sources", "--config", config, "--index", index, sources)
	if err != nil || !regexp.MustCompile(`Harbour Times\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+2\s+2\s+ok`).MatchString(out) {
		t.Errorf("sources: %v\n%s", err, out)
	}

	// By default the loopback site is refused.
	def := filepath.Join(dir, "default.yaml")
	os.WriteFile(def, []byte("log:\n  level: warn\n"), 0o644)
	out, errOut, _ = runCmd(t, "fetch", "--config", def, "--index", filepath.Join(dir, "index2"), "--once", sources)
	if !strings.Contains(out, "1 failed") || !strings.Contains(errOut, "loopback address") {
		t.Errorf("default config reached loopback: %q\n%s", out, errOut)
	}
}

func TestFetchUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sources:\n  - name: X\n    feeds: [file:///etc/passwd]\n"), 0o644)
	if _, _, err := runCmd(t, "fetch", "--index", filepath.Join(dir, "i"), "--once"); exitCode(err) != 2 {
		t.Errorf("no sources file: %v", err)
	}
	if _, _, err := runCmd(t, "fetch", "--index", filepath.Join(dir, "i"), "--once", bad); err == nil || !strings.Contains(err.Error(), `scheme "file" not allowed`) {
		t.Errorf("bad sources file: %v", err)
	}
}

func TestServeRunsFetcher(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the built-in corpus")
	}
	srv := newsSite(t)
	dir := t.TempDir()
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte("sources:\n  - name: Harbour Times\n    feeds: ["+srv.URL+"/rss.xml]\n"), 0o644)
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("ingest:\n  sources: "+sources+"\n  allow_private_networks: true\n  host_delay: 0s\nlog:\n  level: warn\n"), 0o644)
	base, stop := startServe(t, "--config", config, "--index", filepath.Join(dir, "index"))
	deadline := time.Now().Add(20 * time.Second)
	var res struct {
		Total int `json:"total"`
	}
	for time.Now().Before(deadline) {
		getJSON(t, base+"/api/v1/search?q=source:%22Harbour+Times%22", &res)
		if res.Total == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res.Total != 2 {
		t.Errorf("serve's fetcher indexed %d articles, want 2", res.Total)
	}
	var health struct {
		Sources []struct {
			Name        string `json:"name"`
			LastSuccess string `json:"last_success"`
			Total       int    `json:"articles_total"`
			LastDay     int    `json:"articles_last_day"`
			Stale       bool   `json:"stale"`
		} `json:"sources"`
	}
	// The articles are searchable a moment before the poll's count is
	// recorded; wait for it.
	for time.Now().Before(deadline) {
		if getJSON(t, base+"/api/v1/sources", &health); len(health.Sources) == 1 && health.Sources[0].Total == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := getJSON(t, base+"/api/v1/sources", &health); code != 200 || len(health.Sources) != 1 ||
		health.Sources[0].Name != "Harbour Times" || health.Sources[0].Total != 2 || health.Sources[0].LastDay != 2 || health.Sources[0].LastSuccess == "" {
		t.Errorf("GET /api/v1/sources: %d %+v", code, health)
	}
	// /metrics has the same, per source.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`newsdex_source_articles_added_total{source="Harbour Times"} 2`, `newsdex_source_fetch_failures_total{source="Harbour Times"} 0`,
		`newsdex_source_fetches_total{source="Harbour Times"} `, `newsdex_source_last_success_timestamp_seconds{source="Harbour Times"} `} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestIndexMapAndPresets(t *testing.T) {
	dir := t.TempDir()
	index := filepath.Join(dir, "index")
	mc := filepath.Join("..", "..", "indexer", "testdata", "fieldmap", "mediacloud.csv")
	out, errOut, err := runCmd(t, "index", "--index", index, "--no-entities", "--format", "mediacloud", mc)
	if err != nil || !strings.Contains(out, "indexed 2, skipped 1") || !strings.Contains(errOut, "bad published date") {
		t.Errorf("mediacloud: %v\n%s%s", err, out, errOut)
	}
	other := filepath.Join("..", "..", "indexer", "testdata", "fieldmap", "other-tool.jsonl")
	out, _, err = runCmd(t, "index", "--index", index, "--no-entities", "--map", "title=headline,body=story,source=outlet_name,published=pubdate,url=link", other)
	if err != nil || !strings.Contains(out, "indexed 2") {
		t.Errorf("--map: %v\n%s", err, out)
	}
	for _, tt := range []struct{ args, want string }{
		{"--format gdelt", `unknown --format "gdelt" (known: mediacloud)`},
		{"--map headline=title", `--map: unknown field "headline"`},
		{"--map title=x --format mediacloud", "not both"},
	} {
		args := append([]string{"index", "--index", index}, strings.Fields(tt.args)...)
		_, _, err := runCmd(t, append(args, mc)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want usage error %q", tt.args, err, tt.want)
		}
	}
}

// handWARC is one archived page as a WARC 1.1 response record.
func handWARC(uri, date, html string) string {
	httpMsg := "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + html
	return "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:" + fmt.Sprintf("%08x", len(uri)) + "-0000-4000-8000-000000000000>\r\n" +
		"WARC-Date: " + date + "\r\nWARC-Target-URI: " + uri + "\r\nContent-Type: application/http;msgtype=response\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(httpMsg)) + httpMsg + "\r\n\r\n"
}

func TestIndexWARC(t *testing.T) {
	dir := t.TempDir()
	body := `<html><head><title>Strike ends | Harbour Times</title></head><body><nav>Home</nav><article><h1>Strike ends</h1>
<p>Dock workers in Rotterdam returned to work on Monday after union leaders accepted a pay offer that ends a strike of nearly three weeks.</p></article></body></html>`
	w := handWARC("https://harbour.example/news/strike", "2026-11-30T10:00:01Z", body) +
		handWARC("https://other.example/news/strike2", "2026-11-30T10:00:02Z", strings.ReplaceAll(body, "Strike ends", "Second strike"))
	os.WriteFile(filepath.Join(dir, "crawl.warc"), []byte(w), 0o644)
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte("hosts:\n  harbour.example: Harbour Times\n"), 0o644)
	index := filepath.Join(dir, "index")
	out, errOut, err := runCmd(t, "index", "--index", index, "--no-entities", "--sources", sources, filepath.Join(dir, "crawl.warc"))
	if err != nil || !strings.Contains(out, "indexed 2") {
		t.Fatalf("index WARC: %v\n%s%s", err, out, errOut)
	}
	out, _, _ = runCmd(t, "search", "--index", index, "--json", "--facets", "source", "rotterdam")
	if !strings.Contains(out, "Harbour Times") || !strings.Contains(out, "other.example") {
		t.Errorf("outlets: %s", out)
	}
}

func TestAlertsAfterIndexAndFetch(t *testing.T) {
	srv := newsSite(t)
	var mu sync.Mutex
	var posted []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Alert    string `json:"alert"`
			Articles []struct {
				Title string `json:"title"`
			} `json:"articles"`
		}
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		defer mu.Unlock()
		for _, a := range p.Articles {
			posted = append(posted, p.Alert+": "+a.Title)
		}
	}))
	t.Cleanup(hook.Close)
	dir := t.TempDir()
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte("sources:\n  - name: Harbour Times\n    feeds: ["+srv.URL+"/rss.xml]\n"), 0o644)
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("ingest:\n  allow_private_networks: true\n  host_delay: 0s\nalerts:\n  - name: rotterdam\n    q: rotterdam\n    webhook: "+hook.URL+"\nlog:\n  level: warn\n"), 0o644)
	old := filepath.Join(dir, "old.jsonl")
	os.WriteFile(old, []byte(`{"title": "Rotterdam port expands", "body": "Rotterdam opened a new terminal.", "source": "Harbour Times"}`+"\n"), 0o644)
	index := filepath.Join(dir, "index")

	// The first run learns what already matches: nothing is posted.
	if _, errOut, err := runCmd(t, "index", "--config", config, "--index", index, "--no-entities", old); err != nil {
		t.Fatalf("index: %v\n%s", err, errOut)
	}
	for i := 0; i < 2; i++ { // the second fetch finds nothing new
		if _, errOut, err := runCmd(t, "fetch", "--config", config, "--index", index, "--once", sources); err != nil {
			t.Fatalf("fetch: %v\n%s", err, errOut)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(posted)
	if got := strings.Join(posted, "|"); got != "rotterdam: Ferry returns|rotterdam: Strike ends" {
		t.Errorf("posted %q", got)
	}
}

func TestAlertConfigErrors(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("alerts:\n  - name: x\n    q: a\n    webhook: ftp://example.org/\n  - name: x\n    q: b\n    webhook: https://example.org/\n    filters: {colour: [red]}\n"), 0o644)
	_, err := loadConfig(config)
	for _, want := range []string{"alerts[0].webhook must be an http(s) URL", `alerts[1].name "x" is used twice`, "alerts[1]."} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %q", err, want)
		}
	}
}

func TestIndexMediaCloudFetch(t *testing.T) {
	srv := newsSite(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "stories.csv")
	os.WriteFile(csv, []byte("id,indexed_date,language,media_name,media_url,publish_date,title,url\n"+
		"1,2026-11-30 09:00:00,en,Harbour Times,harbour.example,2026-11-30 08:15:00,Strike ends,"+srv.URL+"/news/strike\n"+
		"2,2026-11-30 09:00:00,en,Harbour Times,harbour.example,2026-11-30 09:00:00,Gone,"+srv.URL+"/news/gone\n"), 0o644)
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("ingest:\n  allow_private_networks: true\n  host_delay: 0s\n  retries: 0\n"), 0o644)
	index := filepath.Join(dir, "index")
	out, errOut, err := runCmd(t, "index", "--config", config, "--index", index, "--no-entities", "--format", "mediacloud", "--fetch", csv)
	if err != nil || !strings.Contains(out, "indexed 2") || !strings.Contains(errOut, "stories.csv:3: kept title only") || !strings.Contains(errOut, "404") {
		t.Fatalf("index --fetch: %v\n%s%s", err, out, errOut)
	}
	out, _, _ = runCmd(t, "search", "--config", config, "--index", index, "--json", "union leaders")
	if !strings.Contains(out, "Strike ends") {
		t.Errorf("fetched text not indexed: %s", out)
	}
}

// TestAlertsOnHTTPWrite: with serve running, articles POSTed to
// /api/v1/articles reach the alerts' webhook, each once, and a restart
// neither re-sends nor loses any: newsdex index between two serves posts
// its own articles, and the next serve goes on from there.
func TestAlertsOnHTTPWrite(t *testing.T) {
	var mu sync.Mutex
	var posted []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Articles []struct {
				ID string `json:"id"`
			} `json:"articles"`
		}
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		defer mu.Unlock()
		for _, a := range p.Articles {
			posted = append(posted, a.ID)
		}
	}))
	t.Cleanup(hook.Close)
	got := func() string {
		mu.Lock()
		defer mu.Unlock()
		s := slices.Clone(posted)
		slices.Sort(s)
		return strings.Join(s, ",")
	}
	waitPosted := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); got() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("posted %q, want %q", got(), want)
			}
		}
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("server:\n  admin_keys: ["+testAdminKey+"]\nalerts:\n  - name: ferries\n    q: ferry\n    webhook: "+hook.URL+"\nlog:\n  level: warn\n"), 0o644)
	index := filepath.Join(dir, "index")
	post := func(base, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/articles", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testAdminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %s", resp.Status)
		}
	}

	base, stop := startServe(t, "--config", config, "--index", index)
	post(base, `{"id": "f1", "title": "Ferry strike called off", "body": "The ferry sails."}`+"\n"+
		`{"id": "x1", "title": "Rain", "body": "It rained."}`+"\n")
	post(base, `[{"id": "f2", "title": "Second ferry", "body": "Another ferry sails."}]`)
	waitPosted("f1,f2")
	// Written again (an update): not posted again.
	post(base, `{"id": "f1", "title": "Ferry strike called off", "body": "The ferry sails at noon."}`)
	post(base, `{"id": "f3", "title": "Third ferry", "body": "And a third ferry."}`)
	waitPosted("f1,f2,f3")
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	jsonl := filepath.Join(dir, "more.jsonl")
	os.WriteFile(jsonl, []byte(`{"id": "f4", "title": "Night ferry", "body": "A night ferry."}`+"\n"), 0o644)
	// index runs the alerts itself once it has written.
	if _, errOut, err := runCmd(t, "index", "--config", config, "--index", index, "--no-entities", jsonl); err != nil {
		t.Fatalf("index: %v\n%s", err, errOut)
	}
	waitPosted("f1,f2,f3,f4")
	base, stop = startServe(t, "--config", config, "--index", index)
	post(base, `{"id": "f5", "title": "Fifth ferry", "body": "A fifth ferry."}`)
	waitPosted("f1,f2,f3,f4,f5")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestAlertsRefuseIndexWithoutStamps: an index built before ingest stamps
// (Bleve keeps the mapping an index was made with, so its new articles get
// no stamp) cannot feed alerts; serve says so and how to fix it rather
// than never alerting.
func TestAlertsRefuseIndexWithoutStamps(t *testing.T) {
	dir := t.TempDir()
	index := filepath.Join(dir, "index")
	old := indexer.NewMapping()
	delete(old.TypeMapping[indexer.DocType].Properties, indexer.FieldIngested)
	idx, err := bleve.NewUsing(index, old, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := idx.NewBatch()
	b.Index("a1", map[string]any{"title": "Ferry news", "body": "A ferry."})
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	idx.Close()
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("alerts:\n  - name: ferries\n    q: ferry\n    webhook: https://hooks.example.org/x\n"), 0o644)
	_, _, err = runCmd(t, "serve", "--config", config, "--index", index, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "built before ingest stamps") || !strings.Contains(err.Error(), index) || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("serve on an index without stamps: %v", err)
	}
}
