package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/graph"
	"vdvae/internal/testhp"
	"vdvae/runtime"
)

func runOne(t *testing.T, b *graph.Builder, out *graph.Value, batch int, feeds map[string][]float32) []float32 {
	t.Helper()
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	p, err := runtime.Compile(b.Graph(), Backend{}, batch, map[string]*graph.Value{"out": out})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range feeds {
		mustBind(t, p, k, v)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	return p.Output("out")
}

// TestDMoLByHand checks single-pixel mixture NLLs against the reference's
// formulas evaluated by hand (one component, one channel).
func TestDMoLByHand(t *testing.T) {
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	const beta = math.Ln2
	raw := 0.3
	std := math.Log1p(math.Exp(beta*raw)) / beta // softplus_beta
	mean := 0.1
	bin := 1 / 255.0
	cases := []struct {
		x    float64
		want float64
	}{
		// Lowest value: log CDF of the upper bin edge.
		{-1, -math.Log(sigmoid((-1 - mean + bin) / std))},
		// Highest value: log survival of the lower bin edge.
		{1, -math.Log(1 - sigmoid((1-mean-bin)/std))},
		// Interior value: log of the CDF difference over the bin.
		{0.2, -math.Log(sigmoid((0.2-mean+bin)/std) - sigmoid((0.2-mean-bin)/std))},
	}
	for _, c := range cases {
		b := graph.NewBuilder()
		l := b.Input("l", graph.Shape{1, 4, 1, 1})
		x := b.Input("x", graph.Shape{1, 1, 1, 1})
		op := graph.DMoLNLL{M: 1, C: 1, NumClasses: 255, MinPix: -1, MaxPix: 1, Base: graph.BaseStd,
			Beta: beta, MinLogScale: -250}
		out := b.DMoLNLL(l, x, op)
		got := runOne(t, b, out, 1, map[string][]float32{
			"l": {0.7, float32(mean), float32(raw), 0.4}, "x": {float32(c.x)}})
		if math.Abs(float64(got[0])-c.want) > 1e-4*math.Max(1, c.want) {
			t.Errorf("x=%g: NLL %g, by hand %g", c.x, got[0], c.want)
		}
	}
}

// TestModelLossesByHand recomputes the training loss of a whole model from
// its per-image outputs: the Bernoulli NLL from the logits over the central
// 28x28, and the gamma-weighted KL sum.
func TestModelLossesByHand(t *testing.T) {
	h := testhp.Tiny("binarized_mnist", 1)
	m, err := graph.BuildModel(h, false)
	if err != nil {
		t.Fatal(err)
	}
	const batch = 2
	outs := map[string]*graph.Value{}
	for _, n := range []string{graph.OutLoss, graph.OutRecon, graph.OutKL, graph.OutLogits} {
		outs[n] = m.Graph.Outputs[n]
	}
	p, err := runtime.Compile(m.Graph, Backend{}, batch, outs)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range graph.InitParams(m.Graph, 5) {
		mustBind(t, p, k, v)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, batch*32*32)
	for i := range x {
		x[i] = float32(rng.IntN(2))
	}
	mustBind(t, p, graph.InX, x)
	for i, g := range m.Groups {
		mustBind(t, p, graph.EpsName(i), randn(rng, batch*g.Variates*g.H*g.W, 1))
	}
	L := len(m.Groups)
	norm := make([]float32, L)
	for i := range norm {
		norm[i] = float32(i + 1)
	}
	scales := []float32{0.01, 0.02}
	mustBind(t, p, graph.InGammaNorm, norm)
	mustBind(t, p, graph.InGammaOn, []float32{1})
	mustBind(t, p, graph.InLossScales, scales)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	logits, recon, kl := p.Output(graph.OutLogits), p.Output(graph.OutRecon), p.Output(graph.OutKL)
	for n := 0; n < batch; n++ {
		want := 0.0
		for i := 2; i < 30; i++ {
			for j := 2; j < 30; j++ {
				k := n*1024 + i*32 + j
				l, t := float64(logits[k]), float64(x[k])
				want += math.Log1p(math.Exp(l)) - t*l
			}
		}
		if d := math.Abs(float64(recon[n]) - want); d > 1e-3 {
			t.Errorf("image %d: recon %g, by hand %g", n, recon[n], want)
		}
	}
	a := make([]float64, L)
	sumA := 0.0
	for g := 0; g < L; g++ {
		for n := 0; n < batch; n++ {
			a[g] += float64(kl[n*L+g]) * float64(norm[g])
		}
		sumA += a[g]
	}
	want := 0.0
	for n := 0; n < batch; n++ {
		want += float64(scales[0]) * float64(recon[n])
		for g := 0; g < L; g++ {
			want += float64(scales[1]) * float64(L) * a[g] / sumA * float64(kl[n*L+g])
		}
	}
	if got := float64(p.Output(graph.OutLoss)[0]); math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Fatalf("loss %g, by hand %g", got, want)
	}
}

// TestGaussianKLByHand: KL(N(1, 2^2) || N(0, 1)) = 0.5 + 2 - 0.5 - ln 2 per
// element, through the op the model's latent layers use.
func TestGaussianKLByHand(t *testing.T) {
	b := graph.NewBuilder()
	in := func(n string) *graph.Value { return b.Input(n, graph.Shape{1, 1, 1, 1}) }
	mq, sq, mp, sp := in("mq"), in("sq"), in("mp"), in("sp")
	kl := b.GaussianKL(mq, sq, mp, sp)
	got := runOne(t, b, kl, 1, map[string][]float32{"mq": {1}, "sq": {2}, "mp": {0}, "sp": {1}})
	if want := 2 - math.Ln2; math.Abs(float64(got[0])-want) > 1e-6 {
		t.Fatalf("KL %g, want %g", got[0], want)
	}
}
