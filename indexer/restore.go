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

// RestoreSummary is what Restore unpacked.
type RestoreSummary struct {
	Files    int
	Bytes    int64
	Manifest bool // the tar ended with a newsdex backup manifest
}

// Restore unpacks the backup tar read from r into dir, which must not
// exist or be empty. It writes regular files and directories only, each
// inside dir, and refuses the whole tar (ErrBadBackup) at the first entry
// that is a link, a device, an absolute path, leaves dir, or comes twice;
// it also refuses a tar without index_meta.json and store/root.bolt, or
// whose files differ from its manifest. On any error it removes what it
// wrote. It does not check the index: run Check on dir afterwards.
func Restore(r io.Reader, dir string) (sum RestoreSummary, err error) {
	created, err := prepareRestoreDir(dir)
	if err != nil {
		return sum, err
	}
	defer func() {
		if err != nil {
			cleanRestoreDir(dir, created)
		}
	}()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("restore: %w: %s", ErrBadBackup, fmt.Sprintf(format, args...))
	}
	tr := tar.NewReader(r)
	sizes := map[string]int64{}
	var manifest *Manifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(sizes) == 0 && manifest == nil {
				return sum, bad("not a tar file (%v)", err)
			}
			return sum, bad("the tar is cut short or damaged after %d files (%v)", len(sizes), err)
		}
		if manifest != nil {
			return sum, bad("entry %q comes after the manifest, which ends a backup", hdr.Name)
		}
		name, err := localName(hdr.Name)
		if err != nil {
			return sum, bad("%v", err)
		}
		if _, dup := sizes[name]; dup {
			return sum, bad("entry %q comes twice", hdr.Name)
		}
		switch hdr.Typeflag {
		case tar.TypeXGlobalHeader:
			continue // PAX metadata for the whole archive, no file
		case tar.TypeDir:
			if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
				return sum, fmt.Errorf("restore: %w", err)
			}
			continue
		case tar.TypeReg, tar.TypeRegA:
		case tar.TypeSymlink:
			return sum, bad("entry %q is a symbolic link to %q; a backup holds regular files only", hdr.Name, hdr.Linkname)
		case tar.TypeLink:
			return sum, bad("entry %q is a hard link to %q; a backup holds regular files only", hdr.Name, hdr.Linkname)
		default:
			return sum, bad("entry %q is of type %q (a device, FIFO or other special file); a backup holds regular files only", hdr.Name, hdr.Typeflag)
		}
		if name == ManifestFile {
			manifest = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(manifest); err != nil {
				return sum, bad("manifest %s: %v", ManifestFile, err)
			}
			sum.Manifest = true
			continue
		}
		n, err := writeRestored(filepath.Join(dir, name), tr)
		sum.Bytes += n
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return sum, bad("the tar is cut short in %q", hdr.Name)
			}
			return sum, fmt.Errorf("restore %s: %w", name, err)
		}
		sizes[name] = n
		sum.Files++
	}
	if len(sizes) == 0 && manifest == nil {
		return sum, bad("the tar is empty")
	}
	for _, need := range []string{"index_meta.json", "store/root.bolt"} {
		if _, ok := sizes[need]; !ok {
			return sum, bad("no %s in the tar: not a newsdex index, or a download cut short", need)
		}
	}
	if manifest != nil {
		for _, f := range manifest.Files {
			name, err := localName(f.Name)
			if err != nil {
				return sum, bad("manifest: %v", err)
			}
			got, ok := sizes[name]
			if !ok {
				return sum, bad("the manifest lists %s, which is not in the tar", f.Name)
			}
			if got != f.Size {
				return sum, bad("%s has %d bytes, the manifest says %d", f.Name, got, f.Size)
			}
		}
	}
	return sum, nil
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
