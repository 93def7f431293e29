package data

import (
	"math/bits"
	"math/rand/v2"
)

// BinarizeSeed seeds the one-time binarization of binarized MNIST's
// validation and test sets: the validation set draws from
// rand.NewPCG(BinarizeSeed, 1) and the test set from
// rand.NewPCG(BinarizeSeed, 2), pixel by pixel in NCHW order. Changing it
// changes every reported validation and test number.
const BinarizeSeed uint64 = 101

// referenceTestSeed is the numpy RandomState seed with which the reference
// shuffles the MNIST test images before halving them.
const referenceTestSeed = 101

// uint64n returns a uniform integer in [0, n), n > 0, by Lemire's
// multiply-and-reject method. It is written out here, rather than taken from
// rand.Rand, so that the sequence depends only on src and never on the Go
// release.
func uint64n(src rand.Source, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// bernoulli returns true with probability x / 255. The certain cases 0 and
// 255 draw nothing from src.
func bernoulli(src rand.Source, x uint8) bool {
	switch x {
	case 0:
		return false
	case 255:
		return true
	}
	return uint64n(src, 255) < uint64(x)
}

// shuffle permutes p uniformly (Fisher–Yates, from the end).
func shuffle(p []int, src rand.Source) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(uint64n(src, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
}

// numpyShuffled returns the order in which numpy's legacy
// RandomState(seed).shuffle leaves np.arange(n): element k of the shuffled
// array is element order[k] of the original. It reproduces MT19937 seeded by
// init_genrand and numpy's bounded draws (mask, then reject), which is what
// sklearn.utils.shuffle(x, random_state=seed) does for an array.
func numpyShuffled(n int, seed uint32) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	mt := newMT19937(seed)
	for i := n - 1; i > 0; i-- {
		j := int(mt.interval(uint32(i)))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// mt19937 is the 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998).
type mt19937 struct {
	state [624]uint32
	next  int
}

func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{next: len(mt19937{}.state)}
	m.state[0] = seed
	for i := 1; i < len(m.state); i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	return m
}

// uint32 returns the next tempered output.
func (m *mt19937) uint32() uint32 {
	if m.next >= len(m.state) {
		m.regenerate()
	}
	y := m.state[m.next]
	m.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// regenerate computes the next 624 words of state.
func (m *mt19937) regenerate() {
	const n, shift = 624, 397
	for i := range n {
		y := m.state[i]&0x80000000 | m.state[(i+1)%n]&0x7fffffff
		v := m.state[(i+shift)%n] ^ y>>1
		if y&1 != 0 {
			v ^= 0x9908b0df
		}
		m.state[i] = v
	}
	m.next = 0
}

// interval returns a uniform integer in [0, limit] as numpy's legacy
// random_interval does: draw 32 bits, mask them to the smallest covering
// power of two, reject values above limit.
func (m *mt19937) interval(limit uint32) uint32 {
	if limit == 0 {
		return 0
	}
	mask := uint32(1)<<bits.Len32(limit) - 1
	for {
		if v := m.uint32() & mask; v <= limit {
			return v
		}
	}
}
