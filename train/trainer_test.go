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
	for i := 0; i < 40; i++ {
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
