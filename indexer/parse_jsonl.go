package indexer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// parseJSONL reads one JSON object per line. A bad line is emitted as a
// record error and the next line is read: one broken line in a large dump
// should not cost the rest of it.
func parseJSONL(br *bufio.Reader, file string, emit func(Record) error) error {
	lr := newLineReader(br)
	for {
		raw, tooLong, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		rec := Record{File: file, Line: lr.n}
		if tooLong {
			rec.Err = errLineTooLong(lr.max)
		} else {
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				continue
			}
			rec.Article, rec.Err = decodeJSONArticle(raw)
		}
		if err := emit(finish(rec)); err != nil {
			return err
		}
	}
}

// decodeJSONArticle decodes one JSON Lines object. Canonical field names
// win over their aliases (text, date, outlet); a field the Article has no
// place for, or an alias shadowed by its canonical field, goes to Meta.
func decodeJSONArticle(line []byte) (Article, error) {
	var a Article
	if !utf8.Valid(line) {
		line = bytes.ToValidUTF8(line, []byte("\uFFFD"))
	}
	if len(line) == 0 || line[0] != '{' {
		return a, errors.New("line is not a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return a, fmt.Errorf("bad JSON at byte %d: %w", se.Offset, err)
		}
		return a, fmt.Errorf("bad JSON: %w", err)
	}
	// Sorted keys make the outcome of case-variant duplicates ("Title" and
	// "title") independent of map order.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	// A bad field does not stop the others: the skipped record is then
	// reported with as much of the article as could be read.
	var firstErr error
	var filled [12]string // canonical names given a non-empty value
	nFilled := 0
	isFilled := func(name string) bool { return slices.Contains(filled[:nFilled], name) }
	for pass := range 2 {
		for _, k := range keys {
			name, alias := canonicalField(k)
			if name == "" || alias != (pass == 1) {
				continue
			}
			raw := m[k]
			if isFilled(name) {
				if v, ok := jsonMeta(raw); ok {
					setMeta(&a, k, v)
				}
				continue
			}
			v, err := jsonFieldValue(raw)
			if err == nil {
				err = setField(&a, name, v)
			} else {
				err = fmt.Errorf("field %q: %w", k, err)
			}
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			if !v.empty() && nFilled < len(filled) {
				filled[nFilled] = name
				nFilled++
			}
		}
	}
	for _, k := range keys {
		if name, _ := canonicalField(k); name != "" {
			continue
		}
		if v, ok := jsonMeta(m[k]); ok {
			setMeta(&a, k, v)
		}
	}
	return a, firstErr
}

// jsonFieldValue reads a JSON value for an Article field: a string, a
// number (ids are often numeric) or null, or for list fields an array of
// those.
func jsonFieldValue(raw json.RawMessage) (fieldValue, error) {
	if len(raw) == 0 {
		return fieldValue{}, nil
	}
	switch raw[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fieldValue{}, err
		}
		v := fieldValue{isList: true}
		for _, it := range items {
			s, err := jsonScalar(it)
			if err != nil {
				return fieldValue{}, fmt.Errorf("list item: %w", err)
			}
			v.list = append(v.list, s)
		}
		return v, nil
	default:
		s, err := jsonScalar(raw)
		return fieldValue{str: s}, err
	}
}

// jsonScalar renders a string, number or null as text.
func jsonScalar(raw json.RawMessage) (string, error) {
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 'n':
		return "", nil
	case 't', 'f':
		return "", errors.New("want a string, got a boolean")
	case '{':
		return "", errors.New("want a string, got an object")
	case '[':
		return "", errors.New("want a string, got a list")
	}
	return string(raw), nil // a number, as written
}

// jsonMeta renders a value for Article.Meta: strings as they are, other
// values as compact JSON. null counts as absent.
func jsonMeta(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] == 'n' {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s, true
		}
	}
	return metaJSON(raw), true
}
