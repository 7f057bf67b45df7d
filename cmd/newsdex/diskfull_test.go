package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"newsdex/indexer"
	"newsdex/indexer/tmpfs"
)

const testAdminKey = "admin-key-0123456789"

// randomArticles returns articles from first to first+n-1 as JSON Lines,
// each about 2 KB of random words, so an index of them fills a small file
// system quickly.
func randomArticles(first, n int) string {
	r := rand.New(rand.NewPCG(uint64(first), 7))
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `{"id":"r%d","title":"Report %d","body":"`, i, i)
		for range 300 {
			w := make([]byte, 4+r.IntN(6))
			for j := range w {
				w[j] = byte('a' + r.IntN(26))
			}
			b.Write(w)
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, `","source":"Wire %d","date":"2019-%02d-%02d"}`+"\n", i%7, 1+i%12, 1+i%28)
	}
	return b.String()
}

func docCount(t *testing.T, dir string) int {
	t.Helper()
	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	n, err := idx.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestIndexOnFullDisk runs `newsdex index` into a 20 MiB tmpfs: it stops
// with an error that says how many articles were committed (no panic),
// the index holds exactly those, and after the file system grows
// (remount) the same command completes.
func TestIndexOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a file system; skipped with -short")
	}
	mnt := tmpfs.Mount(t, 20<<20)
	dir := filepath.Join(mnt, "idx")
	const n = 2000
	corpus := filepath.Join(t.TempDir(), "corpus.jsonl")
	if err := os.WriteFile(corpus, []byte(randomArticles(0, n)), 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("index:\n  batch_docs: 250\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"index", "--config", config, "--index", dir, "--no-entities", corpus}
	_, _, err := runCmd(t, args...)
	if err == nil {
		t.Fatal("index on a full disk succeeded")
	}
	re := regexp.MustCompile(`^no space left on device at ` + regexp.QuoteMeta(dir) + `: (\d+) articles were committed; free space and run the same command again$`)
	m := re.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("error %q does not match %s", err, re)
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	committed, _ := strconv.Atoi(m[1])
	if got := docCount(t, dir); got != committed || committed == 0 {
		t.Errorf("index holds %d articles; the error says %d were committed", got, committed)
	}
	t.Logf("%v", err)

	tmpfs.Resize(t, mnt, 200<<20)
	if _, stderr, err := runCmd(t, args...); err != nil {
		t.Fatalf("after remount: %v\n%s", err, stderr)
	}
	if got := docCount(t, dir); got != n {
		t.Errorf("after remount and re-run: %d articles, want %d", got, n)
	}
}

func adminDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	if body != "" && strings.HasPrefix(body, "{\"type\"") {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeOnFullDisk fills the disk under `serve` with POSTs: writes and
// entity corrections then answer 507, searches and /readyz keep working,
// /metrics shows it, and after the file system grows the same writes
// succeed without a restart.
func TestServeOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a file system; skipped with -short")
	}
	mnt := tmpfs.Mount(t, 20<<20)
	dir := filepath.Join(mnt, "idx")
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
	var ents struct {
		Entities []struct{ Name string } `json:"entities"`
	}
	if code := getJSON(t, base+"/api/v1/entities?type=person", &ents); code != 200 || len(ents.Entities) == 0 {
		t.Fatalf("entities: %d, %d", code, len(ents.Entities))
	}
	block := `{"type":"person","name":` + strconv.Quote(ents.Entities[0].Name) + `}`
	var res struct{ Total int }
	getJSON(t, base+"/api/v1/search?q=report", &res)
	builtin := res.Total // the built-in corpus's matches

	const chunk = 250
	var full, fullBody string
	next := 0
	for range 30 {
		body := randomArticles(next, chunk)
		code, resp := adminDo(t, http.MethodPost, base+"/api/v1/articles", body)
		if code == http.StatusInsufficientStorage {
			full, fullBody = body, resp
			break
		}
		if code != 200 {
			t.Fatalf("POST: %d %s", code, resp)
		}
		next += chunk
	}
	if full == "" {
		t.Fatal("30 POSTs never filled the 20 MiB file system")
	}
	t.Logf("full after %d articles: %s", next, fullBody)
	m := regexp.MustCompile(`no space left on device at ` + regexp.QuoteMeta(dir) + `: (\d+) articles were committed; free space and send the same request again`).FindStringSubmatch(fullBody)
	if !strings.Contains(fullBody, `"code":"insufficient_storage"`) || m == nil {
		t.Fatalf("507 body: %s", fullBody)
	}
	// The guard refuses a batch that would not fit with the merge it sets
	// off, so part of the POST may be in (the message says how much), and
	// a smaller write could still fit: fill what is left, as a disk that
	// stays full would be.
	committed, _ := strconv.Atoi(m[1])
	next += committed
	fillDisk(t, mnt)
	if code, resp := adminDo(t, http.MethodPost, base+"/api/v1/entities/block", block); code != http.StatusInsufficientStorage {
		t.Errorf("entity block on a full disk: %d %s", code, resp)
	}
	if code, resp := adminDo(t, http.MethodDelete, base+"/api/v1/articles/r0", ""); code != http.StatusInsufficientStorage {
		t.Errorf("delete on a full disk: %d %s", code, resp)
	}
	if code := getJSON(t, base+"/api/v1/search?q=report", &res); code != 200 || res.Total != builtin+next {
		t.Errorf("search on a full disk: %d, %d hits, want %d", code, res.Total, builtin+next)
	}
	var ready map[string]any
	if code := getJSON(t, base+"/readyz", &ready); code != 200 {
		t.Errorf("/readyz on a full disk: %d %v", code, ready)
	}
	if metric(t, base, "newsdex_index_disk_full") != "1" || metric(t, base, "newsdex_write_no_space_total") != "3" {
		t.Errorf("/metrics: disk_full %s, no_space_total %s; want 1, 3",
			metric(t, base, "newsdex_index_disk_full"), metric(t, base, "newsdex_write_no_space_total"))
	}

	tmpfs.Resize(t, mnt, 200<<20)
	if code, resp := adminDo(t, http.MethodPost, base+"/api/v1/articles", full); code != 200 {
		t.Fatalf("POST after remount: %d %s", code, resp)
	}
	if code, resp := adminDo(t, http.MethodPost, base+"/api/v1/entities/block", block); code != 200 {
		t.Errorf("entity block after remount: %d %s", code, resp)
	}
	if code := getJSON(t, base+"/api/v1/search?q=report", &res); code != 200 || res.Total != builtin+next-committed+chunk {
		t.Errorf("search after remount: %d, %d hits, want %d", code, res.Total, builtin+next+chunk)
	}
	if got := metric(t, base, "newsdex_index_disk_full"); got != "0" {
		t.Errorf("newsdex_index_disk_full after remount = %s, want 0", got)
	}
}

// metric returns the value of an unlabelled series on /metrics.
func metric(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// fillDisk fills the file system holding dir with a ballast file, as
// another process might, and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*st.Bsize); err == nil {
		return path
	}
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			return path
		}
	}
}

// TestServeMergeOnFullDisk: the disk fills (another file) just after a
// POST whose batch sets off a merge of the index's segments. serve does
// not crash; Bleve's merger waits for space (/metrics
// newsdex_index_merge_waiting_for_space 1); writes answer 507 naming the
// directory; searches and /readyz keep answering with every acknowledged
// article; once the space is freed the merge runs and writes succeed
// without a restart; after serve stops, `newsdex check` passes and the
// index holds every acknowledged article.
func TestServeMergeOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a file system; skipped with -short")
	}
	mnt := tmpfs.Mount(t, 96<<20)
	dir := filepath.Join(mnt, "idx")
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("server:\n  admin_keys: ["+testAdminKey+"]\nindex:\n  entities: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, "--config", config, "--index", dir)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	var res struct{ Total int }
	getJSON(t, base+"/api/v1/search?q=report", &res)
	acked := res.Total // the built-in corpus's matches
	const chunk = 100
	next := 0
	post := func() (int, string) {
		code, body := adminDo(t, http.MethodPost, base+"/api/v1/articles", randomArticles(next, chunk))
		if code == 200 {
			next += chunk
			acked += chunk
		}
		return code, body
	}
	for range 3 {
		if code, body := post(); code != 200 {
			t.Fatalf("POST: %d %s", code, body)
		}
	}
	// Each POST sets off a merge (on a small index Bleve merges all its
	// segments); fill the disk the moment one returns, so that the merge
	// runs out of space or finds none, and it waits.
	var ballast string
	for try := 0; ; try++ {
		if try == 5 {
			t.Fatal("5 POSTs, and no merge ever waited for space")
		}
		if code, body := post(); code != 200 {
			t.Fatalf("POST: %d %s", code, body)
		}
		ballast = fillDisk(t, mnt)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && metric(t, base, "newsdex_index_merge_waiting_for_space") != "1" {
			time.Sleep(50 * time.Millisecond)
		}
		if metric(t, base, "newsdex_index_merge_waiting_for_space") == "1" {
			break
		}
		os.Remove(ballast) // the merge was done before the disk filled: again
	}
	t.Logf("a merge waits for space after %d articles were posted", next)

	code, body := post()
	want := regexp.MustCompile(`no space left on device at ` + regexp.QuoteMeta(dir) + `: 0 articles were committed; free space and send the same request again`)
	if code != http.StatusInsufficientStorage || !want.MatchString(body) {
		t.Errorf("POST while the merge waits: %d %s", code, body)
	}
	if code, body := adminDo(t, http.MethodDelete, base+"/api/v1/articles/r0", ""); code != http.StatusInsufficientStorage {
		t.Errorf("DELETE while the merge waits: %d %s", code, body)
	}
	if code := getJSON(t, base+"/api/v1/search?q=report", &res); code != 200 || res.Total != acked {
		t.Errorf("search while the merge waits: %d, %d hits, want %d", code, res.Total, acked)
	}
	var ready map[string]any
	if code := getJSON(t, base+"/readyz", &ready); code != 200 {
		t.Errorf("/readyz while the merge waits: %d %v", code, ready)
	}
	if got := metric(t, base, "newsdex_index_disk_full"); got != "1" {
		t.Errorf("newsdex_index_disk_full = %s while the merge waits, want 1", got)
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for metric(t, base, "newsdex_index_merge_waiting_for_space") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the merge still waits 30 s after the space was freed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := post(); code != 200 {
		t.Fatalf("POST after the space was freed: %d %s", code, body)
	}
	if code := getJSON(t, base+"/api/v1/search?q=report", &res); code != 200 || res.Total != acked {
		t.Errorf("search after the space was freed: %d, %d hits, want %d", code, res.Total, acked)
	}
	stopped = true
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if out, stderr, err := runCmd(t, "check", "--index", dir); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out, stderr)
	}
	if got, want := docCount(t, dir), next+10; got != want {
		t.Errorf("after serve stopped: %d articles, want %d (posted) + 10 (built-in)", got, want)
	}
}
