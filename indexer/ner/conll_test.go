package ner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleCoNLL = `-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- O O

BRUSSELS NNP I-NP I-LOC
`

func TestReadCoNLL(t *testing.T) {
	c, err := ReadCoNLL(strings.NewReader(sampleCoNLL))
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		{Sentences: []Sentence{
			{Words: []string{"EU", "rejects", "German"}, Tags: []string{"I-ORG", "O", "I-MISC"}, Line: 2},
			{Words: []string{"Peter", "Blackburn"}, Tags: []string{"I-PER", "I-PER"}, Line: 6},
		}},
		{Sentences: []Sentence{
			{Words: []string{"BRUSSELS"}, Tags: []string{"I-LOC"}, Line: 11},
		}},
	}
	if diff := cmp.Diff(want, c.Docs); diff != "" {
		t.Errorf("docs mismatch (-want +got):\n%s", diff)
	}
	if got := len(c.Lines); got != 12 {
		t.Errorf("kept %d lines, want 12", got)
	}
	if c.Lines[11] != "BRUSSELS NNP I-NP I-LOC" {
		t.Errorf("line 12 = %q", c.Lines[11])
	}
}

func TestReadCoNLLErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"one column", "EU I-ORG\nrejects\n", "conll line 2: want word and tag columns"},
		{"not a tag", "EU NNP\n", `conll line 1: last column "NNP" is not a tag`},
		{"bad prefix", "EU X-ORG\n", "is not a tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCoNLL(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadCoNLL error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadCoNLLNoDocstart(t *testing.T) {
	c, err := ReadCoNLL(strings.NewReader("a O\nb B-PER\n\r\n\nc I-LOC\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Docs) != 1 || len(c.Docs[0].Sentences) != 2 {
		t.Fatalf("got %d docs, want 1 with 2 sentences: %+v", len(c.Docs), c.Docs)
	}
}

func TestSplitDev(t *testing.T) {
	docs := make([]Document, 20)
	for i := range docs {
		docs[i].Sentences = []Sentence{{Line: i}}
	}
	train, dev := SplitDev(docs, 0.15)
	if len(train) != 17 || len(dev) != 3 || dev[0].Sentences[0].Line != 17 {
		t.Errorf("SplitDev(20 docs, 0.15) = %d train, %d dev starting at %d", len(train), len(dev), dev[0].Sentences[0].Line)
	}
	if train, dev := SplitDev(docs, 0); len(train) != 20 || dev != nil {
		t.Errorf("SplitDev(0) = %d, %d", len(train), len(dev))
	}
}

// FuzzReadCoNLL checks that any input either fails cleanly or yields
// sentences whose lines are where the reader says they are.
func FuzzReadCoNLL(f *testing.F) {
	f.Add(sampleCoNLL)
	f.Add("a O\n\n\nb I-PER\n")
	f.Add("-DOCSTART- -X- O O\n")
	f.Add("x\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadCoNLL(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, d := range c.Docs {
			for _, s := range d.Sentences {
				if len(s.Words) == 0 || len(s.Words) != len(s.Tags) {
					t.Fatalf("sentence with %d words, %d tags", len(s.Words), len(s.Tags))
				}
				for j, w := range s.Words {
					if s.Line+j >= len(c.Lines) || !strings.HasPrefix(strings.TrimSpace(c.Lines[s.Line+j]), w) {
						t.Fatalf("word %q not at line %d", w, s.Line+j)
					}
				}
				SpansFromTags(s.Tags)
			}
		}
	})
}
