package entity

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/biter777/countries"
)

// Places are joined through two licensed data sets rather than a
// hand-typed list: github.com/biter777/countries (BSD-2-Clause) knows
// countries under their names, codes and common variants ("Britain",
// "U.K.", "Holland", "Burma") and their capitals; us_states.tsv, generated
// from the Python package us 4.0.0 (BSD-3-Clause, Sunlight Labs), gives US
// states with their postal codes and AP abbreviations ("Calif.", "N.J.").

//go:embed us_states.tsv
var usStatesTSV string

// gazetteer answers which country or state a place name is.
type gazetteer struct {
	states   map[string]string // key of name, AP abbreviation or postal code -> state name
	postal   map[string]bool   // two-letter postal codes: only dotted spellings count
	capitals map[string]bool   // keys of capital cities: places, whatever the tagger said
}

func newGazetteer() *gazetteer {
	g := &gazetteer{states: map[string]string{}, postal: map[string]bool{}, capitals: map[string]bool{}}
	for _, line := range strings.Split(usStatesTSV, "\n") {
		f := strings.Split(line, "\t")
		if strings.HasPrefix(line, "#") || len(f) != 4 {
			continue
		}
		name, code, ap, capital := f[0], f[1], f[2], f[3]
		for _, v := range []string{name, code, ap} {
			if k, _ := Key(v); k != "" {
				g.states[k] = name
			}
		}
		if k, _ := Key(code); k != "" {
			g.postal[k] = true
		}
		if k, _ := Key(capital); k != "" {
			g.capitals[k] = true
		}
	}
	for _, c := range countries.All() {
		if name := c.Capital().String(); name != "" && name != countries.Unknown.String() {
			k, _ := Key(name)
			g.capitals[k] = true
		}
	}
	return g
}

// place returns the node a place name joins ("country:GB", "state:New
// Jersey") and whether it has one. Two-letter codes count only when
// written with dots ("U.K.", "N.J."; "CO" in "Texaco CO" is no place),
// and other all-capital names only when they are the country's ISO code
// ("USA"), so that "USSR" is not read as today's Russia.
func (g *gazetteer) place(name string) (string, bool) {
	key, _ := Key(name)
	if key == "" {
		return "", false
	}
	letters := utf8.RuneCountInString(strings.ReplaceAll(key, " ", ""))
	// "N.J.", "U.K.": a dot after the first letter; "Co." is no code.
	dotted := len(name) > 2 && name[1] == '.'

	if st, ok := g.states[key]; ok && (!g.postal[key] || dotted) {
		return "state:" + st, true
	}
	if letters <= 2 && !dotted {
		return "", false
	}
	c := countries.ByName(name)
	if c == countries.Unknown {
		c = countries.ByName(key)
	}
	if c == countries.Unknown {
		return "", false
	}
	if isAcronym(name) && letters > 2 && !strings.EqualFold(strings.ReplaceAll(name, ".", ""), c.Alpha3()) {
		return "", false
	}
	return "country:" + c.Alpha2(), true
}

// capital reports a capital city's name.
func (g *gazetteer) capital(key string) bool { return g.capitals[key] }
