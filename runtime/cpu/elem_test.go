package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// kernelPair builds the cpu and ref kernels of op for the given shapes.
func kernelPair(t *testing.T, op graph.Op, in []graph.Shape) (cpu, def runtime.Kernel, out graph.Shape) {
	t.Helper()
	out, err := op.Infer(in)
	if err != nil {
		t.Fatal(err)
	}
	n := &graph.Node{Op: op}
	if cpu, err = (Backend{}).Kernel(n, in, out); err != nil {
		t.Fatal(err)
	}
	if def, err = (ref.Backend{}).Kernel(n, in, out); err != nil {
		t.Fatal(err)
	}
	return cpu, def, out
}

// checkOp runs op on both backends with the given inputs and compares the
// outputs elementwise within |d| <= abs + rel*|ref|. The cpu output buffer
// starts as NaN, so an element it forgets to write fails.
func checkOp(t *testing.T, op graph.Op, in []graph.Shape, args [][]float32, abs, rel float64) {
	t.Helper()
	cpu, def, out := kernelPair(t, op, in)
	want := make([]float32, out.Size())
	got := make([]float32, out.Size())
	for i := range got {
		got[i] = float32(math.NaN())
	}
	def(args, want)
	cpu(args, got)
	for i := range want {
		w, g := float64(want[i]), float64(got[i])
		if math.IsNaN(w) && math.IsNaN(g) || w == g {
			continue
		}
		if d := math.Abs(w - g); !(d <= abs+rel*math.Abs(w)) {
			t.Fatalf("%v %v: element %d of %d: ref %g, cpu %g (input %v)", op, in, i, len(want),
				want[i], got[i], inputsAt(args, i))
		}
	}
}

func inputsAt(args [][]float32, i int) []float32 {
	var v []float32
	for _, a := range args {
		if i < len(a) {
			v = append(v, a[i])
		}
	}
	return v
}

// testValues mixes a spread of magnitudes with the edge values each
// function has to get right.
func testValues(r *rand.Rand, n int) []float32 {
	edge := []float32{0, -0, 1, -1, 1e-8, -1e-8, 1e-3, -1e-3, 0.62, 0.63, 20, -20, 40, -40, 87, -87,
		88, -88, 100, -100, 1e30, -1e30, 1.5e-38, 1e-40}
	v := make([]float32, n)
	for i := range v {
		switch {
		case i < len(edge):
			v[i] = edge[i]
		case i%3 == 0:
			v[i] = float32(r.NormFloat64())
		default:
			v[i] = float32(r.NormFloat64() * math.Pow(10, r.Float64()*4-2))
		}
	}
	return v
}

func TestUnaryKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fns := []struct {
		fn    graph.UnaryFn
		alpha float64
	}{
		{graph.FnSiLU, 0}, {graph.FnLeakyReLU, 0.1}, {graph.FnSoftplus, 1}, {graph.FnSoftplus, 0.6931472},
		{graph.FnExp, 1}, {graph.FnExp, 0.6931472}, {graph.FnLog, 0}, {graph.FnTanh, 0},
		{graph.FnSigmoid, 0}, {graph.FnSquare, 0}, {graph.FnScale, -0.5}, {graph.FnAddConst, 1},
	}
	for _, size := range []int{37, 1 << 16} {
		x := testValues(r, size)
		g := testValues(r, size)
		for _, f := range fns {
			name := fmt.Sprintf("%v_%g_%d", f.fn, f.alpha, size)
			t.Run(name, func(t *testing.T) {
				in := []graph.Shape{{size}}
				xs, rel := x, 2e-6
				switch f.fn {
				case graph.FnExp:
					xs = clampSlice(x, 80/f.alpha) // vexp clamps its argument to [-87, 88]
					fallthrough
				case graph.FnSoftplus:
					// alpha x rounds to float32 in C, to float64 in ref: a relative
					// difference of 6e-8 |alpha x| in the result, up to 80 |x|.
					rel = 1e-5
				}
				checkOp(t, graph.Unary{Fn: f.fn, Alpha: f.alpha}, in, [][]float32{xs}, 1e-30, rel)
				checkOp(t, graph.UnaryGrad{Fn: f.fn, Alpha: f.alpha}, []graph.Shape{{size}, {size}},
					[][]float32{xs, g}, 2e-6, 2*rel) // derivatives near 0 lose digits to cancellation
			})
		}
	}
}

// moderateValues are normal values of a few magnitudes, for sums.
func moderateValues(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * math.Pow(10, r.Float64()*2-1))
	}
	return v
}

func clampSlice(x []float32, lim float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(math.Max(-lim, math.Min(lim, float64(v))))
	}
	return out
}

func TestBinaryKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pairs := [][2]graph.Shape{
		{{2, 3, 4, 5}, {2, 3, 4, 5}},
		{{32, 16, 32, 32}, {32, 16, 32, 32}}, // split between threads
		{{4, 8, 6, 6}, {1, 8, 6, 6}},         // learned per-position bias
		{{1, 8, 6, 6}, {4, 8, 6, 6}},
		{{4, 8, 6, 6}, {1, 8, 1, 1}},        // per-channel
		{{32, 64, 16, 16}, {1, 64, 16, 16}}, // split by rows
		{{5, 7, 1, 1}, {1, 7, 1, 1}},
		{{1, 1, 1, 1}, {3, 4, 2, 2}}, // scalar
		{{3, 4, 2, 2}, {1, 1, 1, 1}},
		{{3, 1, 2, 2}, {1, 4, 1, 1}}, // both broadcast
		{{1, 2, 1, 1}, {1, 2, 1, 1}},
		{{3, 4, 1, 5}, {3, 1, 6, 1}},
	}
	for _, fn := range []graph.BinaryFn{graph.FnAdd, graph.FnSub, graph.FnMul, graph.FnDiv} {
		for _, p := range pairs {
			t.Run(fmt.Sprintf("%v_%v_%v", fn, p[0], p[1]), func(t *testing.T) {
				a, b := testValues(r, p[0].Size()), testValues(r, p[1].Size())
				checkOp(t, graph.Binary{Fn: fn}, p[:], [][]float32{a, b}, 0, 0)
			})
		}
	}
}

func TestReductionKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []struct{ big, small graph.Shape }{
		{graph.Shape{4, 8, 6, 6}, graph.Shape{4, 1, 1, 1}}, // per image
		{graph.Shape{4, 8, 6, 6}, graph.Shape{1, 8, 6, 6}}, // over the batch
		{graph.Shape{4, 8, 6, 6}, graph.Shape{1, 8, 1, 1}}, // per channel
		{graph.Shape{4, 8, 6, 6}, graph.Shape{1, 1, 1, 1}}, // everything
		{graph.Shape{4, 8, 6, 6}, graph.Shape{4, 8, 1, 1}}, // per plane
		{graph.Shape{4, 8, 6, 6}, graph.Shape{4, 1, 6, 6}}, // over channels: ref fallback
		{graph.Shape{32, 64, 16, 16}, graph.Shape{1, 64, 16, 16}},
		{graph.Shape{32, 64, 16, 16}, graph.Shape{32, 1, 1, 1}},
		{graph.Shape{32, 300, 1, 1}, graph.Shape{1, 300, 1, 1}},
		{graph.Shape{1, 8, 1, 1}, graph.Shape{1, 1, 1, 1}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v_%v", c.big, c.small), func(t *testing.T) {
			x := moderateValues(r, c.big.Size())
			red := graph.ReduceSumTo{Rank: len(c.small)}
			copy(red.Shape[:], c.small)
			checkOp(t, red, []graph.Shape{c.big}, [][]float32{x}, 1e-5, 1e-5)
			bc := graph.BroadcastTo{Rank: len(c.big)}
			copy(bc.Shape[:], c.big)
			checkOp(t, bc, []graph.Shape{c.small}, [][]float32{x[:c.small.Size()]}, 0, 0)
		})
	}
	for _, s := range []graph.Shape{{4, 8, 6, 6}, {32, 64, 32, 32}} {
		t.Run(fmt.Sprintf("bias_grad_%v", s), func(t *testing.T) {
			checkOp(t, graph.ConvBwdBias{}, []graph.Shape{s}, [][]float32{moderateValues(r, s.Size())},
				1e-5, 1e-5)
		})
	}
}

func TestLayoutKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := graph.Shape{3, 10, 6, 7}
	slices := []graph.Slice{
		{Begin: [5]int{0, 2}, End: [5]int{0, 7}},                 // channels
		{Begin: [5]int{0, 0, 2, 2}, End: [5]int{0, 0, 5, 6}},     // central window
		{Begin: [5]int{1, 3, 0, 1}, End: [5]int{3, 4, 6, 7}},     // every axis
		{Begin: [5]int{0, 0, 0, 0}, End: [5]int{3, 10, 6, 7}},    // everything
		{Begin: [5]int{0, 9, 5, 0}, End: [5]int{0, 10, 6, 0}},    // one row
		{Begin: [5]int{2, 0, 0, 0}, End: [5]int{3, 0, 0, 0}},     // one image
		{Begin: [5]int{0, 0, 0, 6}, End: [5]int{0, 0, 0, 7}},     // one column
		{Begin: [5]int{0, 5, 0, 0}, End: [5]int{0, 10, 0, 0}},    // last half of channels
		{Begin: [5]int{0, 0, 3, 0}, End: [5]int{0, 0, 4, 0}},     // one row of every plane
		{Begin: [5]int{1, 2, 3, 4}, End: [5]int{2, 3, 4, 5}},     // one element
		{Begin: [5]int{0, 1, 1, 1}, End: [5]int{0, 10, 6, 7}},    // corner
		{Begin: [5]int{0, 0, 0, 0}, End: [5]int{0, 10, 0, 0}},    // all channels
		{Begin: [5]int{0, 0, 0, 0}, End: [5]int{3, 10, 6, 6}},    // all but one column
		{Begin: [5]int{0, 0, 1, 0}, End: [5]int{3, 10, 6, 7}},    // all but one row
		{Begin: [5]int{0, 0, 0, 0}, End: [5]int{1, 10, 6, 7}},    // first image
		{Begin: [5]int{0, 3, 2, 0}, End: [5]int{0, 7, 4, 0}},     // channels and rows
		{Begin: [5]int{0, 0, 0, 3}, End: [5]int{0, 0, 0, 0}},     // columns from 3
		{Begin: [5]int{0, 4, 0, 0}, End: [5]int{0, 0, 0, 0}},     // channels from 4
		{Begin: [5]int{1, 0, 0, 0}, End: [5]int{0, 0, 0, 0}},     // images from 1
		{Begin: [5]int{0, 0, 2, 3}, End: [5]int{0, 0, 0, 0}},     // bottom right
		{Begin: [5]int{0, 0, 0, 0}, End: [5]int{0, 0, 0, 0}},     // the whole tensor
		{Begin: [5]int{0, 1, 0, 0}, End: [5]int{0, 2, 0, 0}},     // one channel
		{Begin: [5]int{0, 0, 5, 6}, End: [5]int{0, 0, 6, 7}},     // last pixel
		{Begin: [5]int{0, 9, 0, 0}, End: [5]int{0, 10, 0, 0}},    // last channel
		{Begin: [5]int{2, 9, 5, 6}, End: [5]int{3, 10, 6, 7}},    // last element
		{Begin: [5]int{0, 0, 1, 1}, End: [5]int{0, 0, 5, 6}},     // interior
		{Begin: [5]int{0, 2, 1, 0}, End: [5]int{0, 8, 5, 0}},     // channels, rows
		{Begin: [5]int{0, 0, 0, 2}, End: [5]int{0, 0, 0, 5}},     // columns
		{Begin: [5]int{1, 0, 0, 0}, End: [5]int{2, 0, 0, 0}},     // middle image
		{Begin: [5]int{0, 3, 0, 0}, End: [5]int{0, 3 + 1, 0, 0}}, // channel 3
	}
	for i, s := range slices {
		t.Run(fmt.Sprintf("slice_%d", i), func(t *testing.T) {
			in := []graph.Shape{x.Bind(0)}
			checkOp(t, s, in, [][]float32{testValues(r, x.Size())}, 0, 0)
			small, err := s.Infer(in)
			if err != nil {
				t.Fatal(err)
			}
			p := graph.Pad{Begin: s.Begin, Rank: len(x)}
			copy(p.Shape[:], x)
			checkOp(t, p, []graph.Shape{small}, [][]float32{testValues(r, small.Size())}, 0, 0)
		})
	}
	for _, f := range [][2]int{{2, 2}, {4, 4}, {1, 3}} {
		t.Run(fmt.Sprintf("pool_%v", f), func(t *testing.T) {
			small := graph.Shape{3, 5, 4, 6}
			checkOp(t, graph.Upsample{Factor: f}, []graph.Shape{small},
				[][]float32{testValues(r, small.Size())}, 0, 0)
			big := graph.Shape{3, 5, 4 * f[0], 6 * f[1]}
			checkOp(t, graph.SumPool{Factor: f}, []graph.Shape{big},
				[][]float32{moderateValues(r, big.Size())}, 0, 0)
		})
	}
	t.Run("upsample_split", func(t *testing.T) {
		small := graph.Shape{32, 32, 16, 16}
		checkOp(t, graph.Upsample{Factor: [2]int{2, 2}}, []graph.Shape{small},
			[][]float32{testValues(r, small.Size())}, 0, 0)
	})
}

func TestDMoLKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		name string
		op   graph.DMoLNLL
	}{
		{"rgb_std", graph.DMoLNLL{M: 5, C: 3, NumClasses: 255, MinPix: -1, MaxPix: 1, Base: graph.BaseStd,
			Beta: 0.6931472, MinLogScale: -250}},
		{"gray_logstd", graph.DMoLNLL{M: 3, C: 1, NumClasses: 31, MinPix: -1, MaxPix: 0.9686,
			Base: graph.BaseLogStd, Beta: 1, MinLogScale: -7}},
		{"two_channels", graph.DMoLNLL{M: 2, C: 2, NumClasses: 255, MinPix: -1, MaxPix: 1,
			Base: graph.BaseStd, Beta: 1, MinLogScale: -5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ls := graph.Shape{3, c.op.M * (3*c.op.C + 1), 9, 11}
			xs := graph.Shape{3, c.op.C, 9, 11}
			logits := moderateValues(r, ls.Size())
			x := make([]float32, xs.Size())
			for i := range x {
				// Every bin kind: the two edges and the interior; sharp and wide scales.
				switch i % 5 {
				case 0:
					x[i] = float32(c.op.MinPix)
				case 1:
					x[i] = float32(c.op.MaxPix)
				default:
					x[i] = float32(r.IntN(int(c.op.NumClasses)+1))/float32(c.op.NumClasses)*2 - 1
				}
			}
			// float32 against the reference's float64. The NLL agrees to a few
			// ulps. The gradient carries the rounding of x - mean (an ulp of 1)
			// times the inverse scale, up to 1e-5 relative for sharp components,
			// and the mixture weights' s - r loses an ulp of 1 to cancellation.
			checkOp(t, c.op, []graph.Shape{ls, xs}, [][]float32{logits, x}, 1e-6, 1e-6)
			g := moderateValues(r, ls[0]*ls[2]*ls[3])
			checkOp(t, graph.DMoLGrad{NLL: c.op}, []graph.Shape{ls, xs, {3, 1, 9, 11}},
				[][]float32{logits, x, g}, 5e-5, 5e-5)
		})
	}
}

// TestFusedKernelsMatchReference runs the model's Gaussian KL with its
// gradients (fused into groups on this backend, unfused on ref) and a
// SiLU gradient added to another gradient, on tensors large enough to be
// split between threads.
func TestFusedKernelsMatchReference(t *testing.T) {
	b := graph.NewBuilder()
	s := graph.Shape{1, 8, 64, 65}
	names := []string{"mq", "rq", "mp", "rp", "x", "g"}
	in := map[string]*graph.Value{}
	for _, n := range names {
		in[n] = b.Param(n, s, graph.Param{})
	}
	sq := b.Unary(graph.FnSoftplus, 0.69, in["rq"])
	sp := b.Unary(graph.FnSoftplus, 0.69, in["rp"])
	kl := b.GaussianKL(in["mq"], sq, in["mp"], sp)
	act := b.Add(b.Mul(b.Unary(graph.FnSiLU, 0, in["x"]), in["g"]), kl)
	loss := b.SumAll(b.Mul(act, act), false)
	g := b.Graph()
	grads, err := graph.Grad(g, loss)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]*graph.Value{"loss": loss, "act": act}
	for n, v := range grads {
		outs["grad:"+n] = v
	}
	r := rand.New(rand.NewPCG(11, 12))
	feeds := map[string][]float32{}
	for _, n := range names {
		feeds[n] = moderateValues(r, s.Size())
	}
	run := func(be runtime.Backend) *runtime.Program {
		p, err := runtime.Compile(g, be, 1, outs)
		if err != nil {
			t.Fatal(err)
		}
		for n, d := range feeds {
			if err := p.Bind(n, d); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want, got := run(ref.Backend{}), run(Backend{})
	if got.Steps() >= want.Steps() {
		t.Fatalf("nothing fused: %d steps, %d unfused", got.Steps(), want.Steps())
	}
	for name := range outs {
		w, c := want.Output(name), got.Output(name)
		scale := 0.0
		for _, v := range w {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range w {
			if d := math.Abs(float64(w[i] - c[i])); d > 1e-5*scale {
				t.Fatalf("%s[%d]: ref %g, fused %g (scale %g)", name, i, w[i], c[i], scale)
			}
		}
	}
}
