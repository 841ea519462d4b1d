//go:build unix

package embed

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds the process's CPU time per operation since start to b's
// metrics as cpu-ms/op. On a machine shared with other work it is closer
// to the unloaded time than the wall clock is (single-goroutine benchmarks
// only: it counts every thread of the process).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
