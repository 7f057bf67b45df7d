package entity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"newsdex/indexer"
)

// Types of entity, as the API names them.
const (
	Person = "person"
	Org    = "org"
	Place  = "place"
)

// Types lists the entity types in a fixed order.
var Types = []string{Person, Org, Place}

// Kind maps an entity type to its alias-table section.
func Kind(typ string) string {
	switch typ {
	case Person:
		return indexer.KindPerson
	case Org:
		return indexer.KindOrganization
	case Place:
		return indexer.KindPlace
	}
	return ""
}

// Field maps an entity type to the index field that stores its names.
func Field(typ string) string {
	switch typ {
	case Person:
		return indexer.FieldPersons
	case Org:
		return indexer.FieldOrganizations
	case Place:
		return indexer.FieldPlaces
	}
	return ""
}

// ValidType reports whether typ names an entity type.
func ValidType(typ string) bool { return Kind(typ) != "" }

// corporateSuffixes end company names without changing which company they
// name; they are compared as NameKey words.
var corporateSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "cos": true,
	"ltd": true, "limited": true, "plc": true, "ag": true, "sa": true, "nv": true, "bv": true,
	"llc": true, "lp": true, "spa": true, "gmbh": true, "kk": true, "bhd": true, "pty": true,
	"&": true, "and": true, "the": true, "cie": true, "se": true, "oy": true, "ab": true, "as": true,
}

// Key folds a stored name to the key under which spellings of one entity
// meet: NameKey (case, dots, hyphens), without Reuters' angle brackets, a
// possessive, a leading "the" or trailing corporate suffixes ("Texaco Inc",
// "TEXACO" and "Texaco's" share "texaco"). It also reports whether a
// suffix was removed, which is a vote for an organisation.
func Key(name string) (key string, corporate bool) {
	name = strings.ReplaceAll(unbracket(strings.TrimSpace(name)), "’", "'")
	words := strings.Fields(name)
	if len(words) > 1 && strings.EqualFold(words[0], "the") {
		words = words[1:]
	}
	for len(words) > 1 && corporateSuffixes[indexer.NameKey(words[len(words)-1])] {
		words = words[:len(words)-1]
		corporate = true
	}
	// A possessive at the end (after the suffixes: "Poor's Corp") is not
	// part of the name; one inside is ("Moody's Investors Service" keys
	// as "moodys investors service", as the indexer's evidence spells it).
	if n := len(words); n > 0 {
		for _, p := range []string{"'s", "'S", "'"} {
			if t, ok := strings.CutSuffix(words[n-1], p); ok && t != "" {
				words[n-1] = t
				break
			}
		}
	}
	return indexer.NameKey(strings.Join(words, " ")), corporate
}

// isAcronym reports a one-word name written in capitals ("OPEC", "U.S.",
// "SEC"): shown in capitals.
func isAcronym(name string) bool {
	letters := 0
	for _, r := range name {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsLetter(r):
			letters++
		case r == '.' || r == '&' || r == '-':
		default:
			return false
		}
	}
	return letters >= 2 && letters <= 6
}

// initials are the first letters of a key's words, leaving out "of",
// "the", "and", "for" and "on": "securities and exchange commission" is
// "sec".
func initials(key string) string {
	var b strings.Builder
	for _, w := range strings.Fields(key) {
		switch w {
		case "of", "the", "and", "for", "on", "&", "de", "du", "des", "in":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(r)
	}
	return b.String()
}

// junkKey reports keys that cannot name an entity: a single character,
// digits and punctuation only, or a corporate suffix alone.
func junkKey(key string) bool {
	if utf8.RuneCountInString(key) < 2 || corporateSuffixes[key] {
		return true
	}
	for _, r := range key {
		if unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
