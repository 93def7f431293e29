package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/graph"
	"vdvae/runtime"
)

// checkGrads compares every parameter gradient of g's "loss" output with
// central finite differences at a few random coordinates.
func checkGrads(t *testing.T, g *graph.Graph, feeds map[string][]float32, batch int, tol float64) {
	checkGradsInit(t, g, feeds, batch, tol, nil, 3)
}

// checkGradsInit is checkGrads with given parameter values (random normal
// when nil) and a number of probed coordinates per parameter.
func checkGradsInit(t *testing.T, g *graph.Graph, feeds map[string][]float32, batch int, tol float64,
	init map[string][]float32, trials int) {
	t.Helper()
	loss := g.Outputs["loss"]
	grads, err := graph.Grad(g, loss)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]*graph.Value{"loss": loss}
	for name, v := range grads {
		outs["grad:"+name] = v
	}
	prog, err := runtime.Compile(g, Backend{}, batch, outs)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	params := map[string][]float32{}
	for _, p := range g.Params {
		d := init[p.Name]
		if d == nil {
			d = randn(rng, p.Shape.Size(), 0.5)
		}
		params[p.Name] = d
		mustBind(t, prog, p.Name, d)
	}
	for name, d := range feeds {
		mustBind(t, prog, name, d)
	}
	eval := func() float64 {
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		return float64(prog.Output("loss")[0])
	}
	eval()
	analytic := map[string][]float32{}
	for name := range grads {
		analytic[name] = append([]float32(nil), prog.Output("grad:"+name)...)
	}
	for _, p := range g.Params {
		d := params[p.Name]
		for trial := 0; trial < trials; trial++ {
			i := rng.IntN(len(d))
			orig := d[i]
			const h = 1e-2
			d[i] = orig + h
			up := eval()
			d[i] = orig - h
			down := eval()
			d[i] = orig
			num := (up - down) / (2 * h)
			var an float64
			if a := analytic[p.Name]; a != nil {
				an = float64(a[i])
			}
			if diff := math.Abs(num - an); diff > tol*math.Max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", p.Name, i, an, num)
			}
		}
	}
}

func mustBind(t *testing.T, p *runtime.Program, name string, d []float32) {
	t.Helper()
	if err := p.Bind(name, d); err != nil {
		t.Fatal(err)
	}
}

func randn(rng *rand.Rand, n int, scale float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64() * scale)
	}
	return d
}

// opCase builds loss = sum(r * f(params)) for a random r.
type opCase struct {
	name  string
	build func(b *graph.Builder) *graph.Value
}

func TestOpGradients(t *testing.T) {
	p := func(b *graph.Builder, name string, s graph.Shape) *graph.Value {
		return b.Param(name, s, graph.Param{})
	}
	conv := func(k, s int) func(b *graph.Builder) *graph.Value {
		return func(b *graph.Builder) *graph.Value {
			x := p(b, "x", graph.Shape{2, 3, 8, 6})
			w := p(b, "w", graph.Shape{4, 3, k, k})
			bias := p(b, "b", graph.Shape{4})
			before, after := graph.SamePadding([2]int{k, k}, [2]int{s, s})
			return b.Conv2D(x, w, bias, graph.Conv2D{Kernel: [2]int{k, k}, Stride: [2]int{s, s},
				PadBefore: before, PadAfter: after})
		}
	}
	unary := func(fn graph.UnaryFn, alpha float64) func(b *graph.Builder) *graph.Value {
		return func(b *graph.Builder) *graph.Value {
			x := p(b, "x", graph.Shape{2, 3, 4, 4})
			if fn == graph.FnLog {
				x = b.Unary(graph.FnExp, 1, x)
			}
			return b.Unary(fn, alpha, x)
		}
	}
	cases := []opCase{
		{"conv3x3", conv(3, 1)}, {"conv1x1", conv(1, 1)}, {"conv2s2", conv(2, 2)},
		{"conv4s2", conv(4, 2)},
		{"silu", unary(graph.FnSiLU, 0)}, {"leaky", unary(graph.FnLeakyReLU, 0.1)},
		{"softplus", unary(graph.FnSoftplus, math.Ln2)}, {"exp", unary(graph.FnExp, 0.7)},
		{"log", unary(graph.FnLog, 0)}, {"tanh", unary(graph.FnTanh, 0)},
		{"sigmoid", unary(graph.FnSigmoid, 0)}, {"square", unary(graph.FnSquare, 0)},
		{"scale", unary(graph.FnScale, -2)}, {"addconst", unary(graph.FnAddConst, 3)},
		{"binary-broadcast", func(b *graph.Builder) *graph.Value {
			x := p(b, "x", graph.Shape{2, 3, 4, 4})
			y := p(b, "y", graph.Shape{1, 3, 4, 4})
			z := p(b, "z", graph.Shape{2, 1, 1, 1})
			return b.Div(b.Mul(b.Sub(b.Add(x, y), z), y), b.Unary(graph.FnAddConst, 3, b.Unary(graph.FnSquare, 0, z)))
		}},
		{"concat-slice", func(b *graph.Builder) *graph.Value {
			x := p(b, "x", graph.Shape{2, 3, 4, 4})
			y := p(b, "y", graph.Shape{2, 2, 4, 4})
			c := b.Concat(1, x, y, x)
			var s graph.Slice
			s.Begin[1], s.End[1], s.Begin[2], s.End[2] = 1, 7, 1, 3
			return b.Slice(c, s)
		}},
		{"upsample-broadcast-reduce", func(b *graph.Builder) *graph.Value {
			x := p(b, "x", graph.Shape{1, 3, 2, 2})
			y := b.BroadcastTo(x, graph.Shape{2, 3, 2, 2})
			return b.SumAll(b.Upsample(y, [2]int{2, 4}), true)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder()
			out := c.build(b)
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			rng := rand.New(rand.NewPCG(3, 4))
			r := b.Param("r", out.Shape, graph.Param{})
			_ = rng
			b.Output("loss", b.SumAll(b.Mul(out, r), false))
			checkGrads(t, b.Graph(), nil, 2, 2e-2)
		})
	}
}

func TestDMoLGradient(t *testing.T) {
	for _, c := range []int{1, 3} {
		for _, base := range []graph.DistBase{graph.BaseStd, graph.BaseLogStd} {
			const m = 3
			b := graph.NewBuilder()
			l := b.Param("logits", graph.Shape{2, m * (3*c + 1), 3, 3}, graph.Param{})
			x := b.Input("x", graph.Shape{graph.Batch, c, 3, 3})
			op := graph.DMoLNLL{M: m, C: c, NumClasses: 255, MinPix: -1, MaxPix: 1,
				Base: base, Beta: math.Ln2, MinLogScale: -7}
			b.Output("loss", b.SumAll(b.DMoLNLL(l, x, op), false))
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			rng := rand.New(rand.NewPCG(5, 6))
			xs := make([]float32, 2*c*9)
			for i := range xs {
				// Include both edge values and interior values.
				switch i % 5 {
				case 0:
					xs[i] = -1
				case 1:
					xs[i] = 1
				default:
					xs[i] = float32(math.Round(rng.Float64()*255)/127.5 - 1)
				}
			}
			checkGrads(t, b.Graph(), map[string][]float32{"x": xs}, 2, 2e-2)
		}
	}
}
