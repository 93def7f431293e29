package train

import (
	"context"

	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"vdvae/configs"
	"vdvae/runtime"
	"vdvae/train/checkpoint"
	"vdvae/train/data"
)

// Options configure a training run beyond its hparams.
type Options struct {
	RunsDir string
	// DataDir holds the dataset; empty means FindDataDir.
	DataDir string
	Backend runtime.Backend
	// Given reports that the user chose the hparams explicitly.
	Given    bool
	ResumeAs Resume
	// Out receives the live progress line and summaries; Quiet drops the
	// progress line and keeps one line per LogEvery steps.
	Out      io.Writer
	Quiet    bool
	LogEvery int
	// TTY says whether Out is a terminal (live line with carriage returns).
	TTY bool
	// SkipWarn and SkipStop are the lengths of a streak of skipped updates
	// that produce a warning and a stop.
	SkipWarn, SkipStop int
	// EvalAtStart evaluates a fresh run before its first step.
	EvalAtStart bool
}

// ErrTooManySkips stops a run whose updates keep being skipped.
var ErrTooManySkips = errors.New("train: too many skipped updates in a row")

// Result summarises a finished (or stopped) run.
type Result struct {
	Dir     string
	Step    int
	LastVal *EvalStats
}

// Train trains the model described by h, resuming the run of the same name
// when it exists. It returns when train.total_train_steps is reached, when
// ctx is cancelled (after saving a checkpoint), or on error.
func Train(ctx context.Context, h *configs.Hparams, opt Options) (*Result, error) {
	if err := ValidRunName(h.Run.Name); err != nil {
		return nil, err
	}
	dir := RunDir(opt.RunsDir, h.Run.Name)
	h, exists, err := ResolveHparams(dir, h, opt.Given, opt.ResumeAs)
	if err != nil {
		return nil, err
	}
	r := &runner{h: h, opt: opt, dir: dir, out: opt.Out}
	if r.out == nil {
		r.out = io.Discard
	}
	if err := r.setup(exists); err != nil {
		return nil, err
	}
	defer r.metrics.Close()
	return r.loop(ctx)
}

type runner struct {
	h       *configs.Hparams
	opt     Options
	dir     string
	out     io.Writer
	tr      *Trainer
	splits  *data.Splits
	iter    *data.TrainIter
	store   *checkpoint.Store
	metrics *metricsWriter
	prog    *progress
	lastVal *EvalStats
}

func (r *runner) setup(exists bool) error {
	h := r.h
	dataDir := r.opt.DataDir
	if dataDir == "" {
		dataDir = FindDataDir(h.Data.DatasetSource)
	}
	splits, err := data.Open(dataDir, h.Data.DatasetSource, int(h.Data.NumBits))
	if err != nil {
		return err
	}
	r.splits = splits
	if r.tr, err = NewTrainer(h, r.opt.Backend); err != nil {
		return err
	}
	if r.iter, err = data.NewTrainIter(splits.Train, h.Train.BatchSize, uint64(h.Run.Seed)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(r.dir, CkptDir), 0o755); err != nil {
		return fmt.Errorf("train: create run directory: %w", err)
	}
	if err := h.Save(filepath.Join(r.dir, HparamsFile)); err != nil {
		return err
	}
	keep := h.Run.MaxAllowedCheckpoints
	if keep < 2 {
		keep = 2
	}
	r.store = &checkpoint.Store{Dir: filepath.Join(r.dir, CkptDir), Keep: keep}
	if exists {
		if err := r.restore(); err != nil {
			return err
		}
	}
	r.metrics, err = openMetrics(filepath.Join(r.dir, MetricsFile), r.tr.Step)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.out, "run %s: %s, %s on %d training images, backend %s\n", r.dir, h.Data.DatasetSource,
		r.tr, splits.Train.Len(), r.opt.Backend.Name())
	return nil
}

// restore loads the newest good checkpoint, reporting any it had to skip.
func (r *runner) restore() error {
	ck, path, skipped, err := r.store.LoadLatest()
	for _, s := range skipped {
		fmt.Fprintf(r.out, "warning: skipping unreadable checkpoint: %v\n", s)
	}
	if errors.Is(err, checkpoint.ErrNoCheckpoint) {
		return nil
	}
	if err != nil {
		return err
	}
	var st runState
	if err := r.tr.Restore(ck, &st); err != nil {
		return fmt.Errorf("train: restore %s: %w", path, err)
	}
	if err := r.iter.Restore(st.Iter); err != nil {
		return fmt.Errorf("train: restore %s: data position: %w", path, err)
	}
	fmt.Fprintf(r.out, "resuming from %s at step %d\n", path, r.tr.Step)
	return nil
}

func (r *runner) loop(ctx context.Context) (*Result, error) {
	h := r.h
	total := h.Train.TotalTrainSteps
	res := &Result{Dir: r.dir}
	if r.tr.Step >= total {
		fmt.Fprintf(r.out, "run %s already finished at step %d of %d; to train longer pass "+
			"--set train.total_train_steps=N --resume-with new\n", r.dir, r.tr.Step, total)
		res.Step = r.tr.Step
		return res, nil
	}
	if r.tr.Step == 0 && r.opt.EvalAtStart {
		if err := r.evaluate(); err != nil {
			return nil, err
		}
	}
	r.prog = newProgress(r.out, r.opt, total, r.tr.Step)
	if !h.Data.IsBinarized() {
		r.prog.dims = r.tr.Model.Dims
	}
	img := r.splits.Train.ImageSize()
	n := h.Train.BatchSize
	for r.tr.Step < total {
		if err := ctx.Err(); err != nil {
			r.prog.finish()
			fmt.Fprintf(r.out, "interrupted at step %d: saving a checkpoint\n", r.tr.Step)
			if err := r.save(); err != nil {
				return nil, err
			}
			res.Step = r.tr.Step
			return res, ctx.Err()
		}
		r.iter.Next(r.tr.X()[:n*img])
		t0 := time.Now()
		st, err := r.tr.TrainStep()
		if err != nil {
			return nil, err
		}
		r.prog.update(st, r.tr.Skips, time.Since(t0))
		if err := r.checkSkips(st); err != nil {
			return nil, err
		}
		if st.Step%max(1, h.Train.LoggingIntervalInSteps) == 0 {
			r.metrics.train(st, r.tr.Skips, r.tr.Model.Dims)
		}
		if st.Step%h.Train.CheckpointAndEvalIntervalInSteps == 0 || st.Step == total {
			r.prog.finish()
			if err := r.evaluate(); err != nil {
				return nil, err
			}
			if err := r.save(); err != nil {
				return nil, err
			}
		}
	}
	r.prog.finish()
	res.Step, res.LastVal = r.tr.Step, r.lastVal
	return res, nil
}

// checkSkips warns about, then stops, a long streak of skipped updates.
func (r *runner) checkSkips(st StepStats) error {
	if !st.Skipped {
		return nil
	}
	why := fmt.Sprintf("gradient norm %.4g >= optimizer.gradient_skip_threshold %g", st.GradNorm,
		r.h.Optimizer.GradientSkipThreshold)
	if st.NonFinite {
		why = "the loss or gradient is not finite"
	}
	advice := "raise optimizer.gradient_skip_threshold or lower optimizer.learning_rate " +
		"(for example --set optimizer.learning_rate=1e-4)"
	switch r.tr.SkipRun {
	case r.opt.SkipWarn:
		r.prog.finish()
		fmt.Fprintf(r.out, "warning: %d updates in a row skipped at step %d: %s; %s\n",
			r.tr.SkipRun, st.Step, why, advice)
	case r.opt.SkipStop:
		r.prog.finish()
		return fmt.Errorf("%w: %d at step %d (%s); the last good checkpoint in %s is kept; %s",
			ErrTooManySkips, r.tr.SkipRun, st.Step, why, r.store.Dir, advice)
	}
	return nil
}

// save writes a checkpoint of the current state.
func (r *runner) save() error {
	ck, err := r.tr.Snapshot(runState{Iter: r.iter.State()})
	if err != nil {
		return err
	}
	if _, err := r.store.Save(r.tr.Step, ck); err != nil {
		return err
	}
	return r.metrics.flush()
}

// evaluate runs the validation split and prints a summary line.
func (r *runner) evaluate() error {
	h := r.h
	vb := h.Val.BatchSize
	it, err := data.NewEvalIter(r.splits.Val, vb, h.Val.NSamplesForValidation)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ev, err := r.tr.Evaluate(it, r.tr.Params, uint64(h.Run.Seed))
	if err != nil {
		return err
	}
	ev.Step = r.tr.Step
	r.lastVal = ev
	r.metrics.eval(ev, r.tr.Model.Dims)
	fmt.Fprintf(r.out, "val step %d: %s (%d images, %.1fs)\n", ev.Step, ev.Summary(h, r.tr.Model.Dims),
		ev.Images, time.Since(t0).Seconds())
	return nil
}

// EvalStats are the averages of an evaluation pass.
type EvalStats struct {
	Step    int       `json:"step"`
	Images  int       `json:"images"`
	Recon   float64   `json:"recon_nats"`
	KL      float64   `json:"kl_nats"`
	GroupKL []float64 `json:"group_kl_nats"`
}

// NELBO is the mean negative ELBO in nats per image.
func (e *EvalStats) NELBO() float64 { return e.Recon + e.KL }

// Summary formats the figures in the dataset's customary unit.
func (e *EvalStats) Summary(h *configs.Hparams, dims int) string {
	if h.Data.IsBinarized() {
		return fmt.Sprintf("NELBO %.3f nats (recon %.3f, KL %.3f)", e.NELBO(), e.Recon, e.KL)
	}
	bpd := func(v float64) float64 { return v / (float64(dims) * math.Ln2) }
	return fmt.Sprintf("NELBO %.4f bits/dim (recon %.4f, KL %.4f)", bpd(e.NELBO()), bpd(e.Recon), bpd(e.KL))
}

// Evaluate averages the losses over an evaluation iterator with the given
// weights. Posterior noise comes from a generator seeded with seed, so the
// same weights give the same figures.
func (t *Trainer) Evaluate(it *data.EvalIter, params map[string][]float32, seed uint64) (*EvalStats, error) {
	t.EnsureEvalCapacity(it.BatchSize())
	rng := rand.New(rand.NewPCG(seed, 0x6576616c))
	ev := &EvalStats{GroupKL: make([]float64, len(t.Model.Groups))}
	for {
		n := it.Next(t.x)
		if n == 0 {
			break
		}
		st, err := t.EvalBatch(params, n, rng)
		if err != nil {
			return nil, err
		}
		w := float64(n)
		ev.Recon += st.Recon * w
		ev.KL += st.KL * w
		for g, v := range st.GroupKL {
			ev.GroupKL[g] += v * w
		}
		ev.Images += n
	}
	if ev.Images == 0 {
		return nil, fmt.Errorf("train: evaluation set is empty")
	}
	ev.Recon /= float64(ev.Images)
	ev.KL /= float64(ev.Images)
	for g := range ev.GroupKL {
		ev.GroupKL[g] /= float64(ev.Images)
	}
	return ev, nil
}

// runState is the loop's part of a checkpoint's metadata.
type runState struct {
	Iter data.IterState `json:"iter"`
}
