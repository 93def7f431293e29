package data

import (
	"fmt"
	"math/rand/v2"
)

// noiseStream is the second PCG seed word of a TrainIter's noise source; the
// permutation of epoch e uses e in that place, so the two never start from
// the same state.
const noiseStream = 1<<64 - 1

// TrainIter serves training batches: each epoch visits the images in a fresh
// random order and drops the last incomplete batch. It is not safe for
// concurrent use.
type TrainIter struct {
	d     *Dataset
	batch int
	seed  uint64
	epoch int
	pos   int   // index in perm of the next batch's first image
	perm  []int // order of the current epoch
	noise *rand.PCG
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

// NewTrainIter returns an iterator over d in batches of batchSize images,
// shuffled and sampled from seed. d must hold at least one full batch.
func NewTrainIter(d *Dataset, batchSize int, seed uint64) (*TrainIter, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("data: batch size %d: want at least 1", batchSize)
	}
	if d.Len() < batchSize {
		return nil, fmt.Errorf("data: %d training images make no full batch of %d", d.Len(), batchSize)
	}
	it := &TrainIter{
		d:     d,
		batch: batchSize,
		seed:  seed,
		perm:  make([]int, d.Len()),
		noise: rand.NewPCG(seed, noiseStream),
	}
	it.startEpoch(0)
	return it, nil
}

// startEpoch sets the order of epoch e, a function of the seed and e only.
func (it *TrainIter) startEpoch(e int) {
	for i := range it.perm {
		it.perm[i] = i
	}
	shuffle(it.perm, rand.NewPCG(it.seed, uint64(e)))
	it.epoch, it.pos = e, 0
}

// Next fills dst, which must hold BatchSize()*ImageSize() values, with the
// next batch, starting a new epoch when the current one has no full batch
// left. It does not allocate.
func (it *TrainIter) Next(dst []float32) {
	if want := it.batch * it.d.ImageSize(); len(dst) != want {
		panic(fmt.Sprintf("data: TrainIter.Next: dst holds %d values, a batch needs %d", len(dst), want))
	}
	if it.pos+it.batch > len(it.perm) {
		it.startEpoch(it.epoch + 1)
	}
	it.d.Fill(dst, it.perm[it.pos:it.pos+it.batch], it.noise)
	it.pos += it.batch
}

// Epoch returns the epoch of the batch last served, counting from 0.
func (it *TrainIter) Epoch() int { return it.epoch }

// BatchSize returns the number of images in a batch.
func (it *TrainIter) BatchSize() int { return it.batch }

// BatchesPerEpoch returns the number of full batches in an epoch.
func (it *TrainIter) BatchesPerEpoch() int { return it.d.Len() / it.batch }

// State returns the iterator's position and noise state.
func (it *TrainIter) State() IterState {
	noise, err := it.noise.MarshalBinary()
	if err != nil {
		panic("data: marshal PCG state: " + err.Error()) // PCG's marshaling cannot fail
	}
	return IterState{
		Seed:      it.seed,
		Epoch:     it.epoch,
		Pos:       it.pos,
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
	it.seed, it.noise = s.Seed, noise
	it.startEpoch(s.Epoch)
	it.pos = s.Pos
	return nil
}

// EvalIter serves a validation or test set in order, in batches whose last
// one may be smaller. It is not safe for concurrent use.
type EvalIter struct {
	d     *Dataset
	batch int
	n     int // images to serve
	pos   int
	idx   []int
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
	return &EvalIter{d: d, batch: batchSize, n: nSamples, idx: make([]int, batchSize)}, nil
}

// Next fills the front of dst, which must hold at least BatchSize()*ImageSize()
// values, with the next batch and returns its number of images; 0 means the
// set is done. It does not allocate.
func (it *EvalIter) Next(dst []float32) int {
	sz := it.d.ImageSize()
	if len(dst) < it.batch*sz {
		panic(fmt.Sprintf("data: EvalIter.Next: dst holds %d values, a batch needs %d",
			len(dst), it.batch*sz))
	}
	k := min(it.batch, it.n-it.pos)
	for j := range k {
		it.idx[j] = it.pos + j
	}
	it.d.Fill(dst[:k*sz], it.idx[:k], nil)
	it.pos += k
	return k
}

// Len returns the number of images the iterator serves in all.
func (it *EvalIter) Len() int { return it.n }

// BatchSize returns the largest number of images in a batch.
func (it *EvalIter) BatchSize() int { return it.batch }

// Reset starts the iteration again from the first image.
func (it *EvalIter) Reset() { it.pos = 0 }
