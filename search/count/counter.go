package count

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer/entity"
)

// Entities is what the counter needs of the archive's entity table
// (search/entities.go keeps it): which entity each stored name of an
// entity field stands for. An interface, so that the table's owner can
// depend on this package and not the reverse.
type Entities interface {
	// Mapping returns, for each entity field in entity.Types order, the
	// entity number of every value numbered so far (terms: the values by
	// number, per field), and the entities of values the table does not
	// know, numbered after the table's. Numbers never change.
	Mapping(terms [3][]string) ([3][]int32, []entity.Entity)
	// Table is the resolved table the numbers refer to.
	Table() *entity.Table
}

// entitySlots are the counted slots of the entity fields, by type order.
var entitySlots = [3]int{SlotPersons, SlotOrgs, SlotPlaces}

// SlotType is the entity type a slot counts, "" for none.
func SlotType(slot int) string {
	switch slot {
	case SlotPersons:
		return entity.Person
	case SlotOrgs:
		return entity.Org
	case SlotPlaces:
		return entity.Place
	}
	return ""
}

// NeedsEntities reports whether breq counts an entity field, for which
// Take needs the archive's entities.
func NeedsEntities(breq *bleve.SearchRequest) bool {
	for _, fr := range breq.Facets {
		if SlotType(slotOf(fr.Field)) != "" {
			return true
		}
	}
	return false
}

// Counter is the state of one search's hook: facet counting and the
// id tie-break. Cache.Take makes one per search; it is not safe for
// concurrent use, and Bleve calls it from one goroutine.
type Counter struct {
	cache *Cache
	want  []int            // counted slots asked for; none: only the id sort
	size  [NumSlots]int    // values to return per slot
	names [NumSlots]string // the request's facet name per slot

	// Bound to the snapshot the search runs on.
	reader  index.IndexReader
	segs    []*segColumns
	offs    []uint64
	cur     int                // segment of the last counted match
	idCur   int                // segment of the last id looked up
	terms   [NumSlots][]string // number → value
	counts  [NumSlots][]uint32 // by value number
	missing [NumSlots]int
	matched uint64
	// Without columns (not a scorch index): doc values, as Bleve reads them.
	dv      index.DocValueReader
	dvTerms [NumSlots]map[string]int
	dvSaw   [NumSlots]bool
	err     error

	// Entity facets count archive entities, not stored names: each
	// article counts once per entity, whichever spellings and fields
	// name it (search/entities.go). Nil when no entity facet is asked for.
	ents      Entities
	entOf     [3][]int32      // per entity field: entity by value number
	entType   []int8          // per entity: its type's index, -1 blocked
	entCounts []uint32        // per entity: articles
	entCols   []*entColumn    // per segment: its documents' entities
	extra     []entity.Entity // entities of names newer than the table

	// visit, when set, receives each matching article's entities (by
	// entity number, each once, blocked ones left out); co-occurrence
	// counting (analytics) accumulates over it. The slice is reused.
	visit    func(ents []int32)
	visitBuf []int32
	// onDoc, when set, is called with every match (samples read ids and
	// outlets there, dedup the ids).
	onDoc func(Match)
	// pipe, when set, takes the matches to count on a second goroutine
	// (pipe.go).
	pipe *pipe
}

// Hooks are what a search's caller wants to see of each match besides the
// counts. Either may be nil.
type Hooks struct {
	// Visit receives each matching article's entities (by entity number,
	// each once, blocked ones left out) when the search counts an entity
	// facet; the slice is reused between calls.
	Visit func(ents []int32)
	// OnMatch receives every match when the counter takes the search's
	// facets and the index has columns.
	OnMatch func(Match)
}

// Match is one matching document, as the counter sees it: valid only
// during the OnMatch call.
type Match struct {
	seg   *segColumns
	local uint64
}

// ID is the article id of the match.
func (m Match) ID() string { return m.seg.ids.id(m.local) }

// Value is the number plus one of the match's first value in a counted
// slot (Counter.Values names it), 0 when it has none.
func (m Match) Value(slot int) uint32 {
	col := m.seg.cols[slot]
	if col.single != nil {
		return col.single[m.local]
	}
	if ids := col.ids[col.start[m.local]:col.start[m.local+1]]; len(ids) > 0 {
		return ids[0] + 1
	}
	return 0
}

// Take moves to a hook what it can do for breq: its terms facets when it
// can count them all (else Bleve counts them, as before), and the id
// tie-break of its sort order. ents maps entity field values to the
// archive's entities; it must not be nil when breq counts an entity field
// (NeedsEntities). It returns nil when there is nothing to do; else run
// the search with Counter.Context, then call Counter.Fill.
func (c *Cache) Take(breq *bleve.SearchRequest, ents Entities, h Hooks) *Counter {
	fc := &Counter{cache: c, visit: h.Visit, onDoc: h.OnMatch}
	if c.countable(breq) {
		fc.want = make([]int, 0, lineSized(len(breq.Facets))) // read for every match
		for name, fr := range breq.Facets {
			slot := slotOf(fr.Field)
			fc.want = append(fc.want, slot)
			fc.size[slot], fc.names[slot] = fr.Size, name
			if SlotType(slot) != "" {
				fc.ents = ents
			}
		}
		slices.Sort(fc.want)
		breq.Facets = nil
	}
	sorted := false
	if i := slices.IndexFunc(breq.Sort, func(ss bsearch.SearchSort) bool { _, ok := ss.(*bsearch.SortDocID); return ok }); i >= 0 {
		order := slices.Clone(breq.Sort)
		order[i] = &idSort{fc: fc, desc: order[i].Descending()}
		breq.Sort = order
		sorted = true
	}
	if len(fc.want) == 0 && !sorted {
		return nil
	}
	return fc
}

// countable reports whether the counter can take all of breq's facets.
func (c *Cache) countable(breq *bleve.SearchRequest) bool {
	// Without facets, Bleve may stop a score-less search early, and the
	// counter would miss matches: such requests keep Bleve's builder.
	if len(breq.Facets) == 0 || (breq.Score == bleve.ScoreNone && breq.Size > 0) {
		return false
	}
	seen := map[int]bool{}
	for _, fr := range breq.Facets {
		slot := slotOf(fr.Field)
		if slot < 0 || seen[slot] || len(fr.NumericRanges)+len(fr.DateTimeRanges) > 0 ||
			fr.TermPrefix != "" || fr.TermPattern != "" {
			return false
		}
		seen[slot] = true
	}
	return true
}

// idSort is Bleve's SortDocID (ascending or descending article id), with
// the ids read from the segments' id columns rather than loaded per match.
type idSort struct {
	fc   *Counter
	desc bool
}

func (s *idSort) UpdateVisitor(string, []byte)          {}
func (s *idSort) Value(d *bsearch.DocumentMatch) string { return s.fc.docID(d) }
func (s *idSort) DecodeValue(v string) string           { return v }
func (s *idSort) Descending() bool                      { return s.desc }
func (s *idSort) RequiresDocID() bool                   { return false }
func (s *idSort) RequiresScoring() bool                 { return false }
func (s *idSort) RequiresFields() []string              { return nil }
func (s *idSort) Reverse()                              { s.desc = !s.desc }
func (s *idSort) Copy() bsearch.SearchSort              { c := *s; return &c }
func (s *idSort) MarshalJSON() ([]byte, error) {
	return (&bsearch.SortDocID{Desc: s.desc}).MarshalJSON()
}

// docID is the article id of a match, from the id columns when bound to
// a scorch snapshot, else loaded as Bleve would.
func (fc *Counter) docID(d *bsearch.DocumentMatch) string {
	if d.ID != "" || d.IndexInternalID == nil {
		return d.ID
	}
	if len(fc.segs) == 0 {
		if fc.reader == nil {
			return ""
		}
		id, err := fc.reader.ExternalID(d.IndexInternalID)
		if err != nil && fc.err == nil {
			fc.err = fmt.Errorf("load article id: %w", err)
		}
		return id
	}
	seg, local := locate(fc.offs, &fc.idCur, d.IndexInternalID.Value())
	return fc.segs[seg].ids.id(local)
}

// locate finds the segment of a document number, starting from the
// segment of the previous one, since matches arrive in increasing order.
func locate(offs []uint64, cur *int, doc uint64) (int, uint64) {
	if doc < offs[*cur] {
		*cur = sort.Search(len(offs), func(i int) bool { return offs[i] > doc }) - 1
	}
	for *cur+1 < len(offs) && doc >= offs[*cur+1] {
		*cur++
	}
	return *cur, doc - offs[*cur]
}

// Context returns ctx with the counter hooked into Bleve's collector.
func (fc *Counter) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, bsearch.MakeDocumentMatchHandlerKey,
		bsearch.MakeDocumentMatchHandler(func(sctx *bsearch.SearchContext) (bsearch.DocumentMatchHandler, bool, error) {
			next, loadID, err := collector.MakeTopNDocumentMatchHandler(sctx)
			if err != nil {
				return nil, false, err
			}
			if err := fc.bind(sctx.IndexReader); err != nil {
				return nil, false, err
			}
			return func(d *bsearch.DocumentMatch) error {
				if d != nil {
					fc.add(d.IndexInternalID) // before next, which may recycle d
				} else {
					fc.finish() // the search's end
				}
				return next(d)
			}, loadID, nil
		}))
}

// bind prepares counting over the reader the search runs on.
func (fc *Counter) bind(r index.IndexReader) error {
	*fc = Counter{cache: fc.cache, want: fc.want, size: fc.size, names: fc.names, reader: r, ents: fc.ents, visit: fc.visit, onDoc: fc.onDoc}
	if snap, ok := r.(*scorch.IndexSnapshot); ok {
		segs, offs, err := fc.cache.forSnapshot(snap)
		if err != nil {
			return err
		}
		fc.segs, fc.offs = segs, offs
		for _, slot := range fc.want {
			fc.terms[slot] = fc.cache.vals[slot].all() // after the builds: covers every number
			if fc.ents == nil || SlotType(slot) == "" {
				fc.counts[slot] = make([]uint32, len(fc.terms[slot]))
			}
		}
		if fc.ents != nil {
			if err := fc.bindEntities(); err != nil {
				return err
			}
		}
		if fc.pipelined() {
			fc.pipe = &pipe{}
		}
		return nil
	}
	fc.ents = nil // doc values: stored names are counted as they are
	if len(fc.want) == 0 {
		return nil
	}
	var fields []string
	for _, slot := range fc.want {
		fields = append(fields, slotField(slot))
		fc.dvTerms[slot] = map[string]int{}
	}
	dv, err := r.DocValueReader(fields)
	if err != nil {
		return fmt.Errorf("doc values for facets: %w", err)
	}
	fc.dv = dv
	return nil
}

// add counts one matching document, or queues it for the counting
// goroutine.
func (fc *Counter) add(id index.IndexInternalID) {
	if fc.pipe != nil {
		fc.push(id.Value())
		return
	}
	fc.matched++
	if fc.dv != nil {
		fc.addDocValues(id)
		return
	}
	if len(fc.segs) == 0 || len(fc.want) == 0 {
		return
	}
	fc.countColumns(id.Value())
}

// count counts the match with document number doc from the columns.
func (fc *Counter) count(doc uint64) {
	fc.matched++
	fc.countColumns(doc)
}

// countColumns counts the values of document doc (fc.matched already
// counts it).
func (fc *Counter) countColumns(doc uint64) {
	i, local := locate(fc.offs, &fc.cur, doc)
	seg := fc.segs[i]
	if fc.onDoc != nil {
		fc.onDoc(Match{seg, local})
	}
	if fc.ents != nil {
		fc.addEntities(i, local)
	}
	for _, slot := range fc.want {
		col, counts := seg.cols[slot], fc.counts[slot]
		if counts == nil {
			continue // an entity slot, counted by addEntities
		}
		if col.single != nil {
			if v := col.single[local]; v != 0 {
				counts[v-1]++
			} else {
				fc.missing[slot]++
			}
			continue
		}
		ids := col.ids[col.start[local]:col.start[local+1]]
		if len(ids) == 0 {
			fc.missing[slot]++
		}
		for _, v := range ids {
			counts[v]++
		}
	}
}

func (fc *Counter) addDocValues(id index.IndexInternalID) {
	clear(fc.dvSaw[:])
	err := fc.dv.VisitDocValues(id, func(field string, term []byte) {
		if slot := slotOf(field); slot >= 0 && fc.dvTerms[slot] != nil {
			fc.dvTerms[slot][string(term)]++
			fc.dvSaw[slot] = true
		}
	})
	if err != nil && fc.err == nil {
		fc.err = fmt.Errorf("read doc values: %w", err)
	}
	for _, slot := range fc.want {
		if !fc.dvSaw[slot] {
			fc.missing[slot]++
		}
	}
}

// bindEntities prepares entity counting: every entity field's values
// mapped to entities, whichever entity facets were asked for, since an
// entity's type is the archive's, not the field's.
func (fc *Counter) bindEntities() error {
	var terms [3][]string
	for i, slot := range entitySlots {
		terms[i] = fc.cache.vals[slot].all()
	}
	fc.entOf, fc.extra = fc.ents.Mapping(terms)
	n := len(fc.ents.Table().Entities) + len(fc.extra)
	fc.entType = fc.cache.types.of(fc.ents.Table())
	if len(fc.extra) > 0 {
		fc.entType = slices.Grow(slices.Clip(fc.entType), len(fc.extra))
		for _, en := range fc.extra {
			fc.entType = append(fc.entType, entityType(&en))
		}
	}
	fc.entCounts = fc.cache.counts(n)
	fc.entCols = make([]*entColumn, len(fc.segs))
	for i, seg := range fc.segs {
		c, err := fc.entColumn(seg)
		if err != nil {
			return err
		}
		fc.entCols[i] = c
	}
	return nil
}

// addEntities counts the entities one article names, each once, from
// the segment's entity column.
func (fc *Counter) addEntities(seg int, local uint64) {
	ents, types := fc.entCols[seg].of(local)
	for _, e := range ents {
		fc.entCounts[e]++
	}
	for _, slot := range fc.want {
		if t := slotTypeIndex(slot); t >= 0 && types&(1<<t) == 0 {
			fc.missing[slot]++
		}
	}
	if fc.visit != nil { // a copy: the column is shared
		fc.visitBuf = append(fc.visitBuf[:0], ents...)
		fc.visit(fc.visitBuf)
	}
}

// slotTypeIndex is the index in entity.Types of the entity type a slot
// counts, -1 for none.
func slotTypeIndex(slot int) int {
	switch slot {
	case SlotPersons:
		return 0
	case SlotOrgs:
		return 1
	case SlotPlaces:
		return 2
	}
	return -1
}

// Fill puts the counts into res.Facets under the request's facet names,
// in Bleve's form and order (count descending, then value; the days of
// the histogram in no order), so the rest of the service reads them as it
// reads Bleve's. The exception is the days counted with columns, which
// histogram reads directly. It fails when the counter
// saw a different number of matches than Bleve reports, which would mean
// the hook missed documents.
func (fc *Counter) Fill(res *bleve.SearchResult) error {
	fc.finish()
	if fc.err != nil {
		return fc.err
	}
	if len(fc.want) == 0 {
		return nil
	}
	if fc.matched != res.Total {
		return fmt.Errorf("facet counter saw %d matches, search reports %d", fc.matched, res.Total)
	}
	if res.Facets == nil {
		res.Facets = bsearch.FacetResults{}
	}
	var tops [NumSlots]*topList
	for _, slot := range fc.want {
		if slot == SlotDay && fc.counts[SlotDay] != nil {
			continue // the histogram reads the counts themselves
		}
		tops[slot] = &topList{size: fc.size[slot]}
	}
	switch {
	case fc.dv != nil:
		for _, slot := range fc.want {
			for term, n := range fc.dvTerms[slot] {
				tops[slot].consider(term, n)
			}
		}
	default:
		// Entities are read in one pass for all entity facets: the
		// archive may have hundreds of thousands.
		var byType [3]*topList
		for _, slot := range fc.want {
			if fc.counts[slot] == nil && tops[slot] != nil {
				byType[slices.Index(entity.Types, SlotType(slot))] = tops[slot]
			}
		}
		if byType != [3]*topList{} {
			for e, n := range fc.entCounts {
				if n == 0 {
					continue
				}
				if t := fc.entType[e]; t >= 0 && byType[t] != nil {
					// The name is looked up only for a count that may
					// make the top.
					if tl := byType[t]; tl.below(int(n)) {
						tl.total += int(n)
					} else {
						tl.consider(fc.Entity(int32(e)).Name, int(n))
					}
				}
			}
		}
		for _, slot := range fc.want {
			if fc.counts[slot] == nil || tops[slot] == nil {
				continue
			}
			for v, n := range fc.counts[slot] {
				if n > 0 {
					tops[slot].consider(fc.terms[slot][v], int(n))
				}
			}
		}
	}
	for _, slot := range fc.want {
		tl := tops[slot]
		if tl == nil {
			continue
		}
		size, top := tl.size, tl.top
		// The histogram's days are all returned and bucketed by the
		// caller, which needs no order: they are left unsorted.
		if !tl.few() && (len(top) > size || slot != SlotDay) {
			slices.SortFunc(top, func(a, b *bsearch.TermFacet) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Term, b.Term)
			})
			top = top[:min(len(top), size)]
		}
		fr := &bsearch.FacetResult{Field: slotField(slot), Total: tl.total, Missing: fc.missing[slot], Terms: &bsearch.TermFacets{}}
		fr.Terms.Add(top...)
		fr.Other = tl.total
		for _, tf := range top {
			fr.Other -= tf.Count
		}
		res.Facets[fc.names[slot]] = fr
	}
	return nil
}

// topList gathers one facet's values as Fill reads the counts: a few top
// values are kept by insertion; for many (the histogram's days), all are
// kept and sorted at the end.
type topList struct {
	size  int
	top   []*bsearch.TermFacet
	total int
}

func (tl *topList) few() bool { return tl.size <= 1000 }

// below reports whether a value counted n certainly ranks below the
// values kept, whatever its name.
func (tl *topList) below(n int) bool {
	return tl.few() && len(tl.top) > 0 && len(tl.top) >= tl.size && n < tl.top[len(tl.top)-1].Count
}

func (tl *topList) consider(term string, n int) {
	tl.total += n
	switch {
	case !tl.few():
		tl.top = append(tl.top, &bsearch.TermFacet{Term: term, Count: n})
	case len(tl.top) < tl.size || worse(tl.top[len(tl.top)-1], n, term):
		tl.top = keepTop(tl.top, &bsearch.TermFacet{Term: term, Count: n}, tl.size)
	}
}

// worse reports whether t ranks below a value with count n and term
// term: Bleve's order is count descending, then value ascending.
func worse(t *bsearch.TermFacet, n int, term string) bool {
	return t.Count < n || (t.Count == n && t.Term > term)
}

// keepTop inserts tf into top, kept in Bleve's order and cut to size.
func keepTop(top []*bsearch.TermFacet, tf *bsearch.TermFacet, size int) []*bsearch.TermFacet {
	i := sort.Search(len(top), func(i int) bool { return worse(top[i], tf.Count, tf.Term) })
	if i >= size {
		return top
	}
	if len(top) < size {
		top = append(top, nil)
	}
	copy(top[i+1:], top[i:len(top)-1])
	top[i] = tf
	return top
}

// Columnar reports whether the search counted with columns (a scorch
// index): only then are matches passed to Hooks.OnMatch.
func (fc *Counter) Columnar() bool { return fc != nil && len(fc.segs) > 0 }

// CountedEntities reports whether the search counted archive entities:
// only then were their counts kept and Hooks.Visit called.
func (fc *Counter) CountedEntities() bool { return fc != nil && fc.ents != nil }

// Values are the values of a counted slot by number (Match.Value minus one).
func (fc *Counter) Values(slot int) []string { return fc.terms[slot] }

// Entity returns entity number e of the bound table or its extras.
func (fc *Counter) Entity(e int32) *entity.Entity {
	t := fc.ents.Table()
	if int(e) < len(t.Entities) {
		return &t.Entities[e]
	}
	return &fc.extra[int(e)-len(t.Entities)]
}

// EntityCounts calls fn with every entity named by at least one match and
// not blocked: its number, its type's index in entity.Types and its
// articles. The search must have counted entities (CountedEntities).
func (fc *Counter) EntityCounts(fn func(e int32, typ int8, n uint32)) {
	for e, n := range fc.entCounts {
		if t := fc.entType[e]; n > 0 && t >= 0 {
			fn(int32(e), t, n)
		}
	}
}

// counts returns n zeroed entity counts, an array handed back if any.
func (c *Cache) counts(n int) []uint32 {
	if b, ok := c.entCounts.Get().(*[]uint32); ok && cap(*b) >= n {
		s := (*b)[:n]
		clear(s)
		return s
	}
	return make([]uint32, n)
}

// Release hands the counter's entity counts back for the next search.
// Call it once nothing reads the counter any more (its facets were
// filled and its histogram read); the counter must not be used after.
func (fc *Counter) Release() {
	if fc == nil || fc.entCounts == nil {
		return
	}
	fc.finish()
	b := fc.entCounts
	fc.entCounts = nil
	fc.cache.entCounts.Put(&b)
}
