package graph

import (
	"math"
	"math/rand/v2"
)

// Initialize fills dst (of p's size) with p's initial values drawn from rng.
func (p *Param) Initialize(rng *rand.Rand, dst []float32) {
	var bound float64
	switch p.Init {
	case InitZeros:
		clear(dst)
		return
	case InitXavierUniform:
		bound = math.Sqrt(6 / float64(p.FanIn+p.FanOut))
	case InitTorchDefault:
		bound = 1 / math.Sqrt(float64(p.FanIn))
	case InitKaimingLinear:
		bound = math.Sqrt(3 / float64(p.FanIn))
	}
	for i := range dst {
		dst[i] = float32((rng.Float64()*2 - 1) * bound * p.Scale)
	}
}

// InitParams returns freshly initialised values for every parameter of g,
// drawn in declaration order from a generator seeded with seed.
func InitParams(g *Graph, seed uint64) map[string][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0x76647661))
	out := make(map[string][]float32, len(g.Params))
	for _, p := range g.Params {
		d := make([]float32, p.Shape.Size())
		p.Initialize(rng, d)
		out[p.Name] = d
	}
	return out
}
