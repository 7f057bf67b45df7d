package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"newsdex/indexer"
)

// fullWriter is a writer on a full disk: it commits `committed` articles
// of an ingest and then fails with ErrNoSpace, as indexer.Writer over a
// guarded index does.
type fullWriter struct{ committed int }

func (w fullWriter) Ingest(context.Context, indexer.Source, func(indexer.Record)) (indexer.Summary, error) {
	return indexer.Summary{Indexed: w.committed}, fmt.Errorf("write batch: %w", &indexer.NoSpaceError{Dir: "/srv/idx", Free: 1, Need: 2})
}

func (w fullWriter) Delete(context.Context, string) (bool, error) {
	return false, &indexer.NoSpaceError{Dir: "/srv/idx", Free: 1, Need: 2}
}

func (w fullWriter) DiskFull() bool { return true }

// TestWritesOnFullDiskAre507: writes answer 507 insufficient_storage with
// the index directory, what was committed and what to do, as `newsdex
// index` says it (writes need an admin key); reads and /readyz are
// unaffected and name no path, and /metrics shows it.
func TestWritesOnFullDiskAre507(t *testing.T) {
	s := New(discardLogger(), Options{AdminKeys: []string{testAdminKey}})
	s.SetSearcher(fakeSearcher{})
	s.SetWriter(fullWriter{committed: 250})
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   string
	}{
		{"ingest", request{method: http.MethodPost, target: "/api/v1/articles", body: `{"title":"x"}`, header: bearerHeader(testAdminKey)},
			507, `{"error":{"code":"insufficient_storage","message":"no space left on device at /srv/idx: 250 articles were committed; free space and send the same request again"}}`},
		{"delete", request{method: http.MethodDelete, target: "/api/v1/articles/a1", header: bearerHeader(testAdminKey)},
			507, `{"error":{"code":"insufficient_storage","message":"no space left on device at /srv/idx: the change was not made; free space and send the same request again"}}`},
		{"search still works", request{method: http.MethodGet, target: "/api/v1/search?q=rice"}, 200, ""},
		{"ready", request{method: http.MethodGet, target: "/readyz"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.req.do(t, s)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantBody != "" && strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Errorf("body\n%s\nwant\n%s", rec.Body, tt.wantBody)
			}
			if tt.req.method == http.MethodGet && strings.Contains(rec.Body.String(), "/srv") {
				t.Errorf("a read names the index directory: %s", rec.Body)
			}
		})
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"newsdex_index_disk_full 1", "newsdex_write_no_space_total 2"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// stoppedWriter is a writer whose index's Bleve persister has stopped.
type stoppedWriter struct{}

func (stoppedWriter) Ingest(context.Context, indexer.Source, func(indexer.Record)) (indexer.Summary, error) {
	return indexer.Summary{}, &indexer.StoppedError{Source: "persister", Cause: "panic: assignment to entry in nil map, path: /srv/idx/store"}
}

func (stoppedWriter) Delete(context.Context, string) (bool, error) {
	return false, &indexer.StoppedError{Source: "persister", Cause: "panic, path: /srv/idx/store"}
}

// TestWritesAfterBackgroundPanicAre503: once Bleve's persister has
// stopped, writes answer 503 writes_stopped at once (not a hang), naming
// what stopped but not the panic's text; searches go on.
func TestWritesAfterBackgroundPanicAre503(t *testing.T) {
	s := New(discardLogger(), Options{AdminKeys: []string{testAdminKey}})
	s.SetSearcher(fakeSearcher{})
	s.SetWriter(stoppedWriter{})
	const want = `{"error":{"code":"writes_stopped","message":"writes to the index have stopped: Bleve's persister stopped after a panic; restart newsdex to write again (searches go on)"}}`
	for _, req := range []request{
		{method: http.MethodPost, target: "/api/v1/articles", body: `{"title":"x"}`, header: bearerHeader(testAdminKey)},
		{method: http.MethodDelete, target: "/api/v1/articles/a1", header: bearerHeader(testAdminKey)},
	} {
		rec := req.do(t, s)
		if rec.Code != http.StatusServiceUnavailable || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("%s %s: %d %s, want 503 %s", req.method, req.target, rec.Code, rec.Body, want)
		}
	}
	if rec := (request{method: http.MethodGet, target: "/api/v1/search?q=rice"}).do(t, s); rec.Code != 200 {
		t.Errorf("search: %d", rec.Code)
	}
}
