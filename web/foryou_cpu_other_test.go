//go:build !unix

package web

import "time"

// cpuTime is unknown here: 0, and benchmarks report no CPU time.
func cpuTime() time.Duration { return 0 }
