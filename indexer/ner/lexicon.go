package ner

// LexKind is the kind of a name in a lexicon: what the name is, not
// which entity type it takes in the text ("Germany" is a country, and a
// LOC or, as a football team, an ORG).
type LexKind uint8

// Lexicon kinds. There are at most four, so that a token's matches fit
// the same (kind, BILOU position) bitmask as the gazetteer's.
const (
	LexCountry  LexKind = iota // country names, common and official
	LexCapital                 // capital cities
	LexRegion                  // states, provinces and other subdivisions, continents
	LexLanguage                // language names, which are often demonyms too ("German")
	numLexKinds
)

// LexiconEntry is one name of an external lexicon, as written.
type LexiconEntry struct {
	Name string
	Kind LexKind
}

// newLexicon builds the lexicon matcher from entries, tokenising each name
// as text is tokenised. It returns nil for no entries.
func newLexicon(entries []LexiconEntry) *gazetteer {
	if len(entries) == 0 {
		return nil
	}
	g := newGazetteer()
	var words []string
	for _, e := range entries {
		if e.Kind >= numLexKinds {
			continue
		}
		words = words[:0]
		for _, s := range Tokenize(e.Name) {
			for _, t := range s {
				words = append(words, normalize(t.Text))
			}
		}
		if len(words) > 0 && len(words) <= 8 {
			g.add(words, Type(e.Kind))
		}
	}
	return g
}
