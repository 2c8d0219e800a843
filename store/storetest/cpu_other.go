//go:build !unix

package storetest

import "time"

// CPUTime returns 0 where getrusage is missing.
func CPUTime() time.Duration { return 0 }
