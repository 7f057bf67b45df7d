//go:build linux

package ner_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used. Benchmarks
// lock their goroutine to a thread and report MB per CPU-second next to
// wall-clock MB/s, so a busy shared machine does not understate the
// per-core rate.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
