package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/search"
)

func intp(i int) *int { return &i }

// total searches with an admin key and returns the total.
func total(t *testing.T, s *Server, q string) uint64 {
	t.Helper()
	var res search.Result
	rec := request{target: "/api/v1/search?q=" + q, header: bearerHeader(testAdminKey)}.do(t, s)
	if rec.Code != http.StatusOK {
		t.Fatalf("search %s: %d %s", q, rec.Code, rec.Body)
	}
	decode(t, rec, &res)
	return res.Total
}

func TestWriteAuth(t *testing.T) {
	post := func(h map[string]string) request {
		return request{method: http.MethodPost, target: "/api/v1/articles", body: `{"id":"n1","title":"zeppelin"}`, header: h}
	}
	del := func(h map[string]string) request {
		return request{method: http.MethodDelete, target: "/api/v1/articles/a1", header: h}
	}
	tests := []struct {
		name     string
		admin    []string
		req      request
		want     int
		wantCode string
	}{
		{"no admin keys: writes disabled", nil, post(bearerHeader(testAdminKey)), 403, "writes_disabled"},
		{"no admin keys: delete disabled", nil, del(bearerHeader(testAdminKey)), 403, "writes_disabled"},
		{"no key", []string{testAdminKey}, post(nil), 401, "unauthorized"},
		{"wrong key", []string{testAdminKey}, post(bearerHeader("admin-key-0123456788")), 401, "unauthorized"},
		{"key prefix", []string{testAdminKey}, post(bearerHeader(testAdminKey[:12])), 401, "unauthorized"},
		{"not a bearer", []string{testAdminKey}, post(map[string]string{"Authorization": "Basic " + testAdminKey}), 401, "unauthorized"},
		{"key as a parameter does not count", []string{testAdminKey}, request{method: http.MethodPost,
			target: "/api/v1/articles?key=" + testAdminKey, body: `{"title":"x"}`}, 401, "unauthorized"},
		{"delete without key", []string{testAdminKey}, del(nil), 401, "unauthorized"},
		{"second key works", []string{testAdminKey, testAdminKey2}, post(bearerHeader(testAdminKey2)), 200, ""},
		{"lower-case scheme", []string{testAdminKey}, post(map[string]string{"Authorization": "bearer " + testAdminKey}), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAccessServer(t, Options{AdminKeys: tt.admin})
			rec := tt.req.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.wantCode != "" {
				if code := errorCode(t, rec); code != tt.wantCode {
					t.Errorf("error code %q, want %q", code, tt.wantCode)
				}
			}
			// Refused writes change nothing.
			s.access = newAccess(Options{AdminKeys: []string{testAdminKey}}, time.Now)
			wantZeppelin := uint64(0)
			if tt.want == 200 {
				wantZeppelin = 1
			}
			if n := total(t, s, "zeppelin"); n != wantZeppelin {
				t.Errorf("zeppelin found %d times, want %d", n, wantZeppelin)
			}
			if n := total(t, s, "harbour"); n != 4 {
				t.Errorf("harbour: %d, want 4", n)
			}
		})
	}
}

func TestIngest(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		max        int64
		wantStatus int
		want       ingestResult
		wantErr    string // error message prefix for non-200
		wantFound  map[string]uint64
	}{
		{
			name: "JSON Lines with bad lines",
			body: `{"id":"n1","title":"Zeppelin lands","body":"A zeppelin landed.","source":"Delta"}` + "\n" +
				"\n" +
				`{"id":"n2","title":` + "\n" +
				`{"id":"n3","body":""}` + "\n" +
				`{"id":"n4","text":"Second zeppelin","date":"2020-05-06","outlet":"Delta"}`,
			wantStatus: 200,
			want: ingestResult{Indexed: 2, Skipped: 2, Errors: []recordError{
				{Line: 3, Error: "bad JSON at byte 19: unexpected end of JSON input"},
				{Line: 4, Error: `id "n3": record has neither title nor body`},
			}},
			wantFound: map[string]uint64{"zeppelin": 2},
		},
		{
			name:       "JSON array with bad elements",
			body:       "[\n {\"id\":\"n1\",\"title\":\"zeppelin one\"},\n 7,\n {\"id\":\"n2\",\"title\":\"\"},\n {\"id\":\"n3\",\"title\":\"zeppelin three\"}\n]",
			wantStatus: 200,
			want: ingestResult{Indexed: 2, Skipped: 2, Errors: []recordError{
				{Line: 3, Index: intp(1), Error: "element is not a JSON object"},
				{Line: 4, Index: intp(2), Error: `id "n2": record has neither title nor body`},
			}},
			wantFound: map[string]uint64{"zeppelin": 2},
		},
		{
			name:       "one pretty-printed object",
			body:       "{\n  \"id\": \"n1\",\n  \"title\": \"zeppelin\"\n}\n",
			wantStatus: 200,
			want:       ingestResult{Indexed: 1, Errors: []recordError{}},
			wantFound:  map[string]uint64{"zeppelin": 1},
		},
		{
			name:       "replacing an article by id",
			body:       `{"id":"a1","title":"Zeppelin strike","body":"no more harbour"}`,
			wantStatus: 200,
			want:       ingestResult{Indexed: 1, Errors: []recordError{}},
			wantFound:  map[string]uint64{"zeppelin": 1, "harbour": 4},
		},
		{
			name:       "malformed array writes nothing",
			body:       "[{\"title\":\"zeppelin\"},\n{\"title\" \"x\"}]",
			wantStatus: 400,
			wantErr:    "invalid request: body is not a well-formed JSON array: invalid character '\"' after object key (line 2)",
			wantFound:  map[string]uint64{"zeppelin": 0},
		},
		{name: "empty body", body: " \n", wantStatus: 400, wantErr: "invalid request: empty body"},
		{
			name:       "body over the limit writes nothing",
			body:       `{"title":"zeppelin"}` + "\n" + strings.Repeat(`{"title":"filler"}`+"\n", 100),
			max:        512,
			wantStatus: 413,
			wantErr:    "request body too large",
			wantFound:  map[string]uint64{"zeppelin": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAccessServer(t, Options{AdminKeys: []string{testAdminKey}, MaxBodyBytes: tt.max})
			rec := request{method: http.MethodPost, target: "/api/v1/articles", body: tt.body,
				header: map[string]string{"Authorization": "Bearer " + testAdminKey, "Content-Type": "application/x-ndjson"}}.do(t, s)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == 200 {
				var got ingestResult
				decode(t, rec, &got)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("response (-want +got):\n%s", diff)
				}
			} else {
				var e apiError
				decode(t, rec, &e)
				if !strings.HasPrefix(e.Error.Message, tt.wantErr) {
					t.Errorf("message %q, want prefix %q", e.Error.Message, tt.wantErr)
				}
			}
			for q, want := range tt.wantFound {
				if n := total(t, s, q); n != want {
					t.Errorf("%s: %d hits right after the response, want %d", q, n, want)
				}
			}
		})
	}
}

// TestIngestChunkedOverLimit sends a body without Content-Length, so the
// limit is only found while reading.
func TestIngestChunkedOverLimit(t *testing.T) {
	s := newAccessServer(t, Options{AdminKeys: []string{testAdminKey}, MaxBodyBytes: 256})
	req := request{method: http.MethodPost, target: "/api/v1/articles",
		body: strings.Repeat(`{"title":"zeppelin"}`+"\n", 40), header: bearerHeader(testAdminKey)}
	r := httptestRequest(req)
	r.ContentLength = -1
	rec := serve(s, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if n := total(t, s, "zeppelin"); n != 0 {
		t.Errorf("%d articles written from a refused body", n)
	}
}

func TestDelete(t *testing.T) {
	s := newAccessServer(t, Options{AdminKeys: []string{testAdminKey}})
	tests := []struct {
		id          string
		want        int
		wantHarbour uint64
	}{
		{"a1", 200, 3},
		{"a1", 404, 3},
		{"nope", 404, 3},
		{"c1", 200, 2},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			rec := request{method: http.MethodDelete, target: "/api/v1/articles/" + tt.id, header: bearerHeader(testAdminKey)}.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if n := total(t, s, "harbour"); n != tt.wantHarbour {
				t.Errorf("harbour: %d after delete, want %d", n, tt.wantHarbour)
			}
			if rec := (request{target: "/api/v1/articles/" + tt.id}).do(t, s); rec.Code != 404 {
				t.Errorf("article after delete: %d", rec.Code)
			}
		})
	}
}

// TestWriterMissing: with admin keys but no writer the endpoints say the
// service is not ready rather than failing.
func TestWriterMissing(t *testing.T) {
	s := New(discardLogger(), Options{AdminKeys: []string{testAdminKey}})
	s.SetSearcher(fakeSearcher{})
	rec := request{method: http.MethodPost, target: "/api/v1/articles", body: `{"title":"x"}`, header: bearerHeader(testAdminKey)}.do(t, s)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
}

// TestGuardedFailsClosed: a search that bypassed the access middleware is
// refused, not answered unfiltered.
func TestGuardedFailsClosed(t *testing.T) {
	g := guarded{inner: fakeSearcher{}}
	if _, err := g.Search(context.Background(), search.Request{}); !errors.Is(err, errNoClient) {
		t.Errorf("Search without a client: %v", err)
	}
	if _, err := g.Article(withClient(context.Background(), client{kind: anonymous}), "x"); !errors.Is(err, errNoClient) {
		t.Errorf("Article for an anonymous client: %v", err)
	}
}

func httptestRequest(r request) *http.Request {
	req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
	req.RemoteAddr = "192.0.2.1:1234"
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	return req
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
