package count

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/google/go-cmp/cmp"
)

// TestTermDocsCountsAfterAOneDocumentTerm pins the Bleve behaviour
// TermDocs exists for: in a merged segment, a term held by one document
// ("a", stored in the dictionary itself, zapx's "1-hit" encoding) makes
// FieldDict count every later term 1, and deleted documents still count.
// TermDocs must give each term's live documents.
func TestTermDocsCountsAfterAOneDocumentTerm(t *testing.T) {
	m := bleve.NewIndexMapping()
	dm := bleve.NewDocumentStaticMapping()
	kw := mapping.NewKeywordFieldMapping()
	kw.IncludeTermVectors = false // as the entity fields: no locations, so 1-hit applies
	dm.AddFieldMappingsAt("f", kw)
	m.DefaultMapping = dm
	idx, err := bleve.New(filepath.Join(t.TempDir(), "idx"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()

	index := func(docs map[string]string) {
		t.Helper()
		b := idx.NewBatch()
		for id, v := range docs {
			if err := b.Index(id, map[string]any{"f": v}); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.Batch(b); err != nil {
			t.Fatal(err)
		}
	}
	// "a" once, then "b" and "c" three times each, merged into one
	// segment (only merges write the 1-hit encoding).
	index(map[string]string{"d1": "a", "d2": "b", "d3": "b"})
	index(map[string]string{"d4": "b", "d5": "c", "d6": "c", "d7": "c"})
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		t.Fatal(err)
	}

	dictCounts := func() map[string]int {
		d, err := idx.FieldDict("f")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out := map[string]int{}
		for {
			e, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e == nil {
				return out
			}
			out[e.Term] = int(e.Count)
		}
	}
	termDocs := func() map[string]int {
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out := map[string]int{}
		var order []string
		exact, err := TermDocs(context.Background(), r, "f", func(term string, n int) {
			out[term] = n
			order = append(order, term)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !exact {
			t.Fatal("a scorch index was not read segment by segment")
		}
		for i := 1; i < len(order); i++ {
			if order[i-1] >= order[i] {
				t.Fatalf("terms out of order: %q", order)
			}
		}
		return out
	}

	want := map[string]int{"a": 1, "b": 3, "c": 3}
	if got := termDocs(); !cmp.Equal(got, want) {
		t.Errorf("TermDocs = %v, want %v", got, want)
	}
	if got := dictCounts(); !cmp.Equal(got, want) {
		t.Logf("FieldDict counts %v, the bug TermDocs avoids", got)
	} else {
		t.Logf("FieldDict counts are right (%v): Bleve may have fixed its iterator", got)
	}

	// A second segment, and deletions in the first.
	index(map[string]string{"d8": "b", "d9": "d"})
	for _, id := range []string{"d6", "d7", "d1"} {
		if err := idx.Delete(id); err != nil {
			t.Fatal(err)
		}
	}
	want = map[string]int{"b": 4, "c": 1, "d": 1}
	if got := termDocs(); !cmp.Equal(got, want) {
		t.Errorf("after a second batch and deletes, TermDocs = %v, want %v", got, want)
	}
}
