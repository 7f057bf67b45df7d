package lexicon

import (
	"testing"

	"newsdex/indexer/ner"
)

func TestGountries(t *testing.T) {
	entries := Gountries()
	has := map[ner.LexiconEntry]bool{}
	for i, e := range entries {
		has[e] = true
		if i > 0 && entries[i-1].Name > e.Name {
			t.Fatalf("not sorted: %q before %q", entries[i-1].Name, e.Name)
		}
		if i > 0 && entries[i-1] == e {
			t.Fatalf("duplicate %v", e)
		}
	}
	for _, want := range []ner.LexiconEntry{
		{Name: "Germany", Kind: ner.LexCountry},
		{Name: "United States of America", Kind: ner.LexCountry},
		{Name: "Berlin", Kind: ner.LexCapital},
		{Name: "New Hampshire", Kind: ner.LexRegion},
		{Name: "Europe", Kind: ner.LexRegion},
		{Name: "German", Kind: ner.LexLanguage},
	} {
		if !has[want] {
			t.Errorf("no %v in the lexicon", want)
		}
	}
	if len(entries) < 4000 {
		t.Errorf("%d entries, want the thousands of the data set", len(entries))
	}
}
