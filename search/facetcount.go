package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"newsdex/indexer"
	"newsdex/indexer/entity"
)

// Facet and histogram counts, exact, in the search pass itself.
//
// Bleve computes a terms facet by reading every matching document's doc
// values and counting the values in a map of strings: 0.2-1 µs per match
// per facet, so a UI search (four facets and a histogram) over a broad
// query at a million articles spends seconds on counting alone.
//
// The counter instead hooks Bleve's collector (the documented
// MakeDocumentMatchHandlerKey extension point), which hands it the
// internal number of every matching document, and counts with columns:
// for each index segment and counted field, the segment's values as small
// integers per document, built once from the segment's term dictionary
// and postings. Segments are immutable, so a segment's columns stay valid
// until a merge removes it; new segments from writes get columns on first
// use. Counting a match is then an array increment per value. The counts
// are the same as Bleve's (same matches, same values), which a test checks.
//
// Columns need the scorch index's segments. On any other index (an alias,
// say) the counter reads doc values through the public reader interface,
// as Bleve would, and the counts are still exact.
//
// The same hook serves the relevance order's tie-break on the article id
// (Bleve's SortDocID, which cursors need to resume at equal scores): Bleve
// loads the id of every match to compare it, which costs 5-10 times the
// search itself on a broad query (measured in BENCHMARKS.md); idSort reads
// the same ids from a per-segment column instead.

// Counted fields: the four API facets and the day field of the histogram.
const (
	countSource = iota
	countPersons
	countOrgs
	countPlaces
	countDay
	numCounted
)

// countedField is the index field behind each counted slot.
func countedField(i int) string {
	switch i {
	case countSource:
		return indexer.FieldSource
	case countPersons:
		return indexer.FieldPersons
	case countOrgs:
		return indexer.FieldOrganizations
	case countPlaces:
		return indexer.FieldPlaces
	case countDay:
		return indexer.FieldPublishedDay
	}
	return ""
}

func countedSlot(field string) int {
	for i := range numCounted {
		if countedField(i) == field {
			return i
		}
	}
	return -1
}

// values numbers the values of one field across all segments, so that
// every segment's columns count into one array per search. Numbers are
// only ever added: a value keeps its number for the life of the service.
type values struct {
	mu    sync.Mutex
	ids   map[string]uint32
	terms []string // number → value; appended to, never changed
}

func (v *values) id(term string) uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if id, ok := v.ids[term]; ok {
		return id
	}
	id := uint32(len(v.terms))
	v.ids[term] = id
	v.terms = append(v.terms, term)
	return id
}

// all returns the values numbered so far. Later appends never change
// the returned elements, so readers need no lock.
func (v *values) all() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.terms
}

// column is one field of one segment: per document, the numbers of the
// values it has.
type column struct {
	// single holds number+1 per document (0: no value) when no document
	// has more than one value; otherwise ids[start[d]:start[d+1]].
	single []uint32
	start  []uint32
	ids    []uint32
}

// ids returns the numbers of terms, numbering new ones, under one lock.
func (v *values) idsOf(terms []string) []uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]uint32, len(terms))
	for i, t := range terms {
		id, ok := v.ids[t]
		if !ok {
			id = uint32(len(v.terms))
			v.ids[t] = id
			v.terms = append(v.terms, t)
		}
		out[i] = id
	}
	return out
}

// buildColumn reads one field of a segment. A field with few distinct
// values (outlets, days) is read from its dictionary and postings, a few
// microseconds per value; one with many (names) from its doc values in
// document order, well under a microsecond per document.
func buildColumn(seg segment.Segment, field string, vals *values) (*column, error) {
	n := seg.Count()
	dict, err := seg.Dictionary(field)
	if err != nil {
		return nil, fmt.Errorf("dictionary %s: %w", field, err)
	}
	if dvs, ok := seg.(segment.DocValueVisitable); ok && uint64(dict.Cardinality())*32 > n {
		if fields, err := dvs.VisitableDocValueFields(); err == nil && slices.Contains(fields, field) {
			return buildColumnFromDocValues(dvs, n, field, vals)
		}
	}
	return buildColumnFromPostings(dict, n, field, vals)
}

// buildColumnFromDocValues visits every document's values of field.
func buildColumnFromDocValues(dvs segment.DocValueVisitable, n uint64, field string, vals *values) (*column, error) {
	local := map[string]uint32{} // value → local number
	var terms []string
	start := make([]uint32, n+1)
	var ids []uint32 // local numbers until the end
	fields := []string{field}
	var state segment.DocVisitState
	for d := range n {
		var err error
		state, err = dvs.VisitDocValues(d, fields, func(_ string, term []byte) {
			id, ok := local[string(term)]
			if !ok {
				id = uint32(len(terms))
				terms = append(terms, string(term))
				local[terms[id]] = id
			}
			ids = append(ids, id)
		}, state)
		if err != nil {
			return nil, fmt.Errorf("doc values of %s, document %d: %w", field, d, err)
		}
		start[d+1] = uint32(len(ids))
	}
	global := vals.idsOf(terms)
	for i, id := range ids {
		ids[i] = global[id]
	}
	single := make([]uint32, n)
	for d := range n {
		switch start[d+1] - start[d] {
		case 0:
		case 1:
			single[d] = ids[start[d]] + 1
		default:
			return &column{start: start, ids: ids}, nil
		}
	}
	return &column{single: single}, nil
}

// buildColumnFromPostings reads a field's dictionary and postings.
func buildColumnFromPostings(dict segment.TermDictionary, n uint64, field string, vals *values) (*column, error) {
	var docs []uint32    // postings of every term, term after term
	var ends []int       // where each term's postings end in docs
	var termIDs []uint32 // each term's number
	perDoc := make([]uint32, n)
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	it := dict.AutomatonIterator(nil, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("terms of %s: %w", field, err)
		}
		if e == nil {
			break
		}
		termIDs = append(termIDs, vals.id(e.Term))
		pl, err = dict.PostingsList([]byte(e.Term), nil, pl)
		if err != nil {
			return nil, fmt.Errorf("postings of %s:%s: %w", field, e.Term, err)
		}
		pi = pl.Iterator(false, false, false, pi)
		for {
			p, err := pi.Next()
			if err != nil {
				return nil, fmt.Errorf("postings of %s:%s: %w", field, e.Term, err)
			}
			if p == nil {
				break
			}
			d := p.Number()
			if d >= n {
				return nil, fmt.Errorf("postings of %s:%s: document %d beyond segment size %d", field, e.Term, d, n)
			}
			docs = append(docs, uint32(d))
			perDoc[d]++
		}
		ends = append(ends, len(docs))
	}
	col := &column{}
	if !slices.ContainsFunc(perDoc, func(c uint32) bool { return c > 1 }) {
		col.single = perDoc // reused: overwritten below
		clear(col.single)
		from := 0
		for t, end := range ends {
			for _, d := range docs[from:end] {
				col.single[d] = termIDs[t] + 1
			}
			from = end
		}
		return col, nil
	}
	col.start = make([]uint32, n+1)
	for d, c := range perDoc {
		col.start[d+1] = col.start[d] + c
	}
	col.ids = make([]uint32, len(docs))
	next := perDoc // reused as each document's next free slot
	copy(next, col.start[:n])
	from := 0
	for t, end := range ends {
		for _, d := range docs[from:end] {
			col.ids[next[d]] = termIDs[t]
			next[d]++
		}
		from = end
	}
	return col, nil
}

// idColumn is the article ids of one segment's documents, in one string.
type idColumn struct {
	all  string
	ends []uint32 // document d's id is all[ends[d-1]:ends[d]]
}

// buildIDColumn reads the ids from the segment's _id dictionary, whose
// single-document postings sit in the dictionary itself: reading them
// touches a few MB of the index, where loading each stored id would page
// in the stored-fields section (about a third of the index) and keep it
// in the process's resident set.
func buildIDColumn(seg segment.Segment) (*idColumn, error) {
	n := seg.Count()
	dict, err := seg.Dictionary("_id")
	if err != nil {
		return nil, fmt.Errorf("id dictionary: %w", err)
	}
	ids := make([]string, n)
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	it := dict.AutomatonIterator(nil, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("ids: %w", err)
		}
		if e == nil {
			break
		}
		if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
			return nil, fmt.Errorf("postings of id %s: %w", e.Term, err)
		}
		pi = pl.Iterator(false, false, false, pi)
		for {
			p, err := pi.Next()
			if err != nil {
				return nil, fmt.Errorf("postings of id %s: %w", e.Term, err)
			}
			if p == nil {
				break
			}
			if d := p.Number(); d < n {
				ids[d] = e.Term
			}
		}
	}
	var b strings.Builder
	col := &idColumn{ends: make([]uint32, n)}
	for d, id := range ids {
		if id == "" { // not in the dictionary: read it from the document
			raw, err := seg.DocID(uint64(d))
			if err != nil {
				return nil, fmt.Errorf("id of document %d: %w", d, err)
			}
			id = string(raw)
		}
		b.WriteString(id)
		if b.Len() > math.MaxUint32 {
			return nil, errors.New("ids of one segment exceed 4 GB")
		}
		col.ends[d] = uint32(b.Len())
	}
	col.all = b.String()
	return col, nil
}

func (c *idColumn) id(d uint64) string {
	start := uint32(0)
	if d > 0 {
		start = c.ends[d-1]
	}
	return c.all[start:c.ends[d]]
}

// segColumns are the columns of one segment, built once.
type segColumns struct {
	once sync.Once
	cols [numCounted]*column
	ids  *idColumn
	err  error
}

// segKey identifies a segment's content: scorch never reuses an id, and
// a segment is immutable (deletions live in the snapshot, not here).
type segKey struct{ id, docs uint64 }

// columnCache holds the columns of the segments the index has now.
type columnCache struct {
	vals [numCounted]*values
	days dayBuckets
	mu   sync.Mutex
	segs map[segKey]*segColumns
	// newest is the highest segment id seen. Scorch numbers segments in
	// increasing order, so a snapshot holding it is the newest: only such
	// a snapshot drops the columns of segments it lacks, and a search
	// still running on an older snapshot cannot drop a merged segment's.
	newest uint64
}

func newColumnCache() *columnCache {
	c := &columnCache{segs: map[segKey]*segColumns{}}
	c.days.init()
	for i := range c.vals {
		c.vals[i] = &values{ids: map[string]uint32{}}
	}
	return c
}

// entries returns the cache entries of snap's segments, in order, and
// where each segment's documents start, adding entries for segments not
// seen before and dropping those of segments the index no longer has.
func (c *columnCache) entries(snap *scorch.IndexSnapshot) ([]*segColumns, []uint64) {
	segs := snap.Segments()
	out := make([]*segColumns, len(segs))
	offs := make([]uint64, len(segs))
	keys := make(map[segKey]bool, len(segs))
	var off, maxID uint64
	c.mu.Lock()
	for i, ss := range segs {
		k := segKey{ss.Id(), ss.Segment().Count()}
		keys[k] = true
		maxID = max(maxID, ss.Id())
		sc := c.segs[k]
		if sc == nil {
			sc = &segColumns{}
			c.segs[k] = sc
		}
		out[i], offs[i] = sc, off
		off += ss.Segment().Count()
	}
	if maxID >= c.newest {
		c.newest = maxID
		if len(c.segs) > len(segs) {
			for k := range c.segs {
				if !keys[k] {
					delete(c.segs, k)
				}
			}
		}
	}
	c.mu.Unlock()
	return out, offs
}

// build builds a segment's columns once; later calls wait for the first.
func (c *columnCache) build(ss *scorch.SegmentSnapshot, sc *segColumns) error {
	sc.once.Do(func() {
		for f := range numCounted {
			if sc.cols[f], sc.err = buildColumn(ss.Segment(), countedField(f), c.vals[f]); sc.err != nil {
				return
			}
		}
		sc.ids, sc.err = buildIDColumn(ss.Segment())
	})
	if sc.err != nil {
		return fmt.Errorf("search columns of segment %d: %w", ss.Id(), sc.err)
	}
	return nil
}

// forSnapshot is entries with every segment's columns built.
func (c *columnCache) forSnapshot(snap *scorch.IndexSnapshot) ([]*segColumns, []uint64, error) {
	out, offs := c.entries(snap)
	for i, ss := range snap.Segments() {
		if err := c.build(ss, out[i]); err != nil {
			return nil, nil, err
		}
	}
	return out, offs, nil
}

// Warm does ahead of time what the first searches would otherwise wait
// for (seconds at a million articles, past the search timeout when several
// come at once): it measures the mean lengths of the text fields for BM25
// (FieldStats), resolves the archive's entities and builds the search
// columns of the index's current segments on every core. serve runs it at
// startup.
func (s *Service) Warm(ctx context.Context) error {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil // an alias of several indexes: nothing is kept per index
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	defer r.Close()
	m := s.idx.Mapping()
	for _, field := range []string{indexer.FieldTitle, indexer.FieldBody} {
		if _, err := s.stats.MeanLength(ctx, r, field, m.AnalyzerNamed(m.AnalyzerNameForPath(field))); err != nil {
			return fmt.Errorf("warm: %w", err)
		}
	}
	// The archive's entities: the first entity facet would otherwise
	// resolve them (a second on Reuters-21578).
	if _, err := s.ents.view(ctx); err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	// The near-duplicate groups, which every search's hits read (dups.go).
	if _, err := s.duplicates(ctx); err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	return s.columns.warm(ctx, snap)
}

// warm builds the columns of snap's segments, GOMAXPROCS at a time.
func (c *columnCache) warm(ctx context.Context, snap *scorch.IndexSnapshot) error {
	out, _ := c.entries(snap)
	segs := snap.Segments()
	next := make(chan int)
	errs := make(chan error, len(segs))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				errs <- c.build(segs[i], out[i])
			}
		})
	}
	for i := range segs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("warm: %w", err)
		}
	}
	return ctx.Err()
}

// snapshotVersion names the content of a scorch snapshot: its segments
// and how many of each one's documents are deleted. Any write (a batch, a
// deletion) or merge changes it.
func snapshotVersion(snap *scorch.IndexSnapshot) string {
	var b strings.Builder
	for _, ss := range snap.Segments() {
		var del uint64
		if d := ss.Deleted(); d != nil {
			del = d.GetCardinality()
		}
		b.WriteString(strconv.FormatUint(ss.Id(), 36))
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(ss.Segment().Count(), 36))
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(del, 36))
		b.WriteByte(' ')
	}
	return b.String()
}

// indexVersion is snapshotVersion of the index's current snapshot, or ""
// when the index is not a scorch index (then nothing is cached).
func indexVersion(idx bleve.Index) string {
	adv, err := idx.Advanced()
	if err != nil {
		return ""
	}
	r, err := adv.Reader()
	if err != nil {
		return ""
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return ""
	}
	return snapshotVersion(snap)
}

// facetCount is the state of one search's hook: facet counting and the
// id tie-break.
type facetCount struct {
	cache *columnCache
	want  []int              // counted slots asked for; none: only the id sort
	size  [numCounted]int    // values to return per slot
	names [numCounted]string // the request's facet name per slot

	// Bound to the snapshot the search runs on.
	reader  index.IndexReader
	segs    []*segColumns
	offs    []uint64
	cur     int                  // segment of the last counted match
	idCur   int                  // segment of the last id looked up
	terms   [numCounted][]string // number → value
	counts  [numCounted][]uint32 // by value number
	missing [numCounted]int
	matched uint64
	// Without columns (not a scorch index): doc values, as Bleve reads them.
	dv      index.DocValueReader
	dvTerms [numCounted]map[string]int
	dvSaw   [numCounted]bool
	err     error

	// Entity facets count archive entities, not stored names: each
	// article counts once per entity, whichever spellings and fields
	// name it (entities.go). Nil when no entity facet is asked for.
	ents      *entityView
	entOf     [3][]int32      // per entity field: entity by value number
	entType   []int8          // per entity: its type's index, -1 blocked
	entCounts []uint32        // per entity: articles
	entStamp  []uint64        // per entity: the last article counted
	extra     []entity.Entity // entities of names newer than the table

	// visit, when set, receives each matching article's entities (by
	// entity number, each once, blocked ones left out); co-occurrence
	// counting (analytics) accumulates over it. The slice is reused.
	visit    func(ents []int32)
	visitBuf []int32
	// onDoc, when set, is called with every match's segment columns and
	// number within the segment (samples read ids and outlets there).
	onDoc func(seg *segColumns, local uint64)
}

// take moves to a hook what it can do for breq: its terms facets when it
// can count them all (else Bleve counts them, as before), and the id
// tie-break of its sort order. It returns nil when there is nothing to do.
func (c *columnCache) take(breq *bleve.SearchRequest, ents *entityView) *facetCount {
	fc := &facetCount{cache: c}
	if c.countable(breq) {
		for name, fr := range breq.Facets {
			slot := countedSlot(fr.Field)
			fc.want = append(fc.want, slot)
			fc.size[slot], fc.names[slot] = fr.Size, name
			if slotType(slot) != "" {
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
func (c *columnCache) countable(breq *bleve.SearchRequest) bool {
	// Without facets, Bleve may stop a score-less search early, and the
	// counter would miss matches: such requests keep Bleve's builder.
	if len(breq.Facets) == 0 || (breq.Score == bleve.ScoreNone && breq.Size > 0) {
		return false
	}
	seen := map[int]bool{}
	for _, fr := range breq.Facets {
		slot := countedSlot(fr.Field)
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
	fc   *facetCount
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
func (fc *facetCount) docID(d *bsearch.DocumentMatch) string {
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

// context returns ctx with the counter hooked into Bleve's collector.
func (fc *facetCount) context(ctx context.Context) context.Context {
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
				}
				return next(d)
			}, loadID, nil
		}))
}

// bind prepares counting over the reader the search runs on.
func (fc *facetCount) bind(r index.IndexReader) error {
	*fc = facetCount{cache: fc.cache, want: fc.want, size: fc.size, names: fc.names, reader: r, ents: fc.ents, visit: fc.visit, onDoc: fc.onDoc}
	if snap, ok := r.(*scorch.IndexSnapshot); ok {
		segs, offs, err := fc.cache.forSnapshot(snap)
		if err != nil {
			return err
		}
		fc.segs, fc.offs = segs, offs
		for _, slot := range fc.want {
			fc.terms[slot] = fc.cache.vals[slot].all() // after the builds: covers every number
			if fc.ents == nil || slotType(slot) == "" {
				fc.counts[slot] = make([]uint32, len(fc.terms[slot]))
			}
		}
		if fc.ents != nil {
			fc.bindEntities()
		}
		return nil
	}
	fc.ents = nil // doc values: stored names are counted as they are
	if len(fc.want) == 0 {
		return nil
	}
	var fields []string
	for _, slot := range fc.want {
		fields = append(fields, countedField(slot))
		fc.dvTerms[slot] = map[string]int{}
	}
	dv, err := r.DocValueReader(fields)
	if err != nil {
		return fmt.Errorf("doc values for facets: %w", err)
	}
	fc.dv = dv
	return nil
}

// add counts one matching document.
func (fc *facetCount) add(id index.IndexInternalID) {
	fc.matched++
	if fc.dv != nil {
		fc.addDocValues(id)
		return
	}
	if len(fc.segs) == 0 || len(fc.want) == 0 {
		return
	}
	i, local := locate(fc.offs, &fc.cur, id.Value())
	seg := fc.segs[i]
	if fc.onDoc != nil {
		fc.onDoc(seg, local)
	}
	if fc.ents != nil {
		fc.addEntities(seg, local)
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

func (fc *facetCount) addDocValues(id index.IndexInternalID) {
	clear(fc.dvSaw[:])
	err := fc.dv.VisitDocValues(id, func(field string, term []byte) {
		if slot := countedSlot(field); slot >= 0 && fc.dvTerms[slot] != nil {
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
func (fc *facetCount) bindEntities() {
	var terms [3][]string
	for i, slot := range entitySlots {
		terms[i] = fc.cache.vals[slot].all()
	}
	fc.entOf, fc.extra = fc.ents.mapping(terms)
	n := len(fc.ents.table.Entities) + len(fc.extra)
	fc.entType = make([]int8, n)
	for e := range n {
		en := entityAt(fc.ents.table, fc.extra, int32(e))
		fc.entType[e] = int8(slices.Index(entity.Types, en.Type))
		if en.Blocked {
			fc.entType[e] = -1
		}
	}
	fc.entCounts = make([]uint32, n)
	fc.entStamp = make([]uint64, n)
}

// addEntities counts the entities one article names, each once.
func (fc *facetCount) addEntities(seg *segColumns, local uint64) {
	stamp := fc.matched // unique per article, never 0
	var saw [3]bool
	fc.visitBuf = fc.visitBuf[:0]
	for i, slot := range entitySlots {
		col, of := seg.cols[slot], fc.entOf[i]
		one := func(v uint32) {
			e := of[v]
			if fc.entStamp[e] == stamp {
				return
			}
			fc.entStamp[e] = stamp
			if t := fc.entType[e]; t >= 0 {
				fc.entCounts[e]++
				saw[t] = true
				if fc.visit != nil {
					fc.visitBuf = append(fc.visitBuf, e)
				}
			}
		}
		if col.single != nil {
			if v := col.single[local]; v != 0 {
				one(v - 1)
			}
			continue
		}
		for _, v := range col.ids[col.start[local]:col.start[local+1]] {
			one(v)
		}
	}
	for _, slot := range fc.want {
		if t := slotType(slot); t != "" && !saw[slices.Index(entity.Types, t)] {
			fc.missing[slot]++
		}
	}
	if fc.visit != nil {
		fc.visit(fc.visitBuf)
	}
}

// fill puts the counts into res.Facets under the request's facet names,
// in Bleve's form and order (count descending, then value; the days of
// the histogram in no order), so the rest of the service reads them as it
// reads Bleve's. The exception is the days counted with columns, which
// histogram reads directly. It fails when the counter
// saw a different number of matches than Bleve reports, which would mean
// the hook missed documents.
func (fc *facetCount) fill(res *bleve.SearchResult) error {
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
	for _, slot := range fc.want {
		if slot == countDay && fc.counts[countDay] != nil {
			continue // the histogram reads the counts themselves
		}
		// A few top values are kept by insertion as the counts are read;
		// for many (the histogram's days), all are sorted at the end.
		size := fc.size[slot]
		few := size <= 1000
		var top []*bsearch.TermFacet
		total := 0
		consider := func(term string, n int) {
			total += n
			switch {
			case !few:
				top = append(top, &bsearch.TermFacet{Term: term, Count: n})
			case len(top) < size || worse(top[len(top)-1], n, term):
				top = keepTop(top, &bsearch.TermFacet{Term: term, Count: n}, size)
			}
		}
		if fc.dv != nil {
			for term, n := range fc.dvTerms[slot] {
				consider(term, n)
			}
		} else if fc.counts[slot] == nil {
			typ := int8(slices.Index(entity.Types, slotType(slot)))
			for e, n := range fc.entCounts {
				if n > 0 && fc.entType[e] == typ {
					consider(entityAt(fc.ents.table, fc.extra, int32(e)).Name, int(n))
				}
			}
		} else {
			for v, n := range fc.counts[slot] {
				if n > 0 {
					consider(fc.terms[slot][v], int(n))
				}
			}
		}
		// The histogram's days are all returned and bucketed by the
		// caller, which needs no order: they are left unsorted.
		if !few && (len(top) > size || slot != countDay) {
			slices.SortFunc(top, func(a, b *bsearch.TermFacet) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Term, b.Term)
			})
			top = top[:min(len(top), size)]
		}
		fr := &bsearch.FacetResult{Field: countedField(slot), Total: total, Missing: fc.missing[slot], Terms: &bsearch.TermFacets{}}
		fr.Terms.Add(top...)
		fr.Other = total
		for _, tf := range top {
			fr.Other -= tf.Count
		}
		res.Facets[fc.names[slot]] = fr
	}
	return nil
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

// dayBuckets maps each day value (by its number) to its bucket in each
// histogram interval, so counting over time needs no date parsing per
// search; the table grows as new days are numbered.
type dayBuckets struct {
	mu   sync.Mutex
	keys [4][]string         // per interval: bucket key by bucket number
	ids  [4]map[string]int32 // per interval: bucket number by key
	of   [4][]int32          // per interval: bucket number by day number; -1 not a date
}

func (b *dayBuckets) init() {
	for i := range b.ids {
		b.ids[i] = map[string]int32{}
	}
}

// table returns, for the interval, the bucket of every day in days and the
// bucket keys. The returned slices are read without a lock: later calls
// only append.
func (b *dayBuckets) table(interval int, days []string) ([]int32, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for v := len(b.of[interval]); v < len(days); v++ {
		day, err := time.Parse(time.DateOnly, days[v])
		if err != nil {
			b.of[interval] = append(b.of[interval], -1)
			continue
		}
		key := bucketKey(day, histogramIntervals[interval])
		id, ok := b.ids[interval][key]
		if !ok {
			id = int32(len(b.keys[interval]))
			b.ids[interval][key] = id
			b.keys[interval] = append(b.keys[interval], key)
		}
		b.of[interval] = append(b.of[interval], id)
	}
	return b.of[interval], b.keys[interval]
}

// histogram is the counts over time of the search: from the counted days
// when the hook counted them, else from Bleve's day facet fr, as
// histogram.go does. fc may be nil. The buckets are the same either way.
func (fc *facetCount) histogram(fr *bsearch.FacetResult, interval string) []Bucket {
	iv := slices.Index(histogramIntervals, interval)
	if fc == nil || fc.counts[countDay] == nil || iv < 0 {
		return histogram(fr, interval)
	}
	of, keys := fc.cache.days.table(iv, fc.terms[countDay])
	counts := make([]int, len(keys))
	for v, n := range fc.counts[countDay] {
		if n > 0 && of[v] >= 0 {
			counts[of[v]] += int(n)
		}
	}
	out := []Bucket{}
	for b, n := range counts {
		if n > 0 {
			out = append(out, Bucket{Key: keys[b], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// runCounted is run with breq's facets counted and its id tie-break read
// by the hook (take) instead of by Bleve. Should the hook fail, the search
// runs again the plain way, so a result is never wrong, only slower.
// It also returns the hook, for histogram; nil when there was none.
func (s *Service) runCounted(ctx context.Context, breq *bleve.SearchRequest) (*bleve.SearchResult, *facetCount, error) {
	return s.runVisited(ctx, breq, nil)
}

// runVisited is runCounted with visit called on every matching article's
// entities (see facetCount.visit) when breq counts an entity facet. A
// caller that needs the visits must check that the returned hook is not
// nil: without one (an alias, a failed hook) there were none.
func (s *Service) runVisited(ctx context.Context, breq *bleve.SearchRequest, visit func(ents []int32)) (*bleve.SearchResult, *facetCount, error) {
	return s.runHooked(ctx, breq, visit, nil)
}

// runHooked is runVisited with onDoc called on every match too (see
// facetCount.onDoc) when breq counts a facet the hook can take.
func (s *Service) runHooked(ctx context.Context, breq *bleve.SearchRequest, visit func(ents []int32), onDoc func(*segColumns, uint64)) (*bleve.SearchResult, *facetCount, error) {
	facets, order := breq.Facets, breq.Sort
	// The hook serves one search of one index: an alias over several
	// indexes (no Advanced index) searches them concurrently, so it is
	// left to Bleve.
	var fc *facetCount
	if _, err := s.idx.Advanced(); err == nil {
		var ents *entityView
		if hasEntityFacet(breq) {
			if ents, err = s.ents.view(ctx); err != nil {
				return nil, nil, err
			}
		}
		fc = s.columns.take(breq, ents)
		if fc != nil && ents != nil {
			fc.visit = visit
		}
		if fc != nil {
			fc.onDoc = onDoc
		}
	}
	if fc == nil {
		res, err := s.run(ctx, breq)
		return res, nil, err
	}
	defer func() { breq.Facets, breq.Sort = facets, order }()
	res, err := s.run(fc.context(ctx), breq)
	if err != nil {
		return nil, nil, err
	}
	if err := fc.fill(res); err != nil {
		s.logger.Error("search hook failed; searching the plain way", slog.String("error", err.Error()))
		breq.Facets, breq.Sort = facets, order
		res, err := s.run(ctx, breq)
		return res, nil, err
	}
	return res, fc, nil
}

// hasEntityFacet reports whether breq counts an entity field.
func hasEntityFacet(breq *bleve.SearchRequest) bool {
	for _, fr := range breq.Facets {
		if slotType(countedSlot(fr.Field)) != "" {
			return true
		}
	}
	return false
}
