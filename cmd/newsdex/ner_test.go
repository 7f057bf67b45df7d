package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"newsdex/data"
	"newsdex/indexer/ner"
)

// conllShared is the CoNLL-2003 training file beside the repository.
const conllShared = "../../../shared/data/conll2003/eng.train"

// syntheticCoNLL writes a small labelled corpus of templated sentences:
// enough for training to learn something, and nothing from the licensed
// data.
func syntheticCoNLL(docs int) string {
	people := []string{"Anna Berg", "Jo Song Gil", "Peter Blackburn", "Maria Costa", "Lee Min Ho", "John Smith"}
	orgs := []string{"Acme Corp", "Unification Ministry", "European Commission", "Daily Star", "Red Cross"}
	places := []string{"Rome", "Seoul", "Brussels", "North Korea", "Lisbon", "Oslo"}
	tagged := func(b *strings.Builder, name, typ string) {
		for _, w := range strings.Fields(name) {
			fmt.Fprintf(b, "%s I-%s\n", w, typ)
		}
	}
	plain := func(b *strings.Builder, words string) {
		for _, w := range strings.Fields(words) {
			fmt.Fprintf(b, "%s O\n", w)
		}
	}
	var b strings.Builder
	for d := range docs {
		b.WriteString("-DOCSTART- O\n\n")
		for s := range 4 {
			i := d*4 + s
			tagged(&b, people[i%len(people)], "PER")
			plain(&b, "told reporters in")
			tagged(&b, places[(i/2)%len(places)], "LOC")
			plain(&b, "that the")
			tagged(&b, orgs[(i/3)%len(orgs)], "ORG")
			plain(&b, "would open an office on Monday .")
			b.WriteString("\n")
		}
	}
	return b.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mainF1 reads the PER+ORG+LOC F1 from a score table.
func mainF1(t *testing.T, out string) float64 {
	t.Helper()
	m := regexp.MustCompile(`PER\+ORG\+LOC\s+\S+\s+\S+\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no PER+ORG+LOC row in:\n%s", out)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEvalNERWritesTaggedLines(t *testing.T) {
	in := "-DOCSTART- -X- O O\n\nKim NNP I-PER\nJong-un NNP I-PER\nvisited VBD O\nSeoul NNP I-LOC\n. . O\n\n" +
		"The DT O\nUnited NNP I-ORG\nNations NNP I-ORG\nmet VBD O\n.\t.\tO\n"
	path := writeFile(t, "in.conll", in)
	outPath := filepath.Join(t.TempDir(), "out.conll")
	var stdout, stderr bytes.Buffer
	if err := runEvalNER(context.Background(), []string{"--out", outPath, path}, &stdout, &stderr); err != nil {
		t.Fatalf("eval ner: %v\n%s", err, stderr.String())
	}
	for _, row := range []string{"PER ", "ORG ", "LOC ", "MISC ", "PER+ORG+LOC ", "all ", "precision", "recall", "F1"} {
		if !strings.Contains(stdout.String(), row) {
			t.Errorf("output lacks %q:\n%s", row, stdout.String())
		}
	}
	got, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	inLines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
	outLines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(outLines) != len(inLines) {
		t.Fatalf("--out has %d lines, input %d:\n%s", len(outLines), len(inLines), got)
	}
	tagRE := regexp.MustCompile(`^(O|[IB]-(PER|ORG|LOC|MISC))$`)
	for i, line := range inLines {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "-DOCSTART-") {
			if outLines[i] != line {
				t.Errorf("line %d = %q, want it kept as %q", i+1, outLines[i], line)
			}
			continue
		}
		rest, ok := strings.CutPrefix(outLines[i], line+" ")
		if !ok || !tagRE.MatchString(rest) {
			t.Errorf("line %d = %q, want %q plus a tag", i+1, outLines[i], line)
		}
	}
}

func TestEvalNERErrors(t *testing.T) {
	bad := writeFile(t, "bad.conll", "word\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "needs one CONLL_FILE"},
		{"two files", []string{"a", "b"}, "needs one CONLL_FILE"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.conll")}, "no such file"},
		{"bad line", []string{bad}, "conll line 1"},
		{"bad flag", []string{"--bogus", bad}, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runEvalNER(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestTrainNERSynthetic(t *testing.T) {
	corpus := writeFile(t, "train.conll", syntheticCoNLL(20))
	var text strings.Builder
	for range 30 {
		text.WriteString("Anna Berg told reporters in Rome that the office would open on Monday.\n")
		text.WriteString("Officials in Seoul said the Unification Ministry would comment.\n")
	}
	unlabelled := writeFile(t, "text.txt", text.String())
	out := filepath.Join(t.TempDir(), "ner.model")
	var stdout, stderr bytes.Buffer
	args := []string{"--dev-fraction", "0.25", "--out", out, "--unlabelled", unlabelled, corpus}
	if err := runTrainNER(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("train ner: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "train: 15 documents") || !strings.Contains(stdout.String(), "dev: 5 documents") {
		t.Errorf("split not reported:\n%s", stdout.String())
	}
	if f := mainF1(t, stdout.String()); f < 0.9 {
		t.Errorf("dev F1 %.4f on the synthetic corpus, want >= 0.9:\n%s", f, stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tagger, err := ner.Load(f)
	if err != nil {
		t.Fatalf("load trained model: %v", err)
	}
	got := tagger.Extract("Maria Costa told reporters in Lisbon that the Red Cross would open an office.")
	if len(got) == 0 {
		t.Errorf("trained model finds nothing")
	}
}

func TestTrainNERErrors(t *testing.T) {
	corpus := writeFile(t, "train.conll", syntheticCoNLL(2))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "needs one CONLL_FILE"},
		{"bad fraction", []string{"--dev-fraction", "1.5", corpus}, "--dev-fraction"},
		{"missing unlabelled", []string{"--out", filepath.Join(t.TempDir(), "m"), "--unlabelled", filepath.Join(t.TempDir(), "nope"), corpus}, "no such file"},
		{"empty corpus", []string{writeFile(t, "empty.conll", "")}, "no training sentences"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runTrainNER(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// heldOut writes the documents the shipped model was not trained on (the
// last 15% of the CoNLL training file) to a temporary file.
func heldOut(t *testing.T) string {
	t.Helper()
	f, err := os.Open(conllShared)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared data not present: ", conllShared)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ner.ReadCoNLL(f)
	if err != nil {
		t.Fatal(err)
	}
	_, dev := ner.SplitDev(c.Docs, 0.15)
	first := dev[0].Sentences[0].Line - 2 // the -DOCSTART- line and blank
	if !strings.HasPrefix(c.Lines[first], "-DOCSTART-") {
		t.Fatalf("line %d is %q, want the held-out part's -DOCSTART-", first+1, c.Lines[first])
	}
	return writeFile(t, "heldout.conll", strings.Join(c.Lines[first:], "\n")+"\n")
}

// TestEvalNERHeldOut is the headline figure: the shipped model on the part
// of CoNLL-2003 it was not trained on.
func TestEvalNERHeldOut(t *testing.T) {
	path := heldOut(t)
	var stdout, stderr bytes.Buffer
	if err := runEvalNER(context.Background(), []string{path}, &stdout, &stderr); err != nil {
		t.Fatalf("eval ner: %v\n%s", err, stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	if f := mainF1(t, stdout.String()); f < 0.87 {
		t.Errorf("held-out PER+ORG+LOC F1 = %.4f, want >= 0.87", f)
	}
}

// TestTrainNERReproducesModel retrains with the documented command and
// expects the shipped model byte for byte: training is deterministic.
func TestTrainNERReproducesModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full model (about a minute)")
	}
	if _, err := os.Stat(conllShared); errors.Is(err, os.ErrNotExist) {
		t.Skip("shared data not present: ", conllShared)
	}
	out := filepath.Join(t.TempDir(), "ner.model")
	var stdout, stderr bytes.Buffer
	args := []string{"--out", out, "--unlabelled", "../../../shared/data/reuters21578.jsonl", conllShared}
	if err := runTrainNER(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("train ner: %v\n%s", err, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data.NERModel) {
		t.Errorf("retrained model (%d bytes) differs from data/ner.model (%d bytes); run the train command from the repository root to update it", len(got), len(data.NERModel))
	}
}
