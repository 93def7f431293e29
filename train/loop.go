package train

import (
	"context"

	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/atomicfile"
	"vdvae/runtime"
	"vdvae/train/checkpoint"
	"vdvae/train/data"
)

// Options configure a training run beyond its hparams.
type Options struct {
	RunsDir string
	// DataDir holds the dataset; empty means FindDataDir.
	DataDir  string
	Backend  runtime.Backend
	ResumeAs Resume
	// Out receives the live progress line and summaries; Quiet drops the
	// progress line and keeps one line per LogEvery steps.
	Out      io.Writer
	Quiet    bool
	LogEvery int
	// TTY says whether Out is a terminal (live line with carriage returns)
	// and Width its column count (0 when unknown); the live line is cut to
	// fit so that it redraws in place.
	TTY   bool
	Width int
	// SkipWarn and SkipStop are the lengths of a streak of skipped updates
	// that produce a warning and a stop.
	SkipWarn, SkipStop int
	// EvalAtStart evaluates a fresh run before its first step.
	EvalAtStart bool
	// MaxTime, when positive, ends training after this much wall time of
	// the loop, with an evaluation and a checkpoint, as at the last step.
	MaxTime time.Duration
}

// ErrTooManySkips stops a run whose updates keep being skipped.
var ErrTooManySkips = errors.New("train: too many skipped updates in a row")

// ErrDiverged stops a run whose weights are no longer finite.
var ErrDiverged = errors.New("train: training diverged")

// ErrData marks a problem with the dataset files or folder; errors.Is
// matches it on the loader's error, whose text is kept as it is.
var ErrData = errors.New("train: data")

type dataError struct{ err error }

func (e dataError) Error() string        { return e.err.Error() }
func (e dataError) Unwrap() error        { return e.err }
func (e dataError) Is(target error) bool { return target == ErrData }

// InterruptedError reports a run stopped by a signal after saving.
type InterruptedError struct {
	Step int
	Dir  string
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted at step %d; checkpoint saved in %s; run the same command to resume",
		e.Step, e.Dir)
}

// Unwrap makes errors.Is(err, context.Canceled) hold.
func (e *InterruptedError) Unwrap() error { return context.Canceled }

// Result summarises a finished (or stopped) run.
type Result struct {
	Dir     string
	Step    int
	LastVal *EvalStats
}

// Train trains the model described by h, resuming the run of the same name
// when it exists. It returns when train.total_train_steps is reached, when
// ctx is cancelled (after saving a checkpoint), or on error.
func Train(ctx context.Context, req Request, opt Options) (*Result, error) {
	if err := ValidRunName(req.H.Run.Name); err != nil {
		return nil, fmt.Errorf("%w; set it with --set run.name=NAME", err)
	}
	dir := RunDir(opt.RunsDir, req.H.Run.Name)
	h, exists, changed, err := ResolveHparams(dir, req, opt.ResumeAs)
	if err != nil {
		return nil, err
	}
	r := &runner{h: h, opt: opt, dir: dir, out: opt.Out}
	if r.out == nil {
		r.out = io.Discard
	}
	defer r.closeData()
	verb := "continuing with changed hparams"
	if opt.ResumeAs == ResumeSaved {
		verb = "ignoring requested changes (--resume-with saved)"
	}
	for _, c := range changed {
		fmt.Fprintf(r.out, "%s: %s\n", verb, c)
	}
	if err := r.setup(exists); err != nil {
		return nil, err
	}
	defer r.lock.Close()
	defer r.metrics.Close()
	defer r.tb.Close()
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
	notes   dataNotes
	store   *checkpoint.Store
	metrics *metricsWriter
	tb      *tbLog
	prog    *progress
	lastVal *EvalStats
	lock    *os.File
	resumed bool
	lastCk  string
	// ckStep is the step of the newest checkpoint (0 before any): a data
	// stop saves only when steps were trained since.
	ckStep int
	// skipList is the SkippedFile written last, "" when none.
	skipList string
	// lastNonFinite is set while the latest step's loss or gradient was
	// not finite: the weights may be finite but useless, so nothing is saved.
	lastNonFinite bool
	// evaluating is set during an evaluation; pendingEval when the resumed
	// checkpoint was saved in the middle of one.
	evaluating, pendingEval bool
}

func (r *runner) setup(exists bool) error {
	h := r.h
	spec := DataSpec(h, r.opt.DataDir)
	spec.Note = r.notes.add
	splits, err := data.OpenSpec(spec)
	if err != nil {
		return dataError{err}
	}
	r.splits = splits
	dataDir := splits.Train.Origin()
	want := [3]int{h.Data.Channels, h.Data.TargetRes, h.Data.TargetRes}
	if got := splits.Train.Shape(); [3]int{got[1], got[2], got[3]} != want {
		return dataError{fmt.Errorf("data: images in %s are %dx%dx%d after padding, the model wants "+
			"%dx%dx%d (data.channels x data.target_res x data.target_res)", dataDir, got[1], got[2],
			got[3], want[0], want[1], want[2])}
	}
	flip := h.Data.RandomHorizontalFlip
	if flip && h.Data.IsPadded28() {
		flip = false
		fmt.Fprintln(r.out, "note: data.random_horizontal_flip is ignored for MNIST-like data, "+
			"which the reference does not flip")
	}
	r.noteData()
	if err := r.checkBatch(); err != nil {
		return err
	}
	if err := r.checkMemory(); err != nil {
		return err
	}
	if r.tr, err = NewTrainer(h, r.opt.Backend); err != nil {
		return err
	}
	r.iter, err = data.NewTrainIter(splits.Train, h.Train.BatchSize, uint64(h.Run.Seed),
		data.WithFlip(flip))
	if err != nil {
		return dataError{err}
	}
	if err := os.MkdirAll(filepath.Join(r.dir, CkptDir), 0o755); err != nil {
		return fmt.Errorf("train: create run directory: %w", err)
	}
	if r.lock, err = LockRun(r.dir); err != nil {
		return err
	}
	if err := probeWritable(filepath.Join(r.dir, CkptDir)); err != nil {
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
	// Only now, with the checkpoint accepted, do the hparams become the run's.
	if err := h.Save(filepath.Join(r.dir, HparamsFile)); err != nil {
		return err
	}
	var dropped int
	keepUpTo := -1 // a fresh start drops what a crashed first attempt logged
	if r.resumed {
		keepUpTo = r.tr.Step
	}
	r.metrics, dropped, err = openMetrics(filepath.Join(r.dir, MetricsFile), keepUpTo)
	if err != nil {
		return err
	}
	if dropped > 0 {
		fmt.Fprintf(r.out, "warning: dropped %d unreadable lines from %s\n", dropped, MetricsFile)
	}
	r.tb = openTB(r.dir, h, r.tr.Model.Dims, r.out)
	fmt.Fprintf(r.out, "run %s: %s from %s, %s on %d training images, backend %s\n", r.dir,
		h.Data.DatasetSource, dataDir, r.tr, splits.Train.Len(), r.opt.Backend.Name())
	if splits.Train.Streamed() {
		test := fmt.Sprintf("%d test images from %s", splits.Test.Len(), splits.Test.Origin())
		if splits.Test == splits.Val {
			test = "the validation images are also the test split"
		}
		fmt.Fprintf(r.out, "data: %d validation images from %s; %s\n", splits.Val.Len(),
			splits.Val.Origin(), test)
	}
	return nil
}

// checkBatch refuses a training split too small for one batch, saying how
// many of its files were left out.
func (r *runner) checkBatch() error {
	d, b := r.splits.Train, r.h.Train.BatchSize
	if d.Len() >= b {
		return nil
	}
	msg := fmt.Sprintf("data: %d training images in %s make no full batch of %d "+
		"(train.batch_size)", d.Len(), d.Origin(), b)
	if sk := d.Skipped(); len(sk) > 0 {
		other := strings.Replace(files(len(sk)), " file", " other file", 1)
		msg += fmt.Sprintf("; %s %s left out (listed above), such as %s", other, wasWere(len(sk)),
			sk[0])
		r.reportSkipped()
	}
	return dataError{errors.New(msg + "; add images or lower train.batch_size")}
}

// files returns "1 file" or "N files".
func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

func isAre(n int) string   { return map[bool]string{true: "is", false: "are"}[n == 1] }
func wasWere(n int) string { return map[bool]string{true: "was", false: "were"}[n == 1] }

// noteData prints what the user should know about the splits before
// training: files left out and a validation split smaller than asked for.
func (r *runner) noteData() {
	for _, sp := range r.namedSplits() {
		if sk := sp.d.Skipped(); len(sk) > 0 {
			fmt.Fprintf(r.out, "note: data: %s of the %s split %s left out (listed at the end), "+
				"such as %s\n", files(len(sk)), sp.name, isAre(len(sk)), sk[0])
		}
	}
	if n, have := r.h.Val.NSamplesForValidation, r.splits.Val.Len(); n > have {
		fmt.Fprintf(r.out, "note: val.n_samples_for_validation is %d but the validation split has "+
			"%d images: evaluating on all %d\n", n, have, have)
	}
}

// maxListed is how many skipped files of each split a run prints; the
// full list goes to SkippedFile.
const maxListed = 20

// SkippedFile, in a run directory, lists every file of the data set that
// was left out, replaced or skipped, with the reason, as of the last time
// the run stopped.
const SkippedFile = "data_skipped.txt"

// reportData prints, at the end of a run, the files that were skipped or
// replaced and how long the steps waited for streamed data.
func (r *runner) reportData() {
	if r.splits == nil {
		return
	}
	r.flushNotes()
	r.reportSkipped()
	if r.iter == nil {
		return
	}
	if w := r.iter.Waits(); w.Batches > 0 {
		fmt.Fprintf(r.out, "data: %d of %d training batches were not read in time; the steps "+
			"waited %.1fs for data in all\n", w.Waits, w.Batches, w.Total.Seconds())
	}
}

// reportSkipped prints the first maxListed files each split left out and
// writes them all to SkippedFile, when the run directory exists.
func (r *runner) reportSkipped() {
	var file strings.Builder
	total := 0
	for _, sp := range r.namedSplits() {
		sk := sp.d.Skipped()
		if len(sk) == 0 {
			continue
		}
		total += len(sk)
		fmt.Fprintf(&file, "# %s split: %d files\n", sp.name, len(sk))
		for _, s := range sk {
			fmt.Fprintf(&file, "%s\n", s)
		}
		fmt.Fprintf(r.out, "data: %s of the %s split %s %s:\n", files(len(sk)), sp.name,
			wasWere(len(sk)), sp.fate)
		for _, s := range sk[:min(len(sk), maxListed)] {
			fmt.Fprintf(r.out, "  %s\n", s)
		}
		if len(sk) > maxListed {
			fmt.Fprintf(r.out, "  ... and %d more\n", len(sk)-maxListed)
		}
	}
	path := filepath.Join(r.dir, SkippedFile)
	r.skipList = ""
	if st, err := os.Stat(r.dir); err != nil || !st.IsDir() {
		return
	}
	if total == 0 {
		os.Remove(path) // a list from an earlier attempt no longer holds
		return
	}
	if err := atomicfile.WriteBytes(path, []byte(file.String())); err != nil {
		fmt.Fprintf(r.out, "warning: data: %v\n", err)
		return
	}
	r.skipList = path
	fmt.Fprintf(r.out, "data: the full list (%s) is in %s\n", files(total), path)
}

// namedSplit is a split of the run's data with its name and what becomes
// of its unreadable images.
type namedSplit struct {
	name, fate string
	d          *data.Dataset
}

// namedSplits returns the training, validation and (when it is its own)
// test split.
func (r *runner) namedSplits() []namedSplit {
	out := []namedSplit{{"training", "left out or replaced", r.splits.Train},
		{"validation", "left out", r.splits.Val}}
	if r.splits.Test != r.splits.Val {
		out = append(out, namedSplit{"test", "left out", r.splits.Test})
	}
	return out
}

// closeData closes the files of streamed splits.
func (r *runner) closeData() {
	if r.splits != nil {
		r.splits.Close()
	}
}

// dataNotes collects the data loader's notes, which come from its reading
// goroutines, for the loop to print between steps.
type dataNotes struct {
	mu   sync.Mutex
	msgs []string
}

func (n *dataNotes) add(msg string) {
	n.mu.Lock()
	n.msgs = append(n.msgs, msg)
	n.mu.Unlock()
}

func (n *dataNotes) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.msgs
	n.msgs = nil
	return m
}

// flushNotes prints the loader's pending notes.
func (r *runner) flushNotes() {
	msgs := r.notes.take()
	if len(msgs) == 0 {
		return
	}
	r.prog.finish()
	for _, m := range msgs {
		fmt.Fprintf(r.out, "note: data: %s\n", m)
	}
}

// dataFailed stops a run whose data can no longer be read: it lists the
// files that failed, saves a checkpoint when steps were trained since the
// last one, and says what to do. split names the split that failed.
func (r *runner) dataFailed(err error, split string) error {
	r.prog.finish()
	r.reportData()
	saved := "no step was trained, so no checkpoint is written"
	switch {
	case r.tr.Step > r.ckStep:
		if serr := r.save(); serr != nil {
			return errors.Join(dataError{err}, serr)
		}
		saved = "the steps so far are saved in " + r.lastCk
	case r.lastCk != "":
		saved = "no step was trained since " + r.lastCk
	}
	listed := "listed above"
	if r.skipList != "" {
		listed += " and in " + r.skipList
	}
	what := fmt.Sprintf("replace the unreadable %s files (%s), or remove them, then run the "+
		"same command", split, listed)
	if split == "training" && r.lastCk != "" {
		what = fmt.Sprintf("replace the unreadable training files (%s) with good copies, then "+
			"run the same command to resume; removing them changes the size of the training set, "+
			"which this run cannot resume with: then start over with vdvae reset --runs %s %s, or "+
			"train a new run with --set run.name=NEW", listed, filepath.Dir(r.dir),
			filepath.Base(r.dir))
	}
	return dataError{fmt.Errorf("%w; %s; %s", err, saved, what)}
}

// checkMemory refuses a configuration whose training step would not fit in
// the memory the machine has available.
func (r *runner) checkMemory() error {
	need, err := TrainingBytes(r.h)
	if err != nil {
		return err
	}
	avail := AvailableMemory()
	if avail > 0 && need > avail {
		return fmt.Errorf("train: one training step at train.batch_size %d needs about %.1f GiB, "+
			"more than the %.1f GiB available; lower train.batch_size or use a smaller model",
			r.h.Train.BatchSize, float64(need)/(1<<30), float64(avail)/(1<<30))
	}
	return nil
}

// restore loads the newest good checkpoint, reporting any it had to skip.
func (r *runner) restore() error {
	ck, path, skipped, err := r.store.LoadLatest()
	for _, s := range skipped {
		fmt.Fprintf(r.out, "warning: skipping unreadable checkpoint: %v\n", s)
	}
	if errors.Is(err, checkpoint.ErrNoCheckpoint) {
		fmt.Fprintf(r.out, "no checkpoint in %s yet: starting run %s from step 0\n", r.store.Dir, r.dir)
		return nil
	}
	advice := fmt.Sprintf("move the bad files out of %s to use an older one, or start over with "+
		"vdvae reset --runs %s %s", r.store.Dir, filepath.Dir(r.dir), filepath.Base(r.dir))
	if err != nil {
		return fmt.Errorf("%w; %s", err, advice)
	}
	var st runState
	if err := r.tr.Restore(ck, &st); err != nil {
		return fmt.Errorf("train: restore %s: %w; %s", path, err, advice)
	}
	if !r.tr.ParamsFinite() {
		return fmt.Errorf("%w: checkpoint %s holds non-finite weights; %s", ErrDiverged, path, advice)
	}
	if n := r.splits.Train.Len(); st.Iter.Len != n {
		return dataError{fmt.Errorf("data: %s was saved at step %d for a training set of %d "+
			"images, and %s now has %d: a run cannot continue on a training set of another size, "+
			"since its order of batches depends on it; put the files back as they were, start "+
			"this run over with vdvae reset --runs %s %s, or train a new run with --set "+
			"run.name=NEW", path, r.tr.Step, st.Iter.Len, r.splits.Train.Origin(), n,
			filepath.Dir(r.dir), filepath.Base(r.dir))}
	}
	if err := r.iter.Restore(st.Iter); err != nil {
		return fmt.Errorf("train: restore %s: data position: %w", path, err)
	}
	r.resumed, r.lastCk, r.pendingEval = true, path, st.PendingEval
	r.ckStep = r.tr.Step
	fmt.Fprintf(r.out, "resuming from %s at step %d\n", path, r.tr.Step)
	return nil
}

func (r *runner) loop(ctx context.Context) (*Result, error) {
	h := r.h
	total := h.Train.TotalTrainSteps
	res := &Result{Dir: r.dir}
	if r.pendingEval {
		fmt.Fprintf(r.out, "redoing the evaluation of step %d that was interrupted\n", r.tr.Step)
		if err := r.evaluate(ctx); err != nil {
			return nil, r.stopped(ctx, err)
		}
		r.pendingEval = false
	}
	if r.tr.Step >= total {
		fmt.Fprintf(r.out, "run %s already finished at step %d of %d; to train longer pass "+
			"--set train.total_train_steps=N --resume-with new\n", r.dir, r.tr.Step, total)
		res.Step = r.tr.Step
		return res, nil
	}
	if !r.resumed && r.opt.EvalAtStart {
		if err := r.evaluate(ctx); err != nil {
			return nil, r.stopped(ctx, err)
		}
	}
	var deadline time.Time
	if r.opt.MaxTime > 0 {
		deadline = time.Now().Add(r.opt.MaxTime)
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
			return nil, r.stopped(ctx, err)
		}
		if err := r.iter.Next(r.tr.X()[:n*img]); err != nil {
			return nil, r.dataFailed(err, "training")
		}
		r.flushNotes()
		t0 := time.Now()
		st, err := r.tr.TrainStep()
		if err != nil {
			return nil, err
		}
		r.lastNonFinite = st.NonFinite
		r.prog.update(st, r.tr.Skips, time.Since(t0))
		if err := r.checkSkips(st); err != nil {
			return nil, err
		}
		if st.Step%max(1, h.Train.LoggingIntervalInSteps) == 0 {
			r.metrics.train(st, r.tr.Skips, r.tr.Model.Dims)
			r.tb.step(st, r.tr.Skips)
		}
		outOfTime := !deadline.IsZero() && time.Now().After(deadline)
		if st.Step%h.Train.CheckpointAndEvalIntervalInSteps == 0 || st.Step == total || outOfTime {
			r.prog.finish()
			if err := r.evaluate(ctx); err != nil {
				return nil, r.stopped(ctx, err)
			}
			if err := r.save(); err != nil {
				return nil, err
			}
		}
		if outOfTime {
			fmt.Fprintf(r.out, "time budget of %s reached at step %d; run the same command to continue\n",
				r.opt.MaxTime, r.tr.Step)
			break
		}
	}
	r.prog.finish()
	r.reportData()
	res.Step, res.LastVal = r.tr.Step, r.lastVal
	return res, nil
}

// stopped handles an interruption: when ctx was cancelled it saves a
// checkpoint and returns an InterruptedError; a validation split that
// cannot be read stops as dataFailed does; other errors pass through.
func (r *runner) stopped(ctx context.Context, err error) error {
	var de dataError
	if ctx.Err() == nil && errors.As(err, &de) {
		return r.dataFailed(de.err, "validation")
	}
	if ctx.Err() == nil {
		return err
	}
	r.reportData()
	if err := r.save(); err != nil {
		return err
	}
	return &InterruptedError{Step: r.tr.Step, Dir: r.store.Dir}
}

// checkSkips warns about, then stops, a long streak of skipped updates, and
// stops at once when the weights themselves are no longer finite.
func (r *runner) checkSkips(st StepStats) error {
	if !st.Skipped {
		return nil
	}
	if st.NonFinite && !r.tr.ParamsFinite() {
		r.prog.finish()
		return r.diverged(st.Step, "the weights are no longer finite")
	}
	why := fmt.Sprintf("gradient norm %.4g >= optimizer.gradient_skip_threshold %g", st.GradNorm,
		r.h.Optimizer.GradientSkipThreshold)
	if st.NonFinite {
		why = "the loss or gradient is not finite"
	}
	advice := "raise optimizer.gradient_skip_threshold or lower optimizer.learning_rate " +
		"(for example --set optimizer.learning_rate=1e-4)"
	if st.NonFinite {
		advice = "lower optimizer.learning_rate (for example --set optimizer.learning_rate=1e-4) " +
			"or turn on optimizer.clip_gradient_norm"
	}
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

// diverged reports a model that no longer computes finite numbers.
func (r *runner) diverged(step int, what string) error {
	last := "no checkpoint was written"
	if r.lastCk != "" {
		last = "the last good checkpoint is " + r.lastCk
	}
	return fmt.Errorf("%w: %s at step %d; %s; lower optimizer.learning_rate or turn on "+
		"optimizer.clip_gradient_norm, then resume with --resume-with new", ErrDiverged, what, step, last)
}

// save writes a checkpoint of the current state; it refuses weights that
// are no longer finite, so every checkpoint on disk can be resumed.
func (r *runner) save() error {
	if r.lastNonFinite {
		return r.diverged(r.tr.Step, "the last steps gave a non-finite loss, so no checkpoint is saved")
	}
	if !r.tr.ParamsFinite() {
		return r.diverged(r.tr.Step, "the weights are no longer finite")
	}
	ck, err := r.tr.Snapshot(runState{Iter: r.iter.State(), PendingEval: r.evaluating})
	if err != nil {
		return err
	}
	path, err := r.store.Save(r.tr.Step, ck)
	if err != nil {
		return err
	}
	r.lastCk, r.ckStep = path, r.tr.Step
	return nil
}

// evaluate runs the validation split and prints a summary line.
func (r *runner) evaluate(ctx context.Context) error {
	h := r.h
	vb := min(h.Val.BatchSize, max(1, min(h.Val.NSamplesForValidation, r.splits.Val.Len())))
	it, err := data.NewEvalIter(r.splits.Val, vb, h.Val.NSamplesForValidation)
	if err != nil {
		return err
	}
	t0 := time.Now()
	r.evaluating = true
	ev, err := r.tr.Evaluate(ctx, it, r.tr.Params, uint64(h.Run.Seed), r.tb.show())
	if err == nil {
		r.evaluating = false
	}
	if err != nil {
		return err
	}
	ev.Step = r.tr.Step
	if !finite(ev.NELBO()) {
		r.metrics.eval(ev, r.tr.Model.Dims)
		return r.diverged(r.tr.Step, "the validation NELBO is not finite")
	}
	r.lastVal = ev
	r.metrics.eval(ev, r.tr.Model.Dims)
	var samples *Images
	if r.tb.show() > 0 {
		if samples, err = r.tr.Samples(r.tr.EMA, tbShowSamples, 1, uint64(h.Run.Seed)); err != nil {
			return err
		}
	}
	r.tb.eval(ev, samples)
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
	// SSIM is the mean SSIM of sampled reconstructions.
	SSIM float64 `json:"ssim"`
	// Targets and Recons hold the first images of the pass when asked for.
	Targets, Recons *Images `json:"-"`
}

// NELBO is the mean negative ELBO in nats per image.
func (e *EvalStats) NELBO() float64 { return e.Recon + e.KL }

// Summary formats the figures in the dataset's customary unit.
func (e *EvalStats) Summary(h *configs.Hparams, dims int) string {
	if h.Data.IsBinarized() {
		return fmt.Sprintf("NELBO %.3f nats (recon %.3f, KL %.3f), SSIM %.4f", e.NELBO(), e.Recon,
			e.KL, e.SSIM)
	}
	bpd := func(v float64) float64 { return v / (float64(dims) * math.Ln2) }
	return fmt.Sprintf("NELBO %.4f bits/dim (recon %.4f, KL %.4f), SSIM %.4f", bpd(e.NELBO()),
		bpd(e.Recon), bpd(e.KL), e.SSIM)
}

// Evaluate averages the losses over an evaluation iterator with the given
// weights, and the SSIM of reconstructions sampled from the output
// distribution. Posterior and sampling noise are drawn per image from seed
// (see Noise), so the same weights give the same figures at any batch size.
// When show > 0 the first show targets and reconstructions are kept in
// the result for display.
func (t *Trainer) Evaluate(ctx context.Context, it *data.EvalIter, params map[string][]float32,
	seed uint64, show int) (*EvalStats, error) {
	t.EnsureEvalCapacity(it.BatchSize())
	noise := Noise{Seed: seed, Stream: StreamPosterior}
	sampler := &Sampler{H: t.H, Temperature: 1, Noise: Noise{Seed: seed, Stream: StreamOutput}}
	ev := &EvalStats{GroupKL: make([]float64, len(t.Model.Groups))}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := it.Next(t.x)
		if n == 0 {
			break
		}
		st, err := t.EvalBatch(params, n, ev.Images, noise)
		if err != nil {
			return nil, err
		}
		targets := Crop(t.H, t.x, n)
		recons := sampler.Sample(t.evalProgs[n].Output(graph.OutLogits), n, ev.Images)
		ssims, err := SSIM(t.H, targets, recons)
		if err != nil {
			return nil, err
		}
		for _, v := range ssims {
			ev.SSIM += v
		}
		if k := min(show-ev.Images, n); k > 0 {
			ev.Targets = appendImages(ev.Targets, targets, k)
			ev.Recons = appendImages(ev.Recons, recons, k)
		}
		w := float64(n)
		ev.Recon += st.Recon * w
		ev.KL += st.KL * w
		for g, v := range st.GroupKL {
			ev.GroupKL[g] += v * w
		}
		ev.Images += n
	}
	if err := it.Err(); err != nil {
		return nil, dataError{err}
	}
	if ev.Images == 0 {
		return nil, fmt.Errorf("train: evaluation set is empty")
	}
	ev.Recon /= float64(ev.Images)
	ev.KL /= float64(ev.Images)
	ev.SSIM /= float64(ev.Images)
	for g := range ev.GroupKL {
		ev.GroupKL[g] /= float64(ev.Images)
	}
	return ev, nil
}

// appendImages appends the first k images of src to dst (nil to start).
func appendImages(dst, src *Images, k int) *Images {
	if dst == nil {
		dst = &Images{C: src.C, H: src.H, W: src.W}
	}
	dst.N += k
	dst.Pix = append(dst.Pix, src.Pix[:k*src.C*src.H*src.W]...)
	return dst
}

// runState is the loop's part of a checkpoint's metadata.
type runState struct {
	Iter data.IterState `json:"iter"`
	// PendingEval marks a checkpoint saved when a signal cut an evaluation
	// short; the resumed run evaluates first.
	PendingEval bool `json:"pending_eval,omitempty"`
}
