package releval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Doc is one document of a test collection.
type Doc struct {
	ID    string
	Title string
	Body  string
}

// Query is one topic of a test collection.
type Query struct {
	ID   string
	Text string
}

// Qrels are relevance judgements: query id -> doc id -> grade. Grades
// above zero count as relevant (binary relevance).
type Qrels map[string]map[string]int

// Relevant returns the doc ids judged relevant for qid.
func (q Qrels) Relevant(qid string) map[string]bool {
	out := map[string]bool{}
	for doc, g := range q[qid] {
		if g > 0 {
			out[doc] = true
		}
	}
	return out
}

// Collection is a test collection in the generic form: DIR/docs.jsonl,
// DIR/queries.tsv and DIR/qrels.txt.
type Collection struct {
	Name    string // the directory's base name, for reports
	Docs    []Doc
	Queries []Query
	Qrels   Qrels
}

// maxLine bounds one input line; a Cranfield document is a few KB, a news
// article rarely more than 100 KB.
const maxLine = 16 << 20

// Load reads a collection from dir. Errors name the file and line.
func Load(dir string) (*Collection, error) {
	c := &Collection{Name: filepath.Base(filepath.Clean(dir))}
	read := func(name string, parse func(io.Reader) error) error {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := parse(f); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		return nil
	}
	var err error
	if err = read("docs.jsonl", func(r io.Reader) error { c.Docs, err = ReadDocs(r); return err }); err != nil {
		return nil, err
	}
	if err = read("queries.tsv", func(r io.Reader) error { c.Queries, err = ReadQueries(r); return err }); err != nil {
		return nil, err
	}
	if err = read("qrels.txt", func(r io.Reader) error { c.Qrels, err = ReadQrels(r); return err }); err != nil {
		return nil, err
	}
	return c, nil
}

// lines calls fn with each line (without its newline) and its 1-based
// number, and wraps fn's error with the line number.
func lines(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if !utf8.ValidString(line) {
			return fmt.Errorf("line %d: invalid UTF-8", n)
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("after line %d: %w", n, err)
	}
	return nil
}

// ReadDocs reads JSON Lines of {"id", "title", "body"}; the id may be a
// string or a number. Blank lines are skipped; a repeated id is an error,
// since the index would silently keep only one.
func ReadDocs(r io.Reader) ([]Doc, error) {
	var out []Doc
	seen := map[string]bool{}
	err := lines(r, func(_ int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		var raw struct {
			ID    json.RawMessage `json:"id"`
			Title string          `json:"title"`
			Body  string          `json:"body"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		id, err := jsonID(raw.ID)
		if err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("doc %q appears twice", id)
		}
		seen[id] = true
		out = append(out, Doc{ID: id, Title: raw.Title, Body: raw.Body})
		return nil
	})
	return out, err
}

// jsonID accepts a JSON string or number as an id.
func jsonID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("missing id")
	}
	var id string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", fmt.Errorf("id: %w", err)
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", fmt.Errorf("id must be a string or a number: %w", err)
		}
		id = n.String()
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	return id, nil
}

// checkID keeps ids usable as whitespace-separated TREC run file fields.
func checkID(id string) error {
	if id == "" {
		return errors.New("empty id")
	}
	if strings.ContainsFunc(id, isSpace) {
		return fmt.Errorf("id %q contains white space", id)
	}
	return nil
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// ReadQueries reads "qid<TAB>text" lines. Blank lines are skipped; a
// repeated qid is an error.
func ReadQueries(r io.Reader) ([]Query, error) {
	var out []Query
	seen := map[string]bool{}
	err := lines(r, func(_ int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		qid, text, ok := strings.Cut(line, "\t")
		if !ok {
			return errors.New(`want "qid<TAB>text"`)
		}
		qid = strings.TrimSpace(qid)
		if err := checkID(qid); err != nil {
			return err
		}
		if seen[qid] {
			return fmt.Errorf("query %q appears twice", qid)
		}
		seen[qid] = true
		out = append(out, Query{ID: qid, Text: strings.TrimSpace(text)})
		return nil
	})
	return out, err
}

// ReadQrels reads TREC qrels: "qid iteration docid grade" per line. The
// iteration column is ignored; the last grade given for a pair wins.
func ReadQrels(r io.Reader) (Qrels, error) {
	out := Qrels{}
	err := lines(r, func(_ int, line string) error {
		f := strings.Fields(line)
		if len(f) == 0 {
			return nil
		}
		if len(f) != 4 {
			return fmt.Errorf(`want "qid iteration docid grade", got %d fields`, len(f))
		}
		g, err := strconv.Atoi(f[3])
		if err != nil {
			return fmt.Errorf("grade %q: not an integer", f[3])
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]int{}
		}
		out[f[0]][f[2]] = g
		return nil
	})
	return out, err
}
