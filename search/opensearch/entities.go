package opensearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"newsdex/indexer/entity"
	"newsdex/search"
)

// Entities lists the archive's entities of one type ("" for all) whose
// name or a spelling starts with prefix, most articles first, with exact
// article counts, as search.Service's Entities.
func (s *Service) Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error) {
	if typ != "" && !entity.ValidType(typ) {
		return nil, fmt.Errorf("%w: type %q (want person, org or place)", search.ErrInvalidRequest, typ)
	}
	if size <= 0 {
		size = search.DefaultFacetSize
	}
	if size > s.lim.MaxFacetSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", search.ErrInvalidRequest, s.lim.MaxFacetSize, size)
	}
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	// The first size entities of each type are counted exactly from the
	// names' article counts, as topEntityCounts counts facets; blocked
	// entities count nothing (they are listed under a prefix, to be
	// unblocked).
	need := map[string]facetNeed{}
	for _, t := range entity.Types {
		if typ == "" || t == typ {
			need[t] = facetNeed{size: size, match: func(e *entity.Entity) bool { return !e.Blocked && matchesPrefix(e, p) }}
		}
	}
	counts, ok, err := s.topEntityCounts(ctx, obj{"match_all": obj{}}, ar.nameCounts(), ar, need)
	if err != nil {
		return nil, err
	}
	if !ok {
		if counts, err = s.archiveEntityCounts(ctx, ar); err != nil {
			return nil, err
		}
	}
	var out []search.Entity
	for i := range ar.table.Entities {
		e := &ar.table.Entities[i]
		if (typ != "" && e.Type != typ) || (e.Blocked && p == "") || !matchesPrefix(e, p) {
			continue
		}
		out = append(out, search.Entity{Type: e.Type, Name: e.Name, Count: counts[e.Type+"\x00"+e.Name],
			Aliases: e.Aliases(), Blocked: e.Blocked})
	}
	slices.SortStableFunc(out, func(a, b search.Entity) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > size {
		out = out[:size]
	}
	if out == nil {
		out = []search.Entity{}
	}
	return out, nil
}

// archiveCounts keeps an archive's entity counts: they change only with
// the archive (a write or a correction makes a new one), and the entity
// list and every correction ask for them.
type archiveCounts struct {
	mu     sync.Mutex
	counts map[string]int
	// prev is the archive this one was resolved from with other
	// corrections (same articles), until the counts are known: only the
	// entities a correction changed are counted again.
	prev *archive
}

// known returns the counts when they have been counted.
func (c *archiveCounts) known() map[string]int {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// archiveEntityCounts counts every entity's articles over the whole
// archive, exactly (an article naming two spellings counts once), keyed
// by type, NUL, name; once per archive.
func (s *Service) archiveEntityCounts(ctx context.Context, ar *archive) (map[string]int, error) {
	c := ar.counts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts != nil {
		return c.counts, nil
	}
	var prev map[string]int
	if c.prev != nil {
		prev = c.prev.counts.known()
	}
	counts, err := s.countEntities(ctx, ar, c.prev, prev)
	if err != nil {
		return nil, err
	}
	c.counts, c.prev = counts, nil
	return counts, nil
}

// countEntities counts as archiveEntityCounts says. The stored names'
// article counts come with the archive; an entity with several names
// needs a filters aggregation (entityCounts), which on a large archive
// is most of the time, so when the counts of prev (the same articles,
// other corrections) are known, only the entities whose stored names or
// block changed are counted again.
func (s *Service) countEntities(ctx context.Context, ar, prev *archive, prevCounts map[string]int) (map[string]int, error) {
	all := obj{"match_all": obj{}}
	need := map[string]facetNeed{}
	for _, t := range entity.Types {
		need[t] = facetNeed{size: -1}
	}
	if prevCounts == nil {
		return s.entityCounts(ctx, all, ar.valueCounts(), ar, need)
	}
	was := map[string]int{} // signature → count, in prev
	for k, sig := range ar.signatures(prev) {
		if n, ok := prevCounts[k]; ok {
			was[sig] = n
		}
	}
	out := map[string]int{}
	changed := map[string]bool{}
	for k, sig := range ar.signatures(ar) {
		if n, ok := was[sig]; ok {
			out[k] = n
		} else {
			changed[k] = true
		}
	}
	if len(changed) == 0 {
		return out, nil
	}
	// The changed entities' names alone: entityCounts counts exactly the
	// entities whose every name it is given.
	vc := map[string]map[string]int{}
	for _, n := range ar.names {
		e := ar.entityOf(n.Type, n.Value)
		if !changed[e.Type+"\x00"+e.Name] {
			continue
		}
		f := entity.Field(n.Type)
		if vc[f] == nil {
			vc[f] = map[string]int{}
		}
		vc[f][n.Value] = n.Docs
	}
	counts, err := s.entityCounts(ctx, all, vc, ar, need)
	if err != nil {
		return nil, err
	}
	for k, n := range counts {
		out[k] = n
	}
	return out, nil
}

// valueCounts is the article count of every stored entity name, by
// field, as read for the archive.
func (a *archive) valueCounts() map[string]map[string]int {
	vc := map[string]map[string]int{}
	for _, n := range a.names {
		f := entity.Field(n.Type)
		if vc[f] == nil {
			vc[f] = map[string]int{}
		}
		vc[f][n.Value] = n.Docs
	}
	return vc
}

// signatures names, for each entity of t's table that has stored names
// (keyed type, NUL, name), what its count depends on: whether it is
// blocked and its stored names. An entity with the same signature in
// two tables over the same articles has the same count.
func (a *archive) signatures(t *archive) map[string]string {
	parts := map[string][]string{}
	blocked := map[string]bool{}
	for _, n := range a.names {
		e := t.entityOf(n.Type, n.Value)
		k := e.Type + "\x00" + e.Name
		parts[k] = append(parts[k], n.Type+"\x00"+n.Value)
		blocked[k] = e.Blocked
	}
	out := make(map[string]string, len(parts))
	for k, ps := range parts {
		slices.Sort(ps)
		sig := strings.Join(ps, "\x01")
		if blocked[k] {
			sig = "blocked\x01" + sig
		}
		out[k] = sig
	}
	return out
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

// The researchers' corrections live in the cluster, beside the articles:
// one document, "corrections", in the companion index <name>-entities,
// holding the alias table that the Bleve backend keeps in its index's
// internal storage (entity.Corrections, YAML). They are applied as there:
// the archive's entity table is resolved with them (entity.Resolve), and
// facets, filters, hits and entity lists read that table; no article is
// rewritten.
//
// Every edit writes the document back conditionally on the sequence
// number and primary term of the copy it edited, so that two newsdex
// processes on one cluster never lose each other's edit: the loser of a
// race gets a conflict, reads the corrections again and makes its edit
// on them. Other processes see an edit when their archive's version check
// (at most once per checkEvery, with a realtime GET of the document)
// finds a new sequence number.

// correctionsID is the corrections document's id in the companion index.
const correctionsID = "corrections"

// EntitiesIndex is the companion index that holds the corrections.
func (c *Client) EntitiesIndex() string { return c.index + "-entities" }

// storedCorrections are the corrections as read, with what a
// conditional write of them needs.
type storedCorrections struct {
	corr        *entity.Corrections
	found       bool
	seqNo       int64
	primaryTerm int64
}

// version names this copy of the corrections.
func (sc storedCorrections) version() string {
	if !sc.found {
		return "none"
	}
	return strconv.FormatInt(sc.primaryTerm, 10) + ":" + strconv.FormatInt(sc.seqNo, 10)
}

// correctionsSource is the document's body.
type correctionsSource struct {
	Aliases string `json:"aliases"` // entity.Corrections.Marshal
}

// readCorrections reads the corrections document; no companion index or
// no document means no corrections yet.
func (s *Service) readCorrections(ctx context.Context) (storedCorrections, error) {
	var doc struct {
		Found       bool              `json:"found"`
		SeqNo       int64             `json:"_seq_no"`
		PrimaryTerm int64             `json:"_primary_term"`
		Source      correctionsSource `json:"_source"`
	}
	_, err := s.c.do(ctx, http.MethodGet, request{path: "/" + s.c.EntitiesIndex() + "/_doc/" + correctionsID}, &doc)
	var ce *clusterError
	switch {
	case errors.As(err, &ce) && ce.Status == http.StatusNotFound:
		doc.Found = false
	case err != nil:
		return storedCorrections{}, fmt.Errorf("read entity corrections: %w", err)
	}
	var raw []byte
	if doc.Found {
		raw = []byte(doc.Source.Aliases)
	}
	corr, err := entity.ParseCorrections(raw)
	if err != nil {
		return storedCorrections{}, fmt.Errorf("read entity corrections from %s: %w", s.c.EntitiesIndex(), err)
	}
	return storedCorrections{corr: corr, found: doc.Found, seqNo: doc.SeqNo, primaryTerm: doc.PrimaryTerm}, nil
}

// errConflict is a conditional write that lost to another writer.
var errConflict = errors.New("the entity corrections were changed by another process")

// writeCorrections saves b in place of prev, the copy it was made from;
// it returns errConflict when the stored copy is no longer prev.
func (s *Service) writeCorrections(ctx context.Context, b []byte, prev storedCorrections) error {
	if !prev.found {
		if err := s.c.ensureEntitiesIndex(ctx); err != nil {
			return err
		}
	}
	body, err := json.Marshal(correctionsSource{Aliases: string(b)})
	if err != nil {
		return fmt.Errorf("encode entity corrections: %w", err)
	}
	q := url.Values{}
	if prev.found {
		q.Set("if_seq_no", strconv.FormatInt(prev.seqNo, 10))
		q.Set("if_primary_term", strconv.FormatInt(prev.primaryTerm, 10))
	} else {
		q.Set("op_type", "create")
	}
	_, err = s.c.do(ctx, http.MethodPut, request{path: "/" + s.c.EntitiesIndex() + "/_doc/" + correctionsID, query: q, body: body}, nil)
	var ce *clusterError
	switch {
	case errors.As(err, &ce) && ce.Status == http.StatusConflict:
		return errConflict
	case err != nil:
		return fmt.Errorf("save entity corrections: %w", err)
	}
	return nil
}

// ensureEntitiesIndex creates the companion index: one shard, as many
// replicas as the articles' index, nothing indexed (the document is
// only ever read by id).
func (c *Client) ensureEntitiesIndex(ctx context.Context) error {
	body, err := json.Marshal(obj{
		"settings": obj{"number_of_shards": 1, "number_of_replicas": c.opts.Replicas},
		"mappings": obj{"dynamic": false, "properties": obj{}},
	})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, request{path: "/" + c.EntitiesIndex(), body: body,
		query: url.Values{"wait_for_active_shards": {"1"}}}, nil)
	var ce *clusterError
	if err != nil && !(errors.As(err, &ce) && ce.Type == "resource_already_exists_exception") {
		return fmt.Errorf("create index %s: %w", c.EntitiesIndex(), err)
	}
	return nil
}

// maxConflicts bounds how often one edit is made again after losing a
// race to another process.
const maxConflicts = 5

// correct applies one correction as search.Service does: the edit is made
// on the corrections as stored now, saved, and the entities resolved
// again, so the next request counts with it. It returns the entity the
// correction produced. Errors wrap search.ErrNotFound for an unknown
// entity and search.ErrInvalidRequest for a bad type or name.
func (s *Service) correct(ctx context.Context, typ string, edit func(c *entity.Corrections, t *entity.Table) (string, error)) (search.Entity, error) {
	for attempt := 0; ; attempt++ {
		// The archive as it is now, corrections included: another
		// process may have corrected since the last check.
		ar, err := s.arch.resolve(ctx)
		if err != nil {
			return search.Entity{}, err
		}
		raw, err := ar.corr.corr.Marshal()
		if err != nil {
			return search.Entity{}, err
		}
		next, err := entity.ParseCorrections(raw) // a copy to edit
		if err != nil {
			return search.Entity{}, err
		}
		name, err := edit(next, ar.table)
		switch {
		case errors.Is(err, entity.ErrNotFound):
			return search.Entity{}, fmt.Errorf("%w: %v", search.ErrNotFound, err)
		case errors.Is(err, entity.ErrInvalid):
			return search.Entity{}, fmt.Errorf("%w: %v", search.ErrInvalidRequest, err)
		case err != nil:
			return search.Entity{}, err
		}
		b, err := next.Marshal()
		if err != nil {
			return search.Entity{}, err
		}
		err = s.writeCorrections(ctx, b, ar.corr)
		if errors.Is(err, errConflict) && attempt < maxConflicts {
			continue
		}
		if err != nil {
			return search.Entity{}, err
		}
		if ar, err = s.arch.resolve(ctx); err != nil {
			return search.Entity{}, err
		}
		return s.corrected(ctx, ar, typ, name)
	}
}

// corrected is the entity named name after a correction, with its count;
// a retyped entity is looked for under every type.
func (s *Service) corrected(ctx context.Context, ar *archive, typ, name string) (search.Entity, error) {
	i := ar.table.Find(typ, name)
	if i < 0 {
		for _, t := range entity.Types {
			if i = ar.table.Find(t, name); i >= 0 {
				break
			}
		}
	}
	if i < 0 {
		return search.Entity{Type: typ, Name: name, Aliases: []string{}}, nil
	}
	e := &ar.table.Entities[i]
	count := 0
	if !e.Blocked {
		need := map[string]facetNeed{e.Type: {size: 1, match: func(x *entity.Entity) bool { return x.Name == e.Name }}}
		counts, _, err := s.topEntityCounts(ctx, obj{"match_all": obj{}}, ar.nameCounts(), ar, need)
		if err != nil {
			return search.Entity{}, err
		}
		count = counts[e.Type+"\x00"+e.Name]
	}
	return search.Entity{Type: e.Type, Name: e.Name, Count: count, Aliases: e.Aliases(), Blocked: e.Blocked}, nil
}

// MergeEntities makes the named entities one, shown as into.
func (s *Service) MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Merge(t, typ, names, into)
	})
}

// RenameEntity shows an entity under a new name.
func (s *Service) RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Rename(t, typ, name, to)
	})
}

// RetypeEntity moves an entity to another type.
func (s *Service) RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	return s.correct(ctx, to, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Retype(t, typ, name, to)
	})
}

// BlockEntity removes an entity from facets, filters and hits.
func (s *Service) BlockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Block(t, typ, name)
	})
}

// UnblockEntity undoes BlockEntity.
func (s *Service) UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Unblock(t, typ, name)
	})
}

// SplitEntity takes one spelling out of the entity it was merged into.
func (s *Service) SplitEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	return s.correct(ctx, typ, func(c *entity.Corrections, t *entity.Table) (string, error) {
		return c.Split(t, typ, name)
	})
}

// ExportEntities writes the archive's entity table as an alias table
// (YAML) that index.aliases accepts back, as search.Service does.
func (s *Service) ExportEntities(ctx context.Context) ([]byte, error) {
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	return entity.Export(ar.table)
}
