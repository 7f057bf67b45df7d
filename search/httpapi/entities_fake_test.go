package httpapi

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"newsdex/search"
)

// entityTable is a fake EntityEditor over an in-memory table of entities,
// keeping the contract the search service's implementation keeps: unknown
// names wrap search.ErrNotFound; bad types, empty names, merging an
// entity into itself and retyping to the same type wrap
// search.ErrInvalidRequest. A name finds an entity by its name or an
// alias, spelt exactly or else ignoring case. It records each call, as "op type name…".
type entityTable struct {
	mu    sync.Mutex
	rows  []search.Entity
	calls []string
}

func newEntityTable(rows ...search.Entity) *entityTable {
	return &entityTable{rows: slices.Clone(rows)}
}

// Calls returns the calls so far.
func (f *entityTable) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *entityTable) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func checkFakeType(typ string) error {
	if !slices.Contains(entityTypes, typ) {
		return fmt.Errorf("%w: unknown entity type %q", search.ErrInvalidRequest, typ)
	}
	return nil
}

// find returns the index of the entity typ/name, or an error.
func (f *entityTable) find(typ, name string) (int, error) {
	if err := checkFakeType(typ); err != nil {
		return -1, err
	}
	if strings.TrimSpace(name) == "" {
		return -1, fmt.Errorf("%w: empty entity name", search.ErrInvalidRequest)
	}
	// The exact spelling first: "Fed" and "FED" may be two entities.
	for _, same := range []func(a, b string) bool{func(a, b string) bool { return a == b }, strings.EqualFold} {
		for i, e := range f.rows {
			if e.Type == typ && (same(e.Name, name) || slices.ContainsFunc(e.Aliases, func(a string) bool { return same(a, name) })) {
				return i, nil
			}
		}
	}
	return -1, fmt.Errorf("%s %q: %w", typ, name, search.ErrNotFound)
}

func (f *entityTable) Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("list %s %s %d", typ, prefix, size)
	if typ != "" {
		if err := checkFakeType(typ); err != nil {
			return nil, err
		}
	}
	p := strings.ToLower(prefix)
	var out []search.Entity
	for _, e := range f.rows {
		if typ != "" && e.Type != typ {
			continue
		}
		match := strings.HasPrefix(strings.ToLower(e.Name), p)
		for _, a := range e.Aliases {
			match = match || strings.HasPrefix(strings.ToLower(a), p)
		}
		if match {
			e.Aliases = slices.Clone(e.Aliases)
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b search.Entity) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Name, b.Name)) })
	return out[:min(len(out), size)], nil
}

func (f *entityTable) MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("merge %s %s into %s", typ, strings.Join(names, "|"), into)
	if err := checkFakeType(typ); err != nil {
		return search.Entity{}, err
	}
	if len(names) == 0 || strings.TrimSpace(into) == "" {
		return search.Entity{}, fmt.Errorf("%w: nothing to merge", search.ErrInvalidRequest)
	}
	target, err := f.find(typ, into)
	var merged []int
	for _, n := range names {
		i, err := f.find(typ, n)
		if err != nil {
			return search.Entity{}, err
		}
		if i == target {
			return search.Entity{}, fmt.Errorf("%w: cannot merge %q into itself", search.ErrInvalidRequest, n)
		}
		if !slices.Contains(merged, i) {
			merged = append(merged, i)
		}
	}
	if err != nil { // a new name: the merge creates it
		f.rows = append(f.rows, search.Entity{Type: typ, Name: into, Aliases: []string{}})
		target = len(f.rows) - 1
	}
	t := f.rows[target]
	gone := map[string]bool{}
	for _, i := range merged {
		t.Count += f.rows[i].Count
		t.Aliases = append(t.Aliases, f.rows[i].Name)
		t.Aliases = append(t.Aliases, f.rows[i].Aliases...)
		gone[f.rows[i].Name] = true
	}
	f.rows[target] = t
	f.rows = slices.DeleteFunc(f.rows, func(e search.Entity) bool { return e.Type == typ && gone[e.Name] })
	return t, nil
}

func (f *entityTable) RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rename %s %s to %s", typ, name, to)
	i, err := f.find(typ, name)
	if err != nil {
		return search.Entity{}, err
	}
	if strings.TrimSpace(to) == "" {
		return search.Entity{}, fmt.Errorf("%w: empty new name", search.ErrInvalidRequest)
	}
	if j, err := f.find(typ, to); err == nil && j != i {
		return search.Entity{}, fmt.Errorf("%w: %s %q exists; merge instead", search.ErrInvalidRequest, typ, to)
	}
	e := &f.rows[i]
	if e.Name != to {
		e.Aliases = append(slices.DeleteFunc(e.Aliases, func(a string) bool { return a == to }), e.Name)
		e.Name = to
	}
	return *e, nil
}

func (f *entityTable) RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("retype %s %s to %s", typ, name, to)
	i, err := f.find(typ, name)
	if err != nil {
		return search.Entity{}, err
	}
	if err := checkFakeType(to); err != nil {
		return search.Entity{}, err
	}
	if to == typ {
		return search.Entity{}, fmt.Errorf("%w: %q is already a %s", search.ErrInvalidRequest, name, typ)
	}
	f.rows[i].Type = to
	return f.rows[i], nil
}

func (f *entityTable) setBlocked(op, typ, name string, blocked bool) (search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("%s %s %s", op, typ, name)
	i, err := f.find(typ, name)
	if err != nil {
		return search.Entity{}, err
	}
	f.rows[i].Blocked = blocked
	return f.rows[i], nil
}

func (f *entityTable) BlockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return f.setBlocked("block", typ, name, true)
}

func (f *entityTable) UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return f.setBlocked("unblock", typ, name, false)
}

// SplitEntity undoes merges: each alias becomes an entity of its own
// again (the fake cannot recount, so they start at 0).
func (f *entityTable) SplitEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("split %s %s", typ, name)
	i, err := f.find(typ, name)
	if err != nil {
		return search.Entity{}, err
	}
	if len(f.rows[i].Aliases) == 0 {
		return search.Entity{}, fmt.Errorf("%w: %q has no variants to split off", search.ErrInvalidRequest, name)
	}
	for _, a := range f.rows[i].Aliases {
		f.rows = append(f.rows, search.Entity{Type: typ, Name: a, Aliases: []string{}})
	}
	f.rows[i].Aliases = []string{}
	return f.rows[i], nil
}

// ExportEntities writes the table in the layout of data/aliases.yaml.
func (f *entityTable) ExportEntities(ctx context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("export")
	var b strings.Builder
	for _, sec := range []struct{ typ, name string }{{"person", "persons"}, {"org", "organizations"}, {"place", "places"}} {
		fmt.Fprintf(&b, "%s:\n", sec.name)
		for _, e := range f.rows {
			if e.Type == sec.typ && len(e.Aliases) > 0 {
				fmt.Fprintf(&b, "  %s: [%s]\n", e.Name, strings.Join(e.Aliases, ", "))
			}
		}
	}
	return []byte(b.String()), nil
}

// editingSearcher is a Searcher with the fake entity table: every search
// fails, which the entity endpoints never do.
type editingSearcher struct {
	fakeSearcher
	*entityTable
}

// editingService puts the fake entity table in front of a real search
// service, keeping the service's other optional methods (KWIC, export,
// limits) for the endpoints that need them.
type editingService struct {
	*search.Service
	table *entityTable
}

func (s editingService) Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error) {
	return s.table.Entities(ctx, typ, prefix, size)
}
func (s editingService) MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error) {
	return s.table.MergeEntities(ctx, typ, names, into)
}
func (s editingService) RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	return s.table.RenameEntity(ctx, typ, name, to)
}
func (s editingService) RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	return s.table.RetypeEntity(ctx, typ, name, to)
}
func (s editingService) BlockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.table.BlockEntity(ctx, typ, name)
}
func (s editingService) UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.table.UnblockEntity(ctx, typ, name)
}
func (s editingService) SplitEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.table.SplitEntity(ctx, typ, name)
}
func (s editingService) ExportEntities(ctx context.Context) ([]byte, error) {
	return s.table.ExportEntities(ctx)
}

var (
	_ EntityEditor = editingSearcher{}
	_ EntityEditor = editingService{}
	_ kwicSearcher = editingService{}
	_ exporter     = editingService{}
	_ limited      = editingService{}
)

// withEntities returns svc as a Searcher with entity support: svc itself
// once the search service implements EntityEditor, until then svc behind
// a fake table seeded from its facets (names and counts over the whole
// archive, with the given aliases by type and name).
func withEntities(t testing.TB, svc *search.Service, aliases map[string]map[string][]string) Searcher {
	t.Helper()
	if _, ok := any(svc).(EntityEditor); ok {
		return svc
	}
	table := newEntityTable()
	for _, typ := range entityTypes {
		vals, err := svc.FacetValues(context.Background(), typ, "", search.Request{}, svc.Limits().MaxFacetSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			al := slices.Clone(aliases[typ][v.Value])
			if al == nil {
				al = []string{}
			}
			table.rows = append(table.rows, search.Entity{Type: typ, Name: v.Value, Count: int(v.Count), Aliases: al})
		}
	}
	return editingService{Service: svc, table: table}
}
