package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"vdvae/configs"
	"vdvae/internal/testhp"
	"vdvae/runtime"
	"vdvae/runtime/cpu"
)

// TestFusedAdamaxMatchesGoLoops: the cpu backend's fused Adamax and EMA
// kernel must give exactly the bits of Optimizer.Update then UpdateEMA,
// for decayed and undecayed parameters, over several steps, on tensors
// large enough to be split between threads.
func TestFusedAdamaxMatchesGoLoops(t *testing.T) {
	h := &configs.Hparams{}
	h.Optimizer = configs.Optimizer{Type: "Adamax", Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	h.Loss = configs.Loss{UseWeightDecay: true, L2Weight: 0.01}
	const n = 100003
	sizes := map[string]int{"w": n, "b": 7}
	decayed := map[string]bool{"w": true, "b": false}
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(d []float32, scale float64) {
		for i := range d {
			d[i] = float32(r.NormFloat64() * scale)
		}
	}
	for name, size := range sizes {
		goOpt, _ := NewOptimizer(h, sizes, decayed)
		fused, _ := NewOptimizer(h, sizes, decayed)
		p1, e1 := make([]float32, size), make([]float32, size)
		fill(p1, 1)
		fill(e1, 1)
		p2, e2 := append([]float32(nil), p1...), append([]float32(nil), e1...)
		g := make([]float32, size)
		for step := 1; step <= 4; step++ {
			fill(g, math.Pow(10, float64(step-3)))
			goOpt.Count, fused.Count = step, step
			lr := 1e-3 * float64(step)
			goOpt.Update(name, p1, g, lr)
			UpdateEMA(e1, p1, 0.995)
			cpu.Backend{}.AdamaxEMA(p2, g, fused.M[name], fused.V[name], e2,
				fused.adamaxConsts(name, lr, 0.995))
			for _, pair := range [][2][]float32{{p1, p2}, {e1, e2}, {goOpt.M[name], fused.M[name]},
				{goOpt.V[name], fused.V[name]}} {
				for i := range pair[0] {
					if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
						t.Fatalf("%s step %d element %d: go %g, fused %g", name, step, i, pair[0][i],
							pair[1][i])
					}
				}
			}
		}
	}
}

// TestSumSquaresMatchesGlobalNorm: the backend's sum of squares may add in
// another order, so the norm agrees to float64 rounding.
func TestSumSquaresMatchesGlobalNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	grads := [][]float32{make([]float32, 5), make([]float32, 300001), make([]float32, 1<<16)}
	for _, g := range grads {
		for i := range g {
			g[i] = float32(r.NormFloat64())
		}
	}
	tr := &Trainer{be: cpu.Backend{}}
	want, got := GlobalNorm(grads), tr.globalNorm(grads)
	if math.Abs(want-got) > 1e-12*want {
		t.Fatalf("norm %v, backend %v", want, got)
	}
}

// TestTrainStepDoesNotAllocate: after warm-up a training step on the cpu
// backend allocates only the per-group KL slice of the StepStats it returns
// (kernels, optimizer and noise reuse their buffers), for the Bernoulli and
// the mixture output.
func TestTrainStepDoesNotAllocate(t *testing.T) {
	for _, src := range []string{"binarized_mnist", "cifar-10"} {
		t.Run(src, func(t *testing.T) {
			h := testhp.Tiny(src, 3)
			be, err := runtime.Get("cpu")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := NewTrainer(h, be)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tr.X() {
				tr.X()[i] = float32(i%2)*2 - 1
			}
			step := func() {
				if _, err := tr.TrainStep(); err != nil {
					t.Fatal(err)
				}
			}
			step()
			if n := testing.AllocsPerRun(5, step); n > maxStepAllocs {
				t.Fatalf("a training step allocates %v times, want at most %d", n, maxStepAllocs)
			}
		})
	}
}

// maxStepAllocs is the allocation bound of TestTrainStepDoesNotAllocate:
// StepStats.GroupKL, which the caller keeps.
const maxStepAllocs = 1
