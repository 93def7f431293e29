package ref

import (
	"math/rand/v2"
	"testing"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/testhp"
)

// TestModelGradients checks the whole training graph's parameter gradients
// against finite differences, for each output kind and each option that
// changes the graph.
func TestModelGradients(t *testing.T) {
	cases := map[string]func() *configs.Hparams{
		"bernoulli": func() *configs.Hparams { return testhp.Tiny("binarized_mnist", 1) },
		"mol-gray":  func() *configs.Hparams { return testhp.Tiny("fashion_mnist", 1) },
		"mol-rgb":   func() *configs.Hparams { return testhp.Tiny("cifar-10", 3) },
		"logstd-residual-kxk": func() *configs.Hparams {
			h := testhp.Tiny("cifar-10", 3)
			h.Model.DistributionBase, h.Model.OutputDistributionBase = "logstd", "logstd"
			h.Model.UseResidualDistribution = true
			h.Model.Use1x1Conv = false
			h.Model.StableInit = false
			return h
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			h := mk()
			m, err := graph.BuildModel(h, false)
			if err != nil {
				t.Fatal(err)
			}
			const batch = 2
			rng := rand.New(rand.NewPCG(7, 8))
			r, c := h.Data.TargetRes, h.Data.Channels
			x := make([]float32, batch*c*r*r)
			for i := range x {
				if h.Data.IsBinarized() {
					x[i] = float32(rng.IntN(2))
				} else {
					x[i] = float32(rng.IntN(256))/127.5 - 1
				}
			}
			feeds := map[string][]float32{graph.InX: x}
			L := len(m.Groups)
			norm := make([]float32, L)
			for i := range norm {
				norm[i] = float32(0.5 + rng.Float64())
			}
			feeds[graph.InGammaNorm] = norm
			// Gamma weights are not differentiated, so finite differences must
			// run with them off; TestGammaWeights covers their values.
			feeds[graph.InGammaOn] = []float32{0}
			// Realistic scales keep the loss near 1, where float32 finite
			// differences are accurate.
			nd := float32(batch * m.Dims)
			feeds[graph.InLossScales] = []float32{0.7 / nd, 1.3 / nd}
			for i, g := range m.Groups {
				feeds[graph.EpsName(i)] = randn(rng, batch*g.Variates*g.H*g.W, 1)
			}
			params := graph.InitParams(m.Graph, 9)
			// Zero-initialised tensors would hide broken paths: perturb all.
			for _, d := range params {
				for i := range d {
					d[i] += float32(rng.NormFloat64() * 0.05)
				}
			}
			checkGradsInit(t, m.Graph, feeds, batch, 3e-2, params, 1)
		})
	}
}
