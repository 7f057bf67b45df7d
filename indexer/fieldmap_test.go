package indexer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFieldMap(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string
	}{
		{"title=headline,published=publish_date,source=media_name", ""},
		{" Title = Headline , body=text ", ""},
		{"headline=title", `unknown field "headline"`},
		{"title", "want FIELD=COLUMN"},
		{"title=", "want FIELD=COLUMN"},
		{"title=a,title=b", `field "title" mapped twice`},
		{"title=a,body=A", `column "A" mapped twice`},
		{"", "empty"},
	}
	for _, tt := range tests {
		_, err := ParseFieldMap(tt.spec)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ParseFieldMap(%q) = %v, want error %q", tt.spec, err, tt.wantErr)
		}
	}
	if _, err := Preset("gdelt"); err == nil || !strings.Contains(err.Error(), "known: mediacloud") {
		t.Errorf("unknown preset: %v", err)
	}
}

func FuzzParseFieldMap(f *testing.F) {
	f.Add("title=headline,published=publish_date,source=media_name")
	f.Add("body=text,,=x")
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseFieldMap(spec)
		if err != nil {
			return
		}
		for col, field := range m.from {
			if col == "" || !strings.Contains(strings.Join(mappableFields, ","), field) {
				t.Fatalf("accepted %q → %q", col, field)
			}
		}
	})
}

// collect runs a Source and returns its records and file errors.
func collect(t *testing.T, src Source) (recs []Record) {
	t.Helper()
	err := src(context.Background(), func(r Record) error { recs = append(recs, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestMediaCloudPreset(t *testing.T) {
	m, err := Preset("mediacloud")
	if err != nil {
		t.Fatal(err)
	}
	recs := collect(t, m.Source([]string{"testdata/fieldmap/mediacloud.csv"}, func(p string, err error) { t.Errorf("%s: %v", p, err) }))
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	a := recs[0].Article
	want := Article{
		ID:        URLID("https://www.nytimes.com/2023/05/01/business/media/writers-strike.html"),
		Title:     "Writers Guild Goes on Strike, Halting Production",
		Source:    "nytimes.com",
		URL:       "https://www.nytimes.com/2023/05/01/business/media/writers-strike.html",
		Published: time.Date(2023, 5, 1, 21, 4, 33, 0, time.UTC),
	}
	if recs[0].Err != nil || a.ID != want.ID || a.Title != want.Title || a.Source != want.Source || a.URL != want.URL || !a.Published.Equal(want.Published) {
		t.Errorf("got %+v (err %v)\nwant %+v", a, recs[0].Err, want)
	}
	if a.Meta["mediacloud_id"] != "2489114506" || a.Meta["language"] != "en" || a.Meta["media_url"] != "nytimes.com" {
		t.Errorf("meta = %v", a.Meta)
	}
	if recs[1].Article.ID != URLID("https://www.theguardian.com/culture/2023/may/02/writers-strike-what-next") {
		t.Error("tracking parameters change the ID")
	}
	if recs[2].Err == nil || !strings.Contains(recs[2].Err.Error(), "bad published date") || recs[2].Line != 4 {
		t.Errorf("bad row: line %d, err %v", recs[2].Line, recs[2].Err)
	}
}

func TestFieldMapJSONLAndErrors(t *testing.T) {
	m, err := ParseFieldMap("title=headline,body=story,source=outlet_name,published=pubdate,url=link")
	if err != nil {
		t.Fatal(err)
	}
	recs := collect(t, m.Source([]string{"testdata/fieldmap/other-tool.jsonl"}, func(p string, err error) { t.Errorf("%s: %v", p, err) }))
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	a := recs[0].Article
	if a.Title != "Port strike ends" || a.Source != "Harbour Times" || a.URL != "https://harbour.example/strike" || a.Published.IsZero() || !strings.HasPrefix(a.Body, "Dock workers") {
		t.Errorf("mapped = %+v", a)
	}
	if b := recs[1].Article; b.Title != "Ferry sails again" || b.Meta["original_title"] != "old title field" {
		t.Errorf("a column bearing a mapped field's name: %+v", b)
	}
	if recs[2].Err == nil || recs[2].Line != 3 {
		t.Errorf("bad line: %+v", recs[2])
	}

	// A column the mapping names is missing: the file is reported, not read.
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	os.WriteFile(p, []byte("headline,text\nA,B\n"), 0o644)
	var fileErr error
	m2, _ := ParseFieldMap("title=heading")
	recs = collect(t, m2.Source([]string{p}, func(_ string, err error) { fileErr = err }))
	if len(recs) != 0 || fileErr == nil || !strings.Contains(fileErr.Error(), `no column "heading" in the header`) {
		t.Errorf("missing column: %d records, %v", len(recs), fileErr)
	}
	// Nothing becomes title or body.
	os.WriteFile(p, []byte("link,when\nhttps://a.example/,2026-01-01\n"), 0o644)
	m3, _ := ParseFieldMap("url=link")
	collect(t, m3.Source([]string{p}, func(_ string, err error) { fileErr = err }))
	if fileErr == nil || !strings.Contains(fileErr.Error(), "no column becomes title or body") {
		t.Errorf("no content column: %v", fileErr)
	}
}
