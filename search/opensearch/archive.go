package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"newsdex/indexer"
	"newsdex/indexer/entity"
	"newsdex/indexer/neardup"
)

// archive is what newsdex derives from the whole archive, as the Bleve
// service does: the entity table (every stored name and the evidence,
// resolved by entity.Resolve) and the near-duplicate groups (from every
// article's signature, by neardup.Resolve). Both are read from the
// cluster with aggregations and a scroll of doc values.
type archive struct {
	version archiveVersion // indexVersion and corr's version
	table   *entity.Table
	// manyNames is, by type, the table's entities with most names first
	// (topEntityCounts).
	manyNames map[string][]int

	// What the table was resolved from, kept so that a correction
	// resolves again without reading the archive again.
	indexVersion string
	names        []entity.Name
	docs         map[string]topTerms // names' article counts, by field (nameCounts)
	ev           entity.Evidence
	corr         storedCorrections
	counts       *archiveCounts // the entities' counts over the whole archive, once asked for

	signed  bool                // some article has a signature: hits carry copies and group
	group   map[string]string   // article id → group id, for articles with copies
	members map[string][]string // group id → its articles, earliest first
	rank    map[string]int      // article id → its place in its group, 0 the earliest
	grouped []string            // every article with copies, for dedup to find those among the matches
}

// of is an article's group and place in it, for count.Dedup.
func (a *archive) of(id string) (string, int, bool) {
	g, ok := a.group[id]
	return g, a.rank[id], ok
}

// entityOf is the entity of a stored name, or the name as its own.
func (a *archive) entityOf(typ, value string) entity.Entity {
	if id, ok := a.table.Lookup(typ, value); ok {
		return a.table.Entities[id]
	}
	return entity.Entity{Type: typ, Name: value}
}

// byNames is the entities of a type, those with most stored names first.
func (a *archive) byNames(typ string) []int { return a.manyNames[typ] }

// namesOf is, by field, every stored name of the entities a facet of
// need could show: the table's entities it wants, and the stored names
// the table leaves out (their own entities) that it wants.
func (a *archive) namesOf(need map[string]facetNeed) map[string][]string {
	out := map[string][]string{}
	for typ, n := range need {
		for _, i := range a.manyNames[typ] {
			e := &a.table.Entities[i]
			if !n.wants(e) {
				continue
			}
			for _, nm := range e.Names {
				f := entity.Field(nm.Type)
				out[f] = append(out[f], nm.Value)
			}
		}
	}
	for _, nm := range a.names {
		n, ok := need[nm.Type]
		if _, inTable := a.table.Lookup(nm.Type, nm.Value); !ok || inTable {
			continue
		}
		if e := (entity.Entity{Type: nm.Type, Name: nm.Value}); n.wants(&e) {
			out[entity.Field(nm.Type)] = append(out[entity.Field(nm.Type)], nm.Value)
		}
	}
	return out
}

// nameCounts is every stored name's article count over the whole
// archive, as top terms with nothing left out.
func (a *archive) nameCounts() map[string]topTerms { return a.docs }

// namesAsTopTerms is nameCounts, built once per read of the archive.
func namesAsTopTerms(names []entity.Name) map[string]topTerms {
	out := map[string]topTerms{}
	for _, typ := range entity.Types {
		out[entity.Field(typ)] = topTerms{counts: map[string]int{}, errs: map[string]int{}}
	}
	for _, n := range names {
		out[entity.Field(n.Type)].counts[n.Value] = n.Docs
	}
	return out
}

// hitEntities maps an article's stored names to entity names, as
// search.Service does: blocked ones left out, each entity once, in the
// article's order, under its entity's type.
func (a *archive) hitEntities(persons, orgs, places []string) ([]string, []string, []string) {
	stored := [3][]string{persons, orgs, places}
	var out [3][]string
	seen := map[string]bool{}
	for i, typ := range entity.Types {
		for _, val := range stored[i] {
			e := a.entityOf(typ, val)
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
	return out[0], out[1], out[2]
}

// filterValues is the stored values, by field, that a filter on an
// entity name means; blocked entities match nothing.
func (a *archive) filterValues(typ, name string) map[string][]string {
	i := a.table.Find(typ, name)
	if i < 0 {
		return map[string][]string{entity.Field(typ): {name}}
	}
	e := &a.table.Entities[i]
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

// copiesOf is an article's group id and its number of articles.
func (a *archive) copiesOf(id string) (string, int) {
	if g, ok := a.group[id]; ok {
		return g, len(a.members[g])
	}
	return id, 1
}

// archiveCache keeps the archive last resolved. A search checks the
// index's version at most once per checkEvery; when it changed, one
// resolution runs in the background and searches go on with the last
// one (as the Bleve service does after writes). Writes through this
// process's Writer resolve at once (Invalidate).
type archiveCache struct {
	s       *Service
	mu      sync.Mutex // one resolution at a time
	cur     atomic.Pointer[archive]
	checked atomic.Int64 // unix nanoseconds of the last version check
	pending atomic.Bool
}

const checkEvery = time.Second

// archiveTimeout bounds each request that reads the whole archive: they
// are not one user's search, and take seconds on millions of articles.
const archiveTimeout = 2 * time.Minute

func newArchiveCache(s *Service) *archiveCache { return &archiveCache{s: s} }

func (c *archiveCache) get(ctx context.Context) (*archive, error) {
	if a := c.cur.Load(); a != nil {
		now := time.Now().UnixNano()
		if last := c.checked.Load(); now-last > int64(checkEvery) && c.checked.CompareAndSwap(last, now) &&
			c.pending.CompareAndSwap(false, true) {
			go func() {
				defer c.pending.Store(false)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if v, _, err := c.s.version(ctx); err == nil && v != a.version {
					if _, err := c.resolve(ctx); err != nil {
						c.s.logger.Error("resolve entities and near-duplicates", slog.String("error", err.Error()))
					}
				}
			}()
		}
		return a, nil
	}
	return c.resolve(ctx)
}

// Invalidate resolves the archive again now, after a write.
func (c *archiveCache) invalidate(ctx context.Context) error {
	_, err := c.resolve(ctx)
	return err
}

func (c *archiveCache) resolve(ctx context.Context) (*archive, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ver, sc, err := c.s.version(ctx)
	if err != nil {
		return nil, err
	}
	prev := c.cur.Load()
	if prev != nil && prev.version == ver {
		return prev, nil
	}
	start := time.Now()
	var a *archive
	if prev != nil && prev.indexVersion == ver.index() {
		// Only the corrections changed: the same names, another table.
		a, err = prev.withCorrections(sc, c.s.aliases)
	} else {
		a, err = c.s.readArchive(ctx, ver.index(), sc)
	}
	if err != nil {
		return nil, err
	}
	c.cur.Store(a)
	c.checked.Store(time.Now().UnixNano())
	c.s.logger.Debug("resolved entities and near-duplicates", slog.Int("entities", len(a.table.Entities)),
		slog.Int("groups", len(a.members)), slog.Duration("took", time.Since(start)))
	return a, nil
}

// Invalidate makes the next search resolve entities and near-duplicate
// groups again, after a write.
func (s *Service) Invalidate(ctx context.Context) error { return s.arch.invalidate(ctx) }

// Warm resolves the archive's entities and near-duplicate groups ahead of
// the first search, which would otherwise wait for them (seconds at a
// million articles), as search.Service.Warm does for Bleve.
func (s *Service) Warm(ctx context.Context) error {
	_, err := s.arch.get(ctx)
	return err
}

// archiveVersion is what the archive was resolved from: the index's
// version, then the corrections' (their document's sequence number and
// primary term).
type archiveVersion string

func (v archiveVersion) index() string { i, _, _ := strings.Cut(string(v), "|"); return i }

// version is the index's version (indexVersion) and the corrections as
// they are now, read in the same call so that the archive resolved from
// them names the version it has.
func (s *Service) version(ctx context.Context) (archiveVersion, storedCorrections, error) {
	iv, err := s.indexVersion(ctx)
	if err != nil {
		return "", storedCorrections{}, err
	}
	sc, err := s.readCorrections(ctx)
	if err != nil {
		return "", storedCorrections{}, err
	}
	return archiveVersion(iv + "|" + sc.version()), sc, nil
}

// indexVersion changes whenever the index does: the primaries' documents
// (live and deleted, as of the last refresh) and their index and delete
// operations.
func (s *Service) indexVersion(ctx context.Context) (string, error) {
	var st struct {
		All struct {
			Primaries struct {
				Docs struct {
					Count   int64 `json:"count"`
					Deleted int64 `json:"deleted"`
				} `json:"docs"`
				Indexing struct {
					Index  int64 `json:"index_total"`
					Delete int64 `json:"delete_total"`
				} `json:"indexing"`
			} `json:"primaries"`
		} `json:"_all"`
	}
	if _, err := s.c.do(ctx, http.MethodGet, request{path: "/" + s.c.index + "/_stats/docs,indexing"}, &st); err != nil {
		return "", fmt.Errorf("index version: %w", err)
	}
	p := st.All.Primaries
	return fmt.Sprintf("%d/%d/%d/%d", p.Docs.Count, p.Docs.Deleted, p.Indexing.Index, p.Indexing.Delete), nil
}

// readArchive reads every stored entity name with its article count and
// the evidence terms (entity.Resolve), and every article's signature
// and date (neardup.Resolve).
func (s *Service) readArchive(ctx context.Context, ver string, sc storedCorrections) (*archive, error) {
	fields := []string{indexer.FieldEntityEvidence}
	for _, typ := range entity.Types {
		fields = append(fields, entity.Field(typ))
	}
	counts, err := s.allValueCounts(ctx, obj{"match_all": obj{}}, fields, archiveTimeout)
	if err != nil {
		return nil, fmt.Errorf("read entity names: %w", err)
	}
	var names []entity.Name
	for _, typ := range entity.Types {
		for v, n := range counts[entity.Field(typ)] {
			names = append(names, entity.Name{Type: typ, Value: v, Docs: n})
		}
	}
	// Bleve's term dictionaries hand names over in term order.
	sort.Slice(names, func(i, j int) bool {
		if names[i].Type != names[j].Type {
			return slices.Index(entity.Types, names[i].Type) < slices.Index(entity.Types, names[j].Type)
		}
		return names[i].Value < names[j].Value
	})
	var ev entity.Evidence
	evTerms := make([]string, 0, len(counts[indexer.FieldEntityEvidence]))
	for t := range counts[indexer.FieldEntityEvidence] {
		evTerms = append(evTerms, t)
	}
	slices.Sort(evTerms)
	for _, t := range evTerms {
		ev.Add(t, counts[indexer.FieldEntityEvidence][t])
	}
	a := &archive{indexVersion: ver, names: names, docs: namesAsTopTerms(names), ev: ev, group: map[string]string{}, members: map[string][]string{}, rank: map[string]int{}}
	if err := s.readDuplicates(ctx, a); err != nil {
		return nil, err
	}
	return a.withCorrections(sc, s.aliases)
}

// withCorrections is a copy of a with its entity table resolved again
// under the corrections sc, as search.Service resolves after a
// correction: the same stored names and evidence, the same duplicates.
func (a *archive) withCorrections(sc storedCorrections, aliases *indexer.Aliases) (*archive, error) {
	ca, err := sc.corr.Aliases()
	if err != nil {
		return nil, err
	}
	b := *a
	b.corr = sc
	b.counts = &archiveCounts{prev: a}
	b.version = archiveVersion(a.indexVersion + "|" + sc.version())
	b.table = entity.Resolve(slices.Clone(a.names), a.ev, aliases, ca)
	b.manyNames = map[string][]int{}
	for i, e := range b.table.Entities {
		b.manyNames[e.Type] = append(b.manyNames[e.Type], i)
	}
	for _, ids := range b.manyNames {
		slices.SortStableFunc(ids, func(x, y int) int { return len(b.table.Entities[y].Names) - len(b.table.Entities[x].Names) })
	}
	return &b, nil
}

// readDuplicates groups the near-duplicates, as search.Service does.
func (s *Service) readDuplicates(ctx context.Context, a *archive) error {
	var ids, published []string
	var sigs []*neardup.Signature
	var after []any
	for {
		body := obj{"query": obj{"match_all": obj{}}, "size": compositePage, "_source": false, "track_total_hits": false,
			"docvalue_fields": []string{fieldID, indexer.FieldDupSig, indexer.FieldPublishedSort},
			"sort":            []obj{{fieldID: obj{"order": "asc"}}}}
		if after != nil {
			body["search_after"] = after
		}
		var res struct {
			Hits struct {
				Hits []struct {
					Fields map[string][]string `json:"fields"`
					Sort   []any               `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
		b, _ := json.Marshal(body)
		if _, err := s.c.do(ctx, http.MethodPost, request{path: "/" + s.c.index + "/_search", body: b}, &res); err != nil {
			return fmt.Errorf("near-duplicates: %w", err)
		}
		for _, h := range res.Hits.Hits {
			first := func(f string) string {
				if v := h.Fields[f]; len(v) > 0 {
					return v[0]
				}
				return ""
			}
			var sig *neardup.Signature
			if sg, err := neardup.Parse(first(indexer.FieldDupSig)); err == nil && first(indexer.FieldDupSig) != "" {
				sig = &sg
			}
			ids, published, sigs = append(ids, first(fieldID)), append(published, first(indexer.FieldPublishedSort)), append(sigs, sig)
			a.signed = a.signed || sig != nil
		}
		if len(res.Hits.Hits) < compositePage {
			break
		}
		after = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
	earlier := func(x, y int) bool {
		px, py := published[x], published[y]
		switch {
		case px != py && px == "":
			return false
		case px != py && py == "":
			return true
		case px != py:
			return px < py
		}
		return ids[x] < ids[y]
	}
	opts := s.lim.NearDuplicates
	opts.SetDefaults()
	root := neardup.Resolve(len(ids), neardup.Buckets(sigs), func(i int) *neardup.Signature { return sigs[i] }, earlier, opts)
	byRoot := map[int][]int{}
	for i, rt := range root {
		if rt != i || len(byRoot[i]) > 0 {
			byRoot[rt] = append(byRoot[rt], i)
		}
	}
	for rt, ms := range byRoot {
		if !slices.Contains(ms, rt) {
			ms = append(ms, rt)
		}
		if len(ms) < 2 {
			continue
		}
		sort.Slice(ms, func(x, y int) bool { return earlier(ms[x], ms[y]) })
		gid := ids[rt]
		for k, m := range ms {
			a.group[ids[m]] = gid
			a.members[gid] = append(a.members[gid], ids[m])
			a.rank[ids[m]] = k
			a.grouped = append(a.grouped, ids[m])
		}
	}
	return nil
}
