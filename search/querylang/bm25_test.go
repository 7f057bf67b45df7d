package querylang

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"newsdex/indexer"
	"newsdex/search/rank"
)

// TestTranslateBM25Golden pins the translation the service runs (with
// Stats and, in natural mode, Feedback), so scoring changes show up in
// review as query changes.
func TestTranslateBM25Golden(t *testing.T) {
	analyze := MappingAnalyze(indexer.NewMapping())
	tests := []struct {
		name, in, op string
		feedback     bool
	}{
		{"and_words", "north korea nuclear", "and", false},
		{"or_words", "north OR korea OR nuclear", "and", false},
		{"must_and_should", "+kim jong un OR nuclear", "and", false},
		{"mixed_scopes", "rice title:defector nor* -seoul", "and", false},
		{"phrase", `"kim jong-un" visit`, "and", false},
		{"split_word", "COVID-19", "and", false},
		{"stop_words_only", "the of", "and", false},
		{"natural", NaturalQuery(`what is the "lift" of a wing?`), "or", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseQuery(tt.in, QueryOptions{DefaultOperator: tt.op})
			if err != nil {
				t.Fatal(err)
			}
			q, err := ToBleve(n, TranslateOptions{Analyze: analyze, Stats: rank.NewFieldStats(), Feedback: tt.feedback})
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(q, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := "query: " + tt.in + "\n" + string(js) + "\n"
			assertGolden(t, filepath.Join("testdata", "bm25", tt.name+".golden"), got)
		})
	}
}
