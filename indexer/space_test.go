package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer/tmpfs"
)

// panicky is an index whose writes panic as zapx does after ENOSPC.
type panicky struct{ bleveIndex }

func (p panicky) Batch(*bleve.Batch) error      { panic("assignment to entry in nil map") }
func (p panicky) SetInternal(_, _ []byte) error { panic("assignment to entry in nil map") }

func TestGuardedWrites(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name      string
		free      uint64 // bytes the file system reports free
		known     bool
		panics    bool
		wantErr   error
		wantDocs  uint64
		wantFull  bool
		wantCause string
	}{
		{name: "plenty of space", free: 1 << 30, known: true, wantDocs: 1},
		{name: "below the margin", free: 4 * mb, known: true, wantErr: ErrNoSpace, wantFull: true},
		{name: "free space unknown", free: 0, known: false, wantDocs: 1},
		{name: "Bleve panics on a full disk", free: 1 * mb, known: true, panics: true, wantErr: ErrNoSpace, wantFull: true, wantCause: "panic in Bleve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem, err := NewMemIndex()
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			var inner bleve.Index = mem
			if tt.panics {
				inner = panicky{mem}
			}
			g := Guard(inner, "/idx", SpaceOptions{})
			g.free = func(string) (uint64, bool, error) { return tt.free, tt.known, nil }
			if tt.panics {
				// The disk fills while Bleve writes: the check before
				// sees space, the recovery after sees none.
				calls := 0
				g.free = func(string) (uint64, bool, error) {
					calls++
					if calls%2 == 1 {
						return 1 << 30, true, nil
					}
					return tt.free, true, nil
				}
			}
			b := g.NewBatch()
			if err := b.Index("a1", map[string]any{FieldTitle: "wheat"}); err != nil {
				t.Fatal(err)
			}
			err = g.Batch(b)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Batch: %v, want %v", err, tt.wantErr)
			}
			if tt.wantCause != "" && !strings.Contains(err.Error(), tt.wantCause) {
				t.Errorf("error %q does not say %q", err, tt.wantCause)
			}
			if n, _ := mem.DocCount(); n != tt.wantDocs {
				t.Errorf("%d documents, want %d", n, tt.wantDocs)
			}
			if g.DiskFull() != tt.wantFull {
				t.Errorf("DiskFull() = %v, want %v", g.DiskFull(), tt.wantFull)
			}
			if err := g.SetInternal([]byte("k"), []byte("v")); !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("SetInternal: %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestGuardedWritesResume: a write refused for space succeeds once the
// space is there, with no reopening.
func TestGuardedWritesResume(t *testing.T) {
	mem, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	g := Guard(mem, "/idx", SpaceOptions{})
	free := uint64(0)
	g.free = func(string) (uint64, bool, error) { return free, true, nil }
	if err := g.Index("a1", map[string]any{FieldTitle: "wheat"}); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("full disk: %v, want ErrNoSpace", err)
	}
	free = 1 << 30
	if err := g.Index("a1", map[string]any{FieldTitle: "wheat"}); err != nil {
		t.Fatalf("after space was freed: %v", err)
	}
	if g.DiskFull() || g.NoSpaceRefusals() != 1 {
		t.Errorf("DiskFull %v, refusals %d; want false, 1", g.DiskFull(), g.NoSpaceRefusals())
	}
}

// TestGuardedWritesBesideWaitingMerge: while a merge waits for space a
// write is refused, unless the file system now has room for the merge
// and the write (it grew before the merger's next look).
func TestGuardedWritesBesideWaitingMerge(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name    string
		free    uint64
		wantErr error
	}{
		{"room for the merge only", 12 * mb, ErrNoSpace},
		{"room for the merge and the write", 200 * mb, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem, err := NewMemIndex()
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			g := Guard(mem, "/idx", SpaceOptions{})
			g.free = func(string) (uint64, bool, error) { return tt.free, true, nil }
			g.mergeWait.Store(10 * mb)
			err = g.Index("a1", map[string]any{FieldTitle: "wheat"})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Index beside a merge waiting for 10 MiB, %d MiB free: %v, want %v", tt.free/mb, err, tt.wantErr)
			}
			var nse *NoSpaceError
			if tt.wantErr != nil && (!errors.As(err, &nse) || !nse.Waiting) {
				t.Errorf("error %v does not say a merge waits", err)
			}
		})
	}
}

// syntheticCorpus returns n JSON Lines articles of random words, a few
// KB each, so an index of them fills a small file system quickly.
func syntheticCorpus(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 20000)
	for i := range vocab {
		w := make([]byte, 4+r.IntN(6))
		for j := range w {
			w[j] = byte('a' + r.IntN(26))
		}
		vocab[i] = string(w)
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"s%d","title":"Report %d %s","body":"`, i, i, vocab[r.IntN(len(vocab))])
		for range 300 {
			b.WriteString(vocab[r.IntN(len(vocab))])
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, `","source":"Wire %d","date":"2019-%02d-%02d"}`+"\n", i%7, 1+i%12, 1+i%28)
	}
	return b.String()
}

// TestGuardedIngestOnFullTmpfs ingests into a 20 MiB tmpfs: the ingest
// stops with ErrNoSpace and no panic, what it reports committed is in the
// index after reopening, and after the file system grows the same ingest
// completes.
func TestGuardedIngestOnFullTmpfs(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a file system; skipped with -short")
	}
	mnt := tmpfs.Mount(t, 20<<20)
	dir := filepath.Join(mnt, "idx")
	const n = 2000
	corpus := syntheticCorpus(n)
	ingest := func() (Summary, error) {
		idx, _, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		g := Guard(idx, dir, SpaceOptions{})
		ing := NewIngester(g, IngestOptions{BatchDocs: 250}, slog.New(slog.DiscardHandler), testAliases(t), nil)
		return ing.Ingest(context.Background(), jsonlSource(corpus))
	}
	count := func() uint64 {
		idx, err := OpenReadOnly(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		c, _ := idx.DocCount()
		return c
	}
	sum, err := ingest()
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("ingest on a 20 MiB file system: %v (%d indexed), want ErrNoSpace", err, sum.Indexed)
	}
	t.Logf("full after %d articles: %v", sum.Indexed, err)
	if got := count(); got != uint64(sum.Indexed) {
		t.Errorf("index holds %d articles, the ingest reported %d committed", got, sum.Indexed)
	}
	tmpfs.Resize(t, mnt, 200<<20)
	if _, err := ingest(); err != nil {
		t.Fatalf("ingest after the file system grew: %v", err)
	}
	if got := count(); got != n {
		t.Errorf("after re-run: %d articles, want %d", got, n)
	}
}
