//go:build linux

package indexer

import (
	"golang.org/x/sys/unix"
)

var errNoSpaceSyscall error = unix.ENOSPC

// freeSpace reports the bytes available to this user on the file system
// holding dir (or its nearest existing parent).
func freeSpace(dir string) (uint64, bool, error) {
	var st unix.Statfs_t
	for {
		err := unix.Statfs(dir, &st)
		if err == nil {
			return st.Bavail * uint64(st.Bsize), true, nil
		}
		if err != unix.ENOENT || dir == "/" || dir == "." {
			return 0, false, err
		}
		dir = parentDir(dir)
	}
}
