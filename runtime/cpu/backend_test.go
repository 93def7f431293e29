package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/graph"
	"vdvae/internal/testhp"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// TestBackendMatchesReference runs the whole training graph (forward and
// gradients) on both backends and compares every output.
func TestBackendMatchesReference(t *testing.T) {
	for _, src := range []string{"binarized_mnist", "cifar-10"} {
		h := testhp.Tiny(src, 3)
		m, err := graph.BuildModel(h, true)
		if err != nil {
			t.Fatal(err)
		}
		outs := map[string]*graph.Value{"loss": m.Graph.Outputs[graph.OutLoss]}
		for n, v := range m.Grads {
			outs[n] = v
		}
		const batch = 3
		run := func(be runtime.Backend) *runtime.Program {
			p, err := runtime.Compile(m.Graph, be, batch, outs)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			params := graph.InitParams(m.Graph, 3)
			for name, d := range params {
				p.Bind(name, d)
			}
			x := make([]float32, batch*h.Data.Channels*h.Data.TargetRes*h.Data.TargetRes)
			for i := range x {
				x[i] = float32(rng.IntN(2))
			}
			p.Bind(graph.InX, x)
			for i, g := range m.Groups {
				e := make([]float32, batch*g.Variates*g.H*g.W)
				for j := range e {
					e[j] = float32(rng.NormFloat64())
				}
				p.Bind(graph.EpsName(i), e)
			}
			p.Bind(graph.InLossScales, []float32{1e-3, 1e-3})
			p.Bind(graph.InGammaOn, []float32{1})
			norm := make([]float32, len(m.Groups))
			for i := range norm {
				norm[i] = 1
			}
			p.Bind(graph.InGammaNorm, norm)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			return p
		}
		a, b := run(ref.Backend{}), run(Backend{})
		for name := range outs {
			x, y := a.Output(name), b.Output(name)
			scale := 0.0
			for _, v := range x {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i := range x {
				if d := math.Abs(float64(x[i] - y[i])); d > 1e-4*math.Max(scale, 1e-3) {
					t.Fatalf("%s %s[%d]: ref %g, cpu %g", src, name, i, x[i], y[i])
				}
			}
		}
	}
}
