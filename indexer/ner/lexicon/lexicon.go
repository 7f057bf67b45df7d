// Package lexicon supplies the NER trainer with names from outside its
// training data: countries, capitals, subdivisions (states, provinces),
// continents and languages from github.com/pariz/gountries (MIT; its
// country data comes from mledoze/countries, ODbL).
package lexicon

import (
	"cmp"
	"slices"

	"github.com/pariz/gountries"

	"newsdex/indexer/ner"
)

// Gountries returns the English country, capital, region and language
// names of the gountries data set, sorted and without duplicates.
func Gountries() []ner.LexiconEntry {
	var out []ner.LexiconEntry
	add := func(name string, kind ner.LexKind) {
		if name != "" {
			out = append(out, ner.LexiconEntry{Name: name, Kind: kind})
		}
	}
	for _, c := range gountries.New().FindAllCountries() {
		add(c.Name.Common, ner.LexCountry)
		add(c.Name.Official, ner.LexCountry)
		add(c.Capital, ner.LexCapital)
		add(c.Region, ner.LexRegion)
		add(c.SubRegion, ner.LexRegion)
		add(c.Continent, ner.LexRegion)
		for _, s := range c.SubDivisions() {
			add(s.Name, ner.LexRegion)
			for _, n := range s.Names {
				add(n, ner.LexRegion)
			}
		}
		for _, l := range c.Languages {
			add(l, ner.LexLanguage)
		}
	}
	slices.SortFunc(out, func(a, b ner.LexiconEntry) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Kind, b.Kind))
	})
	return slices.Compact(out)
}
