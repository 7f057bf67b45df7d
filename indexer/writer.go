package indexer

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
)

// Writer takes writes to one index from concurrent callers, such as HTTP
// ingest and delete requests, and runs them one at a time, so the index
// keeps a single writer and each ingest's skip reports stay its own.
// Searches are not blocked: Bleve readers work on snapshots.
type Writer struct {
	idx bleve.Index
	ing *Ingester
	sem chan struct{} // holds one token while a write runs

	// OnWrite, if set, is called after each ingest that indexed articles,
	// once they are searchable (alerts are triggered from it). It must
	// not block.
	OnWrite func(Summary)
}

// NewWriter returns a Writer over idx that ingests with ing, which must
// write into idx and be used by no one else while the Writer is in use.
func NewWriter(idx bleve.Index, ing *Ingester) *Writer {
	return &Writer{idx: idx, ing: ing, sem: make(chan struct{}, 1)}
}

func (w *Writer) lock(ctx context.Context) error {
	select {
	case w.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the index writer: %w", ctx.Err())
	}
}

func (w *Writer) unlock() { <-w.sem }

// Ingest writes src's records into the index after any write in progress
// has finished. onSkip, which may be nil, gets every skipped record. The
// written articles are searchable when Ingest returns. It returns ctx's
// error if ctx ends while waiting, and otherwise what Ingester.Ingest
// returns.
func (w *Writer) Ingest(ctx context.Context, src Source, onSkip func(Record)) (Summary, error) {
	if err := w.lock(ctx); err != nil {
		return Summary{}, err
	}
	defer w.unlock()
	prev := w.ing.OnSkip
	w.ing.OnSkip = onSkip
	defer func() { w.ing.OnSkip = prev }()
	sum, err := w.ing.Ingest(ctx, src)
	if sum.Indexed > 0 && w.OnWrite != nil {
		w.OnWrite(sum)
	}
	return sum, err
}

// Settled is the Ingester's Settled.
func (w *Writer) Settled(ctx context.Context) (string, error) { return w.ing.Settled(ctx) }

// DiskFull reports whether the index is guarded (Guard) and its last
// write was refused for lack of space.
func (w *Writer) DiskFull() bool {
	g, ok := w.idx.(*Guarded)
	return ok && g.DiskFull()
}

// MergeWaiting reports whether the index is guarded and Bleve's merger is
// held back for lack of space.
func (w *Writer) MergeWaiting() bool {
	g, ok := w.idx.(*Guarded)
	return ok && g.MergeWaiting()
}

// Delete removes the article with id and reports whether it was there.
// The deletion is visible to searches when Delete returns.
func (w *Writer) Delete(ctx context.Context, id string) (bool, error) {
	if err := w.lock(ctx); err != nil {
		return false, err
	}
	defer w.unlock()
	doc, err := w.idx.Document(id)
	if err != nil {
		return false, fmt.Errorf("look up %q: %w", id, err)
	}
	if doc == nil {
		return false, nil
	}
	b := w.idx.NewBatch()
	b.Delete(id)
	if err := w.idx.Batch(b); err != nil {
		return false, fmt.Errorf("delete %q: %w", id, err)
	}
	return true, nil
}
