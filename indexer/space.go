package indexer

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
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
	Cause      string // what failed, when Bleve itself ran out
}

func (e *NoSpaceError) Error() string {
	if e.Cause != "" {
		return fmt.Sprintf("%v at %s: %s", ErrNoSpace, e.Dir, e.Cause)
	}
	return fmt.Sprintf("%v at %s: %s free, a write needs %s", ErrNoSpace, e.Dir, mib(e.Free), mib(e.Need))
}

func (e *NoSpaceError) Unwrap() error { return ErrNoSpace }

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// SpaceOptions say how much free space a write needs. Zero values take
// the defaults.
type SpaceOptions struct {
	// Factor is the disk bytes a batch may take per byte Bleve counts in
	// it (Batch.TotalDocsSize): the new segment, and its copy when the
	// persister merges it with others (default 4).
	Factor uint64
	// MinFree is free space always kept, for background merges and the
	// root file (default 8 MiB).
	MinFree uint64
	// IndexShare is the fraction of the index's own size also kept free,
	// since a merge writes the merged segment before deleting its inputs
	// (default 0.25).
	IndexShare float64
}

func (o *SpaceOptions) setDefaults() {
	if o.Factor == 0 {
		o.Factor = 1
	}
	if o.MinFree == 0 {
		o.MinFree = 8 << 20
	}
	if o.IndexShare == 0 {
		o.IndexShare = 0.25
	}
}

// Guarded is an index whose writes fail with ErrNoSpace, and do not
// crash the process, when the disk is full. Before each write it checks
// the free space against the write's expected size plus a margin; Bleve
// (zapx) does not survive ENOSPC in the middle of a batch (it can panic
// with a nil map in a later batch), so the check keeps it from getting
// there. Should Bleve still run out (another process fills the disk), its
// errors and panics in a write become ErrNoSpace. A write after a refused
// one is checked afresh, so writes resume by themselves once space is
// freed. Reads pass straight through.
type Guarded struct {
	bleveIndex
	dir  string
	opts SpaceOptions
	free func(dir string) (uint64, bool, error) // bytes available; false when unknown here

	mu       sync.Mutex // guards inflight
	inflight uint64     // expected bytes of the writes under way, which the free space does not show yet
	full     atomic.Bool
	refusals atomic.Uint64
}

// bleveIndex names the embedded index, whose Index method Guarded wraps.
type bleveIndex = bleve.Index

// Guard wraps idx, stored at dir, in the free-space guard.
func Guard(idx bleve.Index, dir string, opts SpaceOptions) *Guarded {
	opts.setDefaults()
	return &Guarded{bleveIndex: idx, dir: dir, opts: opts, free: freeSpace}
}

// DiskFull reports whether the last write was refused for lack of space.
func (g *Guarded) DiskFull() bool { return g.full.Load() }

// NoSpaceRefusals is the number of writes refused for lack of space.
func (g *Guarded) NoSpaceRefusals() uint64 { return g.refusals.Load() }

// Batch writes b after checking the space it needs. It returns a
// *NoSpaceError (ErrNoSpace) when the space is not there, and Bleve's
// error otherwise.
func (g *Guarded) Batch(b *bleve.Batch) error {
	return g.write("write batch", b.TotalDocsSize()*g.opts.Factor, func() error { return g.bleveIndex.Batch(b) })
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
	return g.write("write internal value", uint64(len(key)+len(val))*g.opts.Factor, func() error { return g.bleveIndex.SetInternal(key, val) })
}

// DeleteInternal removes a value stored with SetInternal.
func (g *Guarded) DeleteInternal(key []byte) error {
	return g.write("delete internal value", uint64(len(key))*g.opts.Factor, func() error { return g.bleveIndex.DeleteInternal(key) })
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
// from Bleve into ErrNoSpace.
//
// Writes run concurrently (Bleve analyses concurrent batches in
// parallel); each check counts the writes still under way as taken.
func (g *Guarded) write(what string, expected uint64, f func() error) (err error) {
	g.mu.Lock()
	if err := g.check(expected + g.inflight); err != nil {
		g.mu.Unlock()
		g.full.Store(true)
		g.refusals.Add(1)
		return err
	}
	g.inflight += expected
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inflight -= expected
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
// write of expected bytes needs, with the margin.
func (g *Guarded) check(expected uint64) error {
	free, known, err := g.free(g.dir)
	if err != nil || !known {
		return nil // no way to tell here: let Bleve try, guarded by recover
	}
	need := expected + g.opts.MinFree + uint64(float64(dirSize(g.dir))*g.opts.IndexShare)
	if free < need {
		return &NoSpaceError{Dir: g.dir, Free: free, Need: need}
	}
	return nil
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
