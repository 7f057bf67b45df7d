package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdex/indexer"
)

// newsArticles returns articles r<first> .. as JSON Lines, in words
// that news shares (randomArticles' words are all rare, a corpus on
// which each search measures field lengths from stored text).
func newsArticles(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `{"id":"r%d","title":"Report %d on grain","body":"The report says that the market for wheat and corn in the United States rose by %d tonnes in the week, the ministry said.","source":"Wire %d","date":"2019-%02d-%02d"}`+"\n",
			i, i, i, i%7, 1+i%12, 1+i%28)
	}
	return b.String()
}

// TestLiveBackupDuringWrites streams GET /api/v1/admin/backup from a
// serve that keeps taking writes (and is read slowly, so that writes and
// merges happen while it streams): the tar restores to an index that
// passes check, holds every article acknowledged before the backup began
// and the entity correction made before it, while searches kept
// answering.
func TestLiveBackupDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("serves and writes for a few seconds; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "idx")
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("server:\n  admin_keys: ["+testAdminKey+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, "--config", config, "--index", dir)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	if code, body := adminDo(t, http.MethodPost, base+"/api/v1/articles", newsArticles(0, 1000)); code != 200 {
		t.Fatalf("ingest: %d %s", code, body)
	}
	var ents struct {
		Entities []struct{ Name string } `json:"entities"`
	}
	if code := getJSON(t, base+"/api/v1/entities?type=person", &ents); code != 200 || len(ents.Entities) == 0 {
		t.Fatalf("entities: %d, %d", code, len(ents.Entities))
	}
	blocked := ents.Entities[0].Name
	if code, body := adminDo(t, http.MethodPost, base+"/api/v1/entities/block", `{"type":"person","name":`+strconv.Quote(blocked)+`}`); code != 200 {
		t.Fatalf("block: %d %s", code, body)
	}

	// A writer posts 10 articles at a time until told to stop.
	var mu sync.Mutex
	acked := 1000 // articles r0 .. r(acked-1) are acknowledged
	var writeErr error
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for next := 1000; ; next += 10 {
			select {
			case <-done:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/articles", strings.NewReader(newsArticles(next, 10)))
			req.Header.Set("Authorization", "Bearer "+testAdminKey)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("POST: %s", resp.Status)
				}
			}
			mu.Lock()
			if err != nil {
				writeErr = err
				mu.Unlock()
				return
			}
			acked = next + 10
			mu.Unlock()
		}
	})
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := acked
	mu.Unlock()

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/admin/backup", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-tar" {
		t.Fatalf("backup: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	tarFile := filepath.Join(t.TempDir(), "backup.tar")
	f, err := os.Create(tarFile)
	if err != nil {
		t.Fatal(err)
	}
	searches := 0
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		f.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the backup: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // a slow client: writes go on meanwhile
		var res struct{ Total int }
		if code := getJSON(t, base+"/api/v1/search?q=report", &res); code != 200 || res.Total < before {
			t.Errorf("search while the backup streams: %d, %d hits (want at least %d)", code, res.Total, before)
		}
		searches++
	}
	resp.Body.Close()
	f.Close()
	mu.Lock()
	during := acked - before
	mu.Unlock()
	close(done)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("a write failed during the backup: %v", writeErr)
	}
	t.Logf("backup streamed with %d searches answered and %d articles acknowledged while it streamed", searches, during)
	if during == 0 {
		t.Error("no write was acknowledged while the backup streamed")
	}

	restored := filepath.Join(t.TempDir(), "restored")
	out, _, err := runCmd(t, "restore", tarFile, restored)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
	if !strings.Contains(out, "\nok: ") {
		t.Errorf("restore did not report a passing check: %s", out)
	}
	idx, err := indexer.OpenReadOnly(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	var missing []string
	for i := range before {
		if d, err := idx.Document(fmt.Sprintf("r%d", i)); err != nil || d == nil {
			missing = append(missing, fmt.Sprintf("r%d", i))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d articles acknowledged before the backup are not in it, first %s", len(missing), missing[0])
	}
	corr, err := idx.GetInternal([]byte("newsdex.entity.corrections"))
	if err != nil || !bytes.Contains(corr, []byte(blocked)) {
		t.Errorf("the correction blocking %q is not in the backup: %q %v", blocked, corr, err)
	}
}

// TestBackupTarAndRestoreCommands: newsdex backup DEST.tar on an index
// not in use, restore of it, and restore refusing what it must.
func TestBackupTarAndRestoreCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, _, err := runCmd(t, "index", "--index", dir, "../../data/articles.txt"); err != nil {
		t.Fatal(err)
	}
	tarFile := filepath.Join(t.TempDir(), "b.tar")
	out, _, err := runCmd(t, "backup", "--index", dir, tarFile)
	if err != nil || !strings.HasPrefix(out, "backed up 10 articles") {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, _, err := runCmd(t, "backup", "--index", dir, tarFile); err == nil {
		t.Error("backup over an existing tar must fail")
	}
	restored := filepath.Join(t.TempDir(), "r")
	out, _, err = runCmd(t, "restore", tarFile, restored)
	if err != nil || !strings.Contains(out, "\nok: ") || !strings.Contains(out, " 10 articles, ") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "restore", tarFile, restored); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty directory: %v", err)
	}

	// A tar whose entry climbs out of the target.
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "../../escaped", Size: 1, Mode: 0o644, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	hostile := filepath.Join(t.TempDir(), "hostile.tar")
	if err := os.WriteFile(hostile, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "a", "b")
	_, _, err = runCmd(t, "restore", hostile, target)
	if err == nil || !strings.Contains(err.Error(), "leaves the target directory") || !strings.Contains(err.Error(), "nothing was restored") {
		t.Errorf("hostile tar: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(target)), "escaped")); err == nil {
		t.Error("a file escaped the target")
	}

	// A download cut short: the tar without its last files.
	whole, err := os.ReadFile(tarFile)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.tar")
	if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "restore", cut, filepath.Join(t.TempDir(), "c")); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("a tar cut short: %v", err)
	}
	if _, _, err := runCmd(t, "restore", tarFile); exitCode(err) != 2 {
		t.Errorf("restore with one argument: %v", err)
	}

	// A backup larger than index.restore_max_bytes.
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("index:\n  restore_max_bytes: 4096\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	capped := filepath.Join(t.TempDir(), "capped")
	_, _, err = runCmd(t, "restore", "--config", config, tarFile, capped)
	if err == nil || !strings.Contains(err.Error(), "over the limit of") || !strings.Contains(err.Error(), "index.restore_max_bytes is 4096") ||
		!strings.Contains(err.Error(), "with entry \"store/") || exitCode(err) != 1 {
		t.Errorf("restore over the cap: %v", err)
	}
	if _, err := os.Stat(capped); err == nil {
		t.Error("a restore refused over the cap left its directory")
	}
}
