package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FieldMap renames another tool's columns (CSV header cells, JSON Lines
// keys) to newsdex's fields before the file is parsed, so exports from
// other tools can be ingested as they are.
type FieldMap struct {
	name string            // "--map" or the preset's name, for messages
	from map[string]string // input column (lower case) → field or Meta key
	need []string          // input columns the file must have
	// idFromURL gives each article the ID of its URL (URLID), so the same
	// story from another export or from the fetcher is the same article.
	idFromURL bool
}

// mappableFields are the targets --map accepts.
var mappableFields = []string{"id", "title", "body", "source", "url", "published", "author", "category", "tags", "persons", "organizations", "places"}

// ParseFieldMap parses a --map spec: comma-separated FIELD=COLUMN pairs,
// FIELD a newsdex field (title, body, source, url, published, author,
// category, tags, persons, organizations, places, id) and COLUMN the
// input's name for it, as in "title=headline,published=publish_date".
func ParseFieldMap(spec string) (*FieldMap, error) {
	m := &FieldMap{name: "--map", from: map[string]string{}}
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		field, col, ok := strings.Cut(pair, "=")
		field, col = strings.ToLower(strings.TrimSpace(field)), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("--map: %q: want FIELD=COLUMN", pair)
		}
		if !slices.Contains(mappableFields, field) {
			return nil, fmt.Errorf("--map: unknown field %q (want one of %s)", field, strings.Join(mappableFields, ", "))
		}
		if seen[field] {
			return nil, fmt.Errorf("--map: field %q mapped twice", field)
		}
		seen[field] = true
		key := strings.ToLower(col)
		if _, dup := m.from[key]; dup {
			return nil, fmt.Errorf("--map: column %q mapped twice", col)
		}
		m.from[key] = field
		m.need = append(m.need, col)
	}
	if len(m.from) == 0 {
		return nil, errors.New("--map: empty; want FIELD=COLUMN pairs such as title=headline")
	}
	return m, nil
}

// Presets are the exports researchers bring most often, by --format name.
func Presets() []string { return []string{"mediacloud"} }

// Preset returns the mapping for a known export format:
//
//	mediacloud: Media Cloud's story CSV (id, indexed_date, language,
//	  media_name, media_url, publish_date, title, url). It has no text,
//	  so the articles are title-only; the ID comes from the URL, and the
//	  other columns go to meta (Media Cloud's id as mediacloud_id).
func Preset(name string) (*FieldMap, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mediacloud":
		return &FieldMap{name: "mediacloud", idFromURL: true,
			from: map[string]string{"publish_date": "published", "media_name": "source", "id": "mediacloud_id",
				"title": "title", "url": "url"},
			need: []string{"title", "url", "publish_date", "media_name"}}, nil
	}
	return nil, fmt.Errorf("unknown --format %q (known: %s)", name, strings.Join(Presets(), ", "))
}

// Source reads CSV and JSON Lines files and folders like PathSource,
// renaming columns first. A file without a column the mapping names is
// reported through onFileError and left out; other files go on.
func (m *FieldMap) Source(paths []string, onFileError func(path string, err error)) Source {
	if onFileError == nil {
		onFileError = func(string, error) {}
	}
	return func(ctx context.Context, emit func(Record) error) error {
		for _, root := range paths {
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err != nil {
					onFileError(path, err)
					return nil
				}
				if d.IsDir() {
					if path != root && strings.HasPrefix(d.Name(), ".") {
						return fs.SkipDir
					}
					return nil
				}
				ext := strings.ToLower(filepath.Ext(path))
				if path != root && ext != ".csv" && ext != ".jsonl" && ext != ".ndjson" {
					return nil
				}
				return m.parseFile(path, emit, onFileError)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func (m *FieldMap) parseFile(path string, emit func(Record) error, onFileError func(string, error)) error {
	f, err := os.Open(path)
	if err != nil {
		onFileError(path, err)
		return nil
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(headBytes)
	format := DetectFormat(path, head)
	var r io.Reader
	switch format {
	case FormatCSV:
		r, err = m.csvReader(br)
	case FormatJSONL:
		r = m.jsonlReader(br)
	default:
		err = fmt.Errorf("%s applies to CSV and JSON Lines files only", m.name)
	}
	if err != nil {
		onFileError(path, err)
		return nil
	}
	var stop error
	err = Parse(r, path, format, func(rec Record) error {
		if m.idFromURL && rec.Err == nil && rec.Article.ID == "" && rec.Article.URL != "" {
			rec.Article.ID = URLID(rec.Article.URL)
		}
		if err := emit(rec); err != nil {
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

// rename maps one input name, and reports whether the mapping took it.
func (m *FieldMap) rename(col string) (string, bool) {
	to, ok := m.from[strings.ToLower(strings.TrimSpace(col))]
	return to, ok
}

// csvReader rewrites the header row and passes the rest through.
func (m *FieldMap) csvReader(br *bufio.Reader) (io.Reader, error) {
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	line = strings.TrimPrefix(line, bom)
	cells, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	have := map[string]bool{}
	for _, c := range cells {
		have[strings.ToLower(strings.TrimSpace(c))] = true
	}
	for _, need := range m.need {
		if !have[strings.ToLower(need)] {
			return nil, fmt.Errorf("%s: no column %q in the header (got %s)", m.name, need, strings.Join(cells, ","))
		}
	}
	content := false
	for i, c := range cells {
		if to, ok := m.rename(c); ok {
			cells[i] = to
		} else if name, _ := canonicalField(c); name != "" && m.targets(name) {
			// A column that already bears a mapped field's name would
			// fight the mapped one; it goes to meta instead.
			cells[i] = "original_" + strings.TrimSpace(c)
		}
		if name, _ := canonicalField(cells[i]); name == "title" || name == "body" {
			content = true
		}
	}
	if !content {
		return nil, fmt.Errorf("%s: no column becomes title or body; add --map title=COLUMN or body=COLUMN", m.name)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(cells)
	w.Flush()
	return io.MultiReader(&buf, br), nil
}

// targets reports whether the mapping fills field from another column.
func (m *FieldMap) targets(field string) bool {
	for col, to := range m.from {
		if to == field && col != field {
			return true
		}
	}
	return false
}

// jsonlReader renames the keys of each line's object. Lines that are not
// objects pass through unchanged, for the parser to report at their line.
func (m *FieldMap) jsonlReader(br *bufio.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		lr := newLineReader(br)
		var out bytes.Buffer
		for {
			line, tooLong, err := lr.next()
			if err == io.EOF {
				pw.Close()
				return
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			out.Reset()
			if tooLong {
				out.WriteString("{}") // the parser cannot see the length any more; report an empty record
			} else {
				out.Write(m.renameJSON(line))
			}
			out.WriteByte('\n')
			if _, err := pw.Write(out.Bytes()); err != nil {
				return
			}
		}
	}()
	return pr
}

func (m *FieldMap) renameJSON(line []byte) []byte {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return line
	}
	out := make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		if to, ok := m.rename(k); ok {
			out[to] = v
			continue
		}
		if name, _ := canonicalField(k); name != "" && m.targets(name) {
			out["original_"+k] = v
			continue
		}
		if _, taken := out[k]; !taken {
			out[k] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return line
	}
	return b
}
