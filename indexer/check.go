package indexer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zapv15 "github.com/blevesearch/zapx/v15"
	zapv16 "github.com/blevesearch/zapx/v16"
	zapv17 "github.com/blevesearch/zapx/v17"
	bolt "go.etcd.io/bbolt"
)

// Problem is one thing wrong with an index: the file it is in, relative
// to the index directory, and what is wrong.
type Problem struct {
	File    string
	Problem string
}

func (p Problem) String() string { return p.File + ": " + p.Problem }

// CheckReport is what Check found.
type CheckReport struct {
	Segments int       // segment files checked
	Stored   uint64    // stored documents read from them
	Articles uint64    // articles the index reports
	Problems []Problem // empty when the index is sound
}

// segmentPlugins open zap segments by the version in their footer: the
// versions Bleve v2.6 writes and reads.
var segmentPlugins = map[uint32]interface {
	Open(path string) (segment.Segment, error)
}{15: &zapv15.ZapPlugin{}, 16: &zapv16.ZapPlugin{}, 17: &zapv17.ZapPlugin{}}

// footerTail is the fixed end of every zap footer: ..., chunk mode,
// version, CRC32 (IEEE, big-endian) of every byte before the CRC.
const footerTail = 12

// CheckFiles is the quick check: it verifies the CRC32 in the footer of
// every segment file of the index at dir, reading each file once. A
// directory with no index has no problems.
func CheckFiles(dir string) ([]Problem, int, error) {
	files, problems, err := segmentFiles(dir)
	if err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		if p := checkSegmentFile(f); p != "" {
			problems = append(problems, Problem{File: rel(dir, f), Problem: p})
		}
	}
	return problems, len(files), nil
}

// segmentFiles lists the segment files the index's snapshots name, from
// root.bolt, so that a file a crash left half-written, which no snapshot
// names and Bleve deletes when it next opens the index for writing, is
// not taken for damage. When root.bolt is held by a running serve, every
// segment file is listed; when it cannot be read, that is a problem.
func segmentFiles(dir string) ([]string, []Problem, error) {
	store := filepath.Join(dir, "store")
	all, err := filepath.Glob(filepath.Join(store, "*.zap"))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(all)
	root := filepath.Join(store, "root.bolt")
	if _, err := os.Stat(root); err != nil {
		return all, nil, nil // no index yet, or not a scorch index
	}
	db, err := bolt.Open(root, 0o600, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if errors.Is(err, bolt.ErrTimeout) {
		return all, nil, nil // serve holds it: check every file
	}
	if err != nil {
		return all, []Problem{{File: rel(dir, root), Problem: "unreadable: " + err.Error()}}, nil
	}
	defer db.Close()
	named := map[string]bool{}
	err = db.View(func(tx *bolt.Tx) error {
		snapshots := tx.Bucket([]byte{'s'})
		if snapshots == nil {
			return nil
		}
		return snapshots.ForEachBucket(func(k []byte) error {
			snap := snapshots.Bucket(k)
			return snap.ForEachBucket(func(k []byte) error {
				if p := snap.Bucket(k).Get([]byte{'p'}); p != nil {
					named[filepath.Join(store, string(p))] = true
				}
				return nil
			})
		})
	})
	if err != nil {
		return all, []Problem{{File: rel(dir, root), Problem: "unreadable: " + err.Error()}}, nil
	}
	var files []string
	for _, f := range all {
		if named[f] {
			files = append(files, f)
		}
	}
	var problems []Problem
	for f := range named {
		if !slices.Contains(all, f) {
			problems = append(problems, Problem{File: rel(dir, f), Problem: "missing: the index's root.bolt names it"})
		}
	}
	slices.SortFunc(problems, func(a, b Problem) int { return strings.Compare(a.File, b.File) })
	return files, problems, nil
}

// checkSegmentFile verifies one segment's footer checksum; it returns
// what is wrong, or "".
func checkSegmentFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	if st.Size() < footerTail+40 {
		return fmt.Sprintf("truncated: %d bytes, shorter than a segment footer", st.Size())
	}
	h := crc32.NewIEEE()
	if _, err := io.CopyN(h, f, st.Size()-4); err != nil {
		return "read: " + err.Error()
	}
	var tail [4]byte
	if _, err := io.ReadFull(f, tail[:]); err != nil {
		return "read: " + err.Error()
	}
	if want := binary.BigEndian.Uint32(tail[:]); want != h.Sum32() {
		return fmt.Sprintf("checksum mismatch: the footer says %08x, the content sums to %08x (the file is damaged)", want, h.Sum32())
	}
	return ""
}

// Check verifies the index at dir thoroughly: every segment's checksum
// (CheckFiles), every stored document of every sound segment read back
// from that segment, and the index opened read-only, counted and searched.
// It returns an error only when it cannot check at all; what is wrong
// with the index is in the report's Problems.
func Check(ctx context.Context, dir string) (CheckReport, error) {
	var rep CheckReport
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return rep, fmt.Errorf("check %s: no index there: %w", dir, err)
	}
	problems, n, err := CheckFiles(dir)
	if err != nil {
		return rep, err
	}
	rep.Segments, rep.Problems = n, problems
	bad := map[string]bool{}
	for _, p := range problems {
		bad[p.File] = true
	}
	files, _, _ := segmentFiles(dir)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if bad[rel(dir, f)] {
			continue // its contents are already known to be wrong
		}
		stored, p := readSegment(f)
		rep.Stored += stored
		if p != "" {
			rep.Problems = append(rep.Problems, Problem{File: rel(dir, f), Problem: p})
		}
	}
	if p := checkOpen(dir, &rep); p != "" {
		rep.Problems = append(rep.Problems, Problem{File: "index (root.bolt and segments)", Problem: p})
	}
	return rep, nil
}

// readSegment opens one segment with the zapx version that wrote it and
// reads every stored document.
func readSegment(path string) (stored uint64, problem string) {
	defer func() {
		if r := recover(); r != nil {
			problem = fmt.Sprintf("reading stored document %d: %v", stored, r)
		}
	}()
	b := make([]byte, 8)
	f, err := os.Open(path)
	if err != nil {
		return 0, err.Error()
	}
	st, _ := f.Stat()
	_, err = f.ReadAt(b, st.Size()-8)
	f.Close()
	if err != nil {
		return 0, "read footer: " + err.Error()
	}
	version := binary.BigEndian.Uint32(b[:4])
	plugin, ok := segmentPlugins[version]
	if !ok {
		return 0, fmt.Sprintf("unknown segment version %d", version)
	}
	seg, err := plugin.Open(path)
	if err != nil {
		return 0, "open: " + err.Error()
	}
	defer seg.Close()
	for num := range seg.Count() {
		err := seg.VisitStoredFields(num, func(string, byte, []byte, []uint64) bool { return true })
		if err != nil {
			return stored, fmt.Sprintf("reading stored document %d: %v", num, err)
		}
		stored++
	}
	return stored, ""
}

// checkOpen opens the index read-only, counts and searches it.
func checkOpen(dir string, rep *CheckReport) (problem string) {
	defer func() {
		if r := recover(); r != nil {
			problem = fmt.Sprintf("panic: %v", r)
		}
	}()
	idx, err := OpenReadOnly(dir)
	if err != nil {
		if errors.Is(err, ErrIndexLocked) {
			return "" // in use by serve: the segment checks above still hold
		}
		return err.Error()
	}
	defer idx.Close()
	if rep.Articles, err = idx.DocCount(); err != nil {
		return "count: " + err.Error()
	}
	req := bleve.NewSearchRequest(bleve.NewMatchAllQuery())
	req.Size = 0
	res, err := idx.Search(req)
	if err != nil {
		return "search: " + err.Error()
	}
	if res.Total != rep.Articles {
		return fmt.Sprintf("a search finds %d articles, the count says %d", res.Total, rep.Articles)
	}
	return ""
}

func rel(dir, path string) string {
	r, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(r, "..") {
		return path
	}
	return r
}
