//go:build unix

package web

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used. On a
// shared machine it measures what the code costs better than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
