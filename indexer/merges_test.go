package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"golang.org/x/sys/unix"

	"newsdex/indexer/tmpfs"
)

// mergeFixture is a guarded index on a small tmpfs, written in small
// batches so that segments pile up until the next batch sets off a
// merge.
type mergeFixture struct {
	t      *testing.T
	mnt    string
	dir    string
	g      *Guarded
	docs   []string
	next   int // first article of the next batch
	acked  int // articles acknowledged
	bSize  int
	ballas string
	closed bool
}

func newMergeFixture(t *testing.T, size int64) *mergeFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("fills a file system; skipped with -short")
	}
	f := &mergeFixture{t: t, mnt: tmpfs.Mount(t, size), bSize: 40}
	f.dir = filepath.Join(f.mnt, "idx")
	f.ballas = filepath.Join(f.mnt, "ballast")
	idx, _, err := Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	f.g = Guard(idx, f.dir, SpaceOptions{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	t.Cleanup(func() {
		if !f.closed {
			f.g.Close()
		}
	})
	f.docs = strings.Split(strings.TrimSpace(syntheticCorpus(3000)), "\n")
	return f
}

// batch returns the next batch of articles, not yet written.
func (f *mergeFixture) batch() *bleve.Batch {
	b := f.g.NewBatch()
	for i := f.next; i < f.next+f.bSize; i++ {
		if err := b.Index(fmt.Sprintf("s%d", i), map[string]any{FieldTitle: fmt.Sprintf("Report %d", i), FieldBody: f.docs[i]}); err != nil {
			f.t.Fatal(err)
		}
	}
	return b
}

// write writes b, the next batch, and counts it when acknowledged.
func (f *mergeFixture) write(b *bleve.Batch) error {
	err := f.g.Batch(b)
	if err == nil {
		f.acked += f.bSize
		f.next += f.bSize
	}
	return err
}

// segments is the number of segments of the index's current snapshot.
func (f *mergeFixture) segments() int {
	r, err := f.g.scorch().Reader()
	if err != nil {
		f.t.Fatal(err)
	}
	defer r.Close()
	return len(r.(*scorch.IndexSnapshot).Segments())
}

// waitIdle waits until Bleve has nothing left to merge.
func (f *mergeFixture) waitIdle() {
	f.t.Helper()
	waitFor(f.t, 60*time.Second, "merges to finish", func() bool {
		n, err := mergeNeed(f.g.scorch(), nil)
		return err == nil && n == 0
	})
}

// fillUntilMerge writes batches until the next one would set off a
// merge of at least min bytes, and returns that batch and the bytes the
// merge needs.
func (f *mergeFixture) fillUntilMerge(min uint64) (*bleve.Batch, uint64) {
	f.t.Helper()
	for f.next+f.bSize <= len(f.docs) {
		f.waitIdle()
		b := f.batch()
		if need := f.g.mergeNeed(b.TotalDocsSize()*f.g.opts.Factor, uint64(b.Size())); need >= min {
			return b, need
		}
		if err := f.write(b); err != nil {
			f.t.Fatalf("batch at %d: %v", f.next, err)
		}
	}
	f.t.Fatalf("%d articles set off no merge of %s", f.next, mib(min))
	return nil, 0
}

func (f *mergeFixture) free() uint64 {
	n, _, err := freeSpace(f.mnt)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// ballast leaves about keep bytes free on the file system (0: fills it).
func (f *mergeFixture) ballast(keep uint64) {
	f.t.Helper()
	file, err := os.OpenFile(f.ballas, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	if keep > 0 {
		// Files of merged-away segments are deleted a little after the
		// merge: top the ballast up until the free space holds still.
		for steady := 0; steady < 5; {
			st, err := file.Stat()
			if err != nil {
				f.t.Fatal(err)
			}
			if free := f.free(); free > keep+64<<10 {
				steady = 0
				if err := unix.Fallocate(int(file.Fd()), 0, st.Size(), int64(free-keep)); err != nil {
					f.t.Fatalf("ballast of %d more bytes: %v", free-keep, err)
				}
			} else {
				steady++
			}
			time.Sleep(200 * time.Millisecond)
		}
		return
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := file.Write(buf); err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				f.t.Fatalf("ballast: %v", err)
			}
			return
		}
	}
}

// reads checks that counting and searching still answer, with every
// acknowledged article.
func (f *mergeFixture) reads() {
	f.t.Helper()
	n, err := f.g.DocCount()
	if err != nil || n != uint64(f.acked) {
		f.t.Errorf("DocCount = %d, %v; want %d", n, err, f.acked)
	}
	res, err := f.g.SearchInContext(context.Background(), bleve.NewSearchRequest(bleve.NewMatchAllQuery()))
	if err != nil || res.Total != uint64(f.acked) {
		f.t.Errorf("search: %v; want %d hits", err, f.acked)
	}
}

// reopenAndCheck closes the index, checks it, and counts its articles.
func (f *mergeFixture) reopenAndCheck() {
	f.t.Helper()
	f.closed = true
	if err := f.g.Close(); err != nil {
		f.t.Fatalf("close: %v", err)
	}
	rep, err := Check(context.Background(), f.dir)
	if err != nil || len(rep.Problems) > 0 {
		f.t.Fatalf("check: %v %v", err, rep.Problems)
	}
	if rep.Articles != uint64(f.acked) {
		f.t.Errorf("after reopening: %d articles, want the %d acknowledged", rep.Articles, f.acked)
	}
	f.t.Logf("check: %d segment files, %d stored documents, %d articles", rep.Segments, rep.Stored, rep.Articles)
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWriteThatSetsOffAMergeIsRefused: with the disk filled by another
// file so that a batch fits but the merge it would set off does not, the
// guard refuses the batch (the merge never starts), reads go on, and once
// the space is freed the same batch is written and merged.
func TestWriteThatSetsOffAMergeIsRefused(t *testing.T) {
	f := newMergeFixture(t, 128<<20)
	// The disk is left with room for the batch and not for the merge;
	// the margin newsdex had before (the batch, MinFree and a quarter of
	// the index) would have let the batch through.
	// (That margin counted files not yet removed after a merge, so the
	// merge is made large enough for the room left to exceed it even
	// when the index's files are there twice.)
	f.bSize = 80
	b, merge := f.fillUntilMerge(f.g.opts.MinFree + 12<<20)
	before := f.segments()
	expected := b.TotalDocsSize() * f.g.opts.Factor
	keep := expected + merge - 1<<20
	if old := expected + f.g.opts.MinFree + uint64(dirSize(f.dir))/4; keep < old {
		t.Fatalf("fixture: %s left free is below the old margin %s", mib(keep), mib(old))
	}
	f.ballast(keep)
	t.Logf("%d articles in %d segments; the next batch (%s) sets off a merge of %s; %s free",
		f.acked, before, mib(expected), mib(merge), mib(f.free()))

	err := f.write(b)
	var nse *NoSpaceError
	if !errors.As(err, &nse) || nse.Merge == 0 {
		t.Fatalf("batch whose merge cannot fit: %v, want a NoSpaceError naming the merge", err)
	}
	if !strings.Contains(err.Error(), "for the merge it sets off") || !strings.Contains(err.Error(), f.dir) {
		t.Errorf("error %q does not name the directory and the merge", err)
	}
	t.Log(err)
	f.reads()
	if !f.g.DiskFull() {
		t.Error("DiskFull() = false after a refused write")
	}

	if err := os.Remove(f.ballas); err != nil {
		t.Fatal(err)
	}
	if err := f.write(b); err != nil {
		t.Fatalf("the same batch after the space was freed: %v", err)
	}
	f.waitIdle()
	if after := f.segments(); after >= before+1 {
		t.Errorf("%d segments after the merge, %d before the batch: nothing was merged", after, before)
	}
	f.reads()
	f.reopenAndCheck()
}

// TestMergeRunsOutOfSpace: another process fills the disk just as a
// merge starts. The merge fails with ENOSPC inside Bleve; newsdex does
// not crash, the merger does not spin (it waits for space, checking
// twice a second), writes are refused while it waits, reads go on, and
// once space is freed the merge runs, writes resume, and every
// acknowledged article is there after reopening, in an index that passes
// check.
func TestMergeRunsOutOfSpace(t *testing.T) {
	f := newMergeFixture(t, 128<<20)
	b, merge := f.fillUntilMerge(4 << 20)
	before := f.segments()
	filled := make(chan struct{})
	fill := func() {
		select {
		case <-filled:
		default:
			f.ballast(0)
			close(filled)
		}
	}
	f.g.onMergeStart.Store(&fill)
	t.Logf("%d articles in %d segments; the next batch sets off a merge of %s", f.acked, before, mib(merge))
	if err := f.write(b); err != nil {
		t.Fatalf("batch that sets off the merge: %v", err)
	}
	<-filled
	waitFor(t, 30*time.Second, "the merge to wait for space", f.g.MergeWaiting)
	_, noSpace := f.g.BackgroundErrors()
	if noSpace == 0 {
		t.Error("Bleve reported no background ENOSPC: the merge did not run out of space")
	}
	time.Sleep(2 * time.Second) // the merger would retry about 4 times in 2 s
	all, noSpace := f.g.BackgroundErrors()
	t.Logf("disk full: %d background errors (%d ENOSPC), %d merge checks held back, %s free", all, noSpace, f.g.MergeDeferrals(), mib(f.free()))
	if noSpace > 10 {
		t.Errorf("%d ENOSPC errors from Bleve in about 2 s: the merge is retried without a pause", noSpace)
	}
	err := f.write(f.batch())
	var nse *NoSpaceError
	if !errors.As(err, &nse) || !nse.Waiting {
		t.Fatalf("write while the merge waits: %v, want a NoSpaceError saying a merge waits", err)
	}
	t.Log(err)
	if err := f.g.SetInternal([]byte("k"), []byte("v")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("internal value while the merge waits: %v, want ErrNoSpace", err)
	}
	f.reads()

	if err := os.Remove(f.ballas); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the merge to run once space was freed", func() bool { return !f.g.MergeWaiting() })
	f.waitIdle()
	if after := f.segments(); after >= before+1 {
		t.Errorf("%d segments after the merge, %d before the batch: nothing was merged", after, before)
	}
	if err := f.write(f.batch()); err != nil {
		t.Fatalf("write after the space was freed: %v", err)
	}
	f.reads()
	f.reopenAndCheck()
}

// TestBackgroundPanicStopsWrites: after Bleve reports that its persister
// stopped after a panic, writes are refused at once instead of waiting
// for it forever; reads go on.
func TestBackgroundPanicStopsWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	idx, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := Guard(idx, dir, SpaceOptions{})
	defer g.Close()
	if err := g.Index("a1", map[string]any{FieldTitle: "wheat"}); err != nil {
		t.Fatal(err)
	}
	onBleveAsyncError(scorch.NewScorchError("persister", "panic: assignment to entry in nil map, path: "+dir, scorch.ErrAsyncPanic), storePath(dir))
	err = g.Index("a2", map[string]any{FieldTitle: "rice"})
	if !errors.Is(err, ErrWritesStopped) || !strings.Contains(err.Error(), "persister") {
		t.Fatalf("write after the persister stopped: %v, want ErrWritesStopped naming it", err)
	}
	if n, err := g.DocCount(); err != nil || n != 1 {
		t.Errorf("DocCount = %d, %v; want 1", n, err)
	}
}
