package train

import (
	"math"
	"testing"

	"vdvae/configs"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// TestAdamaxByHand follows two Adamax steps with decoupled weight decay.
func TestAdamaxByHand(t *testing.T) {
	h := &configs.Hparams{}
	h.Optimizer = configs.Optimizer{Type: "Adamax", Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	h.Loss = configs.Loss{UseWeightDecay: true, L2Weight: 0.01}
	op, err := NewOptimizer(h, map[string]int{"w": 1}, map[string]bool{"w": true})
	if err != nil {
		t.Fatal(err)
	}
	p := []float32{1}
	lr := 0.1
	// Step 1: m = 0.1 g, v = |g| + eps, u = m / (1 - 0.9) / v + 0.01 p.
	op.Count = 1
	op.Update("w", p, []float32{0.5}, lr)
	m1, v1 := 0.1*0.5, 0.5+1e-8
	p1 := 1 - lr*(m1/0.1/v1+0.01*1)
	if !near(float64(p[0]), p1, 1e-6) {
		t.Fatalf("step 1: %g, by hand %g", p[0], p1)
	}
	// Step 2 with a smaller gradient: v keeps the decayed maximum.
	op.Count = 2
	op.Update("w", p, []float32{-0.2}, lr)
	m2 := 0.9*m1 + 0.1*-0.2
	v2 := math.Max(0.999*v1, 0.2+1e-8)
	p2 := p1 - lr*(m2/(1-0.81)/v2+0.01*p1)
	if !near(float64(p[0]), p2, 1e-6) {
		t.Fatalf("step 2: %g, by hand %g", p[0], p2)
	}
}

// TestAdamByHand checks one Adam step and that unmasked weights get no decay.
func TestAdamByHand(t *testing.T) {
	h := &configs.Hparams{}
	h.Optimizer = configs.Optimizer{Type: "Adam", Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	h.Loss = configs.Loss{UseWeightDecay: true, L2Weight: 0.5}
	op, _ := NewOptimizer(h, map[string]int{"b": 1}, map[string]bool{"b": false})
	p := []float32{2}
	op.Count = 1
	op.Update("b", p, []float32{0.3}, 0.01)
	// m_hat = g, v_hat = g^2: the first step moves by lr * g / (|g| + eps).
	want := 2 - 0.01*0.3/(0.3+1e-8)
	if !near(float64(p[0]), want, 1e-6) {
		t.Fatalf("adam: %g, by hand %g", p[0], want)
	}
}

func TestLearningRateSchedules(t *testing.T) {
	o := &configs.Optimizer{LearningRateScheme: "cosine", LearningRate: 1e-3, MinLearningRate: 1e-4,
		WarmupSteps: 100, DecayStart: 500, DecaySteps: 1000}
	cases := []struct {
		step int
		want float64
	}{
		{1, 0},       // e = 0: warmup starts at zero
		{51, 0.5e-3}, // e = 50: half way through warmup
		{300, 1e-3},  // warmed up
		{1001, 1e-4 + 0.9e-3*(1+math.Cos(math.Pi))/(1+math.Cos(math.Pi*499/1000))}, // e = T
		{2000, 1e-4}, // held at the minimum after T
	}
	for _, c := range cases {
		if got := LearningRate(o, c.step); !near(got, c.want, 1e-9) {
			t.Errorf("cosine step %d: %g, want %g", c.step, got, c.want)
		}
	}
	// Continuous at decay_start.
	a, b := LearningRate(o, 500), LearningRate(o, 501)
	if !near(a, b, 1e-3) {
		t.Errorf("cosine jumps at decay_start: %g -> %g", a, b)
	}
	o.LearningRateScheme, o.DecayRate = "exponential", 0.5
	if got := LearningRate(o, 1501); !near(got, 0.5e-3, 1e-9) {
		t.Errorf("exponential one decay period after start: %g", got)
	}
	o.LearningRateScheme = "noam"
	if got := LearningRate(o, 101); !near(got, 1e-3, 1e-9) {
		t.Errorf("noam at the end of warmup: %g", got)
	}
}

func TestKLBeta(t *testing.T) {
	l := &configs.Loss{VariationSchedule: "Linear", VaeBetaAnnealStart: 21, VaeBetaAnnealSteps: 500,
		VaeBetaMin: 1e-4}
	for _, c := range []struct {
		step int
		want float64
	}{{1, 1e-4}, {21, 1e-4}, {281, 260.0 / 521}, {600, 1}} {
		if got := KLBeta(l, c.step); !near(got, c.want, 1e-12) {
			t.Errorf("linear beta at %d: %g, want %g", c.step, got, c.want)
		}
	}
	l.VariationSchedule, l.VaeBetaActivationSteps, l.VaeBetaGrowthRate = "Logistic", 100, 0.1
	if got := KLBeta(l, 100); got != 0.5 {
		t.Errorf("logistic beta at activation: %g", got)
	}
}
