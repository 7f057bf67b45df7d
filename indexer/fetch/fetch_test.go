package fetch

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsdex/indexer"
)

// memSink is an index in a map: the ID decides, as in Bleve.
type memSink struct {
	mu   sync.Mutex
	docs map[string]indexer.Article
	fail bool
}

func newMemSink() *memSink { return &memSink{docs: map[string]indexer.Article{}} }

func (s *memSink) Ingest(ctx context.Context, src indexer.Source, onSkip func(indexer.Record)) (indexer.Summary, error) {
	var sum indexer.Summary
	if s.fail {
		return sum, errors.New("disk full")
	}
	err := src(ctx, func(r indexer.Record) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.docs[r.Article.ID] = r.Article
		sum.Indexed++
		return nil
	})
	return sum, err
}

func (s *memSink) byTitle(title string) (indexer.Article, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.docs {
		if a.Title == title {
			return a, true
		}
	}
	return indexer.Article{}, false
}

func (s *memSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.docs)
}

// site is a news site on httptest: feeds, robots.txt and article pages.
type site struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	hits     map[string]int
	pages    map[string]string // path → HTML
	files    map[string]string // path → fixture with {{BASE}} filled in
	inFlight atomic.Int32
	maxConc  atomic.Int32
	times    []time.Time // arrivals
	ends     []time.Time // when each response was written
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{t: t, hits: map[string]int{}, pages: map[string]string{}, files: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	for path, file := range map[string]string{
		"/rss.xml": "rss.xml", "/atom.xml": "atom.xml", "/feed.json": "feed.json",
		"/news-sitemap.xml": "news-sitemap.xml", "/robots.txt": "robots.txt",
	} {
		s.files[path] = s.fixture(file)
	}
	s.pages["/news/harbour-strike"] = s.fixture("article.html")
	s.pages["/news/rail-fares"] = articlePage("Rail fares to rise in January", "Tom Baker", "2026-11-29T07:00:00Z",
		"Train fares in England will rise by 4.6 percent in January, the transport department said on Sunday, below the rate of inflation for the second year running.")
	s.pages["/news/budget"] = articlePage("City budget approved", "", "",
		"The city council approved a budget of 2.1 billion euros on Saturday after a debate that lasted into the early hours, with money for schools and bus lanes.")
	s.pages["/news/flood-warning"] = articlePage("Flood warning for river towns", "Sam Patel", "2026-11-30T05:30:00Z",
		"The Environment Agency issued flood warnings for towns along the River Severn on Monday as heavy rain was forecast to continue until Wednesday night.")
	s.pages["/sport/"] = s.fixture("nav-only.html")
	return s
}

func (s *site) fixture(name string) string {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "{{BASE}}", s.srv.URL)
}

func (s *site) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(path, "/news/") || strings.HasPrefix(path, "/private/") {
		s.pages[path] = body
	} else {
		s.files[path] = body
	}
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxConc.Load()
		if n <= m || s.maxConc.CompareAndSwap(m, n) {
			break
		}
	}
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.times = append(s.times, time.Now())
	page, isPage := s.pages[r.URL.Path]
	file, isFile := s.files[r.URL.Path]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.ends = append(s.ends, time.Now())
		s.mu.Unlock()
	}()
	time.Sleep(2 * time.Millisecond) // long enough for overlapping requests to show
	switch {
	case r.URL.Path == "/broken.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><item><title>Half`)
	case r.URL.Path == "/redirect-loop":
		http.Redirect(w, r, "/redirect-loop", http.StatusFound)
	case isPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	case isFile:
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(file)))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, file)
	default:
		http.NotFound(w, r)
	}
}

// articlePage is a news page in the usual shape: navigation, share
// buttons, the story, a newsletter box, comments and a footer.
func articlePage(title, author, date, text string) string {
	meta := ""
	if author != "" {
		meta += `<meta name="author" content="` + author + `">`
	}
	if date != "" {
		meta += `<meta property="article:published_time" content="` + date + `">`
	}
	para := `<p>` + text + `</p><p>Officials said further details would be published later in the week, and that the public could comment on the plans until the end of the month.</p>`
	return `<!DOCTYPE html><html><head><title>` + title + ` | Example Gazette</title>` + meta + `</head><body>
<nav class="menu"><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>` + title + `</h1>
<div class="social-share"><a href="#">Share on Facebook</a></div>
` + para + `
<div class="newsletter">Sign up for our newsletter</div>
</article>
<div id="comments">Reader comments: great article!</div>
<footer>© 2026 Example Gazette</footer></body></html>`
}

func testOptions() Options {
	return Options{AllowPrivateNetworks: true, HostDelay: time.Millisecond, Timeout: 5 * time.Second,
		RetryBackoff: time.Millisecond, UserAgent: "newsdex-test/1.0"}
}

func quietLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func sourcesFor(s *site, feeds ...string) *SourceList {
	l := &SourceList{Hosts: map[string]string{}}
	var urls []string
	for _, f := range feeds {
		urls = append(urls, s.srv.URL+f)
	}
	l.Sources = []Source{{Name: "Example Gazette", Feeds: urls}}
	return l
}

func TestFetcherIndexesEveryFeedKind(t *testing.T) {
	s := newSite(t)
	sink := newMemSink()
	state, _ := OpenState("")
	f := New(sourcesFor(s, "/rss.xml", "/atom.xml", "/feed.json", "/news-sitemap.xml"), sink, state, testOptions(), quietLogger(t))
	rep, err := f.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Feeds != 4 {
		t.Errorf("report = %+v, want 4 feeds, none failed", rep)
	}
	// Four articles; the section front has no article and is skipped.
	if sink.len() != 4 || rep.Skipped != 1 {
		t.Fatalf("indexed %d, skipped %d; want 4 and 1", sink.len(), rep.Skipped)
	}
	a, ok := sink.byTitle("Harbour strike ends after pay deal")
	if !ok {
		t.Fatal("harbour article missing")
	}
	if a.Author != "Jane Doe" || a.Source != "Example Gazette" ||
		!a.Published.Equal(time.Date(2026, 11, 30, 8, 15, 0, 0, time.UTC)) ||
		a.URL != s.srv.URL+"/news/2026/harbour-strike-ends" || a.ID != indexer.URLID(a.URL) {
		t.Errorf("harbour article = %+v", a)
	}
	for _, want := range []string{"Dock workers in Rotterdam", "Marieke de Vries", "costly but necessary & overdue"} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
	for _, junk := range []string{"Share on", "newsletter", "First!", "ADVERTISEMENT", "©", "Business", "Port traffic", "<", "tracking"} {
		if strings.Contains(a.Body, junk) {
			t.Errorf("body has %q:\n%s", junk, a.Body)
		}
	}
	// Date and author from the feed when the page has none.
	b, _ := sink.byTitle("City budget approved")
	if b.Author != "Ann Lee" || !b.Published.Equal(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("budget article = %+v", b)
	}
	if fl, _ := sink.byTitle("Flood warning for river towns"); fl.Author != "Sam Patel" || strings.Contains(fl.Body, "Reader comments") {
		t.Errorf("flood article = %+v", fl)
	}

	// Again: nothing new is fetched, nothing is duplicated, and the
	// unchanged feeds answer 304.
	before := s.count("/news/harbour-strike")
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sink.len() != 4 {
		t.Errorf("after re-fetch: %d articles, want 4", sink.len())
	}
	if got := s.count("/news/harbour-strike"); got != before {
		t.Errorf("unchanged page fetched again (%d requests, was %d)", got, before)
	}

	// The Atom entry is updated: the page is fetched again and replaces
	// the article.
	s.set("/atom.xml", strings.ReplaceAll(s.fixture("atom.xml"), "<updated>2026-11-29T07:00:00Z</updated>", "<updated>2026-11-29T10:00:00Z</updated>"))
	s.set("/news/rail-fares", articlePage("Rail fares to rise in January", "Tom Baker", "2026-11-29T07:00:00Z",
		"Correction: train fares in England will rise by 4.9 percent in January, not 4.6 percent as first reported, the transport department said on Sunday."))
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, _ := sink.byTitle("Rail fares to rise in January")
	if sink.len() != 4 || !strings.Contains(r.Body, "4.9 percent") {
		t.Errorf("update: %d articles, body %q", sink.len(), r.Body)
	}

	// The counts /metrics shows: 3 passes over 4 feeds, 4 new articles
	// and the one updated.
	h := f.Health()
	if len(h) != 1 || h[0].Fetches != 12 || h[0].Failures != 0 || h[0].Added != 4 || h[0].Updated != 1 || h[0].Total != 5 || h[0].LastSuccess.IsZero() {
		t.Errorf("health = %+v, want 12 fetches, 0 failures, 4 added, 1 updated, 5 in all", h)
	}
}

func TestFetcherIsolatesFailingFeeds(t *testing.T) {
	s := newSite(t)
	sink := newMemSink()
	state, _ := OpenState("")
	l := sourcesFor(s, "/broken.xml", "/missing.xml", "/redirect-loop")
	l.Sources = append(l.Sources, Source{Name: "Other", Feeds: []string{s.srv.URL + "/atom.xml"}})
	f := New(l, sink, state, testOptions(), quietLogger(t))
	rep, err := f.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 3 || sink.len() != 1 {
		t.Errorf("report %+v, %d articles; want 3 failed feeds and 1 article", rep, sink.len())
	}
	h := state.Health()
	for _, p := range []string{"/broken.xml", "/missing.xml", "/redirect-loop"} {
		fs := h[s.srv.URL+p]
		if fs.LastError == "" || fs.Failures != 1 || !fs.LastSuccess.IsZero() {
			t.Errorf("%s state = %+v", p, fs)
		}
	}
	if sh := f.Health(); sh[0].Fetches != 3 || sh[0].Failures != 3 || sh[0].Added != 0 || sh[1].Fetches != 1 || sh[1].Failures != 0 || sh[1].Added != 1 {
		t.Errorf("health = %+v", sh)
	}
	if !strings.Contains(h[s.srv.URL+"/missing.xml"].LastError, "404") ||
		!strings.Contains(h[s.srv.URL+"/redirect-loop"].LastError, "redirects") {
		t.Errorf("errors not clear: %+v", h)
	}
	if fs := h[s.srv.URL+"/atom.xml"]; fs.LastSuccess.IsZero() || fs.Articles != 1 {
		t.Errorf("good feed state = %+v", fs)
	}
	// A failing feed waits longer than a good one before its next poll.
	if !h[s.srv.URL+"/broken.xml"].NextPoll.After(h[s.srv.URL+"/atom.xml"].NextPoll) {
		t.Error("failing feed not backed off")
	}
}

func TestFetcherRespectsRobots(t *testing.T) {
	s := newSite(t)
	s.set("/private/memo", articlePage("Internal memo", "", "", strings.Repeat("Secret text that must not be fetched. ", 5)))
	s.set("/private.xml", `<rss version="2.0"><channel><title>x</title>
<item><title>Internal memo</title><link>`+s.srv.URL+`/private/memo</link><description>Feed summary only.</description></item>
<item><link>`+s.srv.URL+`/private/untitled</link></item></channel></rss>`)
	sink := newMemSink()
	state, _ := OpenState("")
	f := New(sourcesFor(s, "/private.xml"), sink, state, testOptions(), quietLogger(t))
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := s.count("/private/memo") + s.count("/private/untitled"); n != 0 {
		t.Errorf("disallowed pages requested %d times", n)
	}
	if s.count("/robots.txt") != 1 {
		t.Errorf("robots.txt requested %d times, want 1", s.count("/robots.txt"))
	}
	// The feed's own title and summary stand in for the page.
	a, ok := sink.byTitle("Internal memo")
	if !ok || a.Body != "Feed summary only." || sink.len() != 1 {
		t.Errorf("robots fallback: %+v (%d articles)", a, sink.len())
	}
}

func TestFetcherIsPolite(t *testing.T) {
	s := newSite(t)
	sink := newMemSink()
	state, _ := OpenState("")
	opts := testOptions()
	opts.HostDelay = 30 * time.Millisecond
	// Two sources on one host, polled concurrently.
	l := &SourceList{Sources: []Source{
		{Name: "A", Feeds: []string{s.srv.URL + "/rss.xml", s.srv.URL + "/atom.xml"}},
		{Name: "B", Feeds: []string{s.srv.URL + "/feed.json", s.srv.URL + "/news-sitemap.xml"}},
	}}
	f := New(l, sink, state, opts, quietLogger(t))
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m := s.maxConc.Load(); m != 1 {
		t.Errorf("%d requests at once to one host, want 1", m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Each request arrives at least the delay after the previous one
	// ended (requests do not overlap, so ends and arrivals alternate).
	for i := 1; i < len(s.times); i++ {
		if gap := s.times[i].Sub(s.ends[i-1]); gap < 30*time.Millisecond {
			t.Errorf("request %d came %v after request %d ended", i, gap, i-1)
		}
	}
}

func TestFetcherRefusesPrivateAddresses(t *testing.T) {
	internal := newSite(t) // stands for a service inside the network
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/to-internal.xml":
			http.Redirect(w, r, internal.srv.URL+"/rss.xml", http.StatusFound)
		case "/to-file.xml":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(public.Close)
	publicAddr := strings.TrimPrefix(public.URL, "http://")

	tests := []struct {
		name    string
		feed    string
		allow   func(string) bool
		wantErr string
	}{
		{"loopback by default", internal.srv.URL + "/rss.xml", nil, "loopback address"},
		{"through a redirect", public.URL + "/to-internal.xml", func(a string) bool { return a == publicAddr }, "loopback address"},
		{"redirect to file:", public.URL + "/to-file.xml", func(a string) bool { return a == publicAddr }, "scheme not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.AllowPrivateNetworks = false
			state, _ := OpenState("")
			l := &SourceList{Sources: []Source{{Name: "Hostile", Feeds: []string{tt.feed}}}}
			f := New(l, newMemSink(), state, opts, quietLogger(t))
			f.client.dialAllowed = tt.allow
			rep, err := f.Once(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			msg := state.Health()[tt.feed].LastError
			if rep.Failed != 1 || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("failed %d, error %q; want it to mention %q", rep.Failed, msg, tt.wantErr)
			}
		})
	}
	internal.mu.Lock()
	defer internal.mu.Unlock()
	if len(internal.hits) != 0 {
		t.Errorf("internal service was reached: %v", internal.hits)
	}
}

func TestFetcherCapsDecompressedSize(t *testing.T) {
	s := newSite(t)
	big := articlePage("Huge", "", "", strings.Repeat("All work and no play makes Jack a dull boy. ", 100000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>x</title><item><title>Huge</title><link>%s/huge</link></item></channel></rss>`, "http://"+r.Host)
		case "/huge":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w) // a few KB on the wire, 4 MB unpacked
			fmt.Fprint(zw, big)
			zw.Close()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	_ = s
	opts := testOptions()
	opts.MaxPageBytes = 1 << 20
	sink := newMemSink()
	state, _ := OpenState("")
	f := New(&SourceList{Sources: []Source{{Name: "Big", Feeds: []string{srv.URL + "/feed.xml"}}}}, sink, state, opts, quietLogger(t))
	rep, err := f.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sink.len() != 0 || rep.Skipped != 1 {
		t.Errorf("oversized page: %d indexed, report %+v", sink.len(), rep)
	}
}

func TestFetcherStopsOnIndexError(t *testing.T) {
	s := newSite(t)
	sink := newMemSink()
	sink.fail = true
	state, _ := OpenState("")
	f := New(sourcesFor(s, "/atom.xml"), sink, state, testOptions(), quietLogger(t))
	if _, err := f.Once(t.Context()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want the index error", err)
	}
	if len(state.Items) != 0 {
		t.Error("items marked taken though they were not indexed")
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	s := newSite(t)
	path := t.TempDir() + "/state.json"
	state, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	if _, err := New(sourcesFor(s, "/atom.xml"), sink, state, testOptions(), quietLogger(t)).Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	state2, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(sourcesFor(s, "/atom.xml"), sink, state2, testOptions(), quietLogger(t)).Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := s.count("/news/rail-fares"); n != 1 {
		t.Errorf("page fetched %d times across two runs, want 1", n)
	}
}

func TestSourcesHealth(t *testing.T) {
	s := newSite(t)
	state, _ := OpenState("")
	l := &SourceList{Sources: []Source{
		{Name: "Good", Feeds: []string{s.srv.URL + "/atom.xml", s.srv.URL + "/feed.json"}},
		{Name: "Broken", Feeds: []string{s.srv.URL + "/missing.xml"}},
		{Name: "Never polled", Feeds: []string{"https://example.org/rss.xml"}},
	}}
	f := New(&SourceList{Sources: l.Sources[:2]}, newMemSink(), state, testOptions(), quietLogger(t))
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h := state.Sources(l, now, time.Hour)
	if len(h) != 3 {
		t.Fatalf("%d sources", len(h))
	}
	if g := h[0]; g.Total != 2 || g.LastDay != 2 || g.LastSuccess.IsZero() || g.LastError != "" || g.Stale {
		t.Errorf("good = %+v", g)
	}
	if b := h[1]; b.Total != 0 || !strings.Contains(b.LastError, "404") || b.Stale {
		t.Errorf("broken = %+v", b)
	}
	if h2 := state.Sources(l, now.Add(2*time.Hour), time.Hour); !h2[0].Stale || !h2[1].Stale || h2[2].Stale {
		t.Errorf("two hours later: %+v", h2)
	}
}

// TestStatePrune: the state forgets feeds dropped from the sources file
// and items nobody has listed for the horizon, keeps items their feed
// still lists however old, and a pruned item listed again is fetched
// again (updating, not duplicating, its article).
func TestStatePrune(t *testing.T) {
	s := newSite(t)
	path := t.TempDir() + "/state.json"
	state, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	opts := testOptions()
	opts.StateHorizon = 48 * time.Hour
	both := sourcesFor(s, "/atom.xml", "/feed.json")
	if _, err := New(both, sink, state, opts, quietLogger(t)).Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	var atomItems []string
	for k, it := range state.Items {
		if it.Feed == s.srv.URL+"/atom.xml" && !it.Seen.IsZero() {
			atomItems = append(atomItems, k)
		}
	}
	h := state.Health()
	if len(h) != 2 || len(state.Items) != 2 || len(atomItems) != 1 {
		t.Fatalf("after the first pass: %d feeds, %d items, %d from the Atom feed", len(h), len(state.Items), len(atomItems))
	}

	// Three days on: every item is older than the horizon. Items the
	// feeds still list stay; a stray item no feed lists goes.
	age := func(d time.Duration) {
		state.mu.Lock()
		defer state.mu.Unlock()
		for k, it := range state.Items {
			it.Fetched, it.Seen = it.Fetched.Add(-d), it.Seen.Add(-d)
			state.Items[k] = it
		}
		for _, fs := range state.Feeds {
			fs.Listed = fs.Listed.Add(-d)
		}
	}
	age(72 * time.Hour)
	state.setItem("https://gone.example/old", ItemState{ID: "x", Source: "Example Gazette", Fetched: time.Now().Add(-100 * time.Hour)})
	state.setItem("https://gone.example/recent", ItemState{ID: "y", Source: "Example Gazette", Fetched: time.Now().Add(-time.Hour)})
	if feeds, items := state.Prune(both, time.Now().Add(-opts.StateHorizon)); feeds != 0 || items != 1 {
		t.Errorf("pruned %d feeds, %d items; want 0 and the stray old item", feeds, items)
	}
	if _, ok := state.item("https://gone.example/recent"); !ok {
		t.Error("an item inside the horizon was pruned")
	}

	// The JSON feed leaves the sources file: its feed state goes at the
	// next pass, and its items once the horizon has passed; the Atom
	// feed's items stay while it lists them.
	atomOnly := sourcesFor(s, "/atom.xml")
	f := New(atomOnly, sink, state, opts, quietLogger(t))
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	h = state.Health()
	if _, ok := h[s.srv.URL+"/feed.json"]; ok || len(h) != 1 {
		t.Errorf("feeds after the JSON feed left: %v", h)
	}
	for k := range state.Items {
		if k != "https://gone.example/recent" && !slices.Contains(atomItems, k) {
			t.Errorf("item %s outlived its feed and the horizon", k)
		}
	}
	for _, k := range atomItems {
		if _, ok := state.item(k); !ok {
			t.Errorf("item %s still in its feed was pruned", k)
		}
	}
	// Saved pruned: a restart sees the same.
	state2, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(state2.Feeds) != 1 || len(state2.Items) != len(state.Items) {
		t.Errorf("saved state: %d feeds, %d items; want 1 and %d", len(state2.Feeds), len(state2.Items), len(state.Items))
	}

	// An item pruned and listed again is fetched again: same article.
	before, n := s.count("/news/rail-fares"), sink.len()
	state.mu.Lock()
	delete(state.Items, atomItems[0])
	for _, fs := range state.Feeds {
		fs.ETag, fs.LastModified = "", "" // the feed answers in full
	}
	state.mu.Unlock()
	if _, err := f.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.count("/news/rail-fares") != before+1 || sink.len() != n {
		t.Errorf("re-listed item: %d fetches (was %d), %d articles (was %d)", s.count("/news/rail-fares"), before, sink.len(), n)
	}
}
