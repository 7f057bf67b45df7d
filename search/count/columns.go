package count

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"newsdex/indexer"
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
	SlotSource = iota
	SlotPersons
	SlotOrgs
	SlotPlaces
	SlotDay
	NumSlots
)

// slotField is the index field behind each counted slot.
func slotField(i int) string {
	switch i {
	case SlotSource:
		return indexer.FieldSource
	case SlotPersons:
		return indexer.FieldPersons
	case SlotOrgs:
		return indexer.FieldOrganizations
	case SlotPlaces:
		return indexer.FieldPlaces
	case SlotDay:
		return indexer.FieldPublishedDay
	}
	return ""
}

func slotOf(field string) int {
	for i := range NumSlots {
		if slotField(i) == field {
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
	cols [NumSlots]*column
	ids  *idColumn
	err  error
	// ents is the entity column for the latest entity table a search
	// used (entcolumn.go).
	ents atomic.Pointer[entColumn]
}

// segKey identifies a segment's content: scorch never reuses an id, and
// a segment is immutable (deletions live in the snapshot, not here).
type segKey struct{ id, docs uint64 }

// Cache holds the columns of the segments the index has now. One Cache
// serves every search of one index; it is safe for concurrent use.
type Cache struct {
	vals [NumSlots]*values
	days dayBuckets
	mu   sync.Mutex
	segs map[segKey]*segColumns
	// newest is the highest segment id seen. Scorch numbers segments in
	// increasing order, so a snapshot holding it is the newest: only such
	// a snapshot drops the columns of segments it lacks, and a search
	// still running on an older snapshot cannot drop a merged segment's.
	newest uint64
	// chunk is how many matches a search hands its counting goroutine at
	// once (pipe.go): 0 for pipeChunk, negative to count in the
	// collector's goroutine. Tests set it.
	chunk int
	// types are the entity types of the current entity table (enttypes.go).
	types typeCache
	// chunks and entCounts are buffers searches hand back (pipe.go,
	// Counter.Release), so that a search's hundreds of KB of counting
	// arrays are not garbage.
	chunks, entCounts sync.Pool
}

// NewCache returns an empty cache; columns are built on first use.
func NewCache() *Cache {
	c := &Cache{segs: map[segKey]*segColumns{}}
	c.days.init()
	for i := range c.vals {
		c.vals[i] = &values{ids: map[string]uint32{}}
	}
	return c
}

// cacheLineWords is the 8-byte words in a cache line (64 bytes on amd64
// and arm64).
const cacheLineWords = 8

// lineSized is a capacity of at least n words that fills whole cache
// lines. A slice that searches read for every match must not share a
// line with objects other goroutines write: the allocator packs small
// objects together (an 8-byte slice of a one-segment index shared a line
// with others and cost a cache miss per match, a broad word's search 20%
// slower), while a multiple of 64 bytes gets a size class whose objects
// start on line boundaries.
func lineSized(n int) int {
	return max(cacheLineWords, (n+cacheLineWords-1)/cacheLineWords*cacheLineWords)
}

// entries returns the cache entries of snap's segments, in order, and
// where each segment's documents start, adding entries for segments not
// seen before and dropping those of segments the index no longer has.
func (c *Cache) entries(snap *scorch.IndexSnapshot) ([]*segColumns, []uint64) {
	segs := snap.Segments()
	// Both slices are read for every match, by the counting goroutine and
	// by the collector's id sort on another core: whole cache lines of
	// their own (lineSized).
	out := make([]*segColumns, len(segs), lineSized(len(segs)))
	offs := make([]uint64, len(segs), lineSized(len(segs)))
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
func (c *Cache) build(ss *scorch.SegmentSnapshot, sc *segColumns) error {
	sc.once.Do(func() {
		for f := range NumSlots {
			if sc.cols[f], sc.err = buildColumn(ss.Segment(), slotField(f), c.vals[f]); sc.err != nil {
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
func (c *Cache) forSnapshot(snap *scorch.IndexSnapshot) ([]*segColumns, []uint64, error) {
	out, offs := c.entries(snap)
	for i, ss := range snap.Segments() {
		if err := c.build(ss, out[i]); err != nil {
			return nil, nil, err
		}
	}
	return out, offs, nil
}

// Warm builds the columns of snap's segments ahead of the first search
// that needs them (seconds at a million articles), GOMAXPROCS at a time.
// It returns ctx's error when cancelled.
func (c *Cache) Warm(ctx context.Context, snap *scorch.IndexSnapshot) error {
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
