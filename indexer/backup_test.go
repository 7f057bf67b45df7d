package indexer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsdex/indexer/tmpfs"
)

// TestBackupDuringWrites takes a backup while a writer keeps adding
// articles one batch at a time: the restored index passes Check, holds
// every article acknowledged before the backup began and the internal
// values (entity corrections), and the live index is untouched.
func TestBackupDuringWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	opened, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx := Guard(opened, dir, SpaceOptions{})
	defer idx.Close()
	key, val := []byte("newsdex.entity.corrections"), []byte("blocked:\n  persons: [Nobody]\n")
	if err := idx.SetInternal(key, val); err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64 // articles 0..acked-1 are written
	write := func(n int64) {
		b := idx.NewBatch()
		for i := range int64(20) {
			id := n*20 + i
			if err := b.Index(fmt.Sprintf("a%06d", id), map[string]any{"title": fmt.Sprintf("article %d grain wheat", id)}); err != nil {
				t.Error(err)
			}
		}
		if err := idx.Batch(b); err != nil {
			t.Error(err)
		}
		acked.Store((n + 1) * 20)
	}
	for n := range int64(30) {
		write(n)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := int64(30); ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			write(n)
		}
	})
	time.Sleep(20 * time.Millisecond)
	before := acked.Load()
	var buf bytes.Buffer
	sum, err := idx.Backup(context.Background(), &buf)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup: %d files, %d bytes, %d articles acknowledged before it, %d at the end", sum.Files, sum.Bytes, before, acked.Load())

	restored := filepath.Join(t.TempDir(), "restored")
	rs, err := Restore(&buf, restored, RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rs.Manifest || rs.Files != sum.Files {
		t.Errorf("restore: %+v, backup wrote %d files", rs, sum.Files)
	}
	rep, err := Check(context.Background(), restored)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("check of the restored index: %v %v", err, rep.Problems)
	}
	if rep.Articles < uint64(before) {
		t.Errorf("restored %d articles, %d were acknowledged before the backup", rep.Articles, before)
	}
	r, err := OpenReadOnly(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for id := range before {
		if d, err := r.Document(fmt.Sprintf("a%06d", id)); err != nil || d == nil {
			t.Fatalf("article a%06d, acknowledged before the backup, is not in it (%v)", id, err)
		}
	}
	if got, err := r.GetInternal(key); err != nil || !bytes.Equal(got, val) {
		t.Errorf("corrections in the backup: %q, %v; want %q", got, err, val)
	}
}

// tarOf builds a tar from entries.
func tarOf(t *testing.T, entries ...tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range entries {
		body := []byte(strings.Repeat("x", int(h.Size)))
		if h.Name == ManifestFile {
			body = []byte(`{"format": 1}`)
			h.Size = int64(len(body))
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRestoreRefusesHostileTars(t *testing.T) {
	meta := tar.Header{Name: "index_meta.json", Size: 2}
	root := tar.Header{Name: "store/root.bolt", Size: 4}
	tests := []struct {
		name string
		tar  []byte
		want string
	}{
		{"path traversal", tarOf(t, meta, tar.Header{Name: "../evil", Size: 1}), `"../evil" leaves the target directory`},
		{"traversal inside", tarOf(t, meta, tar.Header{Name: "store/../../evil", Size: 1}), `leaves the target directory`},
		{"absolute path", tarOf(t, tar.Header{Name: "/tmp/evil", Size: 1}), `"/tmp/evil" is an absolute path`},
		{"symbolic link", tarOf(t, tar.Header{Name: "store", Typeflag: tar.TypeSymlink, Linkname: "/etc"}), `"store" is a symbolic link to "/etc"`},
		{"hard link", tarOf(t, meta, tar.Header{Name: "x", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}), `"x" is a hard link`},
		{"device", tarOf(t, tar.Header{Name: "dev", Typeflag: tar.TypeChar}), `"dev" is of type`},
		{"twice", tarOf(t, meta, meta), `"index_meta.json" comes twice`},
		{"not a tar", []byte(strings.Repeat("not a tar at all ", 100)), "not a tar file"},
		{"empty", tarOf(t), "the tar is empty"},
		{"no root.bolt (cut short)", tarOf(t, meta), "no store/root.bolt in the tar"},
		{"after the manifest", tarOf(t, meta, root, tar.Header{Name: ManifestFile, Size: 0}, tar.Header{Name: "late", Size: 1}), `"late" comes after the manifest`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "restored")
			_, err := Restore(bytes.NewReader(tt.tar), dir, RestoreOptions{})
			if !errors.Is(err, ErrBadBackup) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrBadBackup with %q", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s left behind after a refused restore", dir)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("restore wrote outside its directory: %v", entries)
			}
		})
	}
	t.Run("non-empty directory", func(t *testing.T) {
		dir := t.TempDir()
		keep := filepath.Join(dir, "keep")
		if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Restore(bytes.NewReader(tarOf(t, meta, root)), dir, RestoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "the directory is not empty") {
			t.Fatalf("got %v", err)
		}
		if b, _ := os.ReadFile(keep); string(b) != "mine" {
			t.Error("restore touched a file of the non-empty directory")
		}
	})
	t.Run("empty directory is cleaned after a refusal", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Restore(bytes.NewReader(tarOf(t, meta, tar.Header{Name: "../x", Size: 1})), dir, RestoreOptions{})
		if !errors.Is(err, ErrBadBackup) {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("left behind: %v", entries)
		}
	})
}

// TestRestoreRefusesTooLargeTars: a tar that unpacks to more than the cap
// or the target's free space is refused (ErrRestoreTooLarge) naming the
// entry that crosses the line: from a file, before anything is written
// (the target is not even created); from a stream, before that entry is
// written, and what was written is removed.
func TestRestoreRefusesTooLargeTars(t *testing.T) {
	meta := tar.Header{Name: "index_meta.json", Size: 2}
	root := tar.Header{Name: "store/root.bolt", Size: 4}
	big := tar.Header{Name: "store/000000000007.zap", Size: 5000}
	data := tarOf(t, meta, root, big)
	plenty := func(string) (uint64, bool, error) { return 1 << 30, true, nil }
	little := func(string) (uint64, bool, error) { return 3000, true, nil }
	tests := []struct {
		name   string
		stream bool // no Seek: the sizes cannot be read ahead
		opts   RestoreOptions
		want   string
	}{
		{"over the cap, from a file", false, RestoreOptions{MaxBytes: 4000, free: plenty}, `with entry "store/000000000007.zap", over the limit of`},
		{"over the cap, streamed", true, RestoreOptions{MaxBytes: 4000, free: plenty}, `with entry "store/000000000007.zap", over the limit of`},
		{"over the free space, from a file", false, RestoreOptions{free: little}, `with entry "store/000000000007.zap", and the file system of`},
		{"over the free space, streamed", true, RestoreOptions{free: little}, `with entry "store/000000000007.zap", and the file system of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "restored")
			var r io.Reader = bytes.NewReader(data)
			if tt.stream {
				r = io.MultiReader(r)
			}
			_, err := Restore(r, dir, tt.opts)
			if !errors.Is(err, ErrRestoreTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrRestoreTooLarge with %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("left behind after a refused restore: %v", entries)
			}
		})
	}
	t.Run("within the cap and the free space", func(t *testing.T) {
		sum, err := Restore(bytes.NewReader(data), filepath.Join(t.TempDir(), "r"), RestoreOptions{MaxBytes: 5006, free: plenty})
		if err != nil || sum.Bytes != 5006 {
			t.Fatalf("Restore: %+v, %v", sum, err)
		}
	})
}

// TestRestoreOnSmallFileSystem restores a 3 MiB tar into a 2 MiB tmpfs:
// from a file it is refused before anything is written; piped, before
// the large entry is written; the file system is left empty both times.
func TestRestoreOnSmallFileSystem(t *testing.T) {
	mnt := tmpfs.Mount(t, 2<<20)
	data := tarOf(t, tar.Header{Name: "index_meta.json", Size: 2}, tar.Header{Name: "store/root.bolt", Size: 4},
		tar.Header{Name: "store/000000000009.zap", Size: 3 << 20})
	file := filepath.Join(t.TempDir(), "backup.tar")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, piped := range []bool{false, true} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if piped {
			pr, pw := io.Pipe()
			go func() { _, err := io.Copy(pw, f); pw.CloseWithError(err) }()
			r = pr
		}
		_, err = Restore(r, filepath.Join(mnt, "restored"), RestoreOptions{})
		f.Close()
		if !errors.Is(err, ErrRestoreTooLarge) || !strings.Contains(err.Error(), `"store/000000000009.zap"`) {
			t.Errorf("piped %v: %v, want ErrRestoreTooLarge naming the entry", piped, err)
		}
		t.Logf("piped %v: %v", piped, err)
		if entries, _ := os.ReadDir(mnt); len(entries) != 0 {
			t.Errorf("piped %v: left on the file system: %v", piped, entries)
		}
	}
}

// TestSegmentWriter: a segment Bleve copies from its file (io.Copy from
// an *os.File) streams into the tar with the file's size; one written out
// of memory (Write) is spooled, whatever a file of that name on disk
// holds, as when the persister is writing it at that moment.
func TestSegmentWriter(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.zap")
	content := bytes.Repeat([]byte("segment bytes "), 5000)
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	d := &tarDirectory{ctx: context.Background(), tmp: t.TempDir(), tw: tar.NewWriter(&buf), now: time.Now()}

	w, err := d.GetWriter("store/a.zap")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, f); err != nil { // as Bleve's copyToDirectory does
		t.Fatal(err)
	}
	f.Close()
	if sw := w.(*segmentWriter); !sw.done || sw.spool != nil {
		t.Errorf("a persisted segment was not streamed: done %v, spooled %v", sw.done, sw.spool != nil)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// The same name half-written on disk, and the segment written from
	// memory: the tar holds what was written.
	if err := os.WriteFile(filepath.Join(dir, "b.zap"), content[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	w, err = d.GetWriter("store/b.zap")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(content); i += 4096 {
		if _, err := w.Write(content[i:min(i+4096, len(content))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.tw.Close(); err != nil {
		t.Fatal(err)
	}
	if d.err != nil || d.sum.Files != 2 {
		t.Fatalf("error %v, %d files", d.err, d.sum.Files)
	}
	tr := tar.NewReader(&buf)
	for _, name := range []string{"store/a.zap", "store/b.zap"} {
		h, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != name || !bytes.Equal(got, content) {
			t.Errorf("entry %s: %d bytes, want %s with %d", h.Name, len(got), name, len(content))
		}
	}
}
