package ostest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// go test runs packages in parallel: a test in one package that kills a
// node would break another package's test that needs every node. Tests
// that kill nodes call Disturb, tests that need a steady cluster call
// Steady; a lock file per cluster (its base port) keeps them apart until
// the test ends.

// Disturb takes the cluster for the test alone (an exclusive lock).
func Disturb(t testing.TB) { lock(t, true) }

// Steady waits until no test is disturbing the cluster, and keeps others
// from doing so until this test ends (a shared lock).
func Steady(t testing.TB) { lock(t, false) }

func lock(t testing.TB, exclusive bool) {
	t.Helper()
	urls := URLs(t)
	port := "9200"
	if u, err := url.Parse(urls[0]); err == nil && u.Port() != "" {
		port = u.Port()
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("newsdex-opensearch-%s.lock", port))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("cluster lock: %v", err)
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		t.Fatalf("cluster lock %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}
