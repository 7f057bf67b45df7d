package indexer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// parseCSV reads a CSV file whose header row names the Article fields
// (case-insensitive, with the JSON Lines aliases; other columns go to Meta).
//
// Recovery from bad rows: a row with the wrong number of fields, or with a
// bad quote, is emitted as a record error located at the line where the row
// starts, and reading resumes at the next line after the error, which is
// what encoding/csv does. A quote that is never closed therefore swallows
// the rest of the file into one reported error. A header without a title or
// body column, or with a column named twice, is reported and the file is
// not read further: no row could be mapped reliably.
func parseCSV(br *bufio.Reader, file string, emit func(Record) error) error {
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		br.Discard(len(bom))
	}
	cr := csv.NewReader(&lineCapReader{r: br, max: maxLineBytes})
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true

	var cols []csvColumn
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return fmt.Errorf("read %s: %w", file, err)
		}
		if pe != nil {
			rec := Record{File: file, Line: max(pe.StartLine, 1), Err: csvParseErr(pe)}
			if cols == nil {
				rec.Err = fmt.Errorf("header: %w", rec.Err)
				return emit(rec)
			}
			if err := emit(rec); err != nil {
				return err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if cols == nil {
			cols, err = csvHeader(row)
			if err != nil {
				return emit(Record{File: file, Line: line, Err: err})
			}
			continue
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // a whitespace-only line
		}
		rec := Record{File: file, Line: line}
		if len(row) != len(cols) {
			rec.Err = fmt.Errorf("row has %d fields, header has %d", len(row), len(cols))
		} else {
			rec.Article, rec.Err = csvArticle(cols, row)
		}
		if err := emit(finish(rec)); err != nil {
			return err
		}
	}
}

// csvParseErr words an encoding/csv error without its own "record on line"
// prefix, since the record's location is reported separately.
func csvParseErr(pe *csv.ParseError) error {
	if pe.Line != pe.StartLine {
		return fmt.Errorf("bad CSV at line %d, column %d: %w; skipped lines %d-%d", pe.Line, pe.Column, pe.Err, pe.StartLine, pe.Line)
	}
	return fmt.Errorf("bad CSV at column %d: %w", pe.Column, pe.Err)
}

// csvColumn is what a header cell says to do with its column.
type csvColumn struct {
	header string // as written, trimmed: the Meta key for unknown columns
	field  string // canonical Article field, "" for Meta
	alias  bool
}

func csvHeader(row []string) ([]csvColumn, error) {
	cols := make([]csvColumn, len(row))
	seen := make(map[string]bool, len(row))
	content := false
	for i, h := range row {
		h = cleanText(h)
		if h == "" {
			h = fmt.Sprintf("column%d", i+1)
		}
		name, alias := canonicalField(h)
		cols[i] = csvColumn{header: h, field: name, alias: alias}
		key := strings.ToLower(h)
		if seen[key] {
			return nil, fmt.Errorf("header: column %q appears twice", h)
		}
		seen[key] = true
		if name == "title" || name == "body" {
			content = true
		}
	}
	if !content {
		return nil, fmt.Errorf("header has no title, body or text column (got %q)", strings.Join(row, ","))
	}
	return cols, nil
}

// csvArticle maps one row. As in JSON Lines, an alias fills its field only
// when the canonical column is empty, and otherwise goes to Meta; empty
// cells of unknown columns are left out of Meta.
func csvArticle(cols []csvColumn, row []string) (Article, error) {
	var a Article
	for pass := range 2 {
		for i, c := range cols {
			if c.field == "" || c.alias != (pass == 1) {
				continue
			}
			v := fieldValue{str: row[i]}
			if c.alias && csvFieldSet(&a, c.field) {
				if !v.empty() {
					setMeta(&a, c.header, row[i])
				}
				continue
			}
			if err := setField(&a, c.field, v); err != nil {
				return a, err
			}
		}
	}
	for i, c := range cols {
		if c.field == "" && strings.TrimSpace(row[i]) != "" {
			setMeta(&a, c.header, row[i])
		}
	}
	return a, nil
}

// csvFieldSet reports whether an aliased field already has a value.
func csvFieldSet(a *Article, field string) bool {
	switch field {
	case "body":
		return a.Body != ""
	case "published":
		return !a.Published.IsZero()
	case "source":
		return a.Source != ""
	}
	return false
}

// lineCapReader fails once a line runs past max bytes: encoding/csv
// buffers whole lines, so a file without newlines would fill memory.
type lineCapReader struct {
	r   io.Reader
	max int
	run int // bytes since the last newline
}

func (l *lineCapReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.run += len(b)
			break
		}
		if l.run+i > l.max {
			return 0, errLineTooLong(l.max)
		}
		l.run = 0
		b = b[i+1:]
	}
	if l.run > l.max {
		return 0, errLineTooLong(l.max)
	}
	return n, err
}
