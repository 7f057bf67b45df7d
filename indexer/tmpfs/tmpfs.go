// Package tmpfs mounts small tmpfs file systems for tests of what newsdex
// does when a disk fills up. Mounting needs root (CI runs as root); tests
// are skipped otherwise.
package tmpfs

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// Mount mounts a tmpfs of size bytes on a new directory and returns it.
// The test is skipped when not running as root on Linux, or when the
// mount is refused (a container without CAP_SYS_ADMIN). The mount is
// undone when the test ends, pass or fail.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root on Linux")
	}
	dir, err := os.MkdirTemp("", "newsdex-tmpfs-")
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		os.Remove(dir)
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			// Something still holds a file open; detach it so the mount
			// goes away when that ends.
			if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
				return
			}
		}
		os.Remove(dir)
	})
	return dir
}

// Resize changes the size of the tmpfs mounted at dir by Mount, as
// `mount -o remount,size=N` does.
func Resize(t testing.TB, dir string, size int64) {
	t.Helper()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_REMOUNT, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("remount %s with size %d: %v", dir, size, err)
	}
}
