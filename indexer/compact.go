package indexer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// Compaction merges an index's segments into one, as an operator does
// once a bulk load is done (Lucene's force merge). Bleve's merger leaves a
// large index in several tiers of segments, and each segment keeps its
// own term dictionaries and doc-value chunks: one segment takes less disk
// (100,000 synthetic articles: 886 → 827 MB; 1M: −2.3%), maps a sixth
// less of the index and starts faster (BENCHMARKS.md). The index keeps
// accepting writes; later batches add segments again.

// CompactReport says what a compaction did.
type CompactReport struct {
	SegmentsBefore, SegmentsAfter int
	BytesBefore, BytesAfter       uint64 // of the segment files in use
	Rounds                        int    // force merges run
}

// maxCompactRounds bounds the force merges of one compaction: each
// merges up to ten segments (Bleve's SegmentsPerMergeTask), so a few
// rounds fold any index newsdex's merge plan leaves.
const maxCompactRounds = 8

// Compact merges the index's persisted segments into one. Each round
// first checks that the file system has room for the merge's output (as
// large as its inputs, which are deleted only afterwards): Bleve's merger
// retries a merge that ran out of space without end, and the wait for it
// would never return. Cancelling ctx stops the wait; the merge under way
// then ends when the index closes.
func (g *Guarded) Compact(ctx context.Context) (CompactReport, error) {
	var rep CompactReport
	s := g.scorch()
	if s == nil {
		return rep, errors.New("compact: not an index on disk")
	}
	segs, bytes, err := persistedSegments(s)
	if err != nil {
		return rep, fmt.Errorf("compact: %w", err)
	}
	rep.SegmentsBefore, rep.BytesBefore = segs, bytes
	for segs > 1 && rep.Rounds < maxCompactRounds {
		if free, known, err := g.free(g.dir); err == nil && known {
			if need := bytes + mergeReserve + g.opts.MinFree; free < need {
				return rep, fmt.Errorf("compact: %w", &NoSpaceError{Dir: g.dir, Free: free, Need: need, Merge: bytes,
					Cause: fmt.Sprintf("%s free, merging %d segments into one needs %s", mib(free), segs, mib(need))})
			}
		}
		rep.Rounds++
		if err := g.forceMerge(ctx, s); err != nil {
			return rep, fmt.Errorf("compact: %w", err)
		}
		before := segs
		if segs, bytes, err = persistedSegments(s); err != nil {
			return rep, fmt.Errorf("compact: %w", err)
		}
		if segs >= before {
			break // the merger found nothing more to fold
		}
	}
	rep.SegmentsAfter, rep.BytesAfter = segs, bytes
	g.awaitCleanup(ctx, segs)
	return rep, nil
}

// cleanupWait bounds the wait for Bleve to delete merged segment files.
const cleanupWait = 30 * time.Second

// awaitCleanup waits until the store holds only the live segments' files:
// Bleve's persister deletes the merged ones on its next round, and an
// index closed before that keeps them on disk until it is next opened.
func (g *Guarded) awaitCleanup(ctx context.Context, live int) {
	deadline := time.Now().Add(cleanupWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		files, err := filepath.Glob(filepath.Join(storePath(g.dir), "*.zap"))
		if err != nil || len(files) <= live {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// forceMerge runs one force merge and waits for it, or for ctx, or for
// the merger to fail: Bleve retries a failed force merge until the index
// closes, so a merge that runs out of space (another process filled the
// disk) or whose merger stopped is reported here instead of waited for.
func (g *Guarded) forceMerge(ctx context.Context, s *scorch.Scorch) error {
	noSpace := g.bgNoSpace.Load()
	done := make(chan error, 1)
	go func() {
		opts := mergeplan.SingleSegmentMergePlanOptions
		done <- s.ForceMerge(ctx, &opts)
	}()
	tick := time.NewTicker(mergeRetry)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				err = ctx.Err() // a cancelled merge returns nil
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if stopped := g.stopped.Load(); stopped != nil {
				return stopped
			}
			if g.bgNoSpace.Load() != noSpace {
				free, _, _ := g.free(g.dir)
				return &NoSpaceError{Dir: g.dir, Free: free, Cause: "the merge ran out of space"}
			}
		}
	}
}

// SegmentCount is the number of segments on disk in idx's current
// snapshot; 0 for an index that is not a scorch index.
func SegmentCount(idx bleve.Index) (int, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return 0, nil
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0, nil
	}
	n, _, err := persistedSegments(s)
	return n, err
}

// persistedSegments counts the index's segments on disk and their bytes.
func persistedSegments(s *scorch.Scorch) (n int, bytes uint64, err error) {
	err = withPersistedSegments(s, func(persisted []*scorch.SegmentSnapshot) error {
		n = len(persisted)
		for _, ss := range persisted {
			bytes += uint64(ss.FileSize())
		}
		return nil
	})
	return n, bytes, err
}
