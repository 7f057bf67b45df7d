package indexer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
	rs, err := Restore(&buf, restored)
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
			_, err := Restore(bytes.NewReader(tt.tar), dir)
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
		_, err := Restore(bytes.NewReader(tarOf(t, meta, root)), dir)
		if err == nil || !strings.Contains(err.Error(), "the directory is not empty") {
			t.Fatalf("got %v", err)
		}
		if b, _ := os.ReadFile(keep); string(b) != "mine" {
			t.Error("restore touched a file of the non-empty directory")
		}
	})
	t.Run("empty directory is cleaned after a refusal", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Restore(bytes.NewReader(tarOf(t, meta, tar.Header{Name: "../x", Size: 1})), dir)
		if !errors.Is(err, ErrBadBackup) {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("left behind: %v", entries)
		}
	})
}
