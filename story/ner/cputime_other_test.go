//go:build !unix

package ner

import "time"

// cpuTime is unavailable here; benchmarks then omit the per-CPU-second
// figure.
func cpuTime() time.Duration { return 0 }
