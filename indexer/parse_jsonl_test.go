package indexer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseJSONL(t *testing.T) {
	jan2 := time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []parsed
	}{
		{
			name: "all fields",
			in: `{"id":"x1","title":" T ","body":"B","source":"S","url":"http://u","published":"2019-01-02","author":"A","category":"C",` +
				`"tags":["t1","t2"],"persons":"P1, P2","organizations":["O"],"places":[]}`,
			want: []parsed{{Line: 1, Article: Article{ID: "x1", Title: "T", Body: "B", Source: "S", URL: "http://u",
				Published: jan2, Author: "A", Category: "C", Tags: []string{"t1", "t2"}, Persons: []string{"P1", "P2"},
				Organizations: []string{"O"}}}},
		},
		{
			name: "numeric id, aliases and key case",
			in:   `{"ID":12793,"TITLE":"T","text":"B","outlet":"S","date":"2019-01-02"}`,
			want: []parsed{{Line: 1, Article: Article{ID: "12793", Title: "T", Body: "B", Source: "S", Published: jan2}}},
		},
		{
			name: "canonical name wins over alias, alias kept in meta",
			in:   `{"title":"T","body":"B","text":"X","source":"S","outlet":"O","published":"2019-01-02","date":"2020-01-01"}`,
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "B", Source: "S", Published: jan2,
				Meta: map[string]string{"text": "X", "outlet": "O", "date": "2020-01-01"}}}},
		},
		{
			name: "empty canonical field yields to its alias",
			in:   `{"title":"T","body":"","text":"X"}`,
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "X"}}},
		},
		{
			name: "case-variant duplicate goes to meta",
			in:   `{"Title":"first","title":"second"}`,
			want: []parsed{{Line: 1, Article: Article{Title: "first", Meta: map[string]string{"title": "second"}}}},
		},
		{
			name: "other fields kept in meta",
			in:   `{"title":"T","lang":"en","n":1,"ok":true,"list":["a", 1],"obj":{"k": "v"},"nothing":null,"empty":""}`,
			want: []parsed{{Line: 1, Article: Article{Title: "T", Meta: map[string]string{
				"lang": "en", "n": "1", "ok": "true", "list": `["a",1]`, "obj": `{"k":"v"}`, "empty": ""}}}},
		},
		{
			name: "null fields are absent",
			in:   `{"title":"T","body":null,"tags":null,"published":null,"id":null}`,
			want: []parsed{{Line: 1, Article: Article{Title: "T"}}},
		},
		{
			name: "list items trimmed, empty dropped, numbers kept",
			in:   `{"title":"T","tags":[" a ","",null,7],"places":" x ,, y "}`,
			want: []parsed{{Line: 1, Article: Article{Title: "T", Tags: []string{"a", "7"}, Places: []string{"x", "y"}}}},
		},
		{
			name: "date forms",
			in: `{"title":"a","published":"2019-01-02T10:00:00+02:00"}` + "\n" +
				`{"title":"b","published":"2019-01-02 15:04:05"}` + "\n" +
				`{"title":"c","published":"Wed, 02 Jan 2019 15:04:05 GMT"}` + "\n" +
				`{"title":"d","published":"  "}`,
			want: []parsed{
				{Line: 1, Article: Article{Title: "a", Published: time.Date(2019, 1, 2, 10, 0, 0, 0, time.FixedZone("", 2*3600))}},
				{Line: 2, Article: Article{Title: "b", Published: time.Date(2019, 1, 2, 15, 4, 5, 0, time.UTC)}},
				{Line: 3, Article: Article{Title: "c", Published: time.Date(2019, 1, 2, 15, 4, 5, 0, time.UTC)}},
				{Line: 4, Article: Article{Title: "d"}},
			},
		},
		{
			name: "bad records are reported with their line and parsing goes on",
			in: "\n" +
				`{"title":"ok1"}` + "\n" +
				`{"title":"broken",` + "\n" +
				"   \t \n" +
				`{"title":"x","published":"02/01/2019"}` + "\n" +
				`{"title":"x","published":12345}` + "\n" +
				`{"title":true}` + "\n" +
				`{"title":["a"]}` + "\n" +
				`{"title":"x","tags":[{"a":1}]}` + "\n" +
				`"just a string"` + "\n" +
				`{"title":"a"} {"title":"b"}` + "\n" +
				`{"id":"e1","title":"","body":"  "}` + "\n" +
				`{}` + "\n" +
				`{"title":"ok2"}`,
			want: []parsed{
				{Line: 2, Article: Article{Title: "ok1"}},
				{Line: 3, Err: "bad JSON at byte 18: unexpected end of JSON input"},
				{Line: 5, Article: Article{Title: "x"}, Err: `bad published date "02/01/2019"`},
				{Line: 6, Article: Article{Title: "x"}, Err: `bad published date "12345"`},
				{Line: 7, Err: `field "title": want a string, got a boolean`},
				{Line: 8, Err: `field "title": want a string, got a list`},
				{Line: 9, Article: Article{Title: "x"}, Err: `field "tags": list item: want a string, got an object`},
				{Line: 10, Err: "line is not a JSON object"},
				{Line: 11, Err: "bad JSON at byte 15: invalid character '{' after top-level value"},
				{Line: 12, Article: Article{ID: "e1"}, Err: `id "e1": record has neither title nor body`},
				{Line: 13, Err: "record has neither title nor body"},
				{Line: 14, Article: Article{Title: "ok2"}},
			},
		},
		{
			name: "bom, crlf, escaped crlf and invalid utf-8",
			in:   "\xef\xbb\xbf{\"title\":\"T\xff\",\"body\":\"a\\r\\nb\\rc\",\"x\xfe\":\"v\xfd\"}\r\n{\"title\":\"U\"}\r\n",
			want: []parsed{
				{Line: 1, Article: Article{Title: "T\uFFFD", Body: "a\nb\nc", Meta: map[string]string{"x\uFFFD": "v\uFFFD"}}},
				{Line: 2, Article: Article{Title: "U"}},
			},
		},
		{name: "only blank lines", in: "\n \n\r\n\t\n", want: []parsed{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := parseAll(t, tt.in, "a.jsonl", FormatJSONL)
			checkInvariants(t, recs)
			if diff := cmp.Diff(tt.want, view(recs)); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseReuters parses the whole Reuters-21578 dump: every story but the
// empty one at line 12,793 must come through.
func TestParseReuters(t *testing.T) {
	path := filepath.Join(sharedData, "reuters21578.jsonl")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s absent: shared data not checked out beside the repo", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ok, dated, lines := 0, 0, 0
	var bad []Record
	err = Parse(f, path, FormatJSONL, func(r Record) error {
		lines++
		if r.Line != lines {
			return fmt.Errorf("record %d at line %d", lines, r.Line)
		}
		if r.Err != nil {
			bad = append(bad, r)
			return nil
		}
		ok++
		a := r.Article
		if !a.Published.IsZero() {
			dated++
		}
		if !strings.HasPrefix(a.ID, "reuters-") || a.Source != "Reuters" {
			return fmt.Errorf("%s: unexpected article %+v", r.Location(), a)
		}
		if _, has := a.Meta["reuters_topics"]; !has {
			return fmt.Errorf("%s: reuters_topics not kept in meta", r.Location())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok != 21577 {
		t.Errorf("ok records = %d, want 21577", ok)
	}
	// 329 stories have "published": "" in the dump (counted with Python).
	if dated != 21577-329 {
		t.Errorf("records with a date = %d, want %d", dated, 21577-329)
	}
	if len(bad) != 1 || bad[0].Line != 12793 || !errors.Is(bad[0].Err, ErrNoContent) {
		for _, r := range bad {
			t.Errorf("%s: %v", r.Location(), r.Err)
		}
		t.Fatalf("want exactly one ErrNoContent record at line 12793, got %d errors", len(bad))
	}
	if got, want := bad[0].Location(), path+":12793"; got != want {
		t.Errorf("Location() = %q, want %q", got, want)
	}
}

// BenchmarkParseJSONL measures JSON Lines parsing throughput (MB/s) on a
// synthetic file and, when the shared data is present, on Reuters-21578.
func BenchmarkParseJSONL(b *testing.B) {
	var synth bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&synth, `{"id":"s-%d","title":"Synthetic story number %d about markets","body":%q,"source":"Example Wire",`+
			`"published":"2019-01-02T10:00:00Z","tags":["markets","economy"],"places":"usa, uk","lang":"en"}`+"\n",
			i, i, strings.Repeat("Shares rose as investors weighed the outlook. ", 20))
	}
	inputs := []struct {
		name string
		data []byte
	}{{"synthetic", synth.Bytes()}}
	if data, err := os.ReadFile(filepath.Join(sharedData, "reuters21578.jsonl")); err == nil {
		inputs = append(inputs, struct {
			name string
			data []byte
		}{"reuters", data})
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.data)))
			n := 0
			for b.Loop() {
				n = 0
				err := Parse(bytes.NewReader(in.data), in.name, FormatJSONL, func(Record) error { n++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "records/op")
		})
	}
}
