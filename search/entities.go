package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/search/count"
)

// Entity is one person, organisation or place of the archive: the bucket
// that facets count, filters select and hits list, whatever spelling an
// article used.
type Entity struct {
	Type    string   `json:"type"`    // "person", "org" or "place"
	Name    string   `json:"name"`    // display name
	Count   int      `json:"count"`   // articles naming it, over the whole archive
	Aliases []string `json:"aliases"` // the other spellings counted as it
	Blocked bool     `json:"blocked,omitempty"`
}

// Entity types as the API names them.
const (
	EntityPerson = entity.Person
	EntityOrg    = entity.Org
	EntityPlace  = entity.Place
)

// correctionsKey is where the researchers' corrections live in the index
// (Bleve's internal storage), so that they travel with it in backups.
var correctionsKey = []byte("newsdex.entity.corrections")

// entities holds the archive's entity table for searches. The table is
// resolved from the index's stored names and evidence (entity.Resolve);
// it is resolved again when the index changes (at most once per
// refreshEvery, in the background, so writes never wait on it) and at once
// after a correction. Names written since the last resolution count as
// entities of their own until the next one.
type entities struct {
	idx     bleve.Index
	aliases *indexer.Aliases
	logger  *slog.Logger

	cur        atomic.Pointer[entityView]
	generation atomic.Uint64 // counts resolutions, for the result cache
	mu         sync.Mutex    // serialises resolutions and corrections
	pending    atomic.Bool
}

// refreshEvery bounds how often writes trigger a resolution.
const refreshEvery = 2 * time.Second

// entityView is one resolved table and what counting needs from it.
type entityView struct {
	table   *entity.Table
	version string // index version it was resolved at
	corr    *entity.Corrections

	// Per counted entity field: entity number by value number (the
	// column cache's numbering, search/count), -1 for none yet. Values numbered after
	// the table was resolved get entities of their own (extra).
	mu    sync.Mutex
	of    [3][]int32
	extra []entity.Entity
}

func newEntities(idx bleve.Index, aliases *indexer.Aliases, logger *slog.Logger) *entities {
	return &entities{idx: idx, aliases: aliases, logger: logger}
}

// view returns the current table, resolving it first if there is none,
// and starting a background resolution when the index has changed.
func (e *entities) view(ctx context.Context) (*entityView, error) {
	v := e.cur.Load()
	if v == nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		if v = e.cur.Load(); v != nil {
			return v, nil
		}
		corr, err := e.loadCorrections()
		if err != nil {
			return nil, err
		}
		return e.resolve(ctx, corr)
	}
	if ver := indexVersion(e.idx); ver != v.version && e.pending.CompareAndSwap(false, true) {
		go func() {
			defer e.pending.Store(false)
			// The index may be closed meanwhile (a CLI command ending,
			// serve shutting down); Bleve then panics on the closed
			// snapshot, which here only means there is nothing to do.
			defer func() {
				if r := recover(); r != nil {
					e.logger.Debug("entities not resolved: index closed", slog.Any("cause", r))
				}
			}()
			time.Sleep(refreshEvery)
			e.mu.Lock()
			defer e.mu.Unlock()
			cur := e.cur.Load()
			if _, err := e.resolve(context.Background(), cur.corr); err != nil {
				e.logger.Error("resolve entities", slog.String("error", err.Error()))
			}
		}()
	}
	return v, nil
}

func (e *entities) loadCorrections() (*entity.Corrections, error) {
	b, err := e.idx.GetInternal(correctionsKey)
	if err != nil {
		return nil, fmt.Errorf("read entity corrections: %w", err)
	}
	return entity.ParseCorrections(b)
}

// resolve builds the table from the index as it is now. e.mu is held.
func (e *entities) resolve(ctx context.Context, corr *entity.Corrections) (*entityView, error) {
	version := indexVersion(e.idx)
	names, ev, err := readNames(ctx, e.idx)
	if err != nil {
		return nil, err
	}
	ca, err := corr.Aliases()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	v := &entityView{table: entity.Resolve(names, ev, e.aliases, ca), version: version, corr: corr}
	e.logger.Debug("resolved entities", slog.Int("names", len(names)), slog.Int("entities", len(v.table.Entities)),
		slog.Duration("took", time.Since(start)))
	e.cur.Store(v)
	e.generation.Add(1)
	return v, nil
}

// current is view for callers without a context (query building); nil
// when the table cannot be read, and names are then taken as written.
func (e *entities) current() *entityView {
	v, err := e.view(context.Background())
	if err != nil {
		e.logger.Error("resolve entities", slog.String("error", err.Error()))
		return nil
	}
	return v
}

// entityNames maps an article's stored names to its entities.
func (s *Service) entityNames(persons, orgs, places []string) ([]string, []string, []string) {
	// Per hit: the table the search already loaded, without another look
	// at the index's version.
	v := s.ents.cur.Load()
	if v == nil {
		v = s.ents.current()
	}
	if v == nil {
		return persons, orgs, places
	}
	out := v.hitEntities([3][]string{persons, orgs, places})
	return out[0], out[1], out[2]
}

// readNames reads every stored entity name with its document count, and
// the evidence terms, from the index's term dictionaries. The counts are
// exact (count.TermDocs): Bleve's own dictionary counts come out low.
func readNames(ctx context.Context, idx bleve.Index) ([]entity.Name, entity.Evidence, error) {
	var names []entity.Name
	var ev entity.Evidence
	// An alias has no reader of its own: its dictionaries, as Bleve counts.
	var r count.Dictionaries = idx
	if adv, err := idx.Advanced(); err == nil {
		ir, err := adv.Reader()
		if err != nil {
			return nil, ev, fmt.Errorf("read entity names: %w", err)
		}
		defer ir.Close()
		r = ir
	}
	for _, typ := range entity.Types {
		if _, err := count.TermDocs(ctx, r, entity.Field(typ), func(t string, n int) {
			names = append(names, entity.Name{Type: typ, Value: t, Docs: n})
		}); err != nil {
			return nil, ev, err
		}
	}
	if _, err := count.TermDocs(ctx, r, indexer.FieldEntityEvidence, ev.Add); err != nil {
		return nil, ev, err
	}
	return names, ev, nil
}

// Mapping returns, for each entity field, the entity of every value
// numbered so far (terms per field, by number). Values new to the table
// become entities of their own. With Table, it makes the view the
// count.Entities the column counter maps names with.
func (v *entityView) Mapping(terms [3][]string) ([3][]int32, []entity.Entity) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, typ := range entity.Types {
		for n := len(v.of[i]); n < len(terms[i]); n++ {
			id, ok := v.table.Lookup(typ, terms[i][n])
			if !ok {
				id = len(v.table.Entities) + len(v.extra)
				v.extra = append(v.extra, entity.Entity{Type: typ, Name: terms[i][n],
					Names: []entity.Name{{Type: typ, Value: terms[i][n]}}})
			}
			v.of[i] = append(v.of[i], int32(id))
		}
	}
	return v.of, v.extra
}

// Table is the resolved table Mapping's numbers refer to.
func (v *entityView) Table() *entity.Table { return v.table }

var _ count.Entities = (*entityView)(nil)

// hitEntities maps a hit's stored names (persons, organisations, places)
// to entity names: blocked ones left out, each entity once, in the
// article's order, each under its entity's type (a "Chrysler" stored as a
// person is listed with the organisations when the archive says so).
func (v *entityView) hitEntities(stored [3][]string) [3][]string {
	var out [3][]string
	seen := map[string]bool{}
	for i, typ := range entity.Types {
		for _, val := range stored[i] {
			id, ok := v.table.Lookup(typ, val)
			if !ok {
				if !seen[typ+"\x00"+val] {
					seen[typ+"\x00"+val] = true
					out[i] = append(out[i], val)
				}
				continue
			}
			e := &v.table.Entities[id]
			if e.Blocked || seen[e.Type+"\x00"+e.Name] {
				continue
			}
			seen[e.Type+"\x00"+e.Name] = true
			j := slices.Index(entity.Types, e.Type)
			out[j] = append(out[j], e.Name)
		}
	}
	for i := range out {
		if out[i] == nil {
			out[i] = []string{}
		}
	}
	return out
}

// filterValues returns the stored values, by field, that a filter on the
// entity name means: all the spellings of that entity. Unknown names
// filter on themselves (they match nothing, or names written since the
// last resolution); blocked entities match nothing.
func (v *entityView) filterValues(typ, name string) map[string][]string {
	i := v.table.Find(typ, name)
	if i < 0 {
		return map[string][]string{entity.Field(typ): {name}}
	}
	e := &v.table.Entities[i]
	out := map[string][]string{}
	if e.Blocked {
		return out
	}
	for _, n := range e.Names {
		f := entity.Field(n.Type)
		out[f] = append(out[f], n.Value)
	}
	return out
}

// Entities lists the archive's entities of one type ("" for all) whose
// name or a spelling starts with prefix (case-insensitively), most
// articles first, with exact article counts. Blocked entities are listed
// only when prefix names them, so that they can be unblocked.
func (s *Service) Entities(ctx context.Context, typ, prefix string, size int) ([]Entity, error) {
	if typ != "" && !entity.ValidType(typ) {
		return nil, fmt.Errorf("%w: type %q (want person, org or place)", ErrInvalidRequest, typ)
	}
	if size <= 0 {
		size = DefaultFacetSize
	}
	if size > s.lim.MaxFacetSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", ErrInvalidRequest, s.lim.MaxFacetSize, size)
	}
	v, err := s.ents.view(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.entityCounts(ctx, v)
	if err != nil {
		return nil, err
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	var out []Entity
	for i := range v.table.Entities {
		e := &v.table.Entities[i]
		if (typ != "" && e.Type != typ) || (e.Blocked && p == "") || !matchesPrefix(e, p) {
			continue
		}
		out = append(out, toEntity(e, counts[e.Type+"\x00"+e.Name]))
	}
	slices.SortStableFunc(out, func(a, b Entity) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > size {
		out = out[:size]
	}
	if out == nil {
		out = []Entity{}
	}
	return out, nil
}

func matchesPrefix(e *entity.Entity, p string) bool {
	if p == "" || strings.HasPrefix(strings.ToLower(e.Name), p) {
		return true
	}
	for _, n := range e.Names {
		if strings.HasPrefix(strings.ToLower(n.Value), p) {
			return true
		}
	}
	return false
}

func toEntity(e *entity.Entity, count int) Entity {
	return Entity{Type: e.Type, Name: e.Name, Count: count, Aliases: e.Aliases(), Blocked: e.Blocked}
}

// entityCounts counts every entity's articles over the whole archive with
// the facet counter: exact, an article naming two spellings counts once.
func (s *Service) entityCounts(ctx context.Context, v *entityView) (map[string]int, error) {
	breq := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	for _, typ := range entity.Types {
		breq.AddFacet(typ, bleve.NewFacetRequest(entity.Field(typ), len(v.table.Entities)+1))
	}
	res, _, err := s.runCounted(ctx, breq)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, typ := range entity.Types {
		for _, fv := range facetValues(res.Facets[typ]) {
			out[typ+"\x00"+fv.Value] = fv.Count
		}
	}
	return out, nil
}

// correct applies one correction: it saves the new corrections in the
// index and resolves the entities again, so the next search counts with
// them. It returns the entity the correction produced.
func (s *Service) correct(ctx context.Context, typ string, edit func(c *entity.Corrections, t *entity.Table) (string, error)) (Entity, error) {
	e := s.ents
	if _, err := e.view(ctx); err != nil {
		return Entity{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.cur.Load()
	raw, err := cur.corr.Marshal()
	if err != nil {
		return Entity{}, err
	}
	next, err := entity.ParseCorrections(raw) // a copy to edit
	if err != nil {
		return Entity{}, err
	}
	name, err := edit(next, cur.table)
	switch {
	case errors.Is(err, entity.ErrNotFound):
		return Entity{}, fmt.Errorf("%w: %v", ErrNotFound, err)
	case errors.Is(err, entity.ErrInvalid):
		return Entity{}, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	case err != nil:
		return Entity{}, err
	}
	b, err := next.Marshal()
	if err != nil {
		return Entity{}, err
	}
	if err := s.idx.SetInternal(correctionsKey, b); err != nil {
		return Entity{}, fmt.Errorf("save entity corrections: %w", err)
	}
	v, err := e.resolve(ctx, next)
	if err != nil {
		return Entity{}, err
	}
	s.results.clear()
	i := v.table.Find(typ, name)
	if i < 0 {
		for _, t := range entity.Types { // retyped
			if i = v.table.Find(t, name); i >= 0 {
				break
			}
		}
	}
	if i < 0 {
		return Entity{Type: typ, Name: name, Aliases: []string{}}, nil
	}
	counts, err := s.entityCounts(ctx, v)
	if err != nil {
		return Entity{}, err
	}
	en := &v.table.Entities[i]
	return toEntity(en, counts[en.Type+"\x00"+en.Name]), nil
}

// MergeEntities makes the named entities one, shown as into.
func (s *Service) MergeEntities(ctx context.Context, typ string, names []string, into string) (Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Merge(t, typ, names, into)
	})
}

// RenameEntity shows an entity under a new name.
func (s *Service) RenameEntity(ctx context.Context, typ, name, to string) (Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Rename(t, typ, name, to)
	})
}

// RetypeEntity moves an entity to another type.
func (s *Service) RetypeEntity(ctx context.Context, typ, name, to string) (Entity, error) {
	return s.correct(ctx, to, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Retype(t, typ, name, to)
	})
}

// BlockEntity removes an entity from facets, filters and hits.
func (s *Service) BlockEntity(ctx context.Context, typ, name string) (Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Block(t, typ, name)
	})
}

// UnblockEntity undoes BlockEntity.
func (s *Service) UnblockEntity(ctx context.Context, typ, name string) (Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Unblock(t, typ, name)
	})
}

// SplitEntity takes one spelling out of the entity it was merged into.
func (s *Service) SplitEntity(ctx context.Context, typ, name string) (Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Split(t, typ, name)
	})
}

// ExportEntities writes the archive's entity table as an alias table
// (YAML) that index.aliases accepts back.
func (s *Service) ExportEntities(ctx context.Context) ([]byte, error) {
	v, err := s.ents.view(ctx)
	if err != nil {
		return nil, err
	}
	return entity.Export(v.table)
}
