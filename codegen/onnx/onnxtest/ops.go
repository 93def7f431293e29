package onnxtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/graph"
)

// Ops returns one small graph per lowering rule and variant: every unary
// function (with the Alpha values the model uses and others), broadcasting
// binaries, layout ops on batched tensors, the gradient-only layout ops
// (Pad, SumPool, taken from a differentiated graph), and the mixture NLL
// over 1 and 3 channels with both scale bases. Each has one output, "y".
func Ops(tb testing.TB) []Case {
	tb.Helper()
	var cases []Case
	add := func(c Case, err error) {
		if err != nil {
			tb.Fatalf("%s: %v", c.Name, err)
		}
		cases = append(cases, c)
	}
	for _, u := range unaryCases {
		add(unaryCase(u.fn, u.alpha))
	}
	shapes := [][2]graph.Shape{
		{{graph.Batch, 3, 4, 5}, {graph.Batch, 3, 4, 5}},
		{{graph.Batch, 3, 4, 5}, {1, 3, 1, 5}},
		{{graph.Batch, 1, 4, 1}, {graph.Batch, 3, 1, 5}},
		{{1, 3, 4, 5}, {graph.Batch, 1, 1, 1}},
	}
	for _, fn := range []graph.BinaryFn{graph.FnAdd, graph.FnSub, graph.FnMul, graph.FnDiv} {
		for _, s := range shapes {
			add(binaryCase(fn, s[0], s[1]))
		}
	}
	for _, lc := range layoutCases() {
		add(layoutCase(lc.name, lc.shape, lc.f))
	}
	add(gradOpCase("pad", graph.KindPad, func(b *graph.Builder, t *graph.Value) *graph.Value {
		var s graph.Slice
		s.Begin[1], s.End[1] = 1, 2
		s.Begin[2], s.End[2] = 2, 5
		s.Begin[3], s.End[3] = 1, 3
		return b.Slice(t, s)
	}))
	add(gradOpCase("sum-pool", graph.KindSumPool, func(b *graph.Builder, t *graph.Value) *graph.Value {
		return b.Upsample(t, [2]int{2, 3})
	}))
	for _, c := range []int{1, 3} {
		for _, base := range []graph.DistBase{graph.BaseStd, graph.BaseLogStd} {
			for _, minLog := range []float64{-250, -4} {
				add(dmolCase(c, base, minLog))
			}
		}
	}
	return cases
}

// op builds a graph's output from its input x.
type op func(b *graph.Builder, x *graph.Value) *graph.Value

type layoutSpec struct {
	name  string
	shape graph.Shape // of x
	f     op
}

func layoutCases() []layoutSpec {
	n := graph.Batch
	cases := []layoutSpec{
		{"concat-channels", graph.Shape{n, 2, 4, 5}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			return b.Concat(1, x, b.Unary(graph.FnScale, 2, x), b.SliceAxis(x, 1, 1, 2))
		}},
		{"concat-width", graph.Shape{n, 2, 4, 5}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			return b.Concat(3, x, b.SliceAxis(x, 3, 1, 4))
		}},
		{"slice-box", graph.Shape{n, 4, 6, 7}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			var s graph.Slice
			s.Begin[1], s.End[1] = 1, 3
			s.Begin[2], s.End[2] = 2, 6
			s.End[3] = 7 // the full extent, written out
			return b.Slice(x, s)
		}},
		{"slice-tail", graph.Shape{n, 4, 6, 7}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			var s graph.Slice
			s.Begin[2] = 3 // End 0: to the end
			s.Begin[3], s.End[3] = 0, 2
			return b.Slice(x, s)
		}},
		{"upsample-2x3", graph.Shape{n, 2, 3, 4}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			return b.Upsample(x, [2]int{2, 3})
		}},
		{"broadcast-over-batch", graph.Shape{n, 2, 3, 4}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			p := b.Param("p", graph.Shape{1, 2, 3, 4}, graph.Param{})
			return b.Add(b.BroadcastTo(p, graph.Shape{n, 2, 3, 4}), x)
		}},
		{"broadcast-channels", graph.Shape{n, 1, 3, 4}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			return b.BroadcastTo(x, graph.Shape{n, 5, 3, 4})
		}},
		{"stop-grad", graph.Shape{n, 2, 3}, func(b *graph.Builder, x *graph.Value) *graph.Value {
			return b.StopGrad(x)
		}},
	}
	for _, to := range []graph.Shape{{n, 1, 1, 1}, {1, 2, 1, 1}, {1, 1, 1, 1}, {n, 2, 1, 4}} {
		cases = append(cases, layoutSpec{"reduce-to-" + to.String(), graph.Shape{n, 2, 3, 4},
			func(b *graph.Builder, x *graph.Value) *graph.Value { return b.ReduceSumTo(x, to) }})
	}
	return cases
}

var unaryCases = []struct {
	fn    graph.UnaryFn
	alpha float64
}{
	{graph.FnSiLU, 0}, {graph.FnLeakyReLU, 0.1}, {graph.FnLeakyReLU, 0.3},
	{graph.FnSoftplus, 1}, {graph.FnSoftplus, math.Ln2}, {graph.FnSoftplus, 2.5},
	{graph.FnExp, 1}, {graph.FnExp, math.Ln2}, {graph.FnExp, -0.5},
	{graph.FnLog, 0}, {graph.FnTanh, 0}, {graph.FnSigmoid, 0}, {graph.FnSquare, 0},
	{graph.FnScale, -1.5}, {graph.FnScale, 0}, {graph.FnAddConst, 0.25}, {graph.FnAddConst, -1},
}

// extremes are values that probe overflow handling, placed at the start of
// the inputs of functions that must stay finite on them.
var extremes = []float32{-100, -40, -30, -20, -1e-3, 0, 1e-3, 20, 30, 40, 100}

func unaryCase(fn graph.UnaryFn, alpha float64) (Case, error) {
	name := fmt.Sprintf("unary-%v-%g", fn, alpha)
	shape := graph.Shape{graph.Batch, 3, 4, 5}
	b := graph.NewBuilder()
	b.Output("y", b.Unary(fn, alpha, b.Input("x", shape)))
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 1))
		x := Normal(rng, n*shape.Size(), 3)
		switch fn {
		case graph.FnLog:
			for i := range x {
				x[i] = float32(math.Abs(float64(x[i]))) + 1e-3
			}
		case graph.FnExp, graph.FnSquare, graph.FnScale, graph.FnAddConst:
		default:
			copy(x, extremes)
		}
		return map[string][]float32{"x": x}
	}
	return Case{Name: name, Graph: b.Graph(), Outputs: []string{"y"}, Feed: feed}, b.Err()
}

func binaryCase(fn graph.BinaryFn, sa, sb graph.Shape) (Case, error) {
	name := fmt.Sprintf("binary-%v-%v-%v", fn, sa, sb)
	b := graph.NewBuilder()
	x, y := b.Input("a", sa), b.Input("b", sb)
	var out *graph.Value
	switch fn {
	case graph.FnAdd:
		out = b.Add(x, y)
	case graph.FnSub:
		out = b.Sub(x, y)
	case graph.FnMul:
		out = b.Mul(x, y)
	case graph.FnDiv:
		out = b.Div(x, y)
	}
	b.Output("y", out)
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 2))
		a, d := Normal(rng, sa.Bind(n).Size(), 2), Normal(rng, sb.Bind(n).Size(), 2)
		for i, v := range d {
			// Divisors away from zero.
			d[i] = float32(math.Copysign(0.5+math.Abs(float64(v)), float64(v)))
		}
		return map[string][]float32{"a": a, "b": d}
	}
	return Case{Name: name, Graph: b.Graph(), Outputs: []string{"y"}, Feed: feed}, b.Err()
}

// layoutCase applies f to one input "x" of the given shape; parameters f
// declares get normal weights.
func layoutCase(name string, shape graph.Shape, f op) (Case, error) {
	b := graph.NewBuilder()
	b.Output("y", f(b, b.Input("x", shape)))
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 3))
		return map[string][]float32{"x": Normal(rng, shape.Bind(n).Size(), 1)}
	}
	return Case{Name: name, Graph: b.Graph(), Outputs: []string{"y"}, Weights: normalWeights(b.Graph()),
		Feed: feed}, b.Err()
}

// gradOpCase differentiates loss = sum(f(x * p) * r) for a parameter p and
// exports the first node of the given kind in the gradient, an op that
// appears only there (Pad is Slice's gradient, SumPool Upsample's).
func gradOpCase(name string, kind graph.OpKind, f op) (Case, error) {
	shape := graph.Shape{graph.Batch, 2, 6, 6}
	b := graph.NewBuilder()
	x := b.Input("x", shape)
	p := b.Param("p", graph.Shape{1, 2, 6, 6}, graph.Param{})
	u := f(b, b.Mul(x, p))
	r := b.Input("r", u.Shape)
	loss := b.SumAll(b.Mul(u, r), false)
	if b.Err() != nil {
		return Case{Name: name}, b.Err()
	}
	g := b.Graph()
	if _, err := graph.Grad(g, loss); err != nil {
		return Case{Name: name}, err
	}
	for _, n := range g.Nodes {
		if n.Op.Kind() == kind {
			g.Outputs["y"] = n.Out
			break
		}
	}
	if g.Outputs["y"] == nil {
		return Case{Name: name}, fmt.Errorf("no %v node in the gradient", kind)
	}
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 4))
		return map[string][]float32{
			"x": Normal(rng, shape.Bind(n).Size(), 1),
			"r": Normal(rng, u.Shape.Bind(n).Size(), 1),
		}
	}
	return Case{Name: name, Graph: g, Outputs: []string{"y"}, Weights: normalWeights(g), Feed: feed}, nil
}

func normalWeights(g *graph.Graph) map[string][]float32 {
	rng := rand.New(rand.NewPCG(5, 6))
	w := map[string][]float32{}
	for _, p := range g.Params {
		w[p.Name] = Normal(rng, p.Shape.Size(), 1)
	}
	return w
}

// DMoLOp returns the mixture op of dmolCase: 3 components; 8 bits for one
// channel, 5 bits (top bin below 1) for three.
func DMoLOp(c int, base graph.DistBase, minLogScale float64) graph.DMoLNLL {
	op := graph.DMoLNLL{M: 3, C: c, NumClasses: 255, MinPix: -1, MaxPix: 1, Base: base,
		Beta: math.Ln2, MinLogScale: minLogScale}
	if c == 3 {
		op.NumClasses, op.MaxPix = 31, (248-127.5)/127.5
	}
	return op
}

func dmolCase(c int, base graph.DistBase, minLogScale float64) (Case, error) {
	op := DMoLOp(c, base, minLogScale)
	name := fmt.Sprintf("dmol-c%d-%s-min%g", c, [...]string{"std", "logstd"}[base], minLogScale)
	const h, w = 5, 6
	ls := graph.Shape{graph.Batch, op.M * (3*c + 1), h, w}
	ts := graph.Shape{graph.Batch, c, h, w}
	b := graph.NewBuilder()
	b.Output("y", b.DMoLNLL(b.Input("logits", ls), b.Input("targets", ts), op))
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 7))
		return map[string][]float32{
			"logits":  DMoLLogits(rng, op, ls.Bind(n)),
			"targets": DMoLTargets(rng, op, ts.Bind(n)),
		}
	}
	return Case{Name: name, Graph: b.Graph(), Outputs: []string{"y"}, Feed: feed}, b.Err()
}

// DMoLLogits draws mixture logits that reach every case of the NLL: scale
// parameters from very small scales (pixels far out in a component's
// tail, where the CDF difference falls below 1e-5) to wide ones, and below
// the minimum log scale when it is reachable.
func DMoLLogits(rng *rand.Rand, op graph.DMoLNLL, s graph.Shape) []float32 {
	hw := s[2] * s[3]
	out := make([]float32, s.Size())
	for i := range out {
		ch := (i / hw) % s[1]
		switch {
		case ch < op.M: // mixture logits
			out[i] = float32(rng.NormFloat64())
		case (ch-op.M)%(3*op.M) < op.M: // means
			out[i] = float32(rng.NormFloat64() * 0.7)
		case (ch-op.M)%(3*op.M) < 2*op.M: // scale parameters
			out[i] = float32(-8 + 11*rng.Float64())
		default: // coefficients
			out[i] = float32(rng.NormFloat64())
		}
	}
	return out
}

// DMoLTargets draws pixel values on the op's bins, a quarter of them at the
// lowest or highest bin.
func DMoLTargets(rng *rand.Rand, op graph.DMoLNLL, s graph.Shape) []float32 {
	out := make([]float32, s.Size())
	step := 256 / (op.NumClasses + 1) // 8-bit levels per bin, 2^(8-bits)
	for i := range out {
		k := float64(rng.IntN(int(op.NumClasses) + 1))
		switch rng.IntN(8) {
		case 0:
			k = 0
		case 1:
			k = op.NumClasses
		}
		out[i] = float32((k*step - 127.5) / 127.5)
	}
	return out
}

// DMoLCases counts how often each case of the NLL is taken, per (pixel,
// channel, component), computed in float64 as runtime/ref does: the lowest
// bin, the highest bin, a middle bin, and a middle bin whose CDF
// difference is at or below 1e-5.
func DMoLCases(op graph.DMoLNLL, logits, targets []float32, s graph.Shape) (
	low, high, mid, fallback int) {
	n, ch, hw, M := s[0], s[1], s[2]*s[3], op.M
	at := func(img, c, px int) float64 { return float64(logits[(img*ch+c)*hw+px]) }
	for img := 0; img < n; img++ {
		for px := 0; px < hw; px++ {
			x := func(c int) float64 { return float64(targets[(img*op.C+c)*hw+px]) }
			for c := 0; c < op.C; c++ {
				base := M + 3*M*c
				for m := 0; m < M; m++ {
					mean := at(img, base+m, px)
					switch c {
					case 1:
						mean += math.Tanh(at(img, M+2*M+m, px)) * x(0)
					case 2:
						mean += math.Tanh(at(img, M+3*M+2*M+m, px))*x(0) + math.Tanh(at(img, M+6*M+2*M+m, px))*x(1)
					}
					inv := invScale(op, at(img, base+M+m, px))
					sp := sigmoid(inv * (x(c) - mean + 1/op.NumClasses))
					sm := sigmoid(inv * (x(c) - mean - 1/op.NumClasses))
					switch {
					case x(c) <= op.MinPix:
						low++
					case x(c) >= op.MaxPix:
						high++
					case sp-sm > 1e-5:
						mid++
					default:
						fallback++
					}
				}
			}
		}
	}
	return low, high, mid, fallback
}

func invScale(op graph.DMoLNLL, raw float64) float64 {
	if op.Base == graph.BaseLogStd {
		return math.Exp(-op.Beta * math.Max(raw, op.MinLogScale))
	}
	s := math.Log1p(math.Exp(op.Beta*raw)) / op.Beta
	return 1 / math.Max(s, math.Exp(op.MinLogScale))
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
