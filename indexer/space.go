package indexer

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	index "github.com/blevesearch/bleve_index_api"
)

// ErrNoSpace means a write was refused, or failed, because the file
// system holding the index is full or nearly so. Nothing of the refused
// write is in the index; what was written before it is.
var ErrNoSpace = errors.New("no space left on device")

// NoSpaceError is a write refused for lack of space at Dir.
type NoSpaceError struct {
	Dir        string
	Free, Need uint64 // bytes; Need is 0 when Bleve itself ran out
	Merge      uint64 // of Need, the bytes for the merges the write sets off, or the merge waiting
	Waiting    bool   // a merge held back for lack of space waits for Merge bytes
	Cause      string // what failed, when Bleve itself ran out
}

func (e *NoSpaceError) Error() string {
	switch {
	case e.Cause != "":
		return fmt.Sprintf("%v at %s: %s", ErrNoSpace, e.Dir, e.Cause)
	case e.Waiting:
		return fmt.Sprintf("%v at %s: %s free, a merge of the index's segments waits for %s", ErrNoSpace, e.Dir, mib(e.Free), mib(e.Merge))
	case e.Merge > 0:
		return fmt.Sprintf("%v at %s: %s free, a write needs %s (%s of it for the merge it sets off)", ErrNoSpace, e.Dir, mib(e.Free), mib(e.Need), mib(e.Merge))
	}
	return fmt.Sprintf("%v at %s: %s free, a write needs %s", ErrNoSpace, e.Dir, mib(e.Free), mib(e.Need))
}

func (e *NoSpaceError) Unwrap() error { return ErrNoSpace }

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// SpaceOptions say how much free space a write needs. Zero values take
// the defaults.
type SpaceOptions struct {
	// Factor is the disk bytes a batch's new segment may take per byte
	// Bleve counts in it (Batch.TotalDocsSize) (default 1: measured 0.95
	// for batches of 1,000 Reuters articles as newsdex indexes them; up
	// to 4.6 for 50 articles of random words, whose terms are all new,
	// which MinFree covers).
	Factor uint64
	// MinFree is free space always kept, for the root file and the
	// segments persisted while a merge runs (default 8 MiB).
	MinFree uint64
	// Logger gets what Bleve's background merger and persister report
	// (nil: discarded).
	Logger *slog.Logger
}

func (o *SpaceOptions) setDefaults() {
	if o.Factor == 0 {
		o.Factor = 1
	}
	if o.MinFree == 0 {
		o.MinFree = 8 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Guarded is an index whose writes fail with ErrNoSpace, and do not
// crash the process, when the disk is full. Before each write it checks
// the free space against the write's expected size, the merges the write
// would set off and a margin; Bleve (zapx) does not survive ENOSPC in the
// middle of a batch (it can panic with a nil map in a later batch), so
// the check keeps it from getting there. Bleve's background merges are
// held back while the disk lacks room for them (merges.go). Should Bleve
// still run out (another process fills the disk), its errors and panics
// in a write become ErrNoSpace. A write after a refused one is checked
// afresh, so writes resume by themselves once space is freed. Reads pass
// straight through.
type Guarded struct {
	bleveIndex
	dir    string
	opts   SpaceOptions
	logger *slog.Logger
	free   func(dir string) (uint64, bool, error) // bytes available; false when unknown here

	mu           sync.Mutex // guards inflight, inflightDocs
	inflight     uint64     // expected bytes of the writes under way, which the free space does not show yet
	inflightDocs uint64
	full         atomic.Bool
	refusals     atomic.Uint64

	mergeWait      atomic.Uint64 // bytes a merge held back for lack of space needs; 0 when none waits
	mergeDeferrals atomic.Uint64
	bgErrors       atomic.Uint64 // errors Bleve's merger and persister reported
	bgNoSpace      atomic.Uint64 // of them, for lack of space
	stopped        atomic.Pointer[StoppedError]
	closing        chan struct{} // closed when the index starts closing
	closeOnce      sync.Once
	onMergeStart   atomic.Pointer[func()] // tests: runs when a merge is let through
}

// bleveIndex names the embedded index, whose Index method Guarded wraps.
type bleveIndex = bleve.Index

// Guard wraps idx, stored at dir, in the free-space guard, and connects
// it to Bleve's merge and background-error callbacks when idx was opened
// by this package.
func Guard(idx bleve.Index, dir string, opts SpaceOptions) *Guarded {
	opts.setDefaults()
	g := &Guarded{bleveIndex: idx, dir: dir, opts: opts, logger: opts.Logger, free: freeSpace, closing: make(chan struct{})}
	g.watch()
	return g
}

// DiskFull reports whether the last write was refused for lack of
// space, or a merge waits for space.
func (g *Guarded) DiskFull() bool { return g.full.Load() || g.mergeWait.Load() != 0 }

// MergeWaiting reports whether Bleve's merger is held back for lack of
// space.
func (g *Guarded) MergeWaiting() bool { return g.mergeWait.Load() != 0 }

// MergeDeferrals is the number of times a merge was held back for lack of
// space.
func (g *Guarded) MergeDeferrals() uint64 { return g.mergeDeferrals.Load() }

// BackgroundErrors is the number of errors Bleve's merger and persister
// reported, and how many of them were for lack of space.
func (g *Guarded) BackgroundErrors() (all, noSpace uint64) {
	return g.bgErrors.Load(), g.bgNoSpace.Load()
}

// NoSpaceRefusals is the number of writes refused for lack of space.
func (g *Guarded) NoSpaceRefusals() uint64 { return g.refusals.Load() }

// Batch writes b after checking the space it needs. It returns a
// *NoSpaceError (ErrNoSpace) when the space is not there, and Bleve's
// error otherwise.
func (g *Guarded) Batch(b *bleve.Batch) error { return g.batchSized(b, b.TotalDocsSize()) }

// batchSized is Batch for a batch whose documents were added with
// IndexAdvanced, which Batch.TotalDocsSize does not count: docsSize is
// what Batch.Index would have counted for them.
func (g *Guarded) batchSized(b *bleve.Batch, docsSize uint64) error {
	return g.write("write batch", docsSize*g.opts.Factor, uint64(b.Size()), func() error { return g.bleveIndex.Batch(b) })
}

// Index writes one document, as Batch does.
func (g *Guarded) Index(id string, data any) error {
	b := g.bleveIndex.NewBatch()
	if err := b.Index(id, data); err != nil {
		return err
	}
	return g.Batch(b)
}

// Delete removes one document, as Batch does.
func (g *Guarded) Delete(id string) error {
	b := g.bleveIndex.NewBatch()
	b.Delete(id)
	return g.Batch(b)
}

// SetInternal stores a value beside the documents (the entity
// corrections live there), after checking the space it needs.
func (g *Guarded) SetInternal(key, val []byte) error {
	return g.write("write internal value", uint64(len(key)+len(val))*g.opts.Factor, 0, func() error { return g.bleveIndex.SetInternal(key, val) })
}

// DeleteInternal removes a value stored with SetInternal.
func (g *Guarded) DeleteInternal(key []byte) error {
	return g.write("delete internal value", uint64(len(key))*g.opts.Factor, 0, func() error { return g.bleveIndex.DeleteInternal(key) })
}

// CopyTo copies the index, as Bleve's IndexCopyable does.
func (g *Guarded) CopyTo(d index.Directory) error {
	c, ok := g.bleveIndex.(bleve.IndexCopyable)
	if !ok {
		return errors.New("copy index: the index does not support copying")
	}
	return c.CopyTo(d)
}

// write runs f after the space check, turning ENOSPC errors and panics
// from Bleve into ErrNoSpace. docs is the number of documents the write
// adds or changes, for the merge plan.
//
// Writes run concurrently (Bleve analyses concurrent batches in
// parallel); each check counts the writes still under way as taken.
func (g *Guarded) write(what string, expected, docs uint64, f func() error) (err error) {
	if st := g.stopped.Load(); st != nil {
		return st
	}
	g.mu.Lock()
	if err := g.check(expected+g.inflight, docs+g.inflightDocs); err != nil {
		g.mu.Unlock()
		g.full.Store(true)
		g.refusals.Add(1)
		return err
	}
	g.inflight += expected
	g.inflightDocs += docs
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inflight -= expected
		g.inflightDocs -= docs
		g.mu.Unlock()
	}()
	defer func() {
		if r := recover(); r != nil {
			err = g.failed(what, fmt.Errorf("panic in Bleve: %v", r))
		}
	}()
	if err := f(); err != nil {
		return g.failed(what, err)
	}
	g.full.Store(false)
	return nil
}

// failed classifies a write that Bleve failed or panicked in: out of
// space when the error says so or the disk is (nearly) full now.
func (g *Guarded) failed(what string, err error) error {
	free, known, _ := g.free(g.dir)
	if isNoSpace(err) || (known && free < g.opts.MinFree) {
		g.full.Store(true)
		g.refusals.Add(1)
		return &NoSpaceError{Dir: g.dir, Free: free, Cause: fmt.Sprintf("%s: %v", what, err)}
	}
	return err
}

// isNoSpace reports whether err is ENOSPC; Bleve often formats errors
// with %v, so the text is checked too.
func isNoSpace(err error) bool {
	return errors.Is(err, errNoSpaceSyscall) || strings.Contains(err.Error(), "no space left on device")
}

// check returns a *NoSpaceError when the file system lacks the space a
// write of expected bytes and docs documents needs: the write itself,
// and room left after it for the merges it would set off (a merge can
// write as much as the segments it merges, and its inputs are deleted
// only after), never less than MinFree. While a merge waits for space,
// a write is refused unless there is room for the merge as well: it
// would only add segments the merge cannot fold in.
func (g *Guarded) check(expected, docs uint64) error {
	free, known, err := g.free(g.dir)
	if err != nil || !known {
		return nil // no way to tell here: let Bleve try, guarded by recover
	}
	if w := g.mergeWait.Load(); w != 0 {
		// The waiting merge has the first claim on the space. A write
		// goes through only when there is room for both: the disk has
		// grown, say, before the merger's next look (mergeRetry).
		reserved := w + mergeReserve
		if free < reserved+expected+g.opts.MinFree {
			return &NoSpaceError{Dir: g.dir, Free: free, Need: reserved + expected, Merge: reserved, Waiting: true}
		}
		free -= reserved
	}
	merge := g.mergeNeed(expected, docs)
	if merge > 0 {
		merge += mergeReserve
	}
	need := expected + max(merge, g.opts.MinFree)
	if free < need {
		return &NoSpaceError{Dir: g.dir, Free: free, Need: need, Merge: merge}
	}
	return nil
}

// mergeNeed is the space the merges a write of expected bytes and docs
// documents would set off need: those of Bleve's merge plan with the
// write's segment added. For an index that is not a scorch index on
// disk, the index's own size, which no merge exceeds.
func (g *Guarded) mergeNeed(expected, docs uint64) uint64 {
	if s := g.scorch(); s != nil {
		n, err := mergeNeed(s, []mergeplan.Segment{plannedSegment{docs: int64(docs), bytes: int64(expected)}})
		if err == nil {
			return n
		}
	}
	return uint64(dirSize(g.dir))
}

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

func parentDir(dir string) string { return filepath.Dir(dir) }
