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
	return WriteBackup(ctx, g.bleveIndex, g.dir, w)
}

// WriteBackup writes a consistent snapshot of the index idx, stored at
// dir, to w as a tar: the segment files, root.bolt (which names them and
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
func WriteBackup(ctx context.Context, idx bleve.Index, dir string, w io.Writer) (BackupSummary, error) {
	copyable, ok := idx.(bleve.IndexCopyable)
	if !ok {
		return BackupSummary{}, errors.New("backup: this index type cannot be copied")
	}
	tmp, err := os.MkdirTemp("", "newsdex-backup-")
	if err != nil {
		return BackupSummary{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	d := &tarDirectory{ctx: ctx, src: dir, tmp: tmp, tw: tar.NewWriter(w), now: time.Now().UTC()}
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
	src   string // the index directory, for the sizes of segment files
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
		// does not change: its size is known, so it streams.
		if st, err := os.Stat(filepath.Join(d.src, filepath.FromSlash(name))); d.src != "" && err == nil && st.Mode().IsRegular() {
			if err := d.header(name, st.Size()); err != nil {
				return nil, err
			}
			e := &entryWriter{d: d, name: name, want: st.Size()}
			d.cur = e
			return e, nil
		}
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
