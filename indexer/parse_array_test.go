package indexer

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// arrayRecord is a Record as the ParseJSONArray tests compare it.
type arrayRecord struct {
	File    string
	Line    int
	Article Article
	Err     string
}

func parseArray(in string) ([]arrayRecord, error) {
	var out []arrayRecord
	err := ParseJSONArray(strings.NewReader(in), "body", func(r Record) error {
		ar := arrayRecord{File: r.File, Line: r.Line, Article: r.Article}
		if r.Err != nil {
			ar.Err = r.Err.Error()
		}
		out = append(out, ar)
		return nil
	})
	return out, err
}

func TestParseJSONArray(t *testing.T) {
	jan2 := time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		in      string
		want    []arrayRecord
		wantErr string
	}{
		{
			name: "one line, fields and aliases as in JSON Lines",
			in:   `[{"id":7,"title":"T","text":"B","outlet":"S","date":"2019-01-02","tags":["a"]},{"title":"U"}]`,
			want: []arrayRecord{
				{File: "body[0]", Line: 1, Article: Article{ID: "7", Title: "T", Body: "B", Source: "S", Published: jan2, Tags: []string{"a"}}},
				{File: "body[1]", Line: 1, Article: Article{Title: "U"}},
			},
		},
		{
			name: "pretty printed: line of each element's start",
			in:   "[\n  {\n    \"title\": \"a\"\n  },\n  {\"title\": \"b\"},\n\n  {\n\"title\":\"c\"}\n]\n",
			want: []arrayRecord{
				{File: "body[0]", Line: 2, Article: Article{Title: "a"}},
				{File: "body[1]", Line: 5, Article: Article{Title: "b"}},
				{File: "body[2]", Line: 7, Article: Article{Title: "c"}},
			},
		},
		{
			name: "bad elements reported, the rest kept",
			in:   "[1,\n\"x\",\n{\"body\":\"\"},\n{\"title\":{\"no\":1}},\n{\"title\":\"ok\"}, null]",
			want: []arrayRecord{
				{File: "body[0]", Line: 1, Err: "element is not a JSON object"},
				{File: "body[1]", Line: 2, Err: "element is not a JSON object"},
				{File: "body[2]", Line: 3, Err: ErrNoContent.Error()},
				{File: "body[3]", Line: 4, Err: `field "title": want a string, got an object`},
				{File: "body[4]", Line: 5, Article: Article{Title: "ok"}},
				{File: "body[5]", Line: 5, Err: "element is not a JSON object"},
			},
		},
		{name: "empty array", in: " [ ] ", want: nil},
		{name: "empty input", in: "  ", wantErr: "parse body: empty input, want a JSON array"},
		{name: "object, not array", in: `{"title":"t"}`, wantErr: "parse body: not a JSON array"},
		{
			name:    "syntax error stops after the good elements",
			in:      `[{"title":"a"}, {"title" "b"}]`,
			want:    []arrayRecord{{File: "body[0]", Line: 1, Article: Article{Title: "a"}}},
			wantErr: "parse body: element 1: invalid character",
		},
		{name: "unterminated", in: `[{"title":"a"}`, want: []arrayRecord{{File: "body[0]", Line: 1, Article: Article{Title: "a"}}},
			wantErr: "parse body: unterminated array"},
		{name: "trailing data", in: `[] []`, wantErr: "parse body: data after the array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArray(tt.in)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want prefix %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseJSONArrayMatchesJSONL checks the array form maps fields exactly
// as the JSON Lines form does, on the JSON Lines golden input.
func TestParseJSONArrayMatchesJSONL(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// The well-formed lines, as JSON Lines and as array elements.
	var elems []string
	for l := range strings.Lines(strings.TrimPrefix(string(src), bom)) {
		if l = strings.TrimSpace(l); json.Valid([]byte(l)) {
			elems = append(elems, l)
		}
	}
	if len(elems) < 8 {
		t.Fatalf("only %d well-formed lines in the JSON Lines test input", len(elems))
	}
	lines := parseAll(t, strings.Join(elems, "\n"), "f", FormatJSONL)
	got, err := parseArray("[" + strings.Join(elems, ",\n") + "]")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lines) {
		t.Fatalf("array gave %d records, JSON Lines %d", len(got), len(lines))
	}
	for i, r := range lines {
		if diff := cmp.Diff(r.Article, got[i].Article); diff != "" {
			t.Errorf("element %d (-jsonl +array):\n%s", i, diff)
		}
		if (r.Err == nil) != (got[i].Err == "") {
			t.Errorf("element %d: jsonl err %v, array err %q", i, r.Err, got[i].Err)
		}
	}
}

// FuzzParseJSONArray: go test ./indexer -run '^$' -fuzz FuzzParseJSONArray -fuzztime 30s
// Every element of a well-formed array must give the record that the same
// element gives as a JSON line, and lines must never go backwards.
func FuzzParseJSONArray(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"title":"t","tags":"a,b","date":"2019-01-02","x":{"y":[1]}}]`,
		"[\n{\"title\":[\"x\"]},\n\n{\"body\":\"b\",\"published\":\"Wed, 02 Jan 2019 15:04:05 PST\"}]",
		"[1, null, \"s\", {\"title\":\"\xff\"}]",
		`[{"title":"a"}`,
		`[]`,
		`{"title":"t"}`,
		"null",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []Record
		err := ParseJSONArray(bytes.NewReader(data), "f", func(r Record) error {
			recs = append(recs, r)
			return nil
		})
		line := 1
		for i, r := range recs {
			if r.File != "f["+strconv.Itoa(i)+"]" {
				t.Fatalf("record %d: file %q", i, r.File)
			}
			if r.Line < line || r.Line > bytes.Count(data, []byte{'\n'})+1 {
				t.Fatalf("record %d: line %d after line %d", i, r.Line, line)
			}
			line = r.Line
			if r.Err == nil && r.Article.Validate() != nil {
				t.Fatalf("record %d: no error but no content", i)
			}
		}
		// A valid array is one json.Unmarshal takes into a slice and that
		// starts with '[': Unmarshal also takes null, leaving the slice
		// nil, which is no array (the parser says so).
		var elems []json.RawMessage
		if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '[' || json.Unmarshal(data, &elems) != nil {
			if bytes.Equal(bytes.TrimSpace(data), []byte("null")) && err == nil {
				t.Fatalf("%q parsed as an array", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid array %q: %v", data, err)
		}
		if len(recs) != len(elems) {
			t.Fatalf("%d records for %d elements", len(recs), len(elems))
		}
		for i, e := range elems {
			if len(e) == 0 || e[0] != '{' {
				if recs[i].Err == nil {
					t.Fatalf("element %d %q is not an object but parsed", i, e)
				}
				continue
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, e); err != nil {
				t.Fatal(err)
			}
			var want []Record
			if err := Parse(&compact, "f", FormatJSONL, func(r Record) error { want = append(want, r); return nil }); err != nil || len(want) != 1 {
				t.Fatalf("element %d as a JSON line: %v, %d records", i, err, len(want))
			}
			if diff := cmp.Diff(want[0].Article, recs[i].Article); diff != "" {
				t.Errorf("element %d (-jsonl +array):\n%s", i, diff)
			}
			if (want[0].Err == nil) != (recs[i].Err == nil) {
				t.Errorf("element %d: jsonl err %v, array err %v", i, want[0].Err, recs[i].Err)
			}
		}
	})
}
