package indexer

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTextAnalysis pins what the title/body analyzer does with the cases
// the ranking depends on (README "Ranking"): possessives, diacritics,
// hyphenated names, stemming, stop words and numbers.
func TestTextAnalysis(t *testing.T) {
	an := NewMapping().AnalyzerNamed(AnalyzerText)
	if an == nil {
		t.Fatalf("no %s analyzer", AnalyzerText)
	}
	tests := []struct {
		name, in string
		want     string // terms, space-separated
	}{
		{"possessive", "Trump's plan", "trump plan"},
		{"curly possessive", "Trump’s plan", "trump plan"},
		{"plural possessive", "the CEOs' plans", "ceo plan"},
		{"diacritics folded", "São Paulo café naïve", "sao paulo cafe naiv"},
		{"hyphenated name", "Kim Jong-un", "kim jong un"},
		{"spaced name", "Kim Jong Un", "kim jong un"},
		{"stemming", "elections electoral running runs", "elect elector run run"},
		{"stop words", "the state of the union is what it was", "state union"},
		{"letters and digits split", "COVID-19", "covid 19"},
		{"numbers kept whole", "1,000 people, 3.5%", "1,000 peopl 3.5"},
		{"apostrophe inside a name", "O'Brien", "o'brien"},
		{"greek lower-cased", "Ελλάδα", "ελλάδα"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range an.Analyze([]byte(tt.in)) {
				got = append(got, string(tok.Term))
			}
			if diff := cmp.Diff(strings.Fields(tt.want), got); diff != "" {
				t.Errorf("Analyze(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	// A hyphen is a word break at consecutive positions, so the phrase
	// "Kim Jong Un" matches "Kim Jong-un".
	var pos []int
	for _, tok := range an.Analyze([]byte("Kim Jong-un")) {
		pos = append(pos, tok.Position)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, pos); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}
