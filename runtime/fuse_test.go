package runtime_test

import (
	"math/rand/v2"
	"testing"

	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// fusingRef is the reference backend with a Fuser whose group kernel runs
// the members' reference kernels one after the other on whole tensors: the
// plain meaning of a fused group, to test the runtime's grouping and buffer
// planning apart from any backend's fused kernel.
type fusingRef struct{ ref.Backend }

func (fusingRef) Fusible(op graph.Op) bool {
	switch op.(type) {
	case graph.Unary, graph.UnaryGrad, graph.Binary:
		return true
	}
	return false
}

func (b fusingRef) Fused(ops []runtime.FusedOp, inputs, size int) (runtime.Kernel, error) {
	kernels := make([]runtime.Kernel, len(ops))
	shape := graph.Shape{size}
	for i, o := range ops {
		in := make([]graph.Shape, len(o.Args))
		for j := range in {
			in[j] = shape
		}
		k, err := b.Backend.Kernel(&graph.Node{Op: o.Op}, in, shape)
		if err != nil {
			return nil, err
		}
		kernels[i] = k
	}
	return func(a [][]float32, y []float32) {
		vals := append([][]float32(nil), a...)
		for i, o := range ops {
			args := make([][]float32, len(o.Args))
			for j, x := range o.Args {
				args[j] = vals[x]
			}
			out := y
			if i < len(ops)-1 {
				out = make([]float32, size)
			}
			kernels[i](args, out)
			vals = append(vals, out)
		}
	}, nil
}

// TestFusionKeepsResults compiles the model's Gaussian KL and its
// gradients, with an output inside a chain and a value read twice, with and
// without fusion: the results must be the same bits, in fewer steps.
func TestFusionKeepsResults(t *testing.T) {
	b := graph.NewBuilder()
	s := graph.Shape{1, 3, 4, 5} // parameters have no batch dimension
	names := []string{"mq", "rq", "mp", "rp"}
	in := map[string]*graph.Value{}
	for _, n := range names {
		in[n] = b.Param(n, s, graph.Param{})
	}
	sq := b.Unary(graph.FnSoftplus, 0.69, in["rq"])
	sp := b.Unary(graph.FnSoftplus, 0.69, in["rp"])
	kl := b.GaussianKL(in["mq"], sq, in["mp"], sp)
	inner := b.Unary(graph.FnScale, 2, kl) // an output inside a chain
	twice := b.Mul(inner, inner)           // a value read twice
	loss := b.SumAll(b.Add(twice, kl), false)
	g := b.Graph()
	grads, err := graph.Grad(g, loss)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]*graph.Value{"loss": loss, "inner": inner}
	for n, v := range grads {
		outs["grad:"+n] = v
	}
	r := rand.New(rand.NewPCG(1, 2))
	feeds := map[string][]float32{}
	for _, n := range names {
		d := make([]float32, s.Size())
		for i := range d {
			d[i] = float32(r.NormFloat64())
		}
		feeds[n] = d
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
	plain, fused := run(ref.Backend{}), run(fusingRef{})
	if fused.Steps() >= plain.Steps() {
		t.Fatalf("no fusion: %d steps fused, %d plain", fused.Steps(), plain.Steps())
	}
	for name := range outs {
		a, c := plain.Output(name), fused.Output(name)
		for i := range a {
			if a[i] != c[i] {
				t.Fatalf("%s[%d]: unfused %g, fused %g", name, i, a[i], c[i])
			}
		}
	}
	t.Logf("%d steps unfused, %d fused; %d bytes unfused, %d fused", plain.Steps(), fused.Steps(),
		plain.PeakBytes, fused.PeakBytes)
}
