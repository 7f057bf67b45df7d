package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalRelevanceCommand(t *testing.T) {
	runFile := filepath.Join(t.TempDir(), "tiny.run")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"eval", "relevance", "--run", runFile, "../../search/releval/testdata/tiny"}, &out, &errOut)
	if err != nil {
		t.Fatalf("eval relevance: %v\n%s", err, errOut.String())
	}
	// Every judged query of the tiny collection finds its answers first.
	if want := "newsdex tiny: queries=3 MAP=1.0000 P@10=0.1333 nDCG@10=1.0000\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	b, err := os.ReadFile(runFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "1 Q0 d1 1 ") || !strings.HasSuffix(lines[0], " newsdex") {
		t.Errorf("run file starts %q, want query 1's best document first", lines[0])
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) != 6 || f[1] != "Q0" {
			t.Fatalf("bad run line %q", l)
		}
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no dir", []string{"eval", "relevance"}, "exactly one DIR"},
		{"missing files", []string{"eval", "relevance", t.TempDir()}, "docs.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
