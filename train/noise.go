package train

import (
	"math/rand/v2"
)

// Noise streams of the evaluation and inference graphs. Each kind of noise
// has its own stream so that, for example, masking variates does not change
// the posterior noise of the variates it keeps.
const (
	StreamPosterior uint64 = 0x706f7374 // posterior eps of every group
	StreamPrior     uint64 = 0x7072696f // prior eps (masked variates, generation)
	StreamOutput    uint64 = 0x6f757470 // sampling of the output distribution
)

// Noise draws the random inputs of evaluation and inference image by image:
// image k's values come from a generator seeded with (Seed, Stream, k), so
// they depend neither on the batch size nor on the other images of a batch.
// Evaluating the same images with the same seed therefore gives the same
// numbers whatever the batch size, in every runtime.
type Noise struct {
	Seed, Stream uint64
}

// For returns the generator of image k.
func (n Noise) For(k int) *rand.Rand {
	return rand.New(rand.NewPCG(n.Seed, n.Stream^uint64(k)*0x9e3779b97f4a7c15))
}

// FillNormal fills standard normal values for images first..first+count-1
// into per-group buffers: bufs[g] holds count images of sizes[g] values each.
// Image k draws group 0's values, then group 1's, and so on.
func (n Noise) FillNormal(bufs [][]float32, sizes []int, first, count int) {
	for i := range count {
		r := n.For(first + i)
		for g, b := range bufs {
			fillNormal(r, b[i*sizes[g]:(i+1)*sizes[g]])
		}
	}
}
