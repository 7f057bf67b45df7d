package indexer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ParseJSONArray streams the elements of a JSON array of article objects,
// with the fields of the JSON Lines format, to emit. It serves clients
// that post a JSON array instead of JSON Lines.
//
// Each record's File is file[i], naming element i (from 0), because in a
// one-line array every element shares a line; Line is the line where the
// element starts. An element that is not an object or has bad fields is
// emitted with Err set and the next one is read. Input that is not a
// well-formed JSON array stops the parse with an error wrapping the file
// name; records emitted before it stay emitted. An error from emit is
// returned as is.
func ParseJSONArray(r io.Reader, file string, emit func(Record) error) error {
	lt := &lineTracker{r: r, line: 1}
	dec := json.NewDecoder(lt)
	tok, err := dec.Token()
	if err == io.EOF {
		return fmt.Errorf("parse %s: empty input, want a JSON array", file)
	}
	if err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("parse %s: not a JSON array", file)
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("parse %s: element %d: %w", file, i, err)
		}
		start := dec.InputOffset() - int64(len(raw))
		rec := Record{File: file + "[" + strconv.Itoa(i) + "]", Line: lt.lineAt(start)}
		if len(raw) == 0 || raw[0] != '{' {
			rec.Err = errors.New("element is not a JSON object")
		} else {
			rec.Article, rec.Err = decodeJSONArticle(raw)
		}
		if err := emit(finish(rec)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("parse %s: unterminated array: %w", file, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("parse %s: data after the array", file)
	}
	return nil
}

// lineTracker counts lines in what a json.Decoder reads, so an element's
// byte offset becomes a line number. It keeps only the bytes read past the
// last offset asked about; offsets must not decrease.
type lineTracker struct {
	r    io.Reader
	buf  []byte // bytes read from base on
	base int64  // input offset of buf[0]
	line int    // line number at base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// lineAt returns the 1-based line of input offset off.
func (t *lineTracker) lineAt(off int64) int {
	k := int(off - t.base)
	if k < 0 {
		k = 0
	}
	if k > len(t.buf) {
		k = len(t.buf)
	}
	t.line += bytes.Count(t.buf[:k], []byte{'\n'})
	t.buf = append(t.buf[:0], t.buf[k:]...)
	t.base += int64(k)
	return t.line
}
