package cpu

import (
	"os"
	goruntime "runtime"
	"strconv"
	"sync/atomic"
)

// Parallelism. The backend splits large kernels into parts that run at the
// same time on the calling goroutine and on helper goroutines, one helper
// per further worker. Helpers are not locked to OS threads (a parked
// locked goroutine takes far longer to wake); the C side therefore keys its
// per-worker state (oneDNN's stream and scratch) by worker number, and sets
// OpenMP's thread count on every call.
//
// A helper that finishes a part spins for a while (spinIters checks, some
// tens of microseconds) before it parks on a channel: the kernels of a
// training step come back to back, and waking a parked goroutine costs tens
// of microseconds, as much as a small kernel. The caller waits for its
// helpers by spinning too; its own part is usually as long as theirs.

// workers is the number of threads kernels use: GOMAXPROCS when the
// package starts, capped by OMP_NUM_THREADS when that is set (so
// OMP_NUM_THREADS=1 still means one thread), at most maxWorkers.
var workers = countWorkers()

// maxWorkers bounds workers; the C side keeps per-worker scratch for as
// many (VD_MAX_WORKERS).
const maxWorkers = 8

func countWorkers() int {
	n := goruntime.GOMAXPROCS(0)
	if v, err := strconv.Atoi(os.Getenv("OMP_NUM_THREADS")); err == nil && v > 0 {
		n = min(n, v)
	}
	return max(1, min(n, maxWorkers))
}

// parallelMin is the element count above which elementwise work is split.
const parallelMin = 1 << 15

// spinIters is how many times an idle helper (or a waiting caller) checks
// for its signal before it parks (or yields).
const spinIters = 1 << 15

type helper struct {
	f      func(lo, hi int)
	lo, hi int
	posted atomic.Uint64 // parts posted
	done   atomic.Uint64 // parts finished
	parked atomic.Bool
	wake   chan struct{} // buffered: a wake-up is never lost
}

// idle holds the helpers no split is using; split takes them without
// blocking, so that a split that finds none (another goroutine is
// splitting) runs its job alone instead of waiting.
var idle = startHelpers(workers - 1)

func startHelpers(n int) chan *helper {
	ch := make(chan *helper, n)
	for i := 0; i < n; i++ {
		h := &helper{wake: make(chan struct{}, 1)}
		go h.loop()
		ch <- h
	}
	return ch
}

func (h *helper) loop() {
	var seen uint64
	for {
		for i := 0; h.posted.Load() == seen; i++ {
			if i < spinIters {
				continue
			}
			h.parked.Store(true)
			if h.posted.Load() == seen { // no post between the check and parked
				<-h.wake
			}
			h.parked.Store(false)
			i = 0
		}
		seen++
		h.f(h.lo, h.hi)
		h.f = nil
		h.done.Store(seen)
	}
}

// post hands the helper one part; the helper must be idle.
func (h *helper) post(f func(lo, hi int), lo, hi int) {
	h.f, h.lo, h.hi = f, lo, hi
	h.posted.Add(1)
	if h.parked.Load() {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// wait returns once the helper has finished every posted part.
func (h *helper) wait() {
	want := h.posted.Load()
	for i := 0; h.done.Load() != want; i++ {
		if i >= spinIters {
			goruntime.Gosched()
		}
	}
}

// split runs f over [0, n) in parts, concurrently on the idle helpers when
// n is large. Part boundaries are multiples of 16 elements (64 bytes), so
// that parts of a float32 array never share a cache line.
func split(n int, f func(lo, hi int)) {
	splitAligned(n, parallelMin, 16, f)
}

// splitAligned is split with its own threshold (n below it runs on the
// calling goroutine alone) and part boundaries that are multiples of align.
func splitAligned(n, threshold, align int, f func(lo, hi int)) {
	if n < threshold || n < 2*align || cap(idle) == 0 {
		f(0, n)
		return
	}
	var got [maxWorkers]*helper
	k := borrow(&got, maxWorkers)
	parts := k + 1
	bound := func(i int) int {
		if i == parts {
			return n
		}
		return n * i / parts / align * align
	}
	for i := 0; i < k; i++ {
		got[i].post(f, bound(i+1), bound(i+2))
	}
	f(0, bound(1))
	giveBack(got[:k])
}

// parts runs f(i, i+1) for i in [0, n): part 0 on the calling goroutine,
// the others on helpers when enough are idle, else one after the other on
// the caller. Which goroutine runs a part never changes what it computes.
func parts(n int, f func(i, _ int)) {
	var got [maxWorkers]*helper
	k := borrow(&got, n-1)
	for i := 0; i < k; i++ {
		got[i].post(f, i+1, i+2)
	}
	f(0, 1)
	for i := k + 1; i < n; i++ {
		f(i, i+1)
	}
	giveBack(got[:k])
}

// borrow takes up to most idle helpers into got and returns how many.
func borrow(got *[maxWorkers]*helper, most int) int {
	k := 0
	for k < len(got) && k < cap(idle) && k < most {
		select {
		case h := <-idle:
			got[k] = h
			k++
			continue
		default:
		}
		break
	}
	return k
}

// giveBack waits for the helpers and returns them to idle.
func giveBack(hs []*helper) {
	for _, h := range hs {
		h.wait()
		idle <- h
	}
}
