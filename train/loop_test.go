package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"vdvae/train/tensorboard"

	"vdvae/configs"
	"vdvae/internal/testhp"
	"vdvae/runtime"
	_ "vdvae/runtime/cpu"
	"vdvae/train/checkpoint"
)

// mnistDir finds real MNIST as vdvae does; `make data` provides it.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir := FindDataDir("binarized_mnist")
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Fatalf("MNIST not found (looked in %v): run `make data`", DataDirCandidates("binarized_mnist"))
	}
	return dir
}

// tinyRun returns a tiny binarized-MNIST model with the given length and
// evaluation interval, options training it on real MNIST in a fresh runs
// folder, and that run's checkpoint store.
func tinyRun(t *testing.T, total, interval int) (*configs.Hparams, Options, *checkpoint.Store) {
	t.Helper()
	be, err := runtime.Get("cpu")
	if err != nil {
		t.Fatal(err)
	}
	h := testhp.Tiny("binarized_mnist", 1)
	h.Train.TotalTrainSteps, h.Train.CheckpointAndEvalIntervalInSteps = total, interval
	runs := t.TempDir()
	opt := Options{RunsDir: runs, DataDir: mnistDir(t), Backend: be}
	return h, opt, &checkpoint.Store{Dir: filepath.Join(runs, "tiny", CkptDir)}
}

func trainLosses(t *testing.T, path string) map[int]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Kind string  `json:"kind"`
			Step int     `json:"step"`
			Loss float64 `json:"loss"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		if rec.Kind == "train" {
			if _, dup := out[rec.Step]; dup {
				t.Fatalf("step %d logged twice", rec.Step)
			}
			out[rec.Step] = rec.Loss
		}
	}
	return out
}

// TestResumeFollowsUninterruptedRun trains on real MNIST, simulates a crash
// after a checkpoint (the newer checkpoint is lost, the metrics ran ahead)
// and resumes: every step's loss must equal the uninterrupted run's.
func TestResumeFollowsUninterruptedRun(t *testing.T) {
	dir := mnistDir(t)
	be, err := runtime.Get("cpu")
	if err != nil {
		t.Fatal(err)
	}
	hp := func(total int) Options {
		return Options{DataDir: dir, Backend: be, ResumeAs: ResumeNew}
	}
	mk := func(total int) Request {
		h := testhp.Tiny("binarized_mnist", 1)
		h.Train.TotalTrainSteps = total
		h.Train.CheckpointAndEvalIntervalInSteps = 4
		return Request{H: h, ConfigGiven: true}
	}
	ctx := context.Background()

	full := t.TempDir()
	o := hp(12)
	o.RunsDir = full
	if _, err := Train(ctx, mk(12), o); err != nil {
		t.Fatal(err)
	}
	want := trainLosses(t, filepath.Join(full, "tiny", MetricsFile))
	checkTensorBoard(t, filepath.Join(full, "tiny", TensorBoardDir), want)

	part := t.TempDir()
	o.RunsDir = part
	if _, err := Train(ctx, mk(6), o); err != nil {
		t.Fatal(err)
	}
	// The crash: the step-6 checkpoint never made it to disk.
	if err := os.Remove(filepath.Join(part, "tiny", CkptDir, "ckpt-000000006.vdck")); err != nil {
		t.Fatal(err)
	}
	res, err := Train(ctx, mk(12), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != 12 {
		t.Fatalf("resumed run ended at step %d", res.Step)
	}
	got := trainLosses(t, filepath.Join(part, "tiny", MetricsFile))
	if len(got) != 12 || len(want) != 12 {
		t.Fatalf("logged %d and %d steps, want 12", len(got), len(want))
	}
	for s := 1; s <= 12; s++ {
		if d := math.Abs(got[s] - want[s]); d > 1e-4*math.Abs(want[s]) {
			t.Errorf("step %d: resumed loss %.7g, uninterrupted %.7g", s, got[s], want[s])
		}
	}
}

// TestDivergedRunStopsWithoutPoisonedCheckpoint: a learning rate that blows
// the model up must stop training with ErrDiverged, and no checkpoint may
// hold non-finite weights or come after the blow-up.
func TestDivergedRunStopsWithoutPoisonedCheckpoint(t *testing.T) {
	h, opt, st := tinyRun(t, 40, 5)
	h.Optimizer.LearningRate, h.Optimizer.WarmupSteps, h.Optimizer.DecayStart = 1e30, 1, 1
	h.Optimizer.GradientSkip = false
	opt.SkipWarn, opt.SkipStop = 10, 50
	_, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("want ErrDiverged, got %v", err)
	}
	entries, _ := st.List()
	if len(entries) > 0 {
		t.Fatalf("checkpoints written after divergence: %v", entries)
	}
}

// TestInterruptSavesCheckpoint: a cancelled context stops the run with an
// InterruptedError after writing a checkpoint that a rerun resumes from.
func TestInterruptSavesCheckpoint(t *testing.T) {
	h, opt, st := tinyRun(t, 1000, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	opt.Out, opt.LogEvery = &cancelAfter{n: 3, cancel: cancel}, 1
	_, err := Train(ctx, Request{H: h, ConfigGiven: true}, opt)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want InterruptedError, got %v", err)
	}
	entries, _ := st.List()
	if len(entries) != 1 || entries[0].Step != ie.Step || ie.Step == 0 {
		t.Fatalf("checkpoints %v after interrupt at step %d", entries, ie.Step)
	}
}

// cancelAfter cancels after n progress lines have been written.
type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), "step ") {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
	return len(p), nil
}

// TestMaxTimeEndsWithCheckpoint: a time budget ends training cleanly with a
// checkpoint at the step reached.
func TestMaxTimeEndsWithCheckpoint(t *testing.T) {
	h, opt, st := tinyRun(t, 1000000, 1000000)
	opt.MaxTime = 500 * time.Millisecond
	res, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := st.List()
	if res.Step == 0 || len(entries) != 1 || entries[0].Step != res.Step || res.LastVal == nil {
		t.Fatalf("stopped at %d with checkpoints %v, val %v", res.Step, entries, res.LastVal)
	}
}

// TestInterruptedEvaluationIsRedone: a signal during an evaluation saves a
// checkpoint; the resumed run redoes that evaluation before going on.
func TestInterruptedEvaluationIsRedone(t *testing.T) {
	h, opt, _ := tinyRun(t, 6, 3)
	ctx, cancel := context.WithCancel(context.Background())
	opt.Out, opt.LogEvery = &cancelAfter{n: 3, cancel: cancel}, 1
	if _, err := Train(ctx, Request{H: h, ConfigGiven: true}, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("want an interruption, got %v", err)
	}
	opt.Out = nil
	if _, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(opt.RunsDir, "tiny", MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct {
			Kind string `json:"kind"`
			Step int    `json:"step"`
		}
		json.Unmarshal([]byte(line), &rec)
		if rec.Kind == "val" {
			vals[rec.Step]++
		}
	}
	if vals[3] != 1 || vals[6] != 1 {
		t.Fatalf("validation lines per step: %v, want one at 3 and one at 6", vals)
	}
}

// checkTensorBoard reads the event files of a finished run: the training
// losses equal the metrics file's, and every evaluation logged its scalars
// and image grids.
func checkTensorBoard(t *testing.T, dir string, losses map[int]float64) {
	t.Helper()
	read := func(sub string) []tensorboard.Event {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "events.out.tfevents.*"))
		if len(files) != 1 {
			t.Fatalf("%s: %d event files, want 1", sub, len(files))
		}
		ev, err := tensorboard.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	seen := map[string]int{}
	for _, e := range read("train") {
		for _, v := range e.Values {
			seen["train/"+v.Tag]++
			if v.Tag == "loss" && math.Abs(float64(v.Simple)-losses[int(e.Step)]) > 1e-6*math.Abs(losses[int(e.Step)]) {
				t.Errorf("step %d: TensorBoard loss %v, metrics %v", e.Step, v.Simple, losses[int(e.Step)])
			}
		}
	}
	for _, e := range read("val") {
		for _, v := range e.Values {
			seen["val/"+v.Tag]++
			if v.Image != nil && (v.Image.Width < 28 || len(v.Image.PNG) == 0) {
				t.Errorf("val image %s is %dx%d", v.Tag, v.Image.Width, v.Image.Height)
			}
		}
	}
	// 12 steps logged; evaluations at steps 4, 8 and 12.
	for tag, n := range map[string]int{"train/loss": 12, "train/grad_norm": 12, "train/lr": 12,
		"train/beta": 12, "train/skips": 12, "train/kl_group/02": 12, "val/nelbo_nats": 3,
		"val/ssim": 3, "val/kl_group/00": 3, "val/reconstructions": 3, "val/targets": 3,
		"val/samples_t1.0_ema": 3} {
		if seen[tag] != n {
			t.Errorf("%s logged %d times, want %d", tag, seen[tag], n)
		}
	}
}
