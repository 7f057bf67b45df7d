package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdex/indexer"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut syncBuffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// startServe runs `newsdex serve` on a free port and waits until /readyz
// says the index is open. It returns the base URL and a stop function that
// sends the shutdown signal and returns run's error.
func startServe(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), &out, &errOut)
	}()
	addrRE := regexp.MustCompile(`on (http://[0-9.:]+)/`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\nstderr: %s", err, errOut.String())
		default:
		}
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			if resp, err := http.Get(m[1] + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return m[1], func() error {
						cancel()
						select {
						case err := <-done:
							return err
						case <-time.After(10 * time.Second):
							return errors.New("serve did not stop within 10 s of the signal")
						}
					}
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	t.Fatalf("serve not ready after 30 s\nstdout: %s\nstderr: %s", out.String(), errOut.String())
	return "", nil
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

// TestServeBuildsBuiltinCorpusAndShutsDown is the README's first command:
// serve with no index builds one from the embedded corpus.
func TestServeBuildsBuiltinCorpusAndShutsDown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	base, stop := startServe(t, "--index", dir)
	var res struct {
		Total uint64 `json:"total"`
		Hits  []struct {
			ID      string `json:"id"`
			Snippet string `json:"snippet"`
		} `json:"hits"`
	}
	if code := getJSON(t, base+"/api/v1/search?q=ambassador", &res); code != 200 || res.Total < 3 {
		t.Fatalf("search: %d, %d hits", code, res.Total)
	}
	var art indexer.Article
	if code := getJSON(t, base+"/api/v1/articles/"+res.Hits[0].ID, &art); code != 200 || art.Body == "" {
		t.Errorf("article: %d %+v", code, art)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// The index survives the restart, and is not rebuilt.
	base, stop = startServe(t, "--index", dir)
	if code := getJSON(t, base+"/api/v1/search?q=", &res); code != 200 || res.Total != 10 {
		t.Errorf("after restart: %d, %d articles, want 10", code, res.Total)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestIndexCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	out, _, err := runCmd(t, "index", "--index", dir, "--no-entities", "../../data/articles.txt")
	if err != nil || !strings.HasPrefix(out, "indexed 10, skipped 0 in ") {
		t.Fatalf("index: %q, %v", out, err)
	}
	// Re-ingest replaces.
	if _, _, err := runCmd(t, "index", "--index", dir, "--no-entities", "../../data/articles.txt"); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "stats", "--index", dir)
	if err != nil || !strings.Contains(out, "articles: 10\n") || !strings.Contains(out, "sources:  4\n") {
		t.Errorf("stats after re-ingest: %q, %v", out, err)
	}

	// Bad records are reported with FILE:LINE, the rest go in, exit 0.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"title\":\"ok one\",\"body\":\"x\"}\n{not json\n{\"title\":\"ok two\",\"body\":\"y\"}\n"), 0o644)
	out, errOut, err := runCmd(t, "index", "--index", dir, "--no-entities", bad)
	if err != nil || !strings.HasPrefix(out, "indexed 2, skipped 1") || !strings.Contains(errOut, bad+":2: ") {
		t.Errorf("bad line: out %q stderr %q err %v", out, errOut, err)
	}

	// Nothing ingestible is an error.
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	os.WriteFile(empty, []byte("{broken\n"), 0o644)
	if _, _, err := runCmd(t, "index", "--index", dir, "--no-entities", empty); err == nil {
		t.Error("ingesting only bad records must fail")
	}
	// A path that does not exist is reported, not a panic.
	if _, errOut, err := runCmd(t, "index", "--index", dir, "--no-entities", "/does/not/exist"); err == nil || !strings.Contains(errOut, "/does/not/exist") {
		t.Errorf("missing path: %q %v", errOut, err)
	}
}

func TestSecondWriterFailsFast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, _, err := indexer.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	start := time.Now()
	_, _, err = runCmd(t, "index", "--index", dir, "--no-entities", "../../data/articles.txt")
	if !errors.Is(err, indexer.ErrIndexLocked) {
		t.Errorf("second writer: err = %v, want ErrIndexLocked", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("second writer took %s to fail", took)
	}
}

func TestSearchCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, _, err := runCmd(t, "index", "--index", dir, "--no-entities", "../../data/articles.txt"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "search", "--index", dir, "--facets", "source", "ambassador")
	if err != nil || !strings.Contains(out, "matches") || !strings.Contains(out, "*ambassador*") || !strings.Contains(out, "source:") {
		t.Errorf("search: %q %v", out, err)
	}
	out, _, err = runCmd(t, "search", "--index", dir, "--json", "")
	var res struct{ Total int }
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Total != 10 {
		t.Errorf("search --json \"\": %q %v", out, err)
	}
	if _, _, err := runCmd(t, "search", "--index", dir, `"unclosed`); err == nil || !strings.Contains(err.Error(), "unclosed quote at 0") {
		t.Errorf("bad query: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"index"}, {"eval"}, {"eval", "nope"}, {"search", "--bogus"}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			_, _, err := runCmd(t, args...)
			if exitCode(err) != 2 {
				t.Errorf("err = %v (exit %d), want a usage error", err, exitCode(err))
			}
		})
	}
}

func TestBackupRestores(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, _, err := runCmd(t, "index", "--index", dir, "--no-entities", "../../data/articles.txt"); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup")
	out, _, err := runCmd(t, "backup", "--index", dir, dest)
	if err != nil || !strings.HasPrefix(out, "backed up 10 articles") {
		t.Fatalf("backup: %q %v", out, err)
	}
	out, _, err = runCmd(t, "stats", "--index", dest)
	if err != nil || !strings.Contains(out, "articles: 10\n") {
		t.Errorf("stats of the backup: %q %v", out, err)
	}
	if _, _, err := runCmd(t, "backup", "--index", dir, dest); err == nil {
		t.Error("backup over an existing directory must fail")
	}
}
