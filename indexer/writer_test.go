package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"
)

func newTestWriter(t *testing.T) (*Writer, bleve.Index) {
	t.Helper()
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	ing := NewIngester(idx, IngestOptions{BatchDocs: 7, Workers: 2}, slog.New(slog.DiscardHandler), testAliases(t), nil)
	return NewWriter(idx, ing), idx
}

func jsonlSource(s string) Source {
	return func(ctx context.Context, emit func(Record) error) error {
		return Parse(strings.NewReader(s), "body", FormatJSONL, emit)
	}
}

func countMatches(t *testing.T, idx bleve.Index, word string) uint64 {
	t.Helper()
	q := bleve.NewMatchQuery(word)
	q.SetField(FieldTitle)
	res, err := idx.Search(bleve.NewSearchRequest(q))
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// TestWriterConcurrentIngest runs ingests from many goroutines: each must
// see only its own skipped records, and every article must be searchable
// once its Ingest returns.
func TestWriterConcurrentIngest(t *testing.T) {
	w, idx := newTestWriter(t)
	const callers, perCaller = 8, 20
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			var b strings.Builder
			for i := range perCaller {
				fmt.Fprintf(&b, "{\"id\":\"c%d-%d\",\"title\":\"caller%d item\"}\n", c, i, c)
			}
			fmt.Fprintf(&b, "{\"id\":\"bad%d\",\"title\":\"\"}\n", c) // no content: skipped
			var skipped []string
			sum, err := w.Ingest(context.Background(), jsonlSource(b.String()), func(r Record) {
				skipped = append(skipped, r.Location())
			})
			if err != nil {
				t.Errorf("caller %d: %v", c, err)
				return
			}
			want := []string{fmt.Sprintf("body:%d", perCaller+1)}
			if sum.Indexed != perCaller || sum.Skipped != 1 || !cmp.Equal(want, skipped) {
				t.Errorf("caller %d: indexed %d skipped %d %v, want %d, 1 %v", c, sum.Indexed, sum.Skipped, skipped, perCaller, want)
			}
			if n := countMatches(t, idx, fmt.Sprintf("caller%d", c)); n != perCaller {
				t.Errorf("caller %d: %d searchable right after Ingest, want %d", c, n, perCaller)
			}
		})
	}
	wg.Wait()
	if n, _ := idx.DocCount(); n != callers*perCaller {
		t.Errorf("doc count %d, want %d", n, callers*perCaller)
	}
}

func TestWriterDelete(t *testing.T) {
	w, idx := newTestWriter(t)
	if _, err := w.Ingest(context.Background(), jsonlSource(`{"id":"x1","title":"zebra"}`+"\n"+`{"id":"x2","title":"zebra"}`), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id        string
		wantFound bool
		wantLeft  uint64
	}{
		{"x1", true, 1},
		{"x1", false, 1},
		{"nope", false, 1},
		{"x2", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			found, err := w.Delete(context.Background(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.wantFound {
				t.Errorf("found = %v, want %v", found, tt.wantFound)
			}
			if n := countMatches(t, idx, "zebra"); n != tt.wantLeft {
				t.Errorf("%d left, want %d", n, tt.wantLeft)
			}
		})
	}
}

// TestWriterWaitCanceled checks that a caller waiting behind a long write
// gives up when its context ends.
func TestWriterWaitCanceled(t *testing.T) {
	w, _ := newTestWriter(t)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := w.Ingest(context.Background(), func(ctx context.Context, emit func(Record) error) error {
			close(started)
			<-release
			return nil
		}, nil)
		done <- err
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Delete(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete while busy with a canceled context: %v, want context.Canceled", err)
	}
	if _, err := w.Ingest(ctx, jsonlSource(`{"title":"t"}`), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Ingest while busy with a canceled context: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestCheckIngestStamps: an index made with today's mapping has the
// ingest stamp field; one made with another mapping (as an index built
// before the field, whose mapping Bleve keeps) is refused with a reason.
func TestCheckIngestStamps(t *testing.T) {
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := CheckIngestStamps(idx); err != nil {
		t.Errorf("current mapping: %v", err)
	}
	old := NewMapping()
	delete(old.TypeMapping[DocType].Properties, FieldIngested)
	oldIdx, err := bleve.NewMemOnly(old)
	if err != nil {
		t.Fatal(err)
	}
	defer oldIdx.Close()
	if err := CheckIngestStamps(oldIdx); !errors.Is(err, ErrNoIngestStamps) || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("mapping without the field: %v", err)
	}
}
