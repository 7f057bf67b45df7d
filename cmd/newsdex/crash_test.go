package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// TestMain lets the test binary act as the newsdex binary in a child
// process, so the crash test can kill -9 a real ingest.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSDEX_TEST_CHILD") == "1" {
		err := run(context.Background(), strings.Split(os.Getenv("NEWSDEX_TEST_ARGS"), "\x1f"), os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func childIndex(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NEWSDEX_TEST_CHILD=1", "NEWSDEX_TEST_ARGS="+strings.Join(append([]string{"index"}, args...), "\x1f"))
	cmd.Stderr = os.Stderr
	return cmd
}

// writeCorpus writes n articles as JSON Lines, half with ids and half
// relying on the content hash, so both kinds of stable id are exercised.
func writeCorpus(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.jsonl")
	var b strings.Builder
	for i := range n {
		id := ""
		if i%2 == 0 {
			id = fmt.Sprintf(`"id":"c%d",`, i)
		}
		fmt.Fprintf(&b, `{%s"title":"Report %d on grain","body":"%s","source":"Wire %d","date":"2019-%02d-%02d"}`+"\n",
			id, i, strings.Repeat(fmt.Sprintf("wheat barley harvest %d ", i), 20), i%7, 1+i%12, 1+i%28)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKilledIngestLosesNothingOnRerun kills a real `newsdex index` with
// SIGKILL at several moments; each time the index must open, and running
// the same ingest again must end with exactly the input's articles.
func TestKilledIngestLosesNothingOnRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child ingests; skipped with -short")
	}
	const n = 4000
	corpus := writeCorpus(t, n)
	// Small batches give the kill many commit points to land between.
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("index:\n  batch_docs: 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{700 * time.Millisecond, 2 * time.Second, 4 * time.Second} {
		t.Run(after.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			cmd := childIndex(t, "--config", config, "--index", dir, "--no-entities", corpus)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(after)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()

			idx, err := indexer.OpenReadOnly(dir)
			if err != nil {
				t.Fatalf("index does not open after kill -9 at %s: %v", after, err)
			}
			partial, _ := idx.DocCount()
			idx.Close()
			t.Logf("killed at %s with %d articles written", after, partial)

			if err := childIndex(t, "--config", config, "--index", dir, "--no-entities", corpus).Run(); err != nil {
				t.Fatalf("re-run after kill: %v", err)
			}
			idx, err = indexer.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if got, _ := idx.DocCount(); got != n {
				t.Errorf("after re-run: %d articles, want exactly %d", got, n)
			}
		})
	}
}

// startChildServe runs `newsdex serve` in a child process and returns its
// base URL once /readyz is 200.
func startChildServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NEWSDEX_TEST_CHILD=1",
		"NEWSDEX_TEST_ARGS="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`on (http://[0-9.:]+)/`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	var base string
	select {
	case base = <-addr:
	case <-time.After(30 * time.Second):
	}
	if base == "" {
		t.Fatalf("serve did not start\nstderr: %s", stderr.String())
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, base
			}
		}
	}
	t.Fatalf("serve not ready\nstderr: %s", stderr.String())
	return nil, ""
}

// killAfter sends one admin request to a child serve and kills it with
// SIGKILL the moment the answer is in, which must be 2xx.
func killAfter(t *testing.T, cmd *exec.Cmd, method, url, body string) {
	t.Helper()
	code, resp := adminDo(t, method, url, body)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, code, resp)
	}
}

// TestAcknowledgedWritesSurviveKill9: 20 rounds of POST /api/v1/articles
// (50 articles), each followed at once by kill -9 of the server, then
// DELETEs and entity blocks killed the same way. Every acknowledged
// article, deletion and block must be in the index afterwards.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills servers; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "index")
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("server:\n  admin_keys: ["+testAdminKey+"]\nlog:\n  level: warn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const rounds, perRound = 20, 50
	start := time.Now()
	for r := range rounds {
		var b strings.Builder
		for i := range perRound {
			fmt.Fprintf(&b, `{"id":"k%d-%d","title":"Crash round %d item %d","body":"acknowledged wheat %d","source":"Wire","date":"2019-01-02"}`+"\n", r, i, r, i, i)
		}
		cmd, base := startChildServe(t, "--config", config, "--index", dir)
		killAfter(t, cmd, http.MethodPost, base+"/api/v1/articles", b.String())
	}
	deleted := []string{"k0-0", "k7-3", "k19-49"}
	for _, id := range deleted {
		cmd, base := startChildServe(t, "--config", config, "--index", dir)
		killAfter(t, cmd, http.MethodDelete, base+"/api/v1/articles/"+id, "")
	}
	cfg, err := loadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Index.Dir = dir
	var blocked []string
	for range 2 {
		cmd, base := startChildServe(t, "--config", config, "--index", dir)
		var ents struct {
			Entities []struct{ Name string } `json:"entities"`
		}
		if code := getJSON(t, base+"/api/v1/entities?type=person", &ents); code != 200 || len(ents.Entities) == 0 {
			t.Fatalf("entities: %d, %d", code, len(ents.Entities))
		}
		name := ents.Entities[0].Name
		blocked = append(blocked, name)
		killAfter(t, cmd, http.MethodPost, base+"/api/v1/entities/block", `{"type":"person","name":`+fmt.Sprintf("%q", name)+`}`)
	}
	t.Logf("%d rounds of kill -9 in %s", rounds+len(deleted)+len(blocked), time.Since(start).Round(time.Millisecond))

	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	gone := map[string]bool{}
	for _, id := range deleted {
		gone[id] = true
	}
	lost := 0
	for r := range rounds {
		for i := range perRound {
			id := fmt.Sprintf("k%d-%d", r, i)
			doc, err := idx.Document(id)
			if err != nil {
				t.Fatal(err)
			}
			if (doc != nil) == gone[id] {
				lost++
				t.Errorf("%s: present %v, want %v", id, doc != nil, !gone[id])
			}
		}
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := search.NewService(idx, searchLimits(cfg), slog.New(slog.DiscardHandler), aliases)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range blocked {
		ents, err := svc.Entities(context.Background(), "person", name, 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range ents {
			if e.Name == name {
				found = true
				if !e.Blocked {
					t.Errorf("block of %q was acknowledged and is lost after kill -9", name)
				}
			}
		}
		if !found {
			t.Errorf("entity %q is missing", name)
		}
	}
	t.Logf("%d of %d acknowledged article writes lost", lost, rounds*perRound+len(deleted))
}
