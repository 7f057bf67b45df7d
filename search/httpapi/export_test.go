package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
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
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search"
)

// harvestArticles are n matches of "harvest", more than two export pages
// when n > 2*search.ExportPageSize, with entities and markup to round-trip.
func harvestArticles(n int) []indexer.Article {
	out := make([]indexer.Article, n)
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = indexer.Article{
			ID:            fmt.Sprintf("h%04d", i),
			Title:         fmt.Sprintf("Harvest report %d, \"quoted\"", i),
			Body:          fmt.Sprintf("The harvest <b>grew</b> & wheat, line %d.\nSecond line; with, commas.", i),
			Source:        []string{"Reuters", "AP", "AFP"}[i%3],
			URL:           fmt.Sprintf("https://example.org/%d", i),
			Published:     start.AddDate(0, 0, i),
			Persons:       []string{"Ann Lee", "Bo Chan"}[:i%3%2+1],
			Organizations: []string{"Grain Board"},
		}
	}
	return out
}

// get requests target from h and returns the response.
func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// readCSV parses an export and checks its header.
func readCSV(t *testing.T, body []byte, header []string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if len(rows) == 0 {
		t.Fatal("CSV has no header")
	}
	if diff := cmp.Diff(header, rows[0]); diff != "" {
		t.Errorf("CSV header (-want +got):\n%s", diff)
	}
	return rows[1:]
}

// readJSONL decodes every line of a JSON Lines export.
func readJSONL[T any](t *testing.T, body []byte) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d does not parse: %v: %q", len(out)+1, err, sc.Text())
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var exportHeader = []string{"id", "title", "source", "published", "url", "persons", "organizations", "places"}

func TestExportEndpoint(t *testing.T) {
	arts := harvestArticles(2*search.ExportPageSize + 61)
	byID := map[string]indexer.Article{}
	for _, a := range arts {
		byID[a.ID] = a
	}
	ap := 0
	for _, a := range arts {
		if a.Source == "AP" {
			ap++
		}
	}
	h := newTestServer(t, uiService(t, nil, arts...))
	tests := []struct {
		name, params string
		want         int
	}{
		{"every match", "q=harvest", len(arts)},
		{"filtered", "q=harvest&source=AP", ap},
		{"sorted by date, size ignored", "q=harvest&sort=-date&size=5", len(arts)},
		{"no match", "q=zyzzyva", 0},
	}
	for _, tt := range tests {
		for _, text := range []string{"snippet", "full"} {
			t.Run(tt.name+"/csv/"+text, func(t *testing.T) {
				rec := get(t, h, "/api/v1/export?format=csv&text="+text+"&"+tt.params)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				checkDownload(t, rec, "newsdex-export.csv", "text/csv", tt.want)
				col := text
				if text == "full" {
					col = "body"
				}
				rows := readCSV(t, rec.Body.Bytes(), append(exportHeader[:len(exportHeader):len(exportHeader)], col))
				if len(rows) != tt.want {
					t.Fatalf("%d rows, want %d", len(rows), tt.want)
				}
				seen := map[string]bool{}
				for _, r := range rows {
					a, ok := byID[r[0]]
					if !ok || seen[r[0]] {
						t.Fatalf("row %q: unknown or repeated id", r)
					}
					seen[r[0]] = true
					wantText := a.Body
					if text == "snippet" {
						wantText = strings.Join(strings.Fields(a.Body), " ")
					}
					want := []string{a.ID, a.Title, a.Source, a.Published.Format(time.RFC3339), a.URL,
						strings.Join(a.Persons, "; "), "Grain Board", "", wantText}
					if diff := cmp.Diff(want, r); diff != "" {
						t.Fatalf("row (-want +got):\n%s", diff)
					}
				}
			})
			t.Run(tt.name+"/jsonl/"+text, func(t *testing.T) {
				rec := get(t, h, "/api/v1/export?format=jsonl&text="+text+"&"+tt.params)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				checkDownload(t, rec, "newsdex-export.jsonl", "application/x-ndjson", tt.want)
				rows := readJSONL[map[string]any](t, rec.Body.Bytes())
				if len(rows) != tt.want {
					t.Fatalf("%d rows, want %d", len(rows), tt.want)
				}
				for _, r := range rows {
					a := byID[r["id"].(string)]
					_, hasSnippet := r["snippet"]
					body, hasBody := r["body"].(string)
					if hasSnippet == (text == "full") || hasBody != (text == "full") {
						t.Fatalf("row %v: want only the %s", r, text)
					}
					if hasBody && body != a.Body {
						t.Fatalf("body %q, want %q", body, a.Body)
					}
					if s, _ := r["snippet"].(string); hasSnippet && (strings.Contains(s, "<mark>") || !strings.Contains(s, "<b>grew</b> & wheat")) {
						t.Fatalf("snippet %q is not plain text", s)
					}
					if fmt.Sprint(r["persons"]) != fmt.Sprint(a.Persons) || fmt.Sprint(r["places"]) != "[]" {
						t.Fatalf("entities of %v", r)
					}
				}
			})
		}
	}
}

func checkDownload(t *testing.T, rec *httptest.ResponseRecorder, file, ctype string, total int) {
	t.Helper()
	if got := rec.Header().Get("Content-Disposition"); got != `attachment; filename="`+file+`"` {
		t.Errorf("Content-Disposition = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, ctype) {
		t.Errorf("Content-Type = %q, want %s", got, ctype)
	}
	if got := rec.Header().Get("X-Total-Count"); got != fmt.Sprint(total) {
		t.Errorf("X-Total-Count = %q, want %d", got, total)
	}
}

func TestExportAndKWICRejectBadParameters(t *testing.T) {
	h := newTestServer(t, uiService(t, nil))
	tests := []struct {
		target, wantCode, wantMsg string
	}{
		{"/api/v1/export?q=rice", "bad_request", "format must be csv or jsonl"},
		{"/api/v1/export?q=rice&format=xml", "bad_request", `got "xml"`},
		{"/api/v1/export?q=rice&format=csv&text=some", "bad_request", "text must be snippet or full"},
		{"/api/v1/export?q=a+AND&format=csv", "bad_query", "missing term after AND"},
		{"/api/v1/export?q=rice&format=csv&from=10", "bad_request", "from and cursor do not apply"},
		{"/api/v1/export?q=rice&format=csv&from_date=yesterday", "bad_request", "from_date must be a date"},
		{"/api/v1/kwic?q=rice&width=201", "bad_request", "width must be between 1 and 200"},
		{"/api/v1/kwic?q=rice&limit=5001", "bad_request", "limit must be between 1 and 5000"},
		{"/api/v1/kwic?q=rice&width=-1", "bad_request", "width must be a non-negative integer"},
		{"/api/v1/kwic?q=rice&format=xml", "bad_request", "format must be json, csv or jsonl"},
		{"/api/v1/kwic?q=(((", "bad_query", "unclosed parenthesis"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := get(t, h, tt.target)
			var body apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != http.StatusBadRequest || body.Error.Code != tt.wantCode || !strings.Contains(body.Error.Message, tt.wantMsg) {
				t.Errorf("got %d %+v, want 400 %s containing %q", rec.Code, body.Error, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// failingExporter returns two hits, then fails as a broken index would.
type failingExporter struct {
	Searcher
	err error
}

func (f failingExporter) Export(ctx context.Context, req search.Request, emit func(uint64, search.Hit) error) (uint64, error) {
	for i := range 2 {
		if err := emit(5, search.Hit{ID: fmt.Sprint("a", i), Title: "T", Snippet: "x"}); err != nil {
			return 5, err
		}
	}
	return 5, fmt.Errorf("export page 2: %w", f.err)
}

func TestExportErrorAfterStartEndsWithMarker(t *testing.T) {
	tests := []struct {
		name, format, want string
		err                error
	}{
		{"csv", "csv", "# error: internal: the export is incomplete; request id ", errors.New("disk on fire")},
		{"jsonl", "jsonl", `{"error":{"code":"internal","message":"the export is incomplete; request id `, errors.New("disk on fire")},
		{"csv timeout", "csv", "# error: timeout: the export took too long", context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := New(slog.New(slog.NewTextHandler(&logs, nil)), Options{})
			s.SetSearcher(failingExporter{err: tt.err})
			rec := get(t, s, "/api/v1/export?format="+tt.format)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d; the status was sent with the first row", rec.Code)
			}
			lines := strings.Split(strings.TrimRight(rec.Body.String(), "\n"), "\n")
			wantLines := 3 // two rows and the marker
			if tt.format == "csv" {
				wantLines++ // header
			}
			if len(lines) != wantLines || !strings.HasPrefix(lines[len(lines)-1], tt.want) {
				t.Errorf("body:\n%s\nwant %d lines, the last starting %q", rec.Body, wantLines, tt.want)
			}
			if strings.Contains(rec.Body.String(), "disk on fire") {
				t.Error("the internal error leaked into the download")
			}
			if !strings.Contains(logs.String(), "disk on fire") && tt.err.Error() == "disk on fire" {
				t.Errorf("the error was not logged: %s", logs.String())
			}
		})
	}
}

func TestKWICEndpoint(t *testing.T) {
	svc := uiService(t, nil)
	h := newTestServer(t, svc)
	rec := get(t, h, "/api/v1/kwic?q=ambassador&width=30&limit=8&sort=relevance")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var res search.KWICResult
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Lines) != 8 || !res.Truncated || res.Total < 3 {
		t.Errorf("%d lines, truncated %v, total %d; want 8, true, >= 3", len(res.Lines), res.Truncated, res.Total)
	}
	res.TookMS = 0
	got, _ := json.MarshalIndent(res, "", "  ")
	assertGolden(t, "kwic_ambassador.golden.json", got)

	for _, format := range []string{"csv", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			rec := get(t, h, "/api/v1/kwic?q=ambassador&width=30&limit=8&raw=true&format="+format)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var lines []search.KWICLine
			if format == "csv" {
				checkDownload(t, rec, "newsdex-kwic.csv", "text/csv", 8)
				for _, r := range readCSV(t, rec.Body.Bytes(), kwicColumns) {
					lines = append(lines, search.KWICLine{ID: r[0], Title: r[1], Source: r[2], Published: r[3], Left: r[4], Keyword: r[5], Right: r[6]})
				}
			} else {
				checkDownload(t, rec, "newsdex-kwic.jsonl", "application/x-ndjson", 8)
				lines = readJSONL[search.KWICLine](t, rec.Body.Bytes())
			}
			if diff := cmp.Diff(res.Lines, lines); diff != "" {
				t.Errorf("%s lines differ from the JSON response (-json +%s):\n%s", format, format, diff)
			}
		})
	}
}

// TestExportReuters exports every match of queries over the Reuters-21578
// corpus and counts the rows against the search's total.
func TestExportReuters(t *testing.T) {
	path := "../../../shared/data/reuters21578.jsonl"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Reuters corpus not available at %s: %v", path, err)
	}
	if testing.Short() {
		t.Skip("ingests 21,578 articles; skipped with -short")
	}
	idx, _, err := indexer.Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	sum, err := ing.Ingest(context.Background(), indexer.PathSource([]string{path}, func(p string, err error) { t.Fatal(err) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ingested %d articles in %s", sum.Indexed, sum.Elapsed.Round(time.Millisecond))
	svc, err := search.NewService(idx, search.Limits{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newTestServer(t, svc))
	t.Cleanup(ts.Close)
	tests := []struct {
		q, format, text string
		min             uint64
	}{
		{"oil", "csv", "snippet", 1000},
		{"oil", "jsonl", "full", 1000},
		{"", "csv", "full", uint64(sum.Indexed)},
		{"", "jsonl", "snippet", uint64(sum.Indexed)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("q=%q/%s/%s", tt.q, tt.format, tt.text), func(t *testing.T) {
			res, err := svc.Search(context.Background(), search.Request{Query: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total < tt.min {
				t.Fatalf("total %d, want >= %d", res.Total, tt.min)
			}
			v := url.Values{"q": {tt.q}, "format": {tt.format}, "text": {tt.text}}
			start := time.Now()
			resp, err := http.Get(ts.URL + "/api/v1/export?" + v.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			var rows int
			if tt.format == "csv" {
				rows = len(readCSV(t, body, append(exportHeader[:len(exportHeader):len(exportHeader)], map[string]string{"snippet": "snippet", "full": "body"}[tt.text])))
			} else {
				rows = len(readJSONL[exportRow](t, body))
			}
			if uint64(rows) != res.Total {
				t.Errorf("%d rows, want total %d", rows, res.Total)
			}
			t.Logf("%d rows, %.1f MB in %s: %.0f rows/s", rows, float64(len(body))/1e6, took.Round(time.Millisecond), float64(rows)/took.Seconds())
		})
	}
}
