//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time (user + system) this process has used: on
// a shared machine it measures what a query costs better than wall time
// (for SQLite, whose work runs in this process).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
