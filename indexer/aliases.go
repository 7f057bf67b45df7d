package indexer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Kinds of names the alias table canonicalises.
const (
	KindSource       = "sources"
	KindPerson       = "persons"
	KindOrganization = "organizations"
	KindPlace        = "places"
)

// Aliases maps variant spellings of outlets and entities to one canonical
// display name, so that facets show one bucket per real outlet or entity.
type Aliases struct {
	byKind map[string]map[string]string // kind -> NameKey(variant) -> canonical
}

// ParseAliases reads the YAML alias table: for each kind, a map from
// canonical name to its variants. Unknown kinds are an error so a typo in a
// user's file does not silently disable it.
func ParseAliases(src []byte) (*Aliases, error) {
	var raw map[string]map[string][]string
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("parse aliases: %w", err)
	}
	a := &Aliases{byKind: map[string]map[string]string{}}
	for kind, entries := range raw {
		switch kind {
		case KindSource, KindPerson, KindOrganization, KindPlace:
		default:
			return nil, fmt.Errorf("parse aliases: unknown section %q (want sources, persons, organizations or places)", kind)
		}
		m := map[string]string{}
		for canonical, variants := range entries {
			canonical = strings.TrimSpace(canonical)
			if canonical == "" {
				return nil, fmt.Errorf("parse aliases: %s: empty canonical name", kind)
			}
			m[NameKey(canonical)] = canonical
			for _, v := range variants {
				k := NameKey(v)
				if k == "" {
					continue
				}
				if prev, ok := m[k]; ok && prev != canonical {
					return nil, fmt.Errorf("parse aliases: %s: %q is a variant of both %q and %q", kind, v, prev, canonical)
				}
				m[k] = canonical
			}
		}
		a.byKind[kind] = m
	}
	return a, nil
}

// Canonical returns the canonical name for name of the given kind, and
// whether the table knows it. Unknown names come back tidied (spaces
// collapsed) but otherwise as written.
func (a *Aliases) Canonical(kind, name string) (string, bool) {
	name = strings.Join(strings.Fields(name), " ")
	if a == nil {
		return name, false
	}
	if c, ok := a.byKind[kind][NameKey(name)]; ok {
		return c, true
	}
	return name, false
}

// NameKey folds a name to the key under which spellings are compared:
// lower case, hyphens, dots and apostrophes dropped or turned into spaces,
// whitespace collapsed. "Kim Jong-un" and "KIM JONG UN" share a key.
func NameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == '-' || r == '_' || unicode.IsSpace(r):
			space = b.Len() > 0
		case r == '.' || r == '\'' || r == '’':
			// "U.S." == "US"
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
