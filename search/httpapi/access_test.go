package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search"
)

// accessArticles is a small archive of three outlets for the access and
// write tests.
const accessArticles = `{"id":"a1","title":"Harbour strike ends","body":"Dock workers ended the harbour strike on Monday.","source":"Alpha Times","published":"2019-01-02","persons":["Ann Lee"]}
{"id":"a2","title":"Harbour fees rise","body":"The port raised harbour fees again.","source":"Alpha Times","published":"2019-02-03"}
{"id":"b1","title":"Harbour strike spreads","body":"The harbour strike spread to a second port.","source":"Beta Post","published":"2019-01-05"}
{"id":"b2","title":"Election results","body":"Results came in late.","source":"Beta Post","published":"2019-03-01"}
{"id":"c1","title":"Harbour history","body":"A history of the old harbour.","source":"Gamma Wire"}
`

// Test keys. Admin keys must be long; public keys are not secret.
const (
	testAdminKey  = "admin-key-0123456789"
	testAdminKey2 = "admin-key-second-key"
	testPublicKey = "pk_alpha"
	testWideKey   = "pk_everything"
)

// newAccessServer serves accessArticles from a fresh in-memory index
// through the production ingest path, with a Writer over the same index.
func newAccessServer(t testing.TB, opts Options) *Server {
	t.Helper()
	return newAccessServerLogging(t, opts, slog.New(slog.DiscardHandler))
}

func newAccessServerLogging(t testing.TB, opts Options, logger *slog.Logger) *Server {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	ing := indexer.NewIngester(idx, indexer.IngestOptions{Workers: 2}, logger, nil, nil)
	w := indexer.NewWriter(idx, ing)
	sum, err := w.Ingest(context.Background(), func(ctx context.Context, emit func(indexer.Record) error) error {
		return indexer.Parse(strings.NewReader(accessArticles), "fixture", indexer.FormatJSONL, emit)
	}, func(r indexer.Record) { t.Errorf("fixture record skipped: %s: %v", r.Location(), r.Err) })
	if err != nil || sum.Indexed != 5 {
		t.Fatalf("fixture: %+v, %v", sum, err)
	}
	svc, err := search.NewService(idx, search.Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 16
	}
	s := New(logger, opts)
	s.SetSearcher(svc)
	s.SetWriter(w)
	return s
}

// request is one HTTP request in a table test.
type request struct {
	method, target, body string
	header               map[string]string
	remote               string // RemoteAddr; default 192.0.2.1:1234
}

func (r request) do(t testing.TB, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	var body *strings.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, r.target, body)
	} else {
		req = httptest.NewRequest(method, r.target, nil)
	}
	req.RemoteAddr = "192.0.2.1:1234"
	if r.remote != "" {
		req.RemoteAddr = r.remote
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearerHeader(key string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + key}
}

// sources returns the outlets of a search response's hits.
func sources(t testing.TB, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var res search.Result
	decode(t, rec, &res)
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Source)
	}
	slices.Sort(out)
	return out
}

func decode(t testing.TB, rec *httptest.ResponseRecorder, out any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

func errorCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e apiError
	decode(t, rec, &e)
	return e.Error.Code
}

func TestCORS(t *testing.T) {
	allowed := "https://news.example.org"
	tests := []struct {
		name        string
		origins     []string
		req         request
		wantStatus  int
		wantHeaders map[string]string // "" means absent
	}{
		{
			name: "allowed origin gets its origin echoed", origins: []string{allowed, "https://other.example"},
			req:        request{target: "/api/v1/search?q=harbour", header: map[string]string{"Origin": allowed}},
			wantStatus: 200,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed, "Vary": "Origin",
				"Access-Control-Expose-Headers": "Retry-After, X-Request-Id, X-Total-Count"},
		},
		{
			name: "origin matching ignores case and a trailing slash in config", origins: []string{"HTTPS://News.Example.org/"},
			req:         request{target: "/api/v1/search?q=harbour", header: map[string]string{"Origin": allowed}},
			wantStatus:  200,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed},
		},
		{
			name: "other origin gets no CORS headers", origins: []string{allowed},
			req:         request{target: "/api/v1/search?q=harbour", header: map[string]string{"Origin": "https://evil.example"}},
			wantStatus:  200,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"},
		},
		{
			name: "no origins configured: nothing", origins: nil,
			req:         request{target: "/api/v1/search?q=harbour", header: map[string]string{"Origin": allowed}},
			wantStatus:  200,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Vary": ""},
		},
		{
			name: "star allows any origin", origins: []string{"*"},
			req:         request{target: "/api/v1/search?q=harbour", header: map[string]string{"Origin": "https://anyone.example"}},
			wantStatus:  200,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "https://anyone.example"},
		},
		{
			name: "preflight from an allowed origin", origins: []string{allowed},
			req: request{method: http.MethodOptions, target: "/api/v1/search", header: map[string]string{
				"Origin": allowed, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}},
			wantStatus: 204,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Max-Age": "600"},
		},
		{
			name: "preflight from another origin", origins: []string{allowed},
			req: request{method: http.MethodOptions, target: "/api/v1/articles", header: map[string]string{
				"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}},
			wantStatus:  204,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""},
		},
		{
			name: "errors carry CORS headers so the page can read them", origins: []string{allowed},
			req:         request{target: "/api/v1/search?q=title:(", header: map[string]string{"Origin": allowed}},
			wantStatus:  400,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": allowed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAccessServer(t, Options{CORSOrigins: tt.origins})
			rec := tt.req.do(t, s)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			for k, want := range tt.wantHeaders {
				if got := strings.Join(rec.Header().Values(k), ", "); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestPublicKeys(t *testing.T) {
	opts := Options{
		AdminKeys: []string{testAdminKey},
		PublicKeys: []PublicKey{
			{Key: testPublicKey, Filter: search.Filters{Sources: []string{"Alpha Times"}}},
			{Key: testWideKey},
		},
	}
	s := newAccessServer(t, opts)
	alpha := []string{"Alpha Times", "Alpha Times"}
	tests := []struct {
		name        string
		req         request
		wantStatus  int
		wantSources []string // for search responses
	}{
		{name: "no key", req: request{target: "/api/v1/search?q=harbour"}, wantStatus: 401},
		{name: "unknown key", req: request{target: "/api/v1/search?q=harbour&key=pk_guess"}, wantStatus: 401},
		{name: "unknown bearer", req: request{target: "/api/v1/search?q=harbour", header: bearerHeader("pk_guess")}, wantStatus: 401},
		{name: "key parameter", req: request{target: "/api/v1/search?q=harbour&key=" + testPublicKey}, wantStatus: 200, wantSources: alpha},
		{name: "bearer header", req: request{target: "/api/v1/search?q=harbour", header: bearerHeader(testPublicKey)}, wantStatus: 200, wantSources: alpha},
		{name: "query filter cannot widen", req: request{target: "/api/v1/search?q=harbour&source=Beta+Post&source=Gamma+Wire&key=" + testPublicKey}, wantStatus: 200},
		{name: "field scope in the query cannot widen", req: request{target: "/api/v1/search?q=" + escape(`harbour OR source:"Beta Post"`) + "&key=" + testPublicKey}, wantStatus: 200, wantSources: alpha},
		{name: "query filter narrows within", req: request{target: "/api/v1/search?q=harbour&source=Alpha+Times&source=Beta+Post&key=" + testPublicKey}, wantStatus: 200, wantSources: alpha},
		{name: "POST body cannot widen", req: request{method: http.MethodPost, target: "/api/v1/search",
			body: `{"q":"harbour","source":["Beta Post"],"key":"x"}`, header: map[string]string{"Authorization": "Bearer " + testPublicKey, "Content-Type": "application/json"}}, wantStatus: 200},
		{name: "empty query sees only its outlet", req: request{target: "/api/v1/search?key=" + testPublicKey}, wantStatus: 200, wantSources: alpha},
		{name: "key without filter sees all", req: request{target: "/api/v1/search?q=harbour&key=" + testWideKey}, wantStatus: 200,
			wantSources: []string{"Alpha Times", "Alpha Times", "Beta Post", "Gamma Wire"}},
		{name: "admin key sees all", req: request{target: "/api/v1/search?q=harbour", header: bearerHeader(testAdminKey)}, wantStatus: 200,
			wantSources: []string{"Alpha Times", "Alpha Times", "Beta Post", "Gamma Wire"}},
		{name: "admin key is not accepted as a parameter", req: request{target: "/api/v1/search?q=harbour&key=" + testAdminKey}, wantStatus: 401},
		{name: "article inside the filter", req: request{target: "/api/v1/articles/a1?key=" + testPublicKey}, wantStatus: 200},
		{name: "article outside the filter is not found", req: request{target: "/api/v1/articles/b1?key=" + testPublicKey}, wantStatus: 404},
		{name: "absent article is not found", req: request{target: "/api/v1/articles/zz?key=" + testPublicKey}, wantStatus: 404},
		{name: "article without key", req: request{target: "/api/v1/articles/a1"}, wantStatus: 401},
		{name: "facets endpoint without key", req: request{target: "/api/v1/facets/source"}, wantStatus: 401},
		{name: "kwic without key", req: request{target: "/api/v1/kwic?q=harbour"}, wantStatus: 401},
		{name: "export without key", req: request{target: "/api/v1/export?q=harbour&format=jsonl"}, wantStatus: 401},
		{name: "openapi stays open", req: request{target: "/api/v1/openapi.json"}, wantStatus: 200},
		{name: "healthz stays open", req: request{target: "/healthz"}, wantStatus: 200},
		{name: "widget stays open", req: request{target: "/embed.js"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.req.do(t, s)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if rec.Code == 401 {
				if code := errorCode(t, rec); code != "unauthorized" {
					t.Errorf("error code %q", code)
				}
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			if strings.HasPrefix(tt.req.target, "/api/v1/search") && rec.Code == 200 {
				if diff := cmp.Diff(tt.wantSources, sources(t, rec)); diff != "" {
					t.Errorf("sources (-want +got):\n%s", diff)
				}
			}
		})
	}

	t.Run("facets list only the key's outlet", func(t *testing.T) {
		var res search.Result
		decode(t, request{target: "/api/v1/search?q=harbour&facets=source&key=" + testPublicKey}.do(t, s), &res)
		want := []search.FacetValue{{Value: "Alpha Times", Count: 2}}
		if diff := cmp.Diff(want, res.Facets["source"]); diff != "" {
			t.Errorf("facets (-want +got):\n%s", diff)
		}
		var fv struct{ Values []search.FacetValue }
		decode(t, request{target: "/api/v1/facets/source?prefix=&key=" + testPublicKey}.do(t, s), &fv)
		if diff := cmp.Diff(want, fv.Values); diff != "" {
			t.Errorf("facet values endpoint (-want +got):\n%s", diff)
		}
	})
	t.Run("kwic and export are filtered", func(t *testing.T) {
		var kw search.KWICResult
		decode(t, request{target: "/api/v1/kwic?q=harbour&key=" + testPublicKey}.do(t, s), &kw)
		for _, l := range kw.Lines {
			if !strings.HasPrefix(l.ID, "a") {
				t.Errorf("kwic line from %s outside the key's outlet", l.ID)
			}
		}
		if len(kw.Lines) == 0 {
			t.Error("no kwic lines")
		}
		rec := request{target: "/api/v1/export?q=harbour&format=jsonl&key=" + testPublicKey}.do(t, s)
		if rec.Code != 200 || strings.Count(rec.Body.String(), "\n") != 2 || strings.Contains(rec.Body.String(), "Beta") {
			t.Errorf("export: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("full text is the operator's choice", func(t *testing.T) {
		var a indexer.Article
		decode(t, request{target: "/api/v1/articles/a1?key=" + testPublicKey}.do(t, s), &a)
		if a.Body != "" || a.Title != "Harbour strike ends" {
			t.Errorf("public_full_text off: article %+v", a)
		}
		if rec := (request{target: "/api/v1/export?q=harbour&format=jsonl&text=full&key=" + testPublicKey}).do(t, s); rec.Code != 400 {
			t.Errorf("full-text export with a public key: %d %s", rec.Code, rec.Body)
		}
		decode(t, request{target: "/api/v1/articles/b1", header: bearerHeader(testAdminKey)}.do(t, s), &a)
		if a.Body == "" {
			t.Error("admin key got no body")
		}
		open := opts
		open.PublicFullText = true
		s2 := newAccessServer(t, open)
		decode(t, request{target: "/api/v1/articles/a1?key=" + testPublicKey}.do(t, s2), &a)
		if a.Body == "" {
			t.Error("public_full_text on: no body")
		}
	})
}

func escape(s string) string {
	return strings.NewReplacer(" ", "+", `"`, "%22", ":", "%3A").Replace(s)
}

func TestMatchesFilter(t *testing.T) {
	jan := time.Date(2019, 1, 15, 10, 0, 0, 0, time.UTC)
	a := &indexer.Article{Source: "S", Persons: []string{"P1", "P2"}, Places: []string{"X"}, Published: jan}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name string
		a    *indexer.Article
		f    search.Filters
		want bool
	}{
		{"empty filter", a, search.Filters{}, true},
		{"source", a, search.Filters{Sources: []string{"T", "S"}}, true},
		{"wrong source", a, search.Filters{Sources: []string{"T"}}, false},
		{"any person", a, search.Filters{Persons: []string{"P2"}}, true},
		{"all fields", a, search.Filters{Sources: []string{"S"}, Orgs: []string{"O"}}, false},
		{"date range", a, search.Filters{FromDate: day("2019-01-15"), ToDate: day("2019-01-15")}, true},
		{"before range", a, search.Filters{FromDate: day("2019-01-16")}, false},
		{"after range", a, search.Filters{ToDate: day("2019-01-14")}, false},
		{"undated never in a range", &indexer.Article{Source: "S"}, search.Filters{FromDate: day("2000-01-01")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matches(tt.a, tt.f); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterFromConfig(t *testing.T) {
	aliases, err := indexer.ParseAliases([]byte("sources:\n  The Telegraph: [Telegraph, telegraph.co.uk]\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      map[string][]string
		want    search.Filters
		wantErr string
	}{
		{name: "empty", in: nil, want: search.Filters{}},
		{name: "canonical names", in: map[string][]string{"source": {"Telegraph", " Other "}, "place": {"Rome"}},
			want: search.Filters{Sources: []string{"The Telegraph", "Other"}, Places: []string{"Rome"}}},
		{name: "dates", in: map[string][]string{"from_date": {"2019-01"}, "to_date": {"2019-12-31"}},
			want: search.Filters{FromDate: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), ToDate: time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{name: "unknown field", in: map[string][]string{"outlet": {"x"}}, wantErr: "filter outlet: unknown field"},
		{name: "no values", in: map[string][]string{"person": {" "}}, wantErr: "filter person: no values"},
		{name: "two dates", in: map[string][]string{"from_date": {"2019", "2020"}}, wantErr: "filter from_date: want one date"},
		{name: "bad date", in: map[string][]string{"to_date": {"soon"}}, wantErr: "filter to_date: invalid request"},
		{name: "backwards", in: map[string][]string{"from_date": {"2020"}, "to_date": {"2019"}}, wantErr: "filter to_date is before from_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FilterFromConfig(tt.in, aliases)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	s := newAccessServer(t, Options{
		RateLimit:  Rate{RPS: 0.5, Burst: 3},
		AdminKeys:  []string{testAdminKey},
		PublicKeys: []PublicKey{{Key: testPublicKey, Rate: Rate{RPS: 1, Burst: 10}}, {Key: testWideKey}},
	})
	burst := func(n int, r request) []int {
		var codes []int
		for range n {
			rec := r.do(t, s)
			codes = append(codes, rec.Code)
			if rec.Code == 429 {
				if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
					t.Errorf("Retry-After %q, want 1 or 2 s", rec.Header().Get("Retry-After"))
				}
				if code := errorCode(t, rec); code != "rate_limited" {
					t.Errorf("429 code %q", code)
				}
			}
		}
		return codes
	}
	ok3 := []int{200, 200, 200, 429, 429}
	tests := []struct {
		name string
		n    int
		req  request
		want []int
	}{
		{"over the burst", 5, request{target: "/api/v1/search?q=harbour&key=" + testWideKey}, ok3},
		{"a key's own rate", 12, request{target: "/api/v1/search?q=harbour&key=" + testPublicKey},
			[]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429}},
		{"by address without a key", 5, request{target: "/embed.js", remote: "198.51.100.7:1"}, ok3},
		{"another address has its own bucket", 3, request{target: "/embed.js", remote: "198.51.100.8:1"}, []int{200, 200, 200}},
		{"X-Forwarded-For is not trusted by default", 2, request{target: "/embed.js", remote: "198.51.100.7:2",
			header: map[string]string{"X-Forwarded-For": "203.0.113.9"}}, []int{429, 429}},
		{"a wrong key counts against the address", 1, request{target: "/embed.js?key=pk_guess", remote: "198.51.100.7:3"}, []int{429}},
		{"admin keys are not limited", 6, request{target: "/api/v1/search?q=x", header: bearerHeader(testAdminKey)}, []int{200, 200, 200, 200, 200, 200}},
		{"health checks are not limited", 6, request{target: "/healthz", remote: "198.51.100.7:4"}, []int{200, 200, 200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, burst(tt.n, tt.req)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a trusted proxy's X-Forwarded-For names the client", func(t *testing.T) {
		s := newAccessServer(t, Options{RateLimit: Rate{RPS: 0.5, Burst: 1}, TrustedProxies: []string{"10.0.0.0/8"}})
		via := func(client string) int {
			return request{target: "/embed.js", remote: "10.1.2.3:5", header: map[string]string{"X-Forwarded-For": client}}.do(t, s).Code
		}
		got := []int{via("203.0.113.1"), via("203.0.113.1"), via("203.0.113.2")}
		if diff := cmp.Diff([]int{200, 429, 200}, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("rps 0 is off", func(t *testing.T) {
		s := newAccessServer(t, Options{})
		for i := range 50 {
			if rec := (request{target: "/embed.js"}).do(t, s); rec.Code != 200 {
				t.Fatalf("request %d: %d", i, rec.Code)
			}
		}
	})
}

// TestLimitersStayBounded drives the limiter table with a fake clock.
func TestLimitersStayBounded(t *testing.T) {
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiters(func() time.Time { return now })
	l.max = 100
	r := Rate{RPS: 1, Burst: 2}
	for i := range 1000 {
		if ok, _ := l.take("ip:"+strconv.Itoa(i), r); !ok {
			t.Fatalf("client %d refused on its first request", i)
		}
		if len(l.m) > l.max {
			t.Fatalf("table grew to %d entries, cap %d", len(l.m), l.max)
		}
		now = now.Add(10 * time.Millisecond)
	}
	// A client with an empty bucket keeps it through evictions, which
	// drop full buckets first.
	slow := Rate{RPS: 0.001, Burst: 2}
	l.take("busy", slow)
	l.take("busy", slow)
	for i := range 300 {
		l.take("x"+strconv.Itoa(i), r)
		now = now.Add(time.Second)
	}
	if ok, wait := l.take("busy", slow); ok || wait <= 0 {
		t.Errorf("busy client forgotten: ok=%v wait=%v", ok, wait)
	}
	// Idle clients are swept.
	now = now.Add(limiterIdle + sweepEvery)
	l.take("late", r)
	if len(l.m) != 1 {
		t.Errorf("%d limiters after the idle sweep, want 1", len(l.m))
	}
}

// TestKeysNeverLogged checks that neither header nor parameter keys reach
// the request log.
func TestKeysNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newAccessServerLogging(t, Options{AdminKeys: []string{testAdminKey}, PublicKeys: []PublicKey{{Key: testPublicKey}}}, logger)
	for _, r := range []request{
		{target: "/api/v1/search?q=harbour&key=" + testPublicKey},
		{target: "/api/v1/search?q=harbour&key=" + testAdminKey},
		{target: "/api/v1/search?q=harbour", header: bearerHeader(testAdminKey)},
		{method: http.MethodPost, target: "/api/v1/articles", body: "{", header: bearerHeader(testAdminKey + "x")},
		{target: "/api/v1/articles/zz?key=" + testPublicKey},
	} {
		r.do(t, s)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, k := range []string{testPublicKey, testAdminKey} {
		if strings.Contains(logs.String(), k) {
			t.Errorf("key %q in the log:\n%s", k, logs.String())
		}
	}
}

func TestFindKey(t *testing.T) {
	a := newAccess(Options{AdminKeys: []string{testAdminKey, testAdminKey2}}, time.Now)
	tests := []struct {
		key  string
		want int
	}{
		{testAdminKey, 0},
		{testAdminKey2, 1},
		{testAdminKey[:10], -1},
		{"", -1},
		{testAdminKey + " ", -1},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := find(a.admin, sha256.Sum256([]byte(tt.key))); got != tt.want {
				t.Errorf("find = %d, want %d", got, tt.want)
			}
		})
	}
}
