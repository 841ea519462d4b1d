package embed

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallel checks that parallel covers every index exactly once, on
// the team and (with several callers at once) on the fallback goroutines,
// including after the helpers have exited, and that idle helpers exit.
func TestParallel(t *testing.T) {
	run := func(t *testing.T, n, threads int) {
		hits := make([]atomic.Int32, n)
		parallel(n, threads, func(lo, hi int) {
			if lo > hi || lo < 0 || hi > n {
				t.Errorf("range [%d, %d) outside [0, %d)", lo, hi, n)
				return
			}
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("n=%d threads=%d: index %d run %d times", n, threads, i, h)
			}
		}
	}
	for _, n := range []int{1, 2, 3, 5, 17, 100} {
		for _, threads := range []int{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(t *testing.T) { run(t, n, threads) })
		}
	}
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					run(t, 1+(i*7+c)%40, 2+c%3)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("after the helpers exit", func(t *testing.T) {
		time.Sleep(3 * teamSpin)
		run(t, 64, 3)
		deadline := time.Now().Add(time.Second)
		for workers.live.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(teamSpin)
		}
		if n := workers.live.Load(); n != 0 {
			t.Errorf("%d helpers still running a second after the last job", n)
		}
	})
}
