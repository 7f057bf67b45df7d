package search

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/indexer/neardup"
	"newsdex/search/count"
)

// Near-duplicate groups (issue 13). Each article's MinHash signature is
// computed at ingest and indexed as one keyword with doc values
// (indexer.FieldDupSig). The groups are resolved here, from those
// signatures, for the index as it is: Bleve cannot change a field of a
// written article, and the group's id, its earliest article, changes
// when an earlier copy arrives later. Resolving reads the signatures as a
// column and sorts band hashes (package neardup): about 0.3 s for
// Reuters-21578, repeated in the background after writes.

// dupView is the near-duplicate groups of one version of the index.
type dupView struct {
	version string
	signed  bool                // some article has a signature: hits carry copies and group
	group   map[string]string   // article id → group id, for articles with copies
	rank    map[string]int      // article id → its place in its group, 0 the earliest
	members map[string][]string // group id → its articles, earliest first
}

// of is an article's group and place in it, for count.Dedup.
func (v *dupView) of(id string) (string, int, bool) {
	g, ok := v.group[id]
	return g, v.rank[id], ok
}

// dupCache holds the groups last resolved. After a write, searches go on
// with the groups they have while one resolution runs in the background
// (as the entity table does), so a stream of writes never makes every
// search wait for a pass over the whole archive.
type dupCache struct {
	mu         sync.Mutex // guards v
	resolving  sync.Mutex // one resolution at a time
	pending    atomic.Bool
	generation atomic.Uint64 // counts resolutions, for the result cache
	opts       neardup.Options
	v          *dupView

	// Which matches dedup left out, by index version, groups and query,
	// so that the pages of an export or KWIC walk list the matches once.
	left leftOut
}

func newDupCache(opts neardup.Options) *dupCache {
	opts.SetDefaults()
	return &dupCache{opts: opts}
}

// current returns the groups last resolved, or nil.
func (c *dupCache) current() *dupView {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v
}

func (c *dupCache) set(v *dupView) {
	c.mu.Lock()
	c.v = v
	c.mu.Unlock()
	c.generation.Add(1)
}

// duplicates returns the near-duplicate groups: resolved now when there
// are none yet, else the last ones, refreshed in the background when the
// index has changed since (articles written meanwhile count as unique
// until the refresh ends).
func (s *Service) duplicates(ctx context.Context) (*dupView, error) {
	ver := indexVersion(s.idx)
	if v := s.dups.current(); v != nil {
		if v.version != ver || ver == "" {
			s.refreshDuplicates()
		}
		return v, nil
	}
	s.dups.resolving.Lock()
	defer s.dups.resolving.Unlock()
	if v := s.dups.current(); v != nil {
		return v, nil
	}
	v, err := s.resolveDuplicates(ctx, ver)
	if err != nil {
		return nil, err
	}
	s.dups.set(v)
	return v, nil
}

// refreshDuplicates starts one background resolution unless one runs.
func (s *Service) refreshDuplicates() {
	if !s.dups.pending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.dups.pending.Store(false)
		// The index may close meanwhile; Bleve then panics on the closed
		// snapshot, which here only means there is nothing to do.
		defer func() {
			if r := recover(); r != nil {
				s.logger.Debug("near-duplicates not resolved: index closed", slog.Any("cause", r))
			}
		}()
		s.dups.resolving.Lock()
		defer s.dups.resolving.Unlock()
		v, err := s.resolveDuplicates(context.Background(), indexVersion(s.idx))
		if err != nil {
			s.logger.Error("resolve near-duplicates", slog.String("error", err.Error()))
			return
		}
		s.dups.set(v)
	}()
}

// resolveDuplicates reads every article's signature and publication time
// and groups the copies.
func (s *Service) resolveDuplicates(ctx context.Context, ver string) (*dupView, error) {
	v := &dupView{version: ver, group: map[string]string{}, rank: map[string]int{}, members: map[string][]string{}}
	adv, err := s.idx.Advanced()
	if err != nil {
		return v, nil // an alias of several indexes: every article is unique
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("near-duplicates: %w", err)
	}
	defer r.Close()
	dvr, err := r.DocValueReader([]string{indexer.FieldDupSig, indexer.FieldPublishedSort})
	if err != nil {
		return nil, fmt.Errorf("near-duplicates: %w", err)
	}
	all, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("near-duplicates: %w", err)
	}
	defer all.Close()
	var ids, published []string
	var sigs []*neardup.Signature
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("near-duplicates: %w", ctx.Err())
		}
		iid, err := all.Next()
		if err != nil {
			return nil, fmt.Errorf("near-duplicates: %w", err)
		}
		if iid == nil {
			break
		}
		id, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("near-duplicates: %w", err)
		}
		var sig *neardup.Signature
		var pub string
		err = dvr.VisitDocValues(iid, func(field string, term []byte) {
			switch field {
			case indexer.FieldDupSig:
				if sg, err := neardup.Parse(string(term)); err == nil {
					sig = &sg
				}
			case indexer.FieldPublishedSort:
				pub = string(term)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("near-duplicates of %s: %w", id, err)
		}
		ids, published, sigs = append(ids, id), append(published, pub), append(sigs, sig)
		v.signed = v.signed || sig != nil
	}
	// Earliest: dated before undated, then by time, then by id.
	earlier := func(a, b int) bool {
		pa, pb := published[a], published[b]
		switch {
		case pa != pb && pa == "":
			return false
		case pa != pb && pb == "":
			return true
		case pa != pb:
			return pa < pb
		}
		return ids[a] < ids[b]
	}
	root := neardup.Resolve(len(ids), neardup.Buckets(sigs), func(i int) *neardup.Signature { return sigs[i] }, earlier, s.dups.opts)
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
			v.group[ids[m]] = gid
			v.rank[ids[m]] = k
			v.members[gid] = append(v.members[gid], ids[m])
		}
	}
	return v, nil
}

// copiesOf is an article's group id and its number of articles: its own
// id and 1 when it has no copies.
func (v *dupView) copiesOf(id string) (string, int) {
	if g, ok := v.group[id]; ok {
		return g, len(v.members[g])
	}
	return id, 1
}

// dedupQuery leaves out of q, a request's whole query (filters
// included), every match but the earliest matching article of each
// near-duplicate group (count.Dedup), so that every matching story is
// counted and listed once, even when its earliest copy does not match.
// It lists q's matches that have copies first: one counting pass over
// the matches (a lookup per match), remembered per query (leftOut) for
// the pages that follow. key names q (the request's query and filters).
func (s *Service) dedupQuery(ctx context.Context, q query.Query, key string) (query.Query, error) {
	v, err := s.duplicates(ctx)
	if err != nil {
		return nil, err
	}
	if len(v.group) == 0 {
		return q, nil
	}
	key = indexVersion(s.idx) + "/" + strconv.FormatUint(s.ents.generation.Load(), 10) + "/" +
		strconv.FormatUint(s.dups.generation.Load(), 10) + "/" + key
	excluded, ok := s.dups.left.get(key)
	if !ok {
		grouped, err := s.groupedMatches(ctx, q, v)
		if err != nil {
			return nil, fmt.Errorf("dedup: %w", err)
		}
		excluded = count.Dedup(grouped, v.of)
		s.dups.left.put(key, excluded)
	}
	if len(excluded) == 0 {
		return q, nil
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	bq.AddMustNot(bleve.NewDocIDQuery(excluded))
	return bq, nil
}

// groupedMatches lists the matches of q that have copies: from the
// counter's columns in one pass, or, without them (the hook failed),
// by searching q among the articles with copies.
func (s *Service) groupedMatches(ctx context.Context, q query.Query, v *dupView) ([]string, error) {
	var grouped []string
	onMatch := func(m count.Match) {
		if id := m.ID(); v.group[id] != "" {
			grouped = append(grouped, strings.Clone(id))
		}
	}
	breq := bleve.NewSearchRequestOptions(q, 0, 0, false)
	breq.Score = bleve.ScoreNone
	breq.AddFacet(FacetSource, bleve.NewFacetRequest(indexer.FieldSource, 1))
	_, fc, err := s.runHooked(ctx, breq, count.Hooks{OnMatch: onMatch})
	if err != nil {
		return nil, err
	}
	if fc.Columnar() {
		return grouped, nil
	}
	all := make([]string, 0, len(v.group))
	for id := range v.group {
		all = append(all, id)
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	bq.AddFilter(bleve.NewDocIDQuery(all))
	breq = bleve.NewSearchRequestOptions(bq, len(all), 0, false)
	breq.Score = bleve.ScoreNone
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	grouped = grouped[:0]
	for _, h := range res.Hits {
		grouped = append(grouped, h.ID)
	}
	return grouped, nil
}

// leftOut remembers the last few dedup exclusions.
type leftOut struct {
	mu    sync.Mutex
	byKey map[string][]string
	order []string // keys, oldest first
}

// maxLeftOut bounds the exclusions kept: one per query being paged.
const maxLeftOut = 32

func (l *leftOut) get(key string) ([]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids, ok := l.byKey[key]
	return ids, ok
}

// clear forgets every exclusion (benchmarks measure the first page).
func (l *leftOut) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byKey, l.order = nil, nil
}

func (l *leftOut) put(key string, ids []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byKey == nil {
		l.byKey = map[string][]string{}
	}
	if _, ok := l.byKey[key]; ok {
		return
	}
	if len(l.order) == maxLeftOut {
		delete(l.byKey, l.order[0])
		l.order = l.order[1:]
	}
	l.byKey[key] = ids
	l.order = append(l.order, key)
}

// Copy is one article of a near-duplicate group.
type Copy struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Source    string `json:"source,omitempty"`
	Published string `json:"published,omitempty"`
}

// Copies is the answer to Service.Copies.
type Copies struct {
	Group  string `json:"group"`
	Copies []Copy `json:"copies"`
}

// Copies lists the near-duplicate group of article id, the article
// itself included, earliest first, within req's filters and restriction
// (its query is ignored). Group is the earliest article listed. It
// returns an error wrapping ErrNotFound when there is no such article in
// scope.
func (s *Service) Copies(ctx context.Context, req Request, id string) (*Copies, error) {
	v, err := s.duplicates(ctx)
	if err != nil {
		return nil, err
	}
	members := []string{id}
	if g, ok := v.group[id]; ok {
		members = v.members[g]
	}
	req.Query, req.Size, req.Dedup, req.Sample, req.Seed, req.Stratify = "", len(members), false, 0, 0, ""
	req.Sort = SortDate
	lim := s.lim
	lim.MaxSize, lim.MaxOffset = max(lim.MaxSize, len(members)), max(lim.MaxOffset, len(members))
	if err := req.Validate(lim); err != nil {
		return nil, err
	}
	q, _, err := s.buildQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	bq.AddFilter(bleve.NewDocIDQuery(members))
	breq := bleve.NewSearchRequestOptions(bq, len(members), 0, false)
	breq.Fields = []string{indexer.FieldTitle, indexer.FieldSource, indexer.FieldPublished}
	breq.SortByCustom(sortOrder(SortDate))
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	out := &Copies{Copies: []Copy{}}
	found := false
	for _, h := range res.Hits {
		out.Copies = append(out.Copies, Copy{ID: h.ID, Title: fieldString(h.Fields, indexer.FieldTitle),
			Source: fieldString(h.Fields, indexer.FieldSource), Published: fieldString(h.Fields, indexer.FieldPublished)})
		found = found || h.ID == id
	}
	if !found {
		return nil, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	// Earliest first, as grouped (the date sort puts undated last too).
	order := map[string]int{}
	for i, m := range members {
		order[m] = i
	}
	slices.SortFunc(out.Copies, func(a, b Copy) int { return order[a.ID] - order[b.ID] })
	out.Group = out.Copies[0].ID
	return out, nil
}
