package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"newsdex/indexer"
)

// flipByte inverts one bit of the byte at off (from the end when
// negative) and returns a function that flips it back.
func flipByte(t *testing.T, path string, off int64) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if off < 0 {
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		off += st.Size()
	}
	b := make([]byte, 1)
	flip := func() {
		if _, err := f.ReadAt(b, off); err != nil {
			t.Fatal(err)
		}
		b[0] ^= 0x10
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	flip()
	return func() {
		var err error
		if f, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		flip()
	}
}

// TestCheckFindsFlippedBytes flips one byte at a time, at the start, the
// middle and in the footer of every segment file of an index: check must
// fail naming that file, and serve must refuse the index with the same
// message; with the byte restored both are happy again.
func TestCheckFindsFlippedBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("index:\n  batch_docs: 150\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCmd(t, "index", "--config", config, "--index", dir, "--no-entities", writeCorpus(t, 600)); err != nil {
		t.Fatalf("index: %v\n%s", err, stderr)
	}
	out, _, err := runCmd(t, "check", "--index", dir)
	if err != nil || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, " 600 articles") {
		t.Fatalf("check of a sound index: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
	segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	// A segment merged away just before index closed can still be on
	// disk, named by no snapshot: check rightly ignores it, and a flipped
	// byte there is no damage. Bleve deletes such files when it next
	// opens the index for writing; do that, so every file flipped below
	// is live.
	var named int
	fmt.Sscanf(out, "ok: %d segment files", &named)
	if len(segs) != named {
		t.Logf("%d segment files on disk, %d named by the index: opening it once to drop the rest", len(segs), named)
		idx, err := indexer.OpenExisting(dir)
		if err != nil {
			t.Fatal(err)
		}
		idx.Close()
		// The merger may have run while the index was open, so count
		// the named files again.
		if out, _, err = runCmd(t, "check", "--index", dir); err != nil {
			t.Fatalf("check after reopening: %v\n%s", err, out)
		}
		fmt.Sscanf(out, "ok: %d segment files", &named)
		if segs, _ = filepath.Glob(filepath.Join(dir, "store", "*.zap")); len(segs) != named {
			t.Fatalf("still %d segment files on disk, %d named", len(segs), named)
		}
	}
	for _, seg := range segs {
		st, err := os.Stat(seg)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join("store", filepath.Base(seg))
		for _, off := range []int64{0, st.Size() / 2, -6, -1} {
			restore := flipByte(t, seg, off)
			_, _, checkErr := runCmd(t, "check", "--index", dir)
			_, _, serveErr := runCmd(t, "serve", "--index", dir, "--addr", "127.0.0.1:0")
			restore()
			if checkErr == nil || !strings.Contains(checkErr.Error(), name+": checksum mismatch") {
				t.Errorf("%s byte %d flipped: check says %v", name, off, checkErr)
				continue
			}
			if exitCode(checkErr) != 1 {
				t.Errorf("check exit code %d, want 1", exitCode(checkErr))
			}
			// serve runs the quick check only (checksums), so its message
			// has the same checksum line; check may add what it found
			// when it read further.
			line := checkErr.Error()[strings.Index(checkErr.Error(), "  "+name):]
			line = line[:strings.Index(line, "\n")+1]
			if serveErr == nil || !strings.Contains(serveErr.Error(), line) {
				t.Errorf("%s byte %d flipped: serve says %v, want %q", name, off, serveErr, line)
			}
		}
	}
	if _, _, err := runCmd(t, "check", "--index", dir); err != nil {
		t.Errorf("check after restoring every byte: %v", err)
	}
	// A file that a kill -9 left half-written is named by no snapshot;
	// Bleve deletes it on the next open for writing. It is not damage.
	stray := filepath.Join(dir, "store", "0000000000ff.zap")
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "check", "--index", dir); err != nil {
		t.Errorf("check with a stray empty segment file: %v", err)
	}
	os.Remove(stray)

	// --force serves a damaged index read-only, as far as it can be
	// read: here a flipped byte in the middle of stored text.
	st, _ := os.Stat(segs[0])
	restore := flipByte(t, segs[0], st.Size()/2)
	base, stop := startServe(t, "--index", dir, "--force")
	var res struct{ Total int }
	if code := getJSON(t, base+"/api/v1/search?q=grain", &res); code != 200 || res.Total == 0 {
		t.Errorf("search with --force: %d, %d hits", code, res.Total)
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
	restore()
	if out, _, err := runCmd(t, "check", "--index", dir); err != nil {
		t.Errorf("check after serve --force and restoring the byte: %v\n%s", err, out)
	}
}
