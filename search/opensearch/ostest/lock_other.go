//go:build !unix

package ostest

import "os"

// flock is a no-op where there is no flock: run cluster tests with -p 1.
func flock(*os.File, bool) error { return nil }
