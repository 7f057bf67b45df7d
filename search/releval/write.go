package releval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Write stores c in the generic form (docs.jsonl, queries.tsv, qrels.txt)
// in dir, which it creates, so that other tools (the FTS5 peer) can rank
// the same collection.
func Write(dir string, c *Collection) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write collection: %w", err)
	}
	write := func(name string, fill func(w *bufio.Writer) error) (err error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("write collection: %w", err)
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("write collection: %w", cerr)
			}
		}()
		w := bufio.NewWriter(f)
		if err := fill(w); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		return w.Flush()
	}
	err := write("docs.jsonl", func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, d := range c.Docs {
			if err := enc.Encode(struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				Body  string `json:"body"`
			}{d.ID, d.Title, d.Body}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = write("queries.tsv", func(w *bufio.Writer) error {
		for _, q := range c.Queries {
			if strings.ContainsAny(q.Text, "\t\n\r") {
				return fmt.Errorf("query %s: text holds a tab or newline", q.ID)
			}
			fmt.Fprintf(w, "%s\t%s\n", q.ID, q.Text)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return write("qrels.txt", func(w *bufio.Writer) error {
		for _, qid := range slices.Sorted(maps.Keys(c.Qrels)) {
			for _, doc := range slices.Sorted(maps.Keys(c.Qrels[qid])) {
				fmt.Fprintf(w, "%s 0 %s %d\n", qid, doc, c.Qrels[qid][doc])
			}
		}
		return nil
	})
}

// TopicCollection builds a proxy test collection from categorised
// documents, for corpora without relevance judgements: one query per
// category that has documents, its text describe(category), and every
// document of the category judged relevant. Categories are editors'
// labels, not answers to a question, so the judgements are only a proxy:
// relevant documents can lack the words of the description and labelled
// documents can be marginal. Query ids are the categories.
func TopicCollection(name string, docs []Doc, categories map[string][]string, describe func(string) string) *Collection {
	c := &Collection{Name: name, Docs: docs, Qrels: Qrels{}}
	for _, d := range docs {
		for _, cat := range categories[d.ID] {
			if c.Qrels[cat] == nil {
				c.Qrels[cat] = map[string]int{}
			}
			c.Qrels[cat][d.ID] = 1
		}
	}
	for _, cat := range slices.Sorted(maps.Keys(c.Qrels)) {
		c.Queries = append(c.Queries, Query{ID: cat, Text: describe(cat)})
	}
	return c
}
