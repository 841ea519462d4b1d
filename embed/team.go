package embed

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A forward pass over one short text is a sequence of products that take
// tens of microseconds each. Splitting them across goroutines started per
// product (go + WaitGroup) costs a wake-up of a sleeping thread each time,
// which is as long as the work for a 13-token query. The team instead keeps
// helper goroutines that, after finishing a part, spin for a while waiting
// for the next job before they exit, so consecutive products of one forward
// pass find them running.

// teamSpin is how long an idle helper polls for the next job before it
// exits. It covers the gaps between the products of one forward pass (and
// between a server's back-to-back queries) without burning a core for long
// when the embedder is idle.
const teamSpin = 200 * time.Microsecond

// teamJob is one parallel call: n items in parts contiguous ranges, each
// claimed by whichever goroutine gets to it first.
type teamJob struct {
	f     func(lo, hi int)
	n     int
	parts int64
	next  atomic.Int64 // next part to claim
	done  atomic.Int64 // parts finished
}

// run claims and runs parts of j until none is left.
func (j *teamJob) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.parts {
			return
		}
		f, n, parts := j.f, int64(j.n), j.parts
		f(int(i*n/parts), int((i+1)*n/parts))
		j.done.Add(1)
	}
}

// team is a set of helper goroutines that run the parts of one parallel
// job at a time alongside its caller. A helper that finds no new job for
// teamSpin exits, so an idle embedder holds no goroutines; the next job
// starts helpers again. A caller that finds the team busy (another text on
// another goroutine is using it) falls back to starting goroutines.
type team struct {
	busy sync.Mutex // held by the caller whose job the team runs
	cur  atomic.Pointer[teamJob]
	live atomic.Int32 // helpers running
}

// workers is the process-wide team used by parallel.
var workers team

// tryRun runs f over [0, n) on threads goroutines, the caller and
// threads-1 helpers, and reports whether it could: false when the team is
// busy with another caller's job. The range is cut into up to 2·threads
// parts claimed one at a time, so a helper that starts late (or loses its
// thread to another process) leaves its parts to the others, and the
// caller runs whatever no helper claimed.
func (t *team) tryRun(n, threads int, f func(lo, hi int)) bool {
	if !t.busy.TryLock() {
		return false
	}
	defer t.busy.Unlock()
	j := &teamJob{f: f, n: n, parts: int64(min(n, 2*threads))}
	t.cur.Store(j)
	for live := t.live.Load(); live < int32(threads-1); live = t.live.Load() {
		if t.live.CompareAndSwap(live, live+1) {
			go t.loop()
		}
	}
	j.run()
	// Wait for the parts helpers claimed; they are running, so spin, but
	// after a while yield now and then in case one of them lost its thread.
	for spins := 0; j.done.Load() < j.parts; spins++ {
		if spins >= 1<<14 && spins&255 == 255 {
			runtime.Gosched()
		}
	}
	t.cur.Store(nil)
	return true
}

// loop is a helper's life: run the current job's parts, spin for the next
// job, and exit when none has come for teamSpin.
func (t *team) loop() {
	defer t.live.Add(-1)
	var last *teamJob
	deadline := time.Now().Add(teamSpin)
	for spins := 0; ; spins++ {
		if j := t.cur.Load(); j != nil && j != last {
			last = j
			j.run()
			deadline = time.Now().Add(teamSpin)
			continue
		}
		// Check the clock now and then; yield rarely (the scheduler's
		// locks are shared with the goroutines doing the work).
		if spins&1023 == 1023 {
			if time.Now().After(deadline) {
				return
			}
			if spins&(1<<15-1) == 1<<15-1 {
				runtime.Gosched()
			}
		}
	}
}
