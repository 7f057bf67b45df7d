package indexer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

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
	byKind  map[string]map[string]string   // kind -> NameKey(variant) -> canonical
	entries map[string]map[string][]string // kind -> canonical -> variants, as written
	blocked map[string][]string            // kind -> names that are not entities
}

// KindBlocked is the alias table's section of names that are not
// entities at all ("Reuter", the wire's sign-off), by kind.
const KindBlocked = "blocked"

// ParseAliases reads the YAML alias table: for each kind, a map from
// canonical name to its variants. Unknown kinds are an error so a typo in a
// user's file does not silently disable it.
func ParseAliases(src []byte) (*Aliases, error) {
	var raw map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&raw); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("parse aliases: %w", err)
	}
	a := &Aliases{byKind: map[string]map[string]string{}, entries: map[string]map[string][]string{},
		blocked: map[string][]string{}}
	for kind, node := range raw {
		if kind == KindBlocked {
			var blocked map[string][]string
			if err := node.Decode(&blocked); err != nil {
				return nil, fmt.Errorf("parse aliases: blocked: %w", err)
			}
			for k, names := range blocked {
				switch k {
				case KindPerson, KindOrganization, KindPlace:
				default:
					return nil, fmt.Errorf("parse aliases: blocked: unknown section %q (want persons, organizations or places)", k)
				}
				for _, n := range names {
					if n = strings.Join(strings.Fields(n), " "); n != "" {
						a.blocked[k] = append(a.blocked[k], n)
					}
				}
			}
			continue
		}
		var entries map[string][]string
		if err := node.Decode(&entries); err != nil {
			return nil, fmt.Errorf("parse aliases: %s: %w", kind, err)
		}
		switch kind {
		case KindSource, KindPerson, KindOrganization, KindPlace:
		default:
			return nil, fmt.Errorf("parse aliases: unknown section %q (want sources, persons, organizations, places or blocked)", kind)
		}
		m := map[string]string{}
		listed := map[string][]string{}
		for canonical, variants := range entries {
			canonical = strings.TrimSpace(canonical)
			if canonical == "" {
				return nil, fmt.Errorf("parse aliases: %s: empty canonical name", kind)
			}
			if prev, ok := m[NameKey(canonical)]; ok && prev != canonical {
				return nil, fmt.Errorf("parse aliases: %s: %q is a variant of both %q and %q", kind, canonical, prev, canonical)
			}
			m[NameKey(canonical)] = canonical
			listed[canonical] = append(listed[canonical], variants...)
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
		a.entries[kind] = listed
	}
	return a, nil
}

// Entries returns the table's entries of one kind: canonical name to the
// variants listed for it. The caller must not change them.
func (a *Aliases) Entries(kind string) map[string][]string {
	if a == nil {
		return nil
	}
	return a.entries[kind]
}

// Blocked returns the names of one kind that the table says are not
// entities.
func (a *Aliases) Blocked(kind string) []string {
	if a == nil {
		return nil
	}
	return a.blocked[kind]
}

// Canonical returns the canonical name for name of the given kind, and
// whether the table knows it. Unknown names come back tidied (spaces
// collapsed) but otherwise as written.
func (a *Aliases) Canonical(kind, name string) (string, bool) {
	if !isTidy(name) {
		name = strings.Join(strings.Fields(name), " ")
	}
	if a == nil {
		return name, false
	}
	// Entity extraction asks for every name of every article: the key is
	// built on the stack and the map index does not copy it.
	var buf [64]byte
	if c, ok := a.byKind[kind][string(appendNameKey(buf[:0], name))]; ok {
		return c, true
	}
	return name, false
}

// isTidy reports whether strings.Join(strings.Fields(s), " ") is s: no
// white space but single ASCII spaces between words.
func isTidy(s string) bool {
	prevSpace := true // no leading space
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			prevSpace = false
			i += n - 1
			continue
		}
		switch c {
		case ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case '\t', '\n', '\v', '\f', '\r':
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// NameKey folds a name to the key under which spellings are compared:
// lower case, hyphens, dots and apostrophes dropped or turned into spaces,
// whitespace collapsed. "Kim Jong-un" and "KIM JONG UN" share a key.
func NameKey(name string) string {
	var buf [64]byte
	k := appendNameKey(buf[:0], name)
	if string(k) == name {
		return name // already a key: no copy
	}
	return string(k)
}

// appendNameKey appends the NameKey of name to dst.
func appendNameKey(dst []byte, name string) []byte {
	space := false
	start := len(dst)
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '-' || c == '_' || c == ' ' || ('\t' <= c && c <= '\r'):
				space = len(dst) > start
			case c == '.' || c == '\'':
			default:
				if space {
					dst = append(dst, ' ')
					space = false
				}
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		switch {
		case unicode.IsSpace(r):
			space = len(dst) > start
		case r == '’':
			// "U.S." == "US"
		default:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}
