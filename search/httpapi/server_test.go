package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// seedService indexes the built-in corpus into a fresh in-memory index
// through the production ingest path.
func seedService(t testing.TB) *search.Service {
	t.Helper()
	return uiService(t, nil)
}

func newTestServer(t testing.TB, sr Searcher) *Server {
	t.Helper()
	s := New(slog.New(slog.DiscardHandler), Options{MaxBodyBytes: 1 << 16})
	if sr != nil {
		s.SetSearcher(sr)
	}
	return s
}

// get performs a request against h and decodes a JSON body into out.
func do(t *testing.T, h http.Handler, method, target string, body io.Reader, out any) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, target, rec.Body.String(), err)
		}
	}
	return rec
}

func searchURL(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Add(params[i], params[i+1])
	}
	return "/api/v1/search?" + v.Encode()
}

// TestSearchAPIOnSeedCorpus is the search API issue's acceptance list.
func TestSearchAPIOnSeedCorpus(t *testing.T) {
	h := newTestServer(t, seedService(t))
	total := func(params ...string) uint64 {
		t.Helper()
		var res search.Result
		rec := do(t, h, http.MethodGet, searchURL(params...), nil, &res)
		if rec.Code != http.StatusOK {
			t.Fatalf("%v: status %d: %s", params, rec.Code, rec.Body)
		}
		return res.Total
	}

	var res search.Result
	do(t, h, http.MethodGet, searchURL("q", "ambassador", "facets", "source,person,org,place", "histogram", "month"), nil, &res)
	if res.Total < 3 || len(res.Hits) < 3 || !strings.Contains(res.Hits[0].Snippet, "<mark>") {
		t.Errorf("q=ambassador: total %d, hits %d, first snippet %q", res.Total, len(res.Hits), res.Hits[0].Snippet)
	}
	for _, f := range []string{"source", "person", "org", "place"} {
		if _, ok := res.Facets[f]; !ok {
			t.Errorf("facet %s missing", f)
		}
	}
	if n := total("q", `"acting ambassador"`); n == 0 || n >= total("q", "acting ambassador OR ambassador") {
		t.Errorf(`phrase "acting ambassador": %d hits`, n)
	}
	if a, b := total("q", "defector"), total("q", "defector AND NOT rice"); b >= a {
		t.Errorf("defector %d, defector AND NOT rice %d", a, b)
	}
	if n := total("source", "The Telegraph"); n != 1 {
		t.Errorf("source=The Telegraph: %d, want 1", n)
	}
	// POST with a JSON body takes the same parameters.
	var post search.Result
	rec := do(t, h, http.MethodPost, "/api/v1/search", strings.NewReader(`{"q":"ambassador","source":["The Telegraph","ABC News"]}`), &post)
	if rec.Code != http.StatusOK || post.Total == 0 || post.Total > 2 {
		t.Errorf("POST search: %d total %d: %s", rec.Code, post.Total, rec.Body)
	}

	for _, q := range []string{"title:(", `"unclosed`, "a AND", "((("} {
		var e apiError
		rec := do(t, h, http.MethodGet, searchURL("q", q), nil, &e)
		if rec.Code != http.StatusBadRequest || e.Error.Code != "bad_query" || !strings.Contains(e.Error.Message, " at ") {
			t.Errorf("q=%s: %d %+v, want 400 bad_query with a position", q, rec.Code, e)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		if rec := do(t, h, http.MethodGet, path, nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
	var a indexer.Article
	rec = do(t, h, http.MethodGet, "/api/v1/articles/"+url.PathEscape(res.Hits[0].ID), nil, &a)
	if rec.Code != http.StatusOK || a.Title != res.Hits[0].Title || a.Body == "" {
		t.Errorf("article %s: %d %+v", res.Hits[0].ID, rec.Code, a)
	}
	var e apiError
	if rec := do(t, h, http.MethodGet, "/api/v1/articles/nope", nil, &e); rec.Code != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Errorf("missing article: %d %+v", rec.Code, e)
	}
}

func TestBadParametersAre400(t *testing.T) {
	h := newTestServer(t, seedService(t))
	tests := []struct{ name, target, wantMsg string }{
		{"size", searchURL("size", "1000"), "size must be between 1 and 100"},
		{"negative from", searchURL("from", "-3"), "from must be a non-negative integer"},
		{"size not a number", searchURL("size", "ten"), "size must be a non-negative integer"},
		{"sort", searchURL("sort", "popular"), "unknown sort"},
		{"histogram", searchURL("histogram", "hour"), "unknown histogram interval"},
		{"facet", searchURL("facets", "author"), "unknown facet"},
		{"cursor", searchURL("cursor", "garbage!"), "invalid cursor"},
		{"date", searchURL("from_date", "yesterday"), "from_date must be a date"},
		{"highlight", searchURL("highlight", "maybe"), "highlight must be true or false"},
		{"nul", searchURL("q", "rice\x00"), ""},
		{"invalid utf-8", "/api/v1/search?q=%ff%fe", ""},
		{"leading wildcard", searchURL("q", "*rice"), ""},
		{"fuzzy 99", searchURL("q", "rice~99"), ""},
		{"facet values field", "/api/v1/facets/author?prefix=a", "unknown facet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			rec := do(t, h, http.MethodGet, tt.target, nil, &e)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			if !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tt.wantMsg)
			}
		})
	}
}

// fakeSearcher fails every call with err.
type fakeSearcher struct{ err error }

func (f fakeSearcher) Search(context.Context, search.Request) (*search.Result, error) {
	return nil, f.err
}
func (f fakeSearcher) Article(context.Context, string) (*indexer.Article, error) { return nil, f.err }
func (f fakeSearcher) FacetValues(context.Context, string, string, search.Request, int) ([]search.FacetValue, error) {
	return nil, f.err
}
func (f fakeSearcher) Stats(context.Context) (search.Stats, error) { return search.Stats{}, f.err }

func TestErrorsMapToStatus(t *testing.T) {
	tests := []struct {
		err      error
		status   int
		code     string
		leakFree bool
	}{
		{fmt.Errorf("%w: size too big", search.ErrInvalidRequest), 400, "bad_request", false},
		{fmt.Errorf("article x: %w", search.ErrNotFound), 404, "not_found", false},
		{fmt.Errorf("search: %w", context.DeadlineExceeded), 503, "timeout", true},
		{errors.New("open /var/lib/newsdex/index/store/root.bolt: disk on fire"), 500, "internal", true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			var e apiError
			rec := do(t, newTestServer(t, fakeSearcher{tt.err}), http.MethodGet, "/api/v1/search?q=x", nil, &e)
			if rec.Code != tt.status || e.Error.Code != tt.code {
				t.Errorf("got %d %q, want %d %q", rec.Code, e.Error.Code, tt.status, tt.code)
			}
			if tt.leakFree && strings.Contains(rec.Body.String(), "/var/lib") {
				t.Errorf("internal detail leaked: %s", rec.Body)
			}
		})
	}
}

func TestNotReadyUntilSearcherSet(t *testing.T) {
	s := newTestServer(t, nil)
	if rec := do(t, s, http.MethodGet, "/healthz", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("healthz before index: %d", rec.Code)
	}
	for _, p := range []string{"/readyz", "/api/v1/search?q=x"} {
		if rec := do(t, s, http.MethodGet, p, nil, nil); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s before index: %d, want 503", p, rec.Code)
		}
	}
	s.SetSearcher(seedService(t))
	if rec := do(t, s, http.MethodGet, "/readyz", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("readyz after index: %d", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newTestServer(t, seedService(t))
	big := `{"q":"` + strings.Repeat("a", 1<<17) + `"}`
	var e apiError
	rec := do(t, h, http.MethodPost, "/api/v1/search", strings.NewReader(big), &e)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413: %+v", rec.Code, e)
	}
}

// TestSearchResponseGolden pins the JSON shape of a search response.
func TestSearchResponseGolden(t *testing.T) {
	h := newTestServer(t, seedService(t))
	rec := do(t, h, http.MethodGet, searchURL("q", "rice", "facets", "source", "size", "2", "histogram", "year"), nil, nil)
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	v["took_ms"] = 0 // varies
	got, _ := json.MarshalIndent(v, "", "  ")
	assertGolden(t, "search_rice.golden.json", got)
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestNaturalMode(t *testing.T) {
	h := newTestServer(t, seedService(t))
	var res search.Result
	// In the query language this is a syntax error; in natural mode its
	// words are ORed and ranked.
	rec := do(t, h, http.MethodGet, searchURL("q", `which "defector sent rice (to her son`, "mode", "natural"), nil, &res)
	if rec.Code != http.StatusOK || res.Total == 0 {
		t.Fatalf("natural mode: %d, %d hits: %s", rec.Code, res.Total, rec.Body)
	}
	if !strings.Contains(res.Hits[0].Title, "rice") {
		t.Errorf("first hit %q, want the rice article", res.Hits[0].Title)
	}
	var e apiError
	if rec := do(t, h, http.MethodGet, searchURL("q", "x", "mode", "poetic"), nil, &e); rec.Code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "unknown mode") {
		t.Errorf("unknown mode: %d %+v", rec.Code, e)
	}
}
