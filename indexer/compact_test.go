package indexer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"
)

// compactFixture is a merge fixture with several segments on disk. Bleve's
// merge plan folds an index of fewer articles than its floor segment
// (2,000) into one segment, and one of N floors into about N, so the
// fixture writes batches of 1,000, each persisted before the next (the
// persister would otherwise fold waiting batches together).
func compactFixture(t *testing.T, size int64, batches int) *mergeFixture {
	t.Helper()
	f := newMergeFixture(t, size)
	f.bSize = 1000
	f.docs = strings.Split(strings.TrimSpace(syntheticCorpus(batches*f.bSize+f.bSize)), "\n")
	for range batches {
		if err := f.write(f.batch()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the batch to be persisted", func() bool {
			n, _, err := persistedSegments(f.g.scorch())
			return err == nil && n == f.segments()
		})
	}
	f.waitIdle()
	if n := f.segments(); n < 2 {
		t.Fatalf("%d segments before compacting; the test needs several", n)
	}
	return f
}

// hitsOf is what a few searches answer: every hit's id, for "report" (in
// every article), five words of the first article, and a word in none.
func hitsOf(t *testing.T, f *mergeFixture) map[string][]string {
	t.Helper()
	idx := f.g
	words := regexp.MustCompile(`\b[a-z]{4,9}\b`).FindAllString(f.docs[0], 8)[3:]
	out := map[string][]string{}
	for _, q := range append(words, "report", "zzzz") {
		mq := bleve.NewMatchQuery(q)
		mq.SetField(FieldBody)
		req := bleve.NewSearchRequestOptions(mq, 10_000, 0, false)
		res, err := idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		slices.Sort(ids)
		out[q] = ids
	}
	if len(out["report"]) != f.acked || len(out[words[0]]) == 0 || len(out["zzzz"]) != 0 {
		t.Fatalf("searches found %d, %d and %d articles: the test's queries are not what it needs", len(out["report"]), len(out[words[0]]), len(out["zzzz"]))
	}
	return out
}

func zapFiles(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(storePath(dir), "*.zap"))
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

// TestCompact: the segments become one, its files alone stay on disk,
// every search finds the same articles, and the index takes writes after.
func TestCompact(t *testing.T) {
	f := compactFixture(t, 256<<20, 6)
	before := hitsOf(t, f)
	rep, err := f.g.Compact(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.SegmentsBefore < 2 || rep.SegmentsAfter != 1 || rep.Rounds < 1 {
		t.Errorf("report %+v: want several segments before, one after", rep)
	}
	if rep.BytesAfter == 0 || rep.BytesAfter >= rep.BytesBefore {
		t.Errorf("report %+v: the one segment should be smaller than the several", rep)
	}
	if n := f.segments(); n != 1 {
		t.Errorf("%d segments after compacting, want 1", n)
	}
	if n := zapFiles(t, f.dir); n != 1 {
		t.Errorf("%d segment files on disk after compacting, want 1", n)
	}
	if diff := cmp.Diff(before, hitsOf(t, f)); diff != "" {
		t.Errorf("hits changed (-before +after):\n%s", diff)
	}
	f.reads()
	again, err := f.g.Compact(context.Background())
	if err != nil || again.Rounds != 0 || again.SegmentsAfter != 1 {
		t.Errorf("compacting one segment: %+v, %v; want nothing done", again, err)
	}
	if err := f.write(f.batch()); err != nil {
		t.Fatalf("a write after compacting: %v", err)
	}
	f.reads()
	f.reopenAndCheck()
}

// TestCompactWithoutSpace: with less free space than the segments take,
// compacting is refused before any merge starts (Bleve would retry it
// without end) and the index is as it was; once there is room it runs.
func TestCompactWithoutSpace(t *testing.T) {
	f := compactFixture(t, 192<<20, 6)
	segs := f.segments()
	before := hitsOf(t, f)
	_, bytes, err := persistedSegments(f.g.scorch())
	if err != nil {
		t.Fatal(err)
	}
	f.ballast(bytes / 2)
	_, err = f.g.Compact(context.Background())
	var nse *NoSpaceError
	if !errors.Is(err, ErrNoSpace) || !errors.As(err, &nse) || nse.Merge != bytes {
		t.Fatalf("Compact with %s free for %s of segments: %v; want a NoSpaceError for the merge", mib(f.free()), mib(bytes), err)
	}
	t.Log(err)
	if n := f.segments(); n != segs {
		t.Errorf("%d segments after the refusal, want the %d of before", n, segs)
	}
	if diff := cmp.Diff(before, hitsOf(t, f)); diff != "" {
		t.Errorf("hits changed (-before +after):\n%s", diff)
	}
	f.reads()
	if err := os.Remove(f.ballas); err != nil {
		t.Fatal(err)
	}
	if rep, err := f.g.Compact(context.Background()); err != nil || rep.SegmentsAfter != 1 {
		t.Fatalf("Compact once there is room: %+v, %v", rep, err)
	}
	f.reopenAndCheck()
}

// TestCompactCancelled: a cancelled context ends the wait with its error.
func TestCompactCancelled(t *testing.T) {
	f := compactFixture(t, 256<<20, 6)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.g.Compact(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Compact(cancelled) = %v, want context.Canceled", err)
	}
	f.reads()
	f.reopenAndCheck()
}
