package indexer

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// ManifestFile is the last entry of a backup tar: the files before it
// and their sizes. A download cut short has no manifest (and no
// store/root.bolt, written just before it), so Restore can tell.
const ManifestFile = "newsdex-backup.json"

// Manifest is the content of ManifestFile.
type Manifest struct {
	Format  int            `json:"format"` // 1
	Created time.Time      `json:"created"`
	Files   []ManifestItem `json:"files"`
}

// ManifestItem is one file of a backup.
type ManifestItem struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// BackupSummary is what WriteBackup wrote.
type BackupSummary struct {
	Files int
	Bytes int64 // file contents, without tar headers
}

// Backup writes a consistent snapshot of the index to w as a tar while
// the index keeps serving reads and writes; see WriteBackup.
func (g *Guarded) Backup(ctx context.Context, w io.Writer) (BackupSummary, error) {
	return WriteBackup(ctx, g.bleveIndex, w)
}

// WriteBackup writes a consistent snapshot of the index idx to w as a
// tar: the segment files, root.bolt (which names them and
// holds Bleve's internal values, the entity corrections among them),
// index_meta.json, and ManifestFile last. It uses Bleve's online copy
// (scorch CopyReader), which pins the index's current root snapshot and
// keeps its segment files from being merged away until the copy is done;
// writes acknowledged before the call are in the backup, later ones are
// not, and neither waits for the other.
//
// Segment files stream from disk into w; only root.bolt, which Bleve must
// write as a bolt database, and a segment not yet persisted pass through
// a temporary file (os.TempDir). Memory use does not grow with the index.
// On an error, w holds a tar with no manifest, which Restore refuses.
func WriteBackup(ctx context.Context, idx bleve.Index, w io.Writer) (BackupSummary, error) {
	copyable, ok := idx.(bleve.IndexCopyable)
	if !ok {
		return BackupSummary{}, errors.New("backup: this index type cannot be copied")
	}
	tmp, err := os.MkdirTemp("", "newsdex-backup-")
	if err != nil {
		return BackupSummary{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	d := &tarDirectory{ctx: ctx, tmp: tmp, tw: tar.NewWriter(w), now: time.Now().UTC()}
	if err := copyable.CopyTo(d); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return d.sum, fmt.Errorf("backup: %w", cerr)
		}
		return d.sum, fmt.Errorf("backup: %w", err)
	}
	if d.err != nil {
		return d.sum, fmt.Errorf("backup: %w", d.err)
	}
	if d.cur != nil {
		return d.sum, errors.New("backup: a file of the copy was left open")
	}
	// root.bolt is complete only once Bleve has closed it, after the copy.
	for _, f := range d.late {
		if err := d.addFile(f.name, f.path); err != nil {
			return d.sum, fmt.Errorf("backup: %w", err)
		}
	}
	m := Manifest{Format: 1, Created: d.now, Files: d.items}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return d.sum, err
	}
	if err := d.header(ManifestFile, int64(len(b))); err != nil {
		return d.sum, fmt.Errorf("backup: %w", err)
	}
	if _, err := d.tw.Write(b); err != nil {
		return d.sum, fmt.Errorf("backup: %w", err)
	}
	if err := d.tw.Close(); err != nil {
		return d.sum, fmt.Errorf("backup: %w", err)
	}
	return d.sum, nil
}

// tarDirectory is the index.Directory Bleve's CopyTo writes into: one
// file at a time, each appended to the tar.
type tarDirectory struct {
	ctx   context.Context
	tmp   string
	tw    *tar.Writer
	now   time.Time
	cur   io.Closer // the file being written
	err   error     // the first failed Close: Bleve ignores the errors of Close
	late  []lateFile
	items []ManifestItem
	sum   BackupSummary
}

// lateFile is a file added to the tar after the copy: root.bolt.
type lateFile struct{ name, path string }

// GetWriter implements index.Directory.
func (d *tarDirectory) GetWriter(name string) (io.WriteCloser, error) {
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	name = filepath.ToSlash(name)
	if !filepath.IsLocal(name) {
		return nil, fmt.Errorf("copy wants to write %q, outside the index", name)
	}
	if d.cur != nil {
		return nil, fmt.Errorf("copy opened %q while another file was open", name)
	}
	switch {
	case name == "store/root.bolt":
		// Bleve opens it as a bolt database by its name: a real file.
		f, err := os.CreateTemp(d.tmp, "root-*.bolt")
		if err != nil {
			return nil, err
		}
		d.late = append(d.late, lateFile{name, f.Name()})
		return f, nil
	case strings.HasPrefix(name, "store/") && path.Ext(name) == ".zap":
		// A persisted segment is copied from the index's own file, which
		// does not change: its size is known, so it streams. Bleve names
		// a segment still in memory the same way and writes it out; the
		// persister may be writing the same name to disk at that moment,
		// so the file on disk says nothing. The writer learns which it is
		// from how Bleve writes (segmentWriter).
		w := &segmentWriter{d: d, name: name}
		d.cur = w
		return w, nil
	}
	// Anything else (index_meta.json, a segment still in memory) goes
	// through a temporary file, then into the tar on Close.
	f, err := os.CreateTemp(d.tmp, "file-*")
	if err != nil {
		return nil, err
	}
	s := &spooled{d: d, name: name, f: f}
	d.cur = s
	return s, nil
}

func (d *tarDirectory) header(name string, size int64) error {
	d.items = append(d.items, ManifestItem{Name: name, Size: size})
	return d.tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: d.now, Format: tar.FormatPAX,
	})
}

// addFile appends the file at path to the tar as name.
func (d *tarDirectory) addFile(name, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := d.header(name, st.Size()); err != nil {
		return err
	}
	n, err := io.Copy(d.tw, io.LimitReader(f, st.Size()))
	d.sum.Bytes += n
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	d.sum.Files++
	return nil
}

// segmentWriter takes a segment file: Bleve copies a persisted segment
// from its file with io.Copy, which ends in ReadFrom with that file, whose
// size is then known and whose content streams; a segment still in memory
// is written with Write, and spooled like any file of unknown size.
type segmentWriter struct {
	d     *tarDirectory
	name  string
	spool *spooled // once Write was called
	done  bool     // once ReadFrom streamed the file
}

// ReadFrom implements io.ReaderFrom.
func (w *segmentWriter) ReadFrom(r io.Reader) (int64, error) {
	st, ok := r.(interface{ Stat() (os.FileInfo, error) })
	if !ok || w.spool != nil || w.done {
		return io.Copy(struct{ io.Writer }{w}, r) // by Write
	}
	fi, err := st.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", w.name)
	}
	if err := w.d.header(w.name, fi.Size()); err != nil {
		return 0, err
	}
	w.done = true
	e := &entryWriter{d: w.d, name: w.name, want: fi.Size()}
	n, err := io.Copy(struct{ io.Writer }{e}, io.LimitReader(r, fi.Size()))
	if err != nil {
		return n, err
	}
	if n != fi.Size() {
		return n, w.d.fail(fmt.Errorf("%s: copied %d bytes of %d", w.name, n, fi.Size()))
	}
	w.d.sum.Files++
	return n, nil
}

// Write implements io.Writer: a segment written out of memory.
func (w *segmentWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("%s: written to after it was copied", w.name)
	}
	if w.spool == nil {
		f, err := os.CreateTemp(w.d.tmp, "segment-*")
		if err != nil {
			return 0, err
		}
		w.spool = &spooled{d: w.d, name: w.name, f: f}
	}
	return w.spool.Write(p)
}

// Close implements io.Closer.
func (w *segmentWriter) Close() error {
	w.d.cur = nil
	switch {
	case w.spool != nil:
		return w.spool.Close()
	case !w.done: // an empty segment file
		if err := w.d.header(w.name, 0); err != nil {
			return w.d.fail(err)
		}
		w.d.sum.Files++
	}
	return nil
}

// entryWriter writes one streamed file's content into the tar.
type entryWriter struct {
	d       *tarDirectory
	name    string
	want, n int64
}

func (e *entryWriter) Write(p []byte) (int, error) {
	if err := e.d.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := e.d.tw.Write(p)
	e.n += int64(n)
	e.d.sum.Bytes += int64(n)
	return n, err
}

func (e *entryWriter) Close() error {
	e.d.cur = nil
	if e.n != e.want {
		return e.d.fail(fmt.Errorf("%s: copied %d bytes of %d", e.name, e.n, e.want))
	}
	e.d.sum.Files++
	return nil
}

// fail records the first error of a Close and returns it.
func (d *tarDirectory) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return err
}

// spooled is a file of unknown size, kept in a temporary file until it
// is closed.
type spooled struct {
	d    *tarDirectory
	name string
	f    *os.File
}

func (s *spooled) Write(p []byte) (int, error) {
	if err := s.d.ctx.Err(); err != nil {
		return 0, err
	}
	return s.f.Write(p)
}

func (s *spooled) Close() error {
	s.d.cur = nil
	p := s.f.Name()
	defer os.Remove(p)
	if err := s.f.Close(); err != nil {
		return s.d.fail(err)
	}
	if err := s.d.addFile(s.name, p); err != nil {
		return s.d.fail(err)
	}
	return nil
}
