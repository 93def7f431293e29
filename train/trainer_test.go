package train

import (
	"math"
	"testing"

	"vdvae/internal/testhp"
	"vdvae/runtime"
	_ "vdvae/runtime/ref"
)

func refBackend(t *testing.T) runtime.Backend {
	t.Helper()
	be, err := runtime.Get("ref")
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// TestTrainingReducesLoss overfits one fixed batch: the loss must fall.
func TestTrainingReducesLoss(t *testing.T) {
	h := testhp.Tiny("fashion_mnist", 1)
	h.Optimizer.WarmupSteps = 1
	h.Optimizer.LearningRate = 3e-3
	tr, err := NewTrainer(h, refBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	// A learnable pattern: vertical stripes of two grey levels.
	for i := range tr.X() {
		tr.X()[i] = float32(50+100*(i%2))/127.5 - 1
	}
	var first, last float64
	for i := 0; i < 100; i++ {
		st, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if st.Skipped {
			t.Fatalf("step %d skipped: norm %g", st.Step, st.GradNorm)
		}
		if i == 1 {
			first = st.NELBO()
		}
		last = st.NELBO()
	}
	if !(last < first*0.9) {
		t.Fatalf("NELBO did not fall: %g -> %g", first, last)
	}
	if math.IsNaN(last) {
		t.Fatal("NaN")
	}
}

// TestNonFiniteStepChangesNothing poisons the input with NaN: the step must
// be counted as skipped and leave weights, optimizer state, EMA and the
// schedules' step untouched.
func TestNonFiniteStepChangesNothing(t *testing.T) {
	h := testhp.Tiny("fashion_mnist", 1)
	tr, err := NewTrainer(h, refBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.X() {
		tr.X()[i] = float32(i%7)/3.5 - 1
	}
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	snap := func() map[string][]float32 {
		out := map[string][]float32{}
		for _, n := range tr.Names {
			out["p"+n] = append([]float32(nil), tr.Params[n]...)
			out["e"+n] = append([]float32(nil), tr.EMA[n]...)
			out["m"+n] = append([]float32(nil), tr.Opt.M[n]...)
			out["v"+n] = append([]float32(nil), tr.Opt.V[n]...)
		}
		return out
	}
	before, count := snap(), tr.Opt.Count
	tr.X()[5] = float32(math.NaN())
	st, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Skipped || !st.NonFinite || tr.Skips != 1 || tr.SkipRun != 1 {
		t.Fatalf("NaN step: skipped=%v nonfinite=%v skips=%d run=%d", st.Skipped, st.NonFinite,
			tr.Skips, tr.SkipRun)
	}
	if tr.Opt.Count != count || tr.Step != 2 {
		t.Fatalf("schedule step moved: count %d -> %d, step %d", count, tr.Opt.Count, tr.Step)
	}
	after := snap()
	for k, v := range before {
		for i := range v {
			if v[i] != after[k][i] {
				t.Fatalf("%s[%d] changed by a skipped step", k, i)
			}
		}
	}
	// A good step afterwards applies and ends the streak.
	tr.X()[5] = 0
	if st, _ = tr.TrainStep(); st.Skipped || tr.SkipRun != 0 {
		t.Fatalf("good step after NaN: skipped=%v run=%d", st.Skipped, tr.SkipRun)
	}
}

// TestGradientSkipThreshold skips updates whose norm reaches the threshold.
func TestGradientSkipThreshold(t *testing.T) {
	h := testhp.Tiny("fashion_mnist", 1)
	h.Optimizer.GradientSkipThreshold = 1e-9
	tr, err := NewTrainer(h, refBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Skipped || st.NonFinite || tr.Opt.Count != 0 {
		t.Fatalf("norm %g over threshold: skipped=%v count=%d", st.GradNorm, st.Skipped, tr.Opt.Count)
	}
}
