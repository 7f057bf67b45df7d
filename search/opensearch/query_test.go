package opensearch

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/search/querylang"
)

// update rewrites the golden files: go test ./search/opensearch -update
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// The DSL of every construct of the query language, pinned.
func TestTranslateGolden(t *testing.T) {
	tests := []struct{ name, q string }{
		{"empty", ""},
		{"word", "defector"},
		{"two_words_and", "acting ambassador"},
		{"or", "rice OR wheat"},
		{"not", "defector AND NOT rice"},
		{"not_only", "-rice"},
		{"must_in_or", "+defector rice OR wheat"},
		{"stop_word_dropped", "the AND war"},
		{"only_stop_words", "the"},
		{"phrase", `"acting ambassador"`},
		{"phrase_stop_word_inside", `"president of the united states"`},
		{"proximity", `"north defector"~3`},
		{"prefix", "immigra*"},
		{"prefix_in_phrase", `"immigra* policy"`},
		{"exact_word", "=running"},
		{"exact_phrase", `="interest rates"`},
		{"exact_prefix_phrase", `="interest rat*"`},
		{"fuzzy_auto", "defectr~"},
		{"fuzzy_one", "defectr~1"},
		{"field_title", "title:ambassador"},
		{"field_body_phrase", `body:"acting ambassador"`},
		{"field_source", "source:reuters"},
		{"field_person_phrase", `person:"kim jong un"`},
		{"field_org", "org:UN"},
		{"field_place", "place:seoul"},
		{"date_range_days", "published:[2019-01-01 TO 2019-12-31]"},
		{"date_range_exclusive_month", "published:{2019-01 TO 2019-06}"},
		{"date_range_open", "published:[2020 TO *]"},
		{"grouped", "(north OR south) AND korea -japan"},
		{"hyphenated", "COVID-19"},
	}
	tr, err := newTranslator(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node, err := querylang.ParseQuery(tt.q, querylang.QueryOptions{})
			if err != nil {
				t.Fatalf("parse %q: %v", tt.q, err)
			}
			q, err := tr.Translate(node)
			if err != nil {
				t.Fatalf("translate %q: %v", tt.q, err)
			}
			b, err := json.MarshalIndent(q, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := "# " + strings.ReplaceAll(tt.q, "\n", " ") + "\n" + string(b) + "\n"
			assertGolden(t, filepath.Join("testdata", "dsl", tt.name+".golden"), []byte(got))
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tr, err := newTranslator(2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   querylang.Node
		want string
	}{
		{"nil", nil, "nil node"},
		{"unknown field", &querylang.Term{Field: "colour", Text: "red"}, "unknown field"},
		{"published word", &querylang.Term{Field: "published", Text: "red"}, "only dates"},
		{"slop", &querylang.Phrase{Text: "a b", Slop: 1000}, "out of range"},
		{"bad date", &querylang.DateRange{Field: "published", From: "yesterday", To: "*", FromInclusive: true}, "date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tr.Translate(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := newTranslator(-1); err == nil {
		t.Error("negative title boost accepted")
	}
}

// The index settings and mapping, pinned: a change here changes what a
// new index analyses, and must match indexer.NewMapping.
func TestIndexBodyGolden(t *testing.T) {
	b, err := indexBody(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertGolden(t, filepath.Join("testdata", "index.json"), append(b, '\n'))
	if n := len(stopWords()); n < 100 {
		t.Errorf("%d stop words: Bleve's stop_en list was not read", n)
	}
}
