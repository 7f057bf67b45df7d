package entity

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"newsdex/indexer"
)

// Errors of corrections; the search service maps them to its own.
var (
	ErrNotFound = errors.New("no such entity")
	ErrInvalid  = errors.New("invalid entity correction")
)

// Corrections are researchers' edits to the archive's entities. They are
// kept with the index in the alias-table format (data/aliases.yaml with a
// blocked section), overlay the configured table, and take effect by
// resolving the entities again: nothing is re-indexed.
type Corrections struct {
	Persons       map[string][]string `yaml:"persons,omitempty"`
	Organizations map[string][]string `yaml:"organizations,omitempty"`
	Places        map[string][]string `yaml:"places,omitempty"`
	Blocked       map[string][]string `yaml:"blocked,omitempty"`
}

// ParseCorrections reads corrections saved by Marshal (or any alias
// table); empty input is no corrections.
func ParseCorrections(b []byte) (*Corrections, error) {
	c := &Corrections{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return c, nil
	}
	if _, err := indexer.ParseAliases(b); err != nil {
		return nil, fmt.Errorf("entity corrections: %w", err)
	}
	if err := yaml.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("entity corrections: %w", err)
	}
	return c, nil
}

// Marshal writes the corrections as an alias table.
func (c *Corrections) Marshal() ([]byte, error) { return yaml.Marshal(c) }

// Aliases returns the corrections as an alias table for Resolve.
func (c *Corrections) Aliases() (*indexer.Aliases, error) {
	b, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	return indexer.ParseAliases(b)
}

func (c *Corrections) section(typ string) map[string][]string {
	p := map[string]*map[string][]string{Person: &c.Persons, Org: &c.Organizations, Place: &c.Places}[typ]
	if *p == nil {
		*p = map[string][]string{}
	}
	return *p
}

// forget removes every entry and blocked name that mentions any of keys,
// so that a new entry is the only word on them.
func (c *Corrections) forget(keys map[string]bool) {
	for _, typ := range Types {
		sec := c.section(typ)
		for canonical, variants := range sec {
			if k, _ := Key(canonical); keys[k] {
				delete(sec, canonical)
				continue
			}
			sec[canonical] = slices.DeleteFunc(variants, func(v string) bool { k, _ := Key(v); return keys[k] })
		}
	}
}

func keysOf(es ...*Entity) map[string]bool {
	keys := map[string]bool{}
	for _, e := range es {
		k, _ := Key(e.Name)
		keys[k] = true
		for _, n := range e.Names {
			k, _ := Key(n.Value)
			keys[k] = true
		}
	}
	return keys
}

func valuesOf(name string, es ...*Entity) []string {
	nk, _ := Key(name)
	seen := map[string]bool{nk: true}
	var out []string
	for _, e := range es {
		for _, v := range append([]string{e.Name}, names(e)...) {
			if k, _ := Key(v); !seen[k] {
				seen[k] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func names(e *Entity) []string {
	out := make([]string, len(e.Names))
	for i, n := range e.Names {
		out[i] = n.Value
	}
	return out
}

func (t *Table) entity(typ, name string) (*Entity, error) {
	if !ValidType(typ) {
		return nil, fmt.Errorf("%w: type %q (want person, org or place)", ErrInvalid, typ)
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("%w: empty name", ErrInvalid)
	}
	i := t.Find(typ, name)
	if i < 0 {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, typ, name)
	}
	return &t.Entities[i], nil
}

// Merge makes the entities named one, shown as into (an entity's name or
// a new one). It returns the name the merged entity will have.
func (c *Corrections) Merge(t *Table, typ string, from []string, into string) (string, error) {
	into = strings.Join(strings.Fields(into), " ")
	if into == "" {
		return "", fmt.Errorf("%w: merge needs a name to merge into", ErrInvalid)
	}
	if len(from) == 0 {
		return "", fmt.Errorf("%w: merge needs names to merge", ErrInvalid)
	}
	var es []*Entity
	target := -1
	if ValidType(typ) {
		target = t.Find(typ, into)
	}
	for _, n := range from {
		e, err := t.entity(typ, n)
		if err != nil {
			return "", err
		}
		if target >= 0 && e == &t.Entities[target] {
			continue // already the target: "merge A and B into A"
		}
		if !slices.Contains(es, e) {
			es = append(es, e)
		}
	}
	if target >= 0 {
		if len(es) == 0 {
			return "", fmt.Errorf("%w: %s is already %q; cannot merge an entity into itself", ErrInvalid, strings.Join(from, ", "), into)
		}
		es = append(es, &t.Entities[target])
	}
	if len(es) < 2 && target < 0 && len(es) == 1 {
		// One entity under a new name is a rename.
		return c.Rename(t, typ, es[0].Name, into)
	}
	c.forget(keysOf(es...))
	c.section(typ)[into] = valuesOf(into, es...)
	return into, nil
}

// Rename shows an entity under a new name.
func (c *Corrections) Rename(t *Table, typ, name, to string) (string, error) {
	e, err := t.entity(typ, name)
	if err != nil {
		return "", err
	}
	to = strings.Join(strings.Fields(to), " ")
	if to == "" {
		return "", fmt.Errorf("%w: rename needs a new name", ErrInvalid)
	}
	if i := t.Find(typ, to); i >= 0 && &t.Entities[i] != e {
		return "", fmt.Errorf("%w: %q is another %s; merge them instead", ErrInvalid, to, typ)
	}
	c.forget(keysOf(e))
	c.section(typ)[to] = valuesOf(to, e)
	return to, nil
}

// Retype moves an entity to another type.
func (c *Corrections) Retype(t *Table, typ, name, to string) (string, error) {
	e, err := t.entity(typ, name)
	if err != nil {
		return "", err
	}
	if !ValidType(to) {
		return "", fmt.Errorf("%w: type %q (want person, org or place)", ErrInvalid, to)
	}
	if to == typ {
		return "", fmt.Errorf("%w: %q is already a %s", ErrInvalid, e.Name, typ)
	}
	blocked := e.Blocked
	c.forget(keysOf(e))
	c.section(to)[e.Name] = valuesOf(e.Name, e)
	if blocked {
		c.block(to, e)
	}
	return e.Name, nil
}

// Block says an entity is no entity: it leaves facets, filters and hits.
func (c *Corrections) Block(t *Table, typ, name string) (string, error) {
	e, err := t.entity(typ, name)
	if err != nil {
		return "", err
	}
	if !e.Pinned {
		// Pin it first, so that its names stay together and blocked
		// whatever the archive later learns.
		c.forget(keysOf(e))
		c.section(typ)[e.Name] = valuesOf(e.Name, e)
	}
	c.block(typ, e)
	return e.Name, nil
}

func (c *Corrections) block(typ string, e *Entity) {
	if c.Blocked == nil {
		c.Blocked = map[string][]string{}
	}
	k := Kind(typ)
	if !slices.Contains(c.Blocked[k], e.Name) {
		c.Blocked[k] = append(c.Blocked[k], e.Name)
	}
}

// Unblock undoes Block, and also keeps an entity that the archive's
// statistics took for a common word.
func (c *Corrections) Unblock(t *Table, typ, name string) (string, error) {
	e, err := t.entity(typ, name)
	if err != nil {
		return "", err
	}
	keys := keysOf(e)
	for k, names := range c.Blocked {
		c.Blocked[k] = slices.DeleteFunc(names, func(v string) bool { kk, _ := Key(v); return keys[kk] })
	}
	if e.Blocked && !e.Pinned {
		c.forget(keys)
		c.section(typ)[e.Name] = valuesOf(e.Name, e)
	}
	return e.Name, nil
}

// Split takes one spelling out of the entity it was merged into (by the
// archive or a correction) and makes it its own entity.
func (c *Corrections) Split(t *Table, typ, name string) (string, error) {
	e, err := t.entity(typ, name)
	if err != nil {
		return "", err
	}
	key, _ := Key(name)
	others := 0
	var value string
	for _, n := range e.Names {
		if k, _ := Key(n.Value); k != key {
			others++
		} else if value == "" {
			value = n.Value
		}
	}
	if value == "" {
		ek, _ := Key(e.Name)
		if ek == key {
			return "", fmt.Errorf("%w: %q is the entity's own name; split one of its other spellings (%s)",
				ErrInvalid, name, strings.Join(e.Aliases(), ", "))
		}
		return "", fmt.Errorf("%w: %q is no spelling of %q", ErrInvalid, name, e.Name)
	}
	if others == 0 {
		return "", fmt.Errorf("%w: %q has no other spelling to split from", ErrInvalid, name)
	}
	rest := &Entity{Name: e.Name}
	for _, n := range e.Names {
		if k, _ := Key(n.Value); k != key {
			rest.Names = append(rest.Names, n)
		}
	}
	c.forget(keysOf(e))
	if ek, _ := Key(e.Name); ek == key {
		// The spelling was the entity's name: the rest keeps its most
		// common spelling.
		rest.Name = rest.Names[0].Value
	}
	c.section(typ)[rest.Name] = valuesOf(rest.Name, rest)
	c.section(typ)[value] = []string{}
	return value, nil
}

// Export writes the whole table of entities as an alias table that
// index.aliases accepts back: every entity with more than one spelling, a
// correction, or a block, in its type's section.
func Export(t *Table) ([]byte, error) {
	c := &Corrections{}
	for i := range t.Entities {
		e := &t.Entities[i]
		if variants := dedupeKeys(e.Name, e.Aliases()); len(variants) > 0 || e.Pinned {
			if _, dup := c.section(e.Type)[e.Name]; !dup {
				c.section(e.Type)[e.Name] = variants
			}
		}
		if e.Blocked {
			c.block(e.Type, e)
		}
	}
	return c.Marshal()
}

func dedupeKeys(name string, vs []string) []string {
	nk, _ := Key(name)
	seen := map[string]bool{nk: true}
	out := []string{}
	for _, v := range vs {
		if k, _ := Key(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}
