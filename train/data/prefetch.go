package data

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAhead is how many batches of a streamed dataset an iterator reads
// ahead of the one it serves, unless [Spec].Ahead says otherwise.
const DefaultAhead = 3

// waitThreshold is the shortest wait for a batch that counts as the
// consumer waiting for data.
const waitThreshold = time.Millisecond

// batchJob is one batch of a streamed dataset being read by a few
// goroutines.
type batchJob struct {
	idx  []int   // images of the batch, indices in the dataset
	pix  []uint8 // their stored pixels, image after image
	bad  []bool  // per image: could not be read and is left out (skip mode)
	next atomic.Int64
	done sync.WaitGroup

	mu  sync.Mutex
	err error // the first error of a read
}

func (j *batchJob) setErr(err error) {
	j.mu.Lock()
	if j.err == nil {
		j.err = err
	}
	j.mu.Unlock()
}

// WaitStats says how long a consumer waited for batches that were still
// being read.
type WaitStats struct {
	Batches int           // batches served
	Waits   int           // batches that were not ready (waited 1 ms or more)
	Total   time.Duration // time spent waiting, all batches together
}

// readAhead reads the next batches of a streamed dataset in the
// background: at most ahead+1 batches are in flight or being served, and at
// most st.workers images are read at once. Each batch starts its own
// goroutines, which end when the batch is read, so an abandoned iterator
// leaves nothing running.
type readAhead struct {
	d     *Dataset
	skip  bool          // leave out images that cannot be read, instead of replacing them
	sem   chan struct{} // one token per image being read
	depth int           // batches kept in flight
	free  []*batchJob
	queue []*batchJob // in flight, oldest first
	stats WaitStats
}

// newReadAhead reads batches of d. With skip set, an image that cannot be
// read is marked bad in its batch (evaluation); otherwise it is replaced
// (training).
func newReadAhead(d *Dataset, batch int, skip bool) *readAhead {
	st := d.st
	ra := &readAhead{d: d, skip: skip, sem: make(chan struct{}, st.workers), depth: st.ahead}
	for range st.ahead + 1 {
		ra.free = append(ra.free, &batchJob{idx: make([]int, 0, batch),
			pix: make([]uint8, batch*d.ImageSize()), bad: make([]bool, 0, batch)})
	}
	return ra
}

// full reports whether no more batches should be submitted now.
func (ra *readAhead) full() bool { return len(ra.queue) >= ra.depth }

// submit starts reading the images idx as the batch after those queued.
func (ra *readAhead) submit(idx []int) {
	j := ra.free[len(ra.free)-1]
	ra.free = ra.free[:len(ra.free)-1]
	j.idx = append(j.idx[:0], idx...)
	j.bad = j.bad[:len(idx)]
	clear(j.bad)
	j.err = nil
	j.next.Store(0)
	g := min(ra.d.st.workers, len(idx))
	j.done.Add(g)
	for range g {
		go ra.work(j)
	}
	ra.queue = append(ra.queue, j)
}

// work reads images of j until none is left.
func (ra *readAhead) work(j *batchJob) {
	defer j.done.Done()
	d, st := ra.d, ra.d.st
	s := st.getScratch()
	defer st.putScratch(s)
	sz := d.ImageSize()
	for {
		m := int(j.next.Add(1)) - 1
		if m >= len(j.idx) {
			return
		}
		ra.sem <- struct{}{}
		err := st.read(d.off, d.Len(), j.idx[m], j.pix[m*sz:(m+1)*sz], s, ra.skip)
		<-ra.sem
		switch {
		case err == errSkipped:
			j.bad[m] = true // this goroutine alone writes element m
		case err != nil:
			j.setErr(err)
		}
	}
}

// next waits for the oldest queued batch. The caller hands it back with
// release once its pixels are used.
func (ra *readAhead) next() (*batchJob, error) {
	j := ra.queue[0]
	ra.queue = ra.queue[1:]
	t0 := time.Now()
	j.done.Wait()
	w := time.Since(t0)
	ra.stats.Batches++
	ra.stats.Total += w
	if w >= waitThreshold {
		ra.stats.Waits++
	}
	if j.err != nil {
		ra.release(j)
		return nil, j.err
	}
	return j, nil
}

func (ra *readAhead) release(j *batchJob) { ra.free = append(ra.free, j) }

// drain waits for every queued batch and drops it.
func (ra *readAhead) drain() {
	for _, j := range ra.queue {
		j.done.Wait()
		ra.release(j)
	}
	ra.queue = ra.queue[:0]
}
