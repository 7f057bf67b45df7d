//go:build !linux

package main

// peakRSSMB is not measured off Linux.
func peakRSSMB() float64 { return 0 }

// currentRSSMB is not measured off Linux.
func currentRSSMB() (total, anon, file float64) { return 0, 0, 0 }
