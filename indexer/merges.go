package indexer

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// What Bleve v2.6.3 does when a background merge or persist meets a full
// disk (read from index/scorch merge.go and persister.go, and tried on a
// tmpfs): the merger's error goes to the index's async error callback
// ("merging err: write …zap: no space left on device"), zapx removes the
// half-written file, and the merger plans the same merge again at once,
// in a loop with no pause; every attempt writes until the disk is full,
// so batches persisted meanwhile fail too, and the persister retries its
// own failures in the same way. A panic in the merger, persister or
// introducer is recovered by Bleve and reported to the same callback, but
// that goroutine is gone: no more merges, or, for the other two, batches
// that wait for it forever.
//
// So newsdex registers Bleve's two callbacks: before a merge, the event
// callback lets it run only when the file system has room for the
// segments it writes, and otherwise holds it back and retries later; the
// async error callback logs background errors, pauses the retry loop
// after a full disk, and stops writes after a background panic.

// callbackName is the name newsdex's callbacks have in Bleve's registries.
const callbackName = "newsdex"

// mergeRetry is how long a merge waits for space before its next check,
// and the pause after a background write fails for lack of space.
const mergeRetry = 500 * time.Millisecond

// guards maps the open indexes to their guards for Bleve's callbacks,
// which are registered by name for the whole process and know an index
// only as its *scorch.Scorch (events) or its store path (async errors).
var guards sync.Map // *scorch.Scorch or store path → *Guarded

func init() {
	// Bleve reads its callback registries without a lock, so they must be
	// filled before any index opens: hence init.
	scorch.RegistryEventCallbacks[callbackName] = onBleveEvent
	scorch.RegistryAsyncErrorCallbacks[callbackName] = onBleveAsyncError
}

// bleveConfig is the scorch configuration newsdex opens indexes with.
func bleveConfig(extra map[string]any) map[string]any {
	cfg := map[string]any{
		"bolt_timeout":           lockTimeout,
		"eventCallbackName":      callbackName,
		"asyncErrorCallbackName": callbackName,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// watch connects g to Bleve's callbacks for its index, when the index is
// a scorch index.
func (g *Guarded) watch() {
	s := g.scorch()
	if s == nil {
		return
	}
	guards.Store(s, g)
	guards.Store(storePath(g.dir), g)
}

func storePath(dir string) string { return filepath.Clean(filepath.Join(dir, "store")) }

// scorch returns the index's scorch engine, or nil.
func (g *Guarded) scorch() *scorch.Scorch {
	adv, err := g.bleveIndex.Advanced()
	if err != nil {
		return nil
	}
	s, _ := adv.(*scorch.Scorch)
	return s
}

func onBleveEvent(e scorch.Event) bool {
	v, ok := guards.Load(e.Scorch)
	if !ok {
		return true
	}
	g := v.(*Guarded)
	switch e.Kind {
	case scorch.EventKindPreMergeCheck:
		return g.mergeMayRun(e.Scorch)
	case scorch.EventKindCloseStart:
		g.closeOnce.Do(func() { close(g.closing) })
	case scorch.EventKindClose:
		guards.CompareAndDelete(e.Scorch, g)
		guards.CompareAndDelete(storePath(g.dir), g)
	}
	return true
}

func onBleveAsyncError(err error, path string) {
	v, ok := guards.Load(filepath.Clean(path))
	if !ok {
		return
	}
	v.(*Guarded).backgroundError(err)
}

// mergeMayRun is Bleve's pre-merge check: a merge runs when the file
// system has room for the segments it writes (as large as the segments it
// merges) plus a reserve for the root file. Otherwise it waits mergeRetry
// (or until the index closes) and says no; Bleve then checks again.
func (g *Guarded) mergeMayRun(s *scorch.Scorch) bool {
	need, err := mergeNeed(s, nil)
	free, known, ferr := g.free(g.dir)
	if err != nil || ferr != nil || !known || need == 0 || free >= need+mergeReserve {
		if g.mergeWait.Swap(0) != 0 {
			g.logger.Info("merging resumes: there is space again", slog.String("dir", g.dir),
				slog.String("free", mib(free)), slog.String("merge", mib(need)))
		}
		if f := g.onMergeStart.Load(); f != nil && need > 0 && err == nil {
			(*f)()
		}
		return true
	}
	if g.mergeWait.Swap(need) == 0 {
		g.logger.Warn("a merge waits for disk space; writes are refused until it has run",
			slog.String("dir", g.dir), slog.String("free", mib(free)), slog.String("merge", mib(need+mergeReserve)))
	}
	g.mergeDeferrals.Add(1)
	g.pause()
	return false
}

// mergeReserve is the space kept beside a merge's output, for root.bolt's
// new snapshot and the batches persisted meanwhile.
const mergeReserve = 1 << 20

// pause waits mergeRetry, or less if the index is closing.
func (g *Guarded) pause() {
	t := time.NewTimer(mergeRetry)
	defer t.Stop()
	select {
	case <-t.C:
	case <-g.closing:
	}
}

// backgroundError handles an error Bleve's merger or persister reported.
// A full disk pauses the loop that reported it, which would otherwise
// retry at once, for as long as the disk stays full; a panic means that
// goroutine has stopped, so writes stop too instead of waiting for it.
func (g *Guarded) backgroundError(err error) {
	g.bgErrors.Add(1)
	var se *scorch.ScorchError
	source := "background"
	if errors.As(err, &se) {
		source = se.Source
	}
	if errors.Is(err, scorch.ErrAsyncPanic) {
		stopped := &StoppedError{Source: source, Cause: err.Error()}
		g.stopped.CompareAndSwap(nil, stopped)
		g.logger.Error("Bleve's background "+source+" stopped after a panic; writes are refused until newsdex restarts",
			slog.String("dir", g.dir), slog.String("error", err.Error()))
		return
	}
	if isNoSpace(err) {
		if g.bgNoSpace.Add(1) == 1 || g.bgNoSpace.Load()%100 == 0 {
			g.logger.Warn("Bleve's "+source+" ran out of disk space; it retries when there is space",
				slog.String("dir", g.dir), slog.Uint64("times", g.bgNoSpace.Load()), slog.String("error", err.Error()))
		}
		g.pause()
		return
	}
	g.logger.Error("Bleve's "+source+" failed", slog.String("dir", g.dir), slog.String("error", err.Error()))
}

// ErrWritesStopped means writes are refused because one of Bleve's
// background goroutines stopped after a panic: a batch would wait for it
// forever. Searches go on; restarting newsdex reopens the index.
var ErrWritesStopped = errors.New("writes to the index have stopped")

// StoppedError is ErrWritesStopped with what stopped.
type StoppedError struct {
	Source string // Bleve's merger, persister or introducer
	Cause  string
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("%v: Bleve's %s stopped after a panic (%s); restart newsdex to write again", ErrWritesStopped, e.Source, e.Cause)
}

func (e *StoppedError) Unwrap() error { return ErrWritesStopped }

// mergePlanOptions are the merge planner's options as scorch derives them
// for the indexes newsdex opens (no scorchMergePlanOptions given).
func mergePlanOptions() mergeplan.MergePlanOptions {
	o := mergeplan.DefaultMergePlanOptions
	o.FloorSegmentFileSize = int64(scorch.DefaultMaxSizeInMemoryMergePerWorker)
	return o
}

// mergeNeed is the disk space the merges Bleve would plan now, with the
// extra segments added (a write about to be made), would write: each
// merged segment can be as large as the segment files it merges, and all
// the merged files of one plan exist before any input is deleted.
func mergeNeed(s *scorch.Scorch, extra []mergeplan.Segment) (uint64, error) {
	var need int64
	err := withPersistedSegments(s, func(persisted []*scorch.SegmentSnapshot) error {
		segs := make([]mergeplan.Segment, 0, len(persisted)+len(extra))
		for _, ss := range persisted {
			segs = append(segs, ss)
		}
		segs = append(segs, extra...)
		opts := mergePlanOptions()
		plan, err := mergeplan.Plan(segs, &opts)
		if err != nil || plan == nil {
			return err
		}
		for _, t := range plan.Tasks {
			for _, seg := range t.Segments {
				if seg.LiveSize() > 0 {
					need += seg.FileSize()
				}
			}
		}
		return nil
	})
	return uint64(need), err
}

// withPersistedSegments calls fn with the segments on disk of the index's
// current snapshot, which stays open until fn returns.
func withPersistedSegments(s *scorch.Scorch, fn func([]*scorch.SegmentSnapshot) error) error {
	r, err := s.Reader()
	if err != nil {
		return err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || snap == nil {
		return errors.New("no index snapshot")
	}
	defer snap.Close()
	var persisted []*scorch.SegmentSnapshot
	for _, ss := range snap.Segments() {
		if _, ok := ss.Segment().(segment.PersistedSegment); ok {
			persisted = append(persisted, ss)
		}
	}
	return fn(persisted)
}

// plannedSegment stands for a segment a write is about to add, in a merge
// plan made before it exists.
type plannedSegment struct {
	docs  int64
	bytes int64
}

func (p plannedSegment) Id() uint64          { return ^uint64(0) }
func (p plannedSegment) FullSize() int64     { return p.docs }
func (p plannedSegment) LiveSize() int64     { return p.docs }
func (p plannedSegment) HasVector() bool     { return false }
func (p plannedSegment) FileSize() int64     { return p.bytes }
func (p plannedSegment) LiveFileSize() int64 { return p.bytes }
func (p plannedSegment) String() string {
	return fmt.Sprintf("planned(%d docs, %d bytes)", p.docs, p.bytes)
}
