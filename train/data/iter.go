package data

import (
	"fmt"
	"math/rand/v2"
)

// noiseStream is the second PCG seed word of a TrainIter's noise source; the
// permutation of epoch e uses e in that place, so the two never start from
// the same state.
const noiseStream = 1<<64 - 1

// flipStream returns the second PCG seed word of epoch e's flips, which
// differs from every epoch's permutation stream and from noiseStream.
func flipStream(e int) uint64 { return 1<<63 | uint64(e) }

// cursor walks a training set in shuffled epochs of full batches.
type cursor struct {
	seed  uint64
	flip  bool // draw flips
	epoch int
	pos   int      // index in perm of the next batch's first image
	perm  []int    // order of the current epoch
	flips []uint64 // bit p: mirror the image at position p of the epoch
}

func newCursor(n int, seed uint64, flip bool) *cursor {
	c := &cursor{seed: seed, flip: flip, perm: make([]int, n)}
	if flip {
		c.flips = make([]uint64, (n+63)/64)
	}
	c.start(0)
	return c
}

// start sets the order of epoch e, and its flips, as functions of the seed
// and e only.
func (c *cursor) start(e int) {
	for i := range c.perm {
		c.perm[i] = i
	}
	shuffle(c.perm, rand.NewPCG(c.seed, uint64(e)))
	if c.flip {
		src := rand.NewPCG(c.seed, flipStream(e))
		for i := range c.flips {
			c.flips[i] = src.Uint64()
		}
	}
	c.epoch, c.pos = e, 0
}

// take returns the images of the next batch and the position of its first
// image in the epoch, starting a new epoch when the current one has no full
// batch left.
func (c *cursor) take(batch int) (idx []int, pos int) {
	if c.pos+batch > len(c.perm) {
		c.start(c.epoch + 1)
	}
	pos = c.pos
	c.pos += batch
	return c.perm[pos : pos+batch], pos
}

// flipped reports whether the image at position p of the epoch is mirrored.
func (c *cursor) flipped(p int) bool { return c.flip && c.flips[p/64]>>(p%64)&1 != 0 }

// TrainIter serves training batches: each epoch visits the images in a fresh
// random order and drops the last incomplete batch. Over a streamed dataset
// it reads the next batches ahead in the background. It is not safe for
// concurrent use.
type TrainIter struct {
	d     *Dataset
	batch int
	cur   *cursor    // the batches served
	plan  *cursor    // the batches submitted for reading ahead (streamed only)
	ra    *readAhead // nil in memory
	noise *rand.PCG
	err   error // a failed read, returned from then on
}

// IterState is everything a TrainIter needs to continue where it was. It
// marshals to JSON for a checkpoint's metadata.
type IterState struct {
	Seed      uint64 `json:"seed,string"`
	Epoch     int    `json:"epoch"`
	Pos       int    `json:"pos"`        // position of the next batch in the epoch's order
	BatchSize int    `json:"batch_size"` // checked on Restore
	Len       int    `json:"len"`        // dataset size, checked on Restore
	Noise     []byte `json:"noise"`      // PCG state of the Bernoulli noise
}

// TrainOption changes how a TrainIter serves its batches.
type TrainOption func(*trainConfig)

type trainConfig struct{ flip bool }

// WithFlip mirrors each served image left to right with probability 1/2
// when on (the reference's random horizontal flip). Whether image p of
// epoch e is mirrored is a function of the seed, e and p only.
func WithFlip(on bool) TrainOption { return func(c *trainConfig) { c.flip = on } }

// NewTrainIter returns an iterator over d in batches of batchSize images,
// shuffled and sampled from seed. d must hold at least one full batch.
func NewTrainIter(d *Dataset, batchSize int, seed uint64, opts ...TrainOption) (*TrainIter, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("data: batch size %d: want at least 1", batchSize)
	}
	if d.Len() < batchSize {
		return nil, fmt.Errorf("data: %d training images make no full batch of %d", d.Len(), batchSize)
	}
	var cfg trainConfig
	for _, o := range opts {
		o(&cfg)
	}
	it := &TrainIter{
		d:     d,
		batch: batchSize,
		cur:   newCursor(d.Len(), seed, cfg.flip),
		noise: rand.NewPCG(seed, noiseStream),
	}
	if d.st != nil {
		it.plan = newCursor(d.Len(), seed, false)
		it.ra = newReadAhead(d, batchSize, false)
	}
	return it, nil
}

// Next fills dst, which must hold BatchSize()*ImageSize() values, with the
// next batch, starting a new epoch when the current one has no full batch
// left. Over an in-memory dataset it does not allocate and never fails.
// Over a streamed one it fails when the dataset has too many images that
// cannot be read (see the package documentation); the iterator then keeps
// returning that error.
func (it *TrainIter) Next(dst []float32) error {
	sz := it.d.ImageSize()
	if want := it.batch * sz; len(dst) != want {
		panic(fmt.Sprintf("data: TrainIter.Next: dst holds %d values, a batch needs %d", len(dst), want))
	}
	if it.err != nil {
		return it.err
	}
	if it.ra == nil {
		idx, pos := it.cur.take(it.batch)
		if !it.cur.flip {
			return it.d.Fill(dst, idx, it.noise)
		}
		for k, i := range idx {
			it.d.encode(dst[k*sz:(k+1)*sz], it.d.pix[i*sz:(i+1)*sz], it.cur.flipped(pos+k), it.noise)
		}
		return nil
	}
	for !it.ra.full() {
		idx, _ := it.plan.take(it.batch)
		it.ra.submit(idx)
	}
	job, err := it.ra.next()
	if err != nil {
		it.err = err
		return err
	}
	_, pos := it.cur.take(it.batch)
	for k := range it.batch {
		it.d.encode(dst[k*sz:(k+1)*sz], job.pix[k*sz:(k+1)*sz], it.cur.flipped(pos+k), it.noise)
	}
	it.ra.release(job)
	return nil
}

// Epoch returns the epoch of the batch last served, counting from 0.
func (it *TrainIter) Epoch() int { return it.cur.epoch }

// BatchSize returns the number of images in a batch.
func (it *TrainIter) BatchSize() int { return it.batch }

// BatchesPerEpoch returns the number of full batches in an epoch.
func (it *TrainIter) BatchesPerEpoch() int { return it.d.Len() / it.batch }

// Waits says how long Next waited for batches still being read; all zero
// over an in-memory dataset.
func (it *TrainIter) Waits() WaitStats {
	if it.ra == nil {
		return WaitStats{}
	}
	return it.ra.stats
}

// State returns the iterator's position and noise state.
func (it *TrainIter) State() IterState {
	noise, err := it.noise.MarshalBinary()
	if err != nil {
		panic("data: marshal PCG state: " + err.Error()) // PCG's marshaling cannot fail
	}
	return IterState{
		Seed:      it.cur.seed,
		Epoch:     it.cur.epoch,
		Pos:       it.cur.pos,
		BatchSize: it.batch,
		Len:       it.d.Len(),
		Noise:     noise,
	}
}

// Restore continues from a state returned by State, on an iterator over the
// same data with the same batch size. The seed is taken from s.
func (it *TrainIter) Restore(s IterState) error {
	switch {
	case s.BatchSize != it.batch:
		return fmt.Errorf("data: restore iterator: saved batch size %d, this run uses %d",
			s.BatchSize, it.batch)
	case s.Len != it.d.Len():
		return fmt.Errorf("data: restore iterator: saved for %d images, this data set has %d",
			s.Len, it.d.Len())
	case s.Epoch < 0 || s.Pos < 0 || s.Pos > s.Len:
		return fmt.Errorf("data: restore iterator: bad position epoch %d pos %d", s.Epoch, s.Pos)
	}
	noise := new(rand.PCG)
	if err := noise.UnmarshalBinary(s.Noise); err != nil {
		return fmt.Errorf("data: restore iterator: noise state: %w", err)
	}
	it.noise = noise
	it.cur.seed = s.Seed
	it.cur.start(s.Epoch)
	it.cur.pos = s.Pos
	if it.ra != nil {
		it.ra.drain()
		it.plan.seed = s.Seed
		it.plan.start(s.Epoch)
		it.plan.pos = s.Pos
		it.err = nil
	}
	return nil
}

// EvalIter serves a validation or test set in order, in batches whose last
// one may be smaller. Over a streamed dataset it reads the next batches
// ahead in the background, and an image that cannot be read is left out
// (and listed by [Dataset.Skipped]) rather than replaced, so that no image
// counts twice; [EvalIter.Indices] says which images a batch holds. It is
// not safe for concurrent use.
type EvalIter struct {
	d      *Dataset
	batch  int
	n      int // images to serve, skipped ones included
	pos    int // next image to serve
	plan   int // next image to submit for reading ahead
	served int // images served since the start
	idx    []int
	out    []int // indices of the images of the last batch served
	ra     *readAhead
	err    error
}

// NewEvalIter returns an iterator over the first nSamples images of d (all
// of them when nSamples is 0 or larger than d) in batches of batchSize. d
// must have a deterministic encoding: binarize a set once with
// [Dataset.Binarize] before evaluating on it.
func NewEvalIter(d *Dataset, batchSize, nSamples int) (*EvalIter, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("data: batch size %d: want at least 1", batchSize)
	}
	if d.enc.Mode == Bernoulli {
		return nil, fmt.Errorf("data: evaluation needs fixed images, not the Bernoulli encoding; " +
			"binarize the set once first")
	}
	if nSamples < 0 {
		return nil, fmt.Errorf("data: n_samples %d: want 0 (all) or more", nSamples)
	}
	if nSamples == 0 || nSamples > d.Len() {
		nSamples = d.Len()
	}
	it := &EvalIter{d: d, batch: batchSize, n: nSamples, idx: make([]int, batchSize),
		out: make([]int, 0, batchSize)}
	if d.st != nil {
		it.ra = newReadAhead(d, batchSize, true)
	}
	return it, nil
}

// Next fills the front of dst, which must hold at least BatchSize()*ImageSize()
// values, with the next batch and returns its number of images; 0 means the
// set is done, or that reading failed: check Err. A batch of a streamed
// dataset holds fewer images when some could not be read. Over an
// in-memory dataset it does not allocate.
func (it *EvalIter) Next(dst []float32) int {
	sz := it.d.ImageSize()
	if len(dst) < it.batch*sz {
		panic(fmt.Sprintf("data: EvalIter.Next: dst holds %d values, a batch needs %d",
			len(dst), it.batch*sz))
	}
	it.out = it.out[:0]
	if it.err != nil {
		return 0
	}
	if it.ra == nil {
		k := min(it.batch, it.n-it.pos)
		for j := range k {
			it.idx[j] = it.pos + j
		}
		it.d.Fill(dst[:k*sz], it.idx[:k], nil)
		it.out = append(it.out, it.idx[:k]...)
		it.pos += k
		return k
	}
	for {
		k, more := it.nextStreamed(dst)
		if k > 0 || !more {
			return k
		}
	}
}

// nextStreamed serves the next batch read ahead, without the images that
// could not be read, and reports whether batches remain after it.
func (it *EvalIter) nextStreamed(dst []float32) (int, bool) {
	sz := it.d.ImageSize()
	for !it.ra.full() && it.plan < it.n {
		k := min(it.batch, it.n-it.plan)
		for j := range k {
			it.idx[j] = it.plan + j
		}
		it.ra.submit(it.idx[:k])
		it.plan += k
	}
	if len(it.ra.queue) == 0 {
		if it.served == 0 && it.n > 0 {
			it.err = fmt.Errorf("data: none of the %d images%s could be read; each is listed as "+
				"skipped", it.n, it.d.st.in())
		}
		return 0, false
	}
	job, err := it.ra.next()
	if err != nil {
		it.err = err
		return 0, false
	}
	k := 0
	for m, i := range job.idx {
		if job.bad[m] {
			continue
		}
		it.d.encode(dst[k*sz:(k+1)*sz], job.pix[m*sz:(m+1)*sz], false, nil)
		it.out = append(it.out, i)
		k++
	}
	it.pos += len(job.idx)
	it.served += k
	it.ra.release(job)
	return k, true
}

// Indices returns the indices in the dataset of the images of the batch
// that Next served last, in order. The slice is valid until the next call
// of Next or Reset.
func (it *EvalIter) Indices() []int { return it.out }

// Err returns the error that ended the iteration early, or nil.
func (it *EvalIter) Err() error { return it.err }

// Len returns the number of images the iterator serves in all, counting
// those of a streamed dataset that turn out to be unreadable and are left
// out.
func (it *EvalIter) Len() int { return it.n }

// BatchSize returns the largest number of images in a batch.
func (it *EvalIter) BatchSize() int { return it.batch }

// Reset starts the iteration again from the first image.
func (it *EvalIter) Reset() {
	if it.ra != nil {
		it.ra.drain()
	}
	it.pos, it.plan, it.served, it.err = 0, 0, 0, nil
	it.out = it.out[:0]
}
