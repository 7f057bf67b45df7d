package ner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ReadUnlabelled reads unlabelled text for clustering and returns it as
// tokenised, normalised sentences. Each line is either a JSON object
// whose "title" and "body" strings are used (the JSON Lines article
// format) or plain text.
func ReadUnlabelled(r io.Reader) ([][]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var out [][]string
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			var a struct {
				Title string `json:"title"`
				Body  string `json:"body"`
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				return nil, fmt.Errorf("unlabelled line %d: %w", n, err)
			}
			out = appendSentenceWords(out, a.Title)
			out = appendSentenceWords(out, a.Body)
			continue
		}
		out = appendSentenceWords(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read unlabelled: %w", err)
	}
	return out, nil
}

func appendSentenceWords(dst [][]string, text string) [][]string {
	for _, s := range Tokenize(text) {
		words := make([]string, len(s))
		for i, t := range s {
			words[i] = strings.Clone(normalize(t.Text))
		}
		dst = append(dst, words)
	}
	return dst
}
