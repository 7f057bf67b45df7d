package ner

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Corpus is a CoNLL file: its lines as read, and the documents and
// sentences they hold. Lines are kept so that an evaluation can write each
// input line back with a predicted tag appended.
type Corpus struct {
	Lines []string
	Docs  []Document
}

// Document is the run of sentences after one -DOCSTART- line (or the
// start of the file). Document-level features look across its sentences.
type Document struct {
	Sentences []Sentence
}

// Sentence is one sentence of a CoNLL file: the first column (the word)
// and last column (the gold tag) of each token line. Line is the index in
// Corpus.Lines of its first token; token j is on line Line+j.
type Sentence struct {
	Words []string
	Tags  []string
	Line  int
}

// maxCoNLLLine bounds one input line so that a file without newlines
// cannot make the reader buffer it whole.
const maxCoNLLLine = 1 << 20

// ReadCoNLL reads a CoNLL-format file: one token per line with
// whitespace-separated columns, the word first and the NER tag last,
// blank lines between sentences and "-DOCSTART-" lines between documents.
// It returns an error for a token line with fewer than two columns or a
// last column that is not a tag ("O" or PREFIX-TYPE).
func ReadCoNLL(r io.Reader) (*Corpus, error) {
	c := &Corpus{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxCoNLLLine)
	var doc *Document
	var sent *Sentence
	endSentence := func() {
		if sent != nil {
			doc.Sentences = append(doc.Sentences, *sent)
			sent = nil
		}
	}
	newDoc := func() {
		endSentence()
		c.Docs = append(c.Docs, Document{})
		doc = &c.Docs[len(c.Docs)-1]
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		n := len(c.Lines)
		c.Lines = append(c.Lines, line)
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			endSentence()
			continue
		case fields[0] == "-DOCSTART-":
			newDoc()
			continue
		case len(fields) < 2:
			return nil, fmt.Errorf("conll line %d: want word and tag columns, got %q", n+1, line)
		}
		tag := fields[len(fields)-1]
		if !validTag(tag) {
			return nil, fmt.Errorf("conll line %d: last column %q is not a tag", n+1, tag)
		}
		if doc == nil {
			newDoc()
		}
		if sent == nil {
			sent = &Sentence{Line: n}
		}
		sent.Words = append(sent.Words, fields[0])
		sent.Tags = append(sent.Tags, tag)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read conll: %w", err)
	}
	if doc != nil {
		endSentence()
	}
	return c, nil
}

func validTag(tag string) bool {
	if tag == "O" {
		return true
	}
	prefix, typ, ok := strings.Cut(tag, "-")
	if !ok || typ == "" {
		return false
	}
	switch prefix {
	case "B", "I", "E", "S", "L", "U":
		return true
	}
	return false
}

// NumSentences counts the sentences in docs.
func NumSentences(docs []Document) int {
	n := 0
	for _, d := range docs {
		n += len(d.Sentences)
	}
	return n
}
