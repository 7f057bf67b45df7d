//go:build !linux

package ner_test

import "time"

// threadCPU is not measured outside Linux; benchmarks then report only
// wall-clock MB/s.
func threadCPU() time.Duration { return 0 }
