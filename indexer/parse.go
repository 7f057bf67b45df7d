package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is one input record: an article, or why it was skipped.
type Record struct {
	File    string // path as given
	Line    int    // 1-based line where the record starts (for .txt one-article files: 1)
	Article Article
	Err     error // non-nil: the record is skipped and reported as "FILE:LINE: reason"
}

// Location returns "FILE:LINE", the prefix under which a skipped record is
// reported, so users can jump straight to the bad input.
func (r Record) Location() string {
	return fmt.Sprintf("%s:%d", r.File, r.Line)
}

// Format names an input format understood by Parse.
type Format string

// The input formats. FormatArchive is the "Category: / title / Posted on by /
// paragraphs / [Outlet]" text layout of the seed corpus; FormatText is a file
// holding one article (first non-blank line is the title).
const (
	FormatArchive Format = "archive"
	FormatJSONL   Format = "jsonl"
	FormatCSV     Format = "csv"
	FormatText    Format = "text"
)

// maxLineBytes caps one input line (for CSV: one physical line). A file
// without newlines would otherwise be read whole into memory.
const maxLineBytes = 16 << 20

// headBytes is how much of a file ParsePaths reads to detect its format.
const headBytes = 8 << 10

// bom is the UTF-8 byte order mark that some editors put at a file's start.
const bom = "\xef\xbb\xbf"

// DetectFormat picks a format by extension (.jsonl/.ndjson, .csv) and, for
// .txt and unknown extensions, by content: head is the first few KB of the
// file. A first non-blank line "Category: ..." or a "Posted on ... by" line
// among the first non-blank lines means archive, a '{' first means JSON
// Lines, anything else is a one-article text file.
func DetectFormat(path string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".csv":
		return FormatCSV
	}
	head = bytes.TrimPrefix(head, []byte(bom))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return FormatJSONL
	}
	// The seed layout has at most "Category:", a title and the "Posted on"
	// line before the first body paragraph; looking a little further allows
	// for a heading line without letting a body paragraph far down decide.
	const archiveLookahead = 5
	seen := 0
	for line := range strings.Lines(string(head)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if seen == 0 && isCategoryLine(line) {
			return FormatArchive
		}
		if _, ok := parsePostedLine(line); ok {
			return FormatArchive
		}
		seen++
		if seen >= archiveLookahead {
			break
		}
	}
	return FormatText
}

// Parse streams the records of r, read as format f, to emit. file names the
// input in records and errors. Bad records are emitted with Err set and
// parsing goes on; only a read error (returned wrapped with the file name)
// or an error from emit (returned as is) stops it.
func Parse(r io.Reader, file string, f Format, emit func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	switch f {
	case FormatArchive:
		return parseArchive(br, file, emit)
	case FormatJSONL:
		return parseJSONL(br, file, emit)
	case FormatCSV:
		return parseCSV(br, file, emit)
	case FormatText:
		return parseText(br, file, emit)
	}
	return fmt.Errorf("parse %s: unknown format %q", file, f)
}

// ParsePaths walks files and folders (recursively, in lexical order,
// skipping hidden files and folders below the given paths), detects each
// file's format and parses it. A path that can't be walked, opened or read,
// or a file that looks binary, is reported through onFileError and the walk
// goes on. Inside folders only .jsonl, .ndjson, .csv, .txt, .text and
// extension-less files are read; a path given directly is always read.
// Records a file emitted before a read error stay emitted. Only an emit
// error or ctx's cancellation stops the walk, and is returned. Symbolic
// links are followed to files, and to a folder only when given as one of
// paths; a nil onFileError ignores file errors.
func ParsePaths(ctx context.Context, paths []string, emit func(Record) error, onFileError func(path string, err error)) error {
	if onFileError == nil {
		onFileError = func(string, error) {}
	}
	for _, root := range paths {
		if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(root); err == nil && fi.IsDir() {
				// WalkDir does not enter a symlinked root; with a trailing
				// separator the link resolves as a folder.
				root += string(filepath.Separator)
			}
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if err != nil {
				onFileError(path, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if path != root && !inputExtension(path) {
				// Inside a folder, only files that look like articles are
				// read: a corpus folder often holds code, config or images.
				return nil
			}
			if !d.Type().IsRegular() {
				// WalkDir does not follow symlinks; follow one to a file,
				// but not to a folder, which could loop.
				fi, err := os.Stat(path)
				if err != nil {
					onFileError(path, err)
					return nil
				}
				switch {
				case fi.IsDir():
					onFileError(path, errors.New("symbolic link to a folder not followed (it could loop); give the folder itself"))
					return nil
				case !fi.Mode().IsRegular():
					onFileError(path, fmt.Errorf("not a regular file (%s), skipped", fi.Mode().Type()))
					return nil
				}
			}
			return parseFile(ctx, path, emit, onFileError)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// inputExtension reports whether a file found in a folder walk is read:
// the extensions of the supported formats, and none at all.
func inputExtension(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".csv", ".txt", ".text", "":
		return true
	}
	return false
}

// parseFile parses one file for ParsePaths. It returns only errors that
// must stop the walk.
func parseFile(ctx context.Context, path string, emit func(Record) error, onFileError func(string, error)) error {
	f, err := os.Open(path)
	if err != nil {
		onFileError(path, err)
		return nil
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(headBytes)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		onFileError(path, fmt.Errorf("read %s: %w", path, err))
		return nil
	}
	if bytes.IndexByte(head, 0) >= 0 {
		onFileError(path, errors.New("binary file (NUL byte near the start), skipped"))
		return nil
	}
	var stop error
	err = Parse(br, path, DetectFormat(path, head), func(r Record) error {
		if err := ctx.Err(); err != nil {
			stop = err
			return err
		}
		if err := emit(r); err != nil {
			stop = err
			return err
		}
		return nil
	})
	if stop != nil {
		return stop
	}
	if err != nil {
		onFileError(path, err)
	}
	return nil
}

// lineReader reads lines of any length up to max bytes, counting them,
// without bufio.Scanner's small fixed buffer. It drops a leading BOM and
// the "\r" of "\r\n".
type lineReader struct {
	br   *bufio.Reader
	n    int // number of the line last returned
	max  int
	long []byte // accumulates a line longer than br's buffer
}

func newLineReader(br *bufio.Reader) *lineReader {
	return &lineReader{br: br, max: maxLineBytes}
}

// next returns the next line without its line ending, and tooLong if the
// line exceeded lr.max (its content is then dropped). err is io.EOF after
// the last line, or a read error. The returned slice is valid until the
// next call.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.long = lr.long[:0]
	for {
		frag, err := lr.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(lr.long)+len(frag) > lr.max {
					tooLong = true
					lr.long = lr.long[:0]
				} else {
					lr.long = append(lr.long, frag...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		if err == io.EOF && len(frag) == 0 && len(lr.long) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		line = frag
		if len(lr.long) > 0 {
			lr.long = append(lr.long, frag...)
			line = lr.long
		}
		lr.n++
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if lr.n == 1 {
			line = bytes.TrimPrefix(line, []byte(bom))
		}
		if tooLong || len(line) > lr.max {
			return nil, true, nil
		}
		return line, false, nil
	}
}

// errLineTooLong describes a line over the cap; a function, not a package
// variable, so there is no shared mutable state.
func errLineTooLong(max int) error {
	if max%(1<<20) == 0 {
		return fmt.Errorf("line longer than %d MiB", max>>20)
	}
	return fmt.Errorf("line longer than %d bytes", max)
}

// cleanText repairs invalid UTF-8, turns "\r\n" and lone "\r" into "\n"
// and trims surrounding whitespace: the normal form of every string field.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.TrimSpace(s)
}

// splitList splits a comma-separated value into trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = cleanText(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseDate parses the date forms found in news feeds and archives. The
// error is the one reported for the record: bad published date "...".
func parseDate(s string) (time.Time, error) {
	// Layouts are tried in order. Those without a zone give UTC; those with
	// "MST" are checked against RFC 822's zone names, because time.Parse
	// invents a zero offset for an abbreviation it does not know.
	layouts := [...]string{
		time.RFC3339Nano, // also parses RFC 3339 without a fraction
		"2006-01-02",
		"2006-01-02 15:04:05",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05 MST",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
		"January 2, 2006",
		"January 2 2006",
		"2 January 2006",
		"2 January, 2006",
		"Jan 2, 2006",
		"Jan 2 2006",
		"2 Jan 2006",
		"Monday, January 2, 2006",
		"Monday, 2 January 2006",
		time.RFC1123Z,
		"Mon, 2 Jan 2006 15:04:05 -0700",
		time.RFC1123,
		"Mon, 2 Jan 2006 15:04:05 MST",
		"02 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 -0700",
		"02 Jan 2006 15:04:05 MST",
		"2 Jan 2006 15:04:05 MST",
		"Mon, 02 Jan 2006 15:04 -0700",
		"Mon, 2 Jan 2006 15:04 -0700",
		"Mon, 02 Jan 2006 15:04 MST",
		"Mon, 2 Jan 2006 15:04 MST",
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range layouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if strings.Contains(layout, "MST") {
			name, _ := t.Zone()
			hours, ok := rfc822Zone(name)
			if !ok {
				return time.Time{}, fmt.Errorf("bad published date %q: unknown time zone %q", s, name)
			}
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(),
				time.FixedZone(name, hours*3600))
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad published date %q", s)
}

// rfc822Zone returns the offset in hours of a zone name RFC 822 allows.
func rfc822Zone(name string) (hours int, ok bool) {
	switch strings.ToUpper(name) {
	case "UT", "UTC", "GMT", "Z":
		return 0, true
	case "EDT":
		return -4, true
	case "EST", "CDT":
		return -5, true
	case "CST", "MDT":
		return -6, true
	case "MST", "PDT":
		return -7, true
	case "PST":
		return -8, true
	}
	return 0, false
}

// finish applies the checks every format shares to a record about to be
// emitted: an article with neither title nor body is skipped.
func finish(rec Record) Record {
	if rec.Err != nil {
		return rec
	}
	if err := rec.Article.Validate(); err != nil {
		if rec.Article.ID != "" {
			err = fmt.Errorf("id %q: %w", rec.Article.ID, err)
		}
		rec.Err = err
	}
	return rec
}

// canonicalField maps an input field name (JSON key or CSV header, any
// case) to the Article field it fills; alias is true for the accepted
// alternative names, which yield to the canonical name when both are set.
func canonicalField(key string) (name string, alias bool) {
	switch k := strings.ToLower(strings.TrimSpace(key)); k {
	case "id", "title", "body", "source", "url", "published", "author", "category",
		"tags", "persons", "organizations", "places":
		return k, false
	case "text":
		return "body", true
	case "date":
		return "published", true
	case "outlet":
		return "source", true
	}
	return "", false
}

// fieldValue is one input value: a string, or a list for tags and entity
// fields given as a JSON array.
type fieldValue struct {
	str    string
	list   []string
	isList bool
}

func (v fieldValue) empty() bool {
	if v.isList {
		return len(v.list) == 0
	}
	return strings.TrimSpace(v.str) == ""
}

// setField stores v into a's field name (a canonicalField result).
func setField(a *Article, name string, v fieldValue) error {
	list := func() []string {
		if v.isList {
			var out []string
			for _, s := range v.list {
				if s = cleanText(s); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
		return splitList(v.str)
	}
	if v.isList {
		switch name {
		case "tags", "persons", "organizations", "places":
		default:
			return fmt.Errorf("field %q: want a string, got a list", name)
		}
	}
	switch name {
	case "id":
		a.ID = cleanText(v.str)
	case "title":
		a.Title = cleanText(v.str)
	case "body":
		a.Body = cleanText(v.str)
	case "source":
		a.Source = cleanText(v.str)
	case "url":
		a.URL = cleanText(v.str)
	case "author":
		a.Author = cleanText(v.str)
	case "category":
		a.Category = cleanText(v.str)
	case "published":
		s := cleanText(v.str)
		if s == "" {
			return nil
		}
		t, err := parseDate(s)
		if err != nil {
			return err
		}
		a.Published = t
	case "tags":
		a.Tags = list()
	case "persons":
		a.Persons = list()
	case "organizations":
		a.Organizations = list()
	case "places":
		a.Places = list()
	default:
		return fmt.Errorf("unknown field %q", name)
	}
	return nil
}

// setMeta keeps a field the Article has no place for.
func setMeta(a *Article, key, value string) {
	if a.Meta == nil {
		a.Meta = make(map[string]string)
	}
	a.Meta[cleanText(key)] = cleanText(value)
}

// metaJSON renders a non-string JSON value for Article.Meta.
func metaJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}
