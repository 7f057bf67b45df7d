package indexer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// parseText reads a file that is one article: the first non-blank line is
// the title, the rest the body, paragraphs separated by blank lines (joined
// with "\n\n"). The record is always at line 1, the file itself. A file
// with no text is reported as ErrNoContent rather than dropped.
func parseText(br *bufio.Reader, file string, emit func(Record) error) error {
	lr := newLineReader(br)
	rec := Record{File: file, Line: 1}
	var body strings.Builder
	inPara := false
	for {
		raw, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		if tooLong {
			if rec.Err == nil {
				rec.Err = fmt.Errorf("line %d: %w", lr.n, errLineTooLong(lr.max))
			}
			continue
		}
		var line string
		if len(bytes.TrimSpace(raw)) > 0 {
			line = cleanText(string(raw))
		}
		switch {
		case line == "":
			inPara = false
		case rec.Article.Title == "":
			rec.Article.Title = line
		default:
			switch {
			case body.Len() == 0:
			case inPara:
				body.WriteByte('\n')
			default:
				body.WriteString("\n\n")
			}
			body.WriteString(line)
			inPara = true
		}
	}
	rec.Article.Body = body.String()
	return emit(finish(rec))
}
