package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"newsdex/indexer"
)

// TestCompactCommand runs newsdex compact on an index of several
// segments: it reports one segment, check passes and a search finds what
// it found before; the command's mistakes get clear errors.
func TestCompactCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("index:\n  batch_docs: 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Bleve's merge plan keeps about one segment per 2,000 articles.
	if _, stderr, err := runCmd(t, "index", "--config", config, "--index", dir, "--no-entities", writeCorpus(t, 6000)); err != nil {
		t.Fatalf("index: %v\n%s", err, stderr)
	}
	search := func() string {
		t.Helper()
		out, stderr, err := runCmd(t, "search", "--index", dir, "--json", "--size", "20", "--facets", "source", "--histogram", "month", "barley harvest")
		if err != nil {
			t.Fatalf("search: %v\n%s", err, stderr)
		}
		return regexp.MustCompile(`"took_ms": *[0-9.]+`).ReplaceAllString(out, "")
	}
	before := search()
	if out, _, err := runCmd(t, "stats", "--index", dir); err != nil || strings.Contains(out, "segments: 1\n") || !strings.Contains(out, "segments: ") {
		t.Fatalf("stats before compact: %v %q; want several segments", err, out)
	}
	out, stderr, err := runCmd(t, "compact", "--config", config, "--index", dir)
	if err != nil {
		t.Fatalf("compact: %v\n%s", err, stderr)
	}
	m := regexp.MustCompile(`^compacted .*: (\d+) segments \(.* MiB\) → 1 segment \(.* MiB\) in .* s\n$`).FindStringSubmatch(out)
	if m == nil || m[1] == "1" {
		t.Fatalf("compact printed %q; want several segments folded into one", out)
	}
	if out, stderr, err := runCmd(t, "check", "--index", dir); err != nil || !strings.HasPrefix(out, "ok: 1 segment files") {
		t.Errorf("check after compact: %v %q %s", err, out, stderr)
	}
	if out, _, err := runCmd(t, "stats", "--index", dir); err != nil || !strings.Contains(out, "segments: 1\n") {
		t.Errorf("stats after compact: %v %q; want one segment", err, out)
	}
	if after := search(); after != before {
		t.Errorf("search after compact differs:\nbefore %s\nafter  %s", before, after)
	}
	if out, _, err := runCmd(t, "compact", "--index", dir); err != nil || !strings.Contains(out, "already one segment") {
		t.Errorf("compacting again: %q, %v; want it to say there is one segment", out, err)
	}

	empty := filepath.Join(t.TempDir(), "empty")
	idx, _, err := indexer.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
	if out, _, err := runCmd(t, "compact", "--index", empty); err != nil || !strings.Contains(out, "is empty: nothing to compact") {
		t.Errorf("compacting an empty index: %q, %v", out, err)
	}

	for _, c := range []struct {
		name   string
		args   []string
		config string
		want   string
		code   int
	}{
		{"no index", []string{"compact", "--index", filepath.Join(t.TempDir(), "none")}, "", "none", 1},
		{"an argument", []string{"compact", "--index", dir, "extra"}, "", `compact takes no arguments, got "extra"`, 2},
		{"opensearch", []string{"compact"}, "index:\n  backend: opensearch\n  opensearch:\n    name: news\n", "POST /news/_forcemerge", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.config != "" {
				path := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte(c.config), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", path)
			}
			_, _, err := runCmd(t, args...)
			if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != c.code {
				t.Errorf("%v: %v (exit %d); want an error with %q, exit %d", args, err, exitCode(err), c.want, c.code)
			}
		})
	}
}
