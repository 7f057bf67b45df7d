package indexer

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrBadBackup means a backup tar was refused: not a newsdex backup,
// cut short, or holding an entry that could write outside the target
// (an absolute path, "..", a link or a device).
var ErrBadBackup = errors.New("not a usable newsdex backup")

// ErrRestoreTooLarge means a backup was refused, before its files were
// written, because it unpacks to more than the target's file system has
// free, or more than RestoreOptions.MaxBytes.
var ErrRestoreTooLarge = errors.New("the backup is too large to restore here")

// RestoreSummary is what Restore unpacked.
type RestoreSummary struct {
	Files    int
	Bytes    int64
	Manifest bool // the tar ended with a newsdex backup manifest
}

// RestoreOptions limit what Restore unpacks.
type RestoreOptions struct {
	// MaxBytes caps the bytes of the files unpacked; 0: no cap but the
	// free space of the target's file system, which is always checked.
	MaxBytes int64

	free func(dir string) (uint64, bool, error) // tests; nil: the file system's
}

// Restore unpacks the backup tar read from r into dir, which must not
// exist or be empty. It writes regular files and directories only, each
// inside dir, and refuses the whole tar (ErrBadBackup) at the first entry
// that is a link, a device, an absolute path, leaves dir, or comes twice;
// it also refuses a tar without index_meta.json and store/root.bolt, or
// whose files differ from its manifest. It refuses a tar that unpacks to
// more than the free space of dir's file system or opts.MaxBytes
// (ErrRestoreTooLarge): when r can seek (a file), the whole tar is read
// through first, so nothing is written; otherwise each entry is checked
// before it is written. On any error it removes what it wrote. It does
// not check the index: run Check on dir afterwards.
func Restore(r io.Reader, dir string, opts RestoreOptions) (sum RestoreSummary, err error) {
	if opts.free == nil {
		opts.free = freeSpace
	}
	// Before anything is written: a tar in a file is read through once
	// for its entries and sizes, skipping the contents.
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			var total int64
			_, err := walkTar(rs, func(hdr *tar.Header, _ string, _ io.Reader) error {
				if hdr.Typeflag == tar.TypeDir {
					return nil
				}
				total += hdr.Size
				return fits(opts, dir, hdr.Name, total, "the backup unpacks to at least")
			})
			if err != nil {
				return sum, err
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return sum, fmt.Errorf("restore: %w", err)
			}
		}
	}
	created, err := prepareRestoreDir(dir)
	if err != nil {
		return sum, err
	}
	defer func() {
		if err != nil {
			cleanRestoreDir(dir, created)
		}
	}()
	sizes := map[string]int64{}
	var manifest *Manifest
	n, err := walkTar(r, func(hdr *tar.Header, name string, body io.Reader) error {
		if hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			return nil
		}
		if name == ManifestFile {
			manifest = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(manifest); err != nil {
				return badBackup("manifest %s: %v", ManifestFile, err)
			}
			sum.Manifest = true
			return nil
		}
		// A stream cannot be read twice: each entry is checked before
		// it is written.
		if err := fits(opts, dir, hdr.Name, sum.Bytes+hdr.Size, "the backup unpacks to at least"); err != nil {
			return err
		}
		if err := fitsFree(opts, dir, hdr.Name, hdr.Size); err != nil {
			return err
		}
		n, err := writeRestored(filepath.Join(dir, name), body)
		sum.Bytes += n
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return badBackup("the tar is cut short in %q", hdr.Name)
			}
			return fmt.Errorf("restore %s: %w", name, err)
		}
		sizes[name] = n
		sum.Files++
		return nil
	})
	if err != nil {
		return sum, err
	}
	if n == 0 {
		return sum, badBackup("the tar is empty")
	}
	for _, need := range []string{"index_meta.json", "store/root.bolt"} {
		if _, ok := sizes[need]; !ok {
			return sum, badBackup("no %s in the tar: not a newsdex index, or a download cut short", need)
		}
	}
	if manifest != nil {
		for _, f := range manifest.Files {
			name, err := localName(f.Name)
			if err != nil {
				return sum, badBackup("manifest: %v", err)
			}
			got, ok := sizes[name]
			if !ok {
				return sum, badBackup("the manifest lists %s, which is not in the tar", f.Name)
			}
			if got != f.Size {
				return sum, badBackup("%s has %d bytes, the manifest says %d", f.Name, got, f.Size)
			}
		}
	}
	return sum, nil
}

func badBackup(format string, args ...any) error {
	return fmt.Errorf("restore: %w: %s", ErrBadBackup, fmt.Sprintf(format, args...))
}

// fits refuses total bytes unpacked, reached at entry, when they exceed
// the cap or the free space of dir's file system.
func fits(opts RestoreOptions, dir, entry string, total int64, what string) error {
	if opts.MaxBytes > 0 && total > opts.MaxBytes {
		return fmt.Errorf("restore: %w: %s %s with entry %q, over the limit of %s",
			ErrRestoreTooLarge, what, mib(uint64(total)), entry, mib(uint64(opts.MaxBytes)))
	}
	return fitsFree(opts, dir, entry, total)
}

// fitsFree refuses n bytes to be written when dir's file system has less
// free.
func fitsFree(opts RestoreOptions, dir, entry string, n int64) error {
	free, known, err := opts.free(dir)
	if err != nil || !known || n <= 0 || uint64(n) <= free {
		return nil
	}
	return fmt.Errorf("restore: %w: %s needed with entry %q, and the file system of %s has %s free; free space or restore elsewhere",
		ErrRestoreTooLarge, mib(uint64(n)), entry, dir, mib(free))
}

// walkTar reads the tar from r and calls fn, in order, with each regular
// file and directory and its name inside the target. It refuses the whole
// tar (ErrBadBackup) at the first entry a backup cannot hold. It returns
// the number of entries read.
func walkTar(r io.Reader, fn func(hdr *tar.Header, name string, body io.Reader) error) (int, error) {
	tr := tar.NewReader(r)
	seen := map[string]bool{}
	n := 0
	manifest := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			if n == 0 {
				return n, badBackup("not a tar file (%v)", err)
			}
			return n, badBackup("the tar is cut short or damaged after %d entries (%v)", n, err)
		}
		n++
		if manifest {
			return n, badBackup("entry %q comes after the manifest, which ends a backup", hdr.Name)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // PAX metadata for the whole archive, no file
		}
		name, err := localName(hdr.Name)
		if err != nil {
			return n, badBackup("%v", err)
		}
		if seen[name] {
			return n, badBackup("entry %q comes twice", hdr.Name)
		}
		seen[name] = true
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeReg, tar.TypeRegA:
		case tar.TypeSymlink:
			return n, badBackup("entry %q is a symbolic link to %q; a backup holds regular files only", hdr.Name, hdr.Linkname)
		case tar.TypeLink:
			return n, badBackup("entry %q is a hard link to %q; a backup holds regular files only", hdr.Name, hdr.Linkname)
		default:
			return n, badBackup("entry %q is of type %q (a device, FIFO or other special file); a backup holds regular files only", hdr.Name, hdr.Typeflag)
		}
		if hdr.Size < 0 {
			return n, badBackup("entry %q has a negative size", hdr.Name)
		}
		if name == ManifestFile {
			manifest = true
		}
		if err := fn(hdr, name, tr); err != nil {
			return n, err
		}
	}
}

// localName is a tar entry's name as a path inside the target, or an
// error for a name that would leave it.
func localName(name string) (string, error) {
	slashed := strings.ReplaceAll(name, `\`, "/")
	if name == "" {
		return "", errors.New("an entry has no name")
	}
	if strings.HasPrefix(slashed, "/") || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("entry %q is an absolute path; a backup holds paths inside the index only", name)
	}
	clean := filepath.Clean(filepath.FromSlash(strings.TrimSuffix(slashed, "/")))
	if !filepath.IsLocal(clean) || strings.Contains("/"+slashed+"/", "/../") {
		return "", fmt.Errorf("entry %q leaves the target directory (path traversal)", name)
	}
	return filepath.ToSlash(clean), nil
}

// prepareRestoreDir makes dir, or accepts it when it exists and is
// empty; it reports whether it made it.
func prepareRestoreDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("restore: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("restore into %s: %w", dir, err)
	case len(entries) > 0:
		return false, fmt.Errorf("restore into %s: the directory is not empty (%d entries); restore into a new or empty directory", dir, len(entries))
	}
	return false, nil
}

// cleanRestoreDir undoes a failed restore.
func cleanRestoreDir(dir string, created bool) {
	if created {
		_ = os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// writeRestored creates the file at p, which must not exist, with the
// content of r.
func writeRestored(p string, r io.Reader) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
