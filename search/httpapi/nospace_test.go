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
	return indexer.Summary{Indexed: w.committed}, fmt.Errorf("write batch: %w", &indexer.NoSpaceError{Dir: "/secret/idx", Free: 1, Need: 2})
}

func (w fullWriter) Delete(context.Context, string) (bool, error) {
	return false, &indexer.NoSpaceError{Dir: "/secret/idx", Free: 1, Need: 2}
}

func (w fullWriter) DiskFull() bool { return true }

// TestWritesOnFullDiskAre507: writes answer 507 insufficient_storage with
// what was committed and what to do, never the index path; reads and
// /readyz are unaffected, and /metrics shows it.
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
			507, `{"error":{"code":"insufficient_storage","message":"no space left on device: 250 articles were committed; free space and send the same request again"}}`},
		{"delete", request{method: http.MethodDelete, target: "/api/v1/articles/a1", header: bearerHeader(testAdminKey)},
			507, `{"error":{"code":"insufficient_storage","message":"no space left on device: the change was not made; free space and send the same request again"}}`},
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
			if strings.Contains(rec.Body.String(), "/secret") {
				t.Errorf("body names the index directory: %s", rec.Body)
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
