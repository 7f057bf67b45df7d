package count

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// TermDocs calls each with every term of field and the number of live
// documents holding it, in term order. Bleve's FieldDict counts cannot be
// used for that: zapx's dictionary iterator reuses one postings list and
// does not clear its "1-hit" state, so after a term held by a single
// document every later term of that segment counts 1 (on Reuters, 6,199
// of 39,298 entity names came out low); they also count deleted
// documents. Here each term's postings list is read afresh, per segment,
// without the deleted documents. On an index that is not a scorch
// snapshot it falls back to FieldDict and says so with exact=false.
func TermDocs(ctx context.Context, r Dictionaries, field string, each func(term string, n int)) (exact bool, err error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return false, fieldDictDocs(ctx, r, field, each)
	}
	counts := map[string]int{}
	var pl segment.PostingsList
	for _, ss := range snap.Segments() {
		dict, err := ss.Segment().Dictionary(field)
		if err != nil {
			return true, fmt.Errorf("dictionary %s: %w", field, err)
		}
		deleted := ss.Deleted()
		it := dict.AutomatonIterator(nil, nil, nil)
		for i := 0; ; i++ {
			if i%4096 == 0 && ctx.Err() != nil {
				return true, ctx.Err()
			}
			e, err := it.Next()
			if err != nil {
				return true, fmt.Errorf("terms of %s: %w", field, err)
			}
			if e == nil {
				break
			}
			// A fresh read: PostingsList clears the reused list first.
			if pl, err = dict.PostingsList([]byte(e.Term), deleted, pl); err != nil {
				return true, fmt.Errorf("postings of %s:%s: %w", field, e.Term, err)
			}
			if n := int(pl.Count()); n > 0 {
				counts[e.Term] += n
			}
		}
	}
	terms := make([]string, 0, len(counts))
	for t := range counts {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	for _, t := range terms {
		each(t, counts[t])
	}
	return true, nil
}

// Dictionaries is what TermDocs reads: an index reader, or an index
// (an alias) without one.
type Dictionaries interface {
	FieldDict(field string) (index.FieldDict, error)
}

// fieldDictDocs is TermDocs through Bleve's dictionary, for readers
// without segments.
func fieldDictDocs(ctx context.Context, r Dictionaries, field string, each func(term string, n int)) error {
	d, err := r.FieldDict(field)
	if err != nil {
		return fmt.Errorf("read %s: %w", field, err)
	}
	defer d.Close()
	for i := 0; ; i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		de, err := d.Next()
		if err != nil {
			return fmt.Errorf("read %s: %w", field, err)
		}
		if de == nil {
			return nil
		}
		each(de.Term, int(de.Count))
	}
}
