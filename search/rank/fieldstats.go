package rank

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	index "github.com/blevesearch/bleve_index_api"
)

// FieldStats caches the true mean length (in analysed tokens) of the text
// fields, which BM25 divides each document's length by.
//
// Bleve v2.6.3 has no such statistic: its BM25 uses
// ceil(distinct terms in the field / document count) instead
// (searcher.bm25ScoreMetrics), which on Cranfield gives body an "average"
// of 6 tokens against a real 94.7, so every document looks 15 times longer
// than average and length normalisation swamps term frequency. Scorch keeps
// no per-field token total either, but every posting carries its
// document's field length (the norm, 1/sqrt(length)), so the mean can be
// read from the postings (measureField).
//
// A FieldStats is safe for concurrent use. It recomputes a field's mean
// when the document count has moved by more than 0.5% (or at all, under
// 2,000 documents) since the last computation: the mean of an archive
// moves slowly, and a slightly stale value ranks the same, while writes
// that come one small batch at a time do not each cost a recomputation.
type FieldStats struct {
	mu     sync.Mutex
	fields map[string]fieldStat
}

type fieldStat struct {
	docCount uint64  // index document count when computed
	docs     uint64  // documents with the field among those read
	mean     float64 // mean field length over those documents
}

// NewFieldStats returns an empty cache.
func NewFieldStats() *FieldStats { return &FieldStats{fields: map[string]fieldStat{}} }

// statsTerms is how many of a field's most frequent terms the mean is
// read from; statsMaxLoads bounds how many documents none of them covers
// are then loaded and analysed.
const (
	statsTerms    = 256
	statsMaxLoads = 20000
)

// fresh reports whether a stat computed at count c is still good at n.
func (st fieldStat) fresh(n uint64) bool {
	if st.docCount == n {
		return true
	}
	if n < 2000 {
		return false
	}
	d := math.Abs(float64(n) - float64(st.docCount))
	return d <= float64(n)/200
}

// MeanLength returns the mean length in tokens of field over the documents
// that have it; 0 when none has. an is the field's analyzer, for the few
// documents measured from their stored text; nil leaves them out.
func (fs *FieldStats) MeanLength(ctx context.Context, r index.IndexReader, field string, an analysis.Analyzer) (float64, error) {
	n, err := r.DocCount()
	if err != nil {
		return 0, fmt.Errorf("field stats: %w", err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if st, ok := fs.fields[field]; ok && st.fresh(n) {
		return st.mean, nil
	}
	st, err := measureField(ctx, r, field, an, n)
	if err != nil {
		return 0, err
	}
	fs.fields[field] = st
	return st.mean, nil
}

// measureField reads one length per document from the postings of the
// field's most frequent terms, which cover almost every document after a
// few terms. The documents none of them covers (short fields, documents
// without the field) are then found by walking the document ids, and
// measured by analysing their stored text with the field's analyzer, as
// the index did: up to statsMaxLoads of them, beyond which the mean leaves
// the rest out (a huge index where that many lack the field).
func measureField(ctx context.Context, r index.IndexReader, field string, an analysis.Analyzer, docCount uint64) (fieldStat, error) {
	st := fieldStat{docCount: docCount}
	if docCount == 0 {
		return st, nil
	}
	terms, err := topTerms(r, field, statsTerms)
	if err != nil {
		return st, err
	}
	var seen bitset
	total := 0.0
	tfd := &index.TermFieldDoc{}
	for _, t := range terms {
		if st.docs >= docCount {
			break
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		n, err := readLengths(ctx, r, field, t, tfd, &seen)
		if err != nil {
			return st, err
		}
		st.docs += n.docs
		total += n.total
	}
	if st.docs < docCount && len(terms) == statsTerms && an != nil {
		n, err := storedLengths(ctx, r, field, an, &seen)
		if err != nil {
			return st, err
		}
		st.docs += n.docs
		total += n.total
	}
	if st.docs > 0 {
		st.mean = total / float64(st.docs)
	}
	return st, nil
}

type lengthSum struct {
	docs  uint64
	total float64
}

// readLengths adds the lengths of the documents of one term not yet seen.
func readLengths(ctx context.Context, r index.IndexReader, field, term string, tfd *index.TermFieldDoc, seen *bitset) (lengthSum, error) {
	var sum lengthSum
	tr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
	if err != nil {
		return sum, fmt.Errorf("field stats %s: %w", field, err)
	}
	defer tr.Close()
	for {
		d, err := tr.Next(tfd.Reset())
		if err != nil {
			return sum, fmt.Errorf("field stats %s: %w", field, err)
		}
		if d == nil {
			return sum, nil
		}
		if !seen.testAndSet(d.ID.Value()) {
			sum.docs++
			sum.total += lengthFromNorm(d.Norm)
		}
	}
}

// storedLengths measures the documents not yet seen from their stored
// text; those whose field is missing or analyses to nothing have no
// length, as in the postings.
func storedLengths(ctx context.Context, r index.IndexReader, field string, an analysis.Analyzer, seen *bitset) (lengthSum, error) {
	var sum lengthSum
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return sum, fmt.Errorf("field stats %s: %w", field, err)
	}
	defer ids.Close()
	for loads := 0; loads < statsMaxLoads; {
		id, err := ids.Next()
		if err != nil {
			return sum, fmt.Errorf("field stats %s: %w", field, err)
		}
		if id == nil {
			break
		}
		if seen.testAndSet(id.Value()) {
			continue
		}
		if loads%256 == 0 {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
		}
		loads++
		ext, err := r.ExternalID(id)
		if err != nil {
			return sum, fmt.Errorf("field stats %s: %w", field, err)
		}
		doc, err := r.Document(ext)
		if err != nil {
			return sum, fmt.Errorf("field stats %s: load %s: %w", field, ext, err)
		}
		if doc == nil {
			continue
		}
		n := 0
		doc.VisitFields(func(f index.Field) {
			if f.Name() == field {
				n += len(an.Analyze(f.Value()))
			}
		})
		if n > 0 {
			sum.docs++
			sum.total += float64(n)
		}
	}
	return sum, nil
}

// lengthFromNorm undoes Bleve's norm, 1/sqrt(length) stored as float32.
func lengthFromNorm(norm float64) float64 {
	if norm <= 0 {
		return 1
	}
	return math.Round(1 / (norm * norm))
}

// topTerms returns up to k terms of field with the highest document
// frequency, most frequent first.
func topTerms(r index.IndexReader, field string, k int) ([]string, error) {
	fd, err := r.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("field stats %s: %w", field, err)
	}
	defer fd.Close()
	h := &dictHeap{}
	for {
		e, err := fd.Next()
		if err != nil {
			return nil, fmt.Errorf("field stats %s: %w", field, err)
		}
		if e == nil {
			break
		}
		if h.Len() < k {
			heap.Push(h, index.DictEntry{Term: e.Term, Count: e.Count})
		} else if e.Count > (*h)[0].Count {
			(*h)[0] = index.DictEntry{Term: e.Term, Count: e.Count}
			heap.Fix(h, 0)
		}
	}
	out := make([]string, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(index.DictEntry).Term
	}
	return out, nil
}

// dictHeap is a min-heap of dictionary entries by document frequency
// (ties: the later term first, so the kept set does not depend on order).
type dictHeap []index.DictEntry

func (h dictHeap) Len() int { return len(h) }
func (h dictHeap) Less(i, j int) bool {
	if h[i].Count != h[j].Count {
		return h[i].Count < h[j].Count
	}
	return h[i].Term > h[j].Term
}
func (h dictHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dictHeap) Push(x any)   { *h = append(*h, x.(index.DictEntry)) }
func (h *dictHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// bitset marks internal document numbers already counted.
type bitset []uint64

func (b *bitset) testAndSet(i uint64) bool {
	w := int(i / 64)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w-len(*b)+1)...)
	}
	m := uint64(1) << (i % 64)
	if (*b)[w]&m != 0 {
		return true
	}
	(*b)[w] |= m
	return false
}
