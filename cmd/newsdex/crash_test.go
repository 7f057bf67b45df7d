package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newsdex/indexer"
)

// TestMain lets the test binary act as the newsdex binary in a child
// process, so the crash test can kill -9 a real ingest.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSDEX_TEST_CHILD") == "1" {
		err := run(context.Background(), strings.Split(os.Getenv("NEWSDEX_TEST_ARGS"), "\x1f"), io.Discard, os.Stderr)
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
