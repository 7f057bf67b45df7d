package indexer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Fuzz targets: go test ./indexer -run '^$' -fuzz FuzzParseJSONL -fuzztime 30s
// Inputs the fuzzer finds failing are kept in testdata/fuzz/<target>/ and
// rerun by plain go test.

func FuzzParseArchive(f *testing.F) {
	addParseSeeds(f, FormatArchive,
		"Category: C\n\nT\n\nPosted on January 2, 2019 by Jane Doe\n\nBody.\n\n[Outlet]\n",
		"Posted on by\n",
		"T\nPosted on 2019-13-45 by\n[x]\n",
		"a\n\nb\nPosted on Jan 2, 2019\nCategory:\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, FormatArchive)
	})
}

func FuzzParseJSONL(f *testing.F) {
	addParseSeeds(f, FormatJSONL,
		`{"id":1,"title":"t","tags":"a,b","date":"2019-01-02","x":{"y":[1]}}`,
		`{"title":["x"]}`+"\n\n"+`{"body":"b","published":"Wed, 02 Jan 2019 15:04:05 PST"}`,
		"{\"title\":\"\xff\"}\r\n{")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range fuzzParse(t, data, FormatJSONL) {
			if r.Err == nil {
				roundTripJSONL(t, r)
			}
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	addParseSeeds(f, FormatCSV,
		"title,body,tags\na,b,\"x, y\"\n",
		"Title,Text,Outlet,Date\n\"multi\nline\",b,o,2019-01-02\n\"bad\"x,1,2,3\n",
		"body\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range fuzzParse(t, data, FormatCSV) {
			if r.Err == nil {
				roundTripCSV(t, r)
			}
		}
	})
}

func FuzzParseText(f *testing.F) {
	addParseSeeds(f, FormatText, "Title\n\nBody\r\n", "\xef\xbb\xbf\n\n\xa3", "")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzParse(t, data, FormatText)
		if len(recs) != 1 {
			t.Fatalf("text file gave %d records, want 1", len(recs))
		}
	})
}

// addParseSeeds seeds f with the testdata/parse inputs of format ff (and
// the seed corpus for the archive format) plus the given inputs.
func addParseSeeds(f *testing.F, ff Format, extra ...string) {
	paths, err := filepath.Glob(filepath.Join("testdata", "parse", "*"))
	if err != nil {
		f.Fatal(err)
	}
	paths = append(paths, filepath.Join("..", "data", "articles.txt"))
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if DetectFormat(p, data) == ff {
			f.Add(data)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// fuzzParse parses data and checks the invariants every parse must keep.
func fuzzParse(t *testing.T, data []byte, ff Format) []Record {
	var recs []Record
	err := Parse(bytes.NewReader(data), "fuzz", ff, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse failed on in-memory input: %v", err)
	}
	checkInvariants(t, recs)
	return recs
}

// hasCanonicalMeta reports whether a Meta key is itself a field name, as
// when an alias or a case variant lost to its canonical field. Such
// articles cannot be re-encoded with one key per field.
func hasCanonicalMeta(a Article) bool {
	for k := range a.Meta {
		if name, _ := canonicalField(k); name != "" {
			return true
		}
	}
	return false
}

// roundTripJSONL checks that an article parsed from any input, written
// back as a JSON line, parses to the same article: the cleaning is stable.
func roundTripJSONL(t *testing.T, r Record) {
	a := r.Article
	if hasCanonicalMeta(a) {
		return
	}
	obj := map[string]any{}
	for k, v := range a.Meta {
		obj[k] = v
	}
	obj["id"], obj["title"], obj["body"], obj["source"] = a.ID, a.Title, a.Body, a.Source
	obj["url"], obj["author"], obj["category"] = a.URL, a.Author, a.Category
	obj["tags"], obj["persons"], obj["organizations"], obj["places"] = a.Tags, a.Persons, a.Organizations, a.Places
	if !a.Published.IsZero() {
		obj["published"] = a.Published.Format(time.RFC3339Nano)
	}
	line, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("%s: marshal %+v: %v", r.Location(), a, err)
	}
	again := fuzzParse(t, line, FormatJSONL)
	if len(again) != 1 || again[0].Err != nil {
		t.Fatalf("%s: re-encoded article %s did not parse back: %+v", r.Location(), line, again)
	}
	if diff := cmp.Diff(a, again[0].Article); diff != "" {
		t.Errorf("%s: JSONL round trip mismatch (-first +second):\n%s", r.Location(), diff)
	}
}

// roundTripCSV is roundTripJSONL for CSV: header and one row.
func roundTripCSV(t *testing.T, r Record) {
	a := r.Article
	if hasCanonicalMeta(a) {
		return
	}
	header := []string{"id", "title", "body", "source", "url", "published", "author", "category",
		"tags", "persons", "organizations", "places"}
	var published string
	if !a.Published.IsZero() {
		published = a.Published.Format(time.RFC3339Nano)
	}
	row := []string{a.ID, a.Title, a.Body, a.Source, a.URL, published, a.Author, a.Category,
		strings.Join(a.Tags, ","), strings.Join(a.Persons, ","), strings.Join(a.Organizations, ","), strings.Join(a.Places, ",")}
	for _, k := range slices.Sorted(maps.Keys(a.Meta)) {
		header = append(header, k)
		row = append(row, a.Meta[k])
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll([][]string{header, row})
	if err := w.Error(); err != nil {
		t.Fatalf("%s: write csv: %v", r.Location(), err)
	}
	again := fuzzParse(t, buf.Bytes(), FormatCSV)
	if len(again) != 1 || again[0].Err != nil {
		t.Fatalf("%s: re-encoded article %q did not parse back: %+v", r.Location(), buf.String(), again)
	}
	if diff := cmp.Diff(a, again[0].Article); diff != "" {
		t.Errorf("%s: CSV round trip mismatch (-first +second):\n%s", r.Location(), diff)
	}
}
