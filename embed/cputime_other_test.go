//go:build !unix

package embed

import (
	"testing"
	"time"
)

// reportCPU reports nothing where the CPU time is not available.
func reportCPU(*testing.B, time.Duration) {}

// cpuTime returns 0 where the CPU time is not available.
func cpuTime() time.Duration { return 0 }
