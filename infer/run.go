package infer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/train"
	"vdvae/train/checkpoint"
)

// Run is a trained run opened for inference: its hparams and one set of
// weights from its newest intact checkpoint.
type Run struct {
	Dir string
	H   *configs.Hparams
	// Checkpoint is the file the weights came from and Step its step.
	Checkpoint string
	Step       int
	// EMA reports whether Weights are the EMA weights (else the raw ones).
	EMA     bool
	Weights map[string][]float32
	// Skipped lists unreadable newer checkpoints that were passed over.
	Skipped []error
}

// OpenOptions configure Open.
type OpenOptions struct {
	// Raw selects the raw weights instead of the EMA weights.
	Raw bool
	// Checkpoint, when set, names the checkpoint file to load instead of
	// the newest intact one in the run.
	Checkpoint string
	// Config, when set, is the configuration the caller expects; Open
	// fails when the run was made with other model or data hparams.
	Config *configs.Hparams
}

// Open loads the run in dir.
func Open(dir string, opt OpenOptions) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, badInput("%s is not a trained run: no such folder (train one with vdvae "+
				"train, or pass --runs with the folder that holds it)", dir)
		}
		return nil, badInput("run folder %s: %w", dir, unwrapPath(err))
	}
	hpath := filepath.Join(dir, train.HparamsFile)
	if _, err := os.Stat(hpath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, badInput("%s is not a trained run: it has no %s (train one with "+
				"vdvae train, or pass --runs with the folder that holds it)", dir, train.HparamsFile)
		}
		return nil, badInput("run %s: %w", dir, unwrapPath(err))
	}
	h, err := configs.Load(hpath, nil)
	if err != nil {
		return nil, badInput("run %s: %w", dir, err)
	}
	h.Run.Name = filepath.Base(dir)
	if opt.Config != nil {
		if diff := modelDiff(h, opt.Config); len(diff) > 0 {
			return nil, badInput("run %s was made by another config; its model and data "+
				"hparams differ from --config in:\n  %s\ndrop --config to use the run's own hparams",
				dir, strings.Join(diff, "\n  "))
		}
	}
	r := &Run{Dir: dir, H: h, EMA: !opt.Raw}
	ck, err := r.load(opt.Checkpoint)
	if err != nil {
		return nil, err
	}
	if err := r.pick(ck); err != nil {
		return nil, err
	}
	return r, nil
}

// modelDiff lists the differences between a and b in the keys that fix a
// model's weights and data.
func modelDiff(a, b *configs.Hparams) []string {
	var out []string
	for _, d := range configs.Diff(a, b) {
		if strings.HasPrefix(d, "model.") || strings.HasPrefix(d, "data.") {
			out = append(out, d)
		}
	}
	return out
}

func (r *Run) load(path string) (*checkpoint.Checkpoint, error) {
	if path != "" {
		ck, err := checkpoint.Load(path)
		if err != nil {
			return nil, badInput("--checkpoint: %w", err)
		}
		r.Checkpoint = path
		return ck, nil
	}
	store := &checkpoint.Store{Dir: filepath.Join(r.Dir, train.CkptDir)}
	ck, path, skipped, err := store.LoadLatest()
	r.Skipped = skipped
	if errors.Is(err, checkpoint.ErrNoCheckpoint) {
		return nil, badInput("run %s has no checkpoint yet; train it first (vdvae train)", r.Dir)
	}
	if err != nil {
		return nil, badInput("%w; every checkpoint of run %s is unreadable: restore one, or train "+
			"the run again", err, r.Dir)
	}
	r.Checkpoint = path
	return ck, nil
}

// pick takes the chosen weight set out of a checkpoint, checking every
// parameter of the model against it.
func (r *Run) pick(ck *checkpoint.Checkpoint) error {
	prefix := "ema/"
	if !r.EMA {
		prefix = "model/"
	}
	// The evaluator holds every parameter.
	full, err := graph.Build(r.H, graph.Options{Mode: graph.ModeEval})
	if err != nil {
		return badInput("run %s: %w", r.Dir, err)
	}
	r.Weights = make(map[string][]float32, len(full.Graph.Params))
	for _, p := range full.Graph.Params {
		t := ck.Tensor(prefix + p.Name)
		if t == nil || len(t.Data) != p.Shape.Size() {
			return badInput("checkpoint %s does not fit the model of %s/%s (parameter %s "+
				"missing or of another size): the run's hparams and its checkpoints come from "+
				"different models", r.Checkpoint, r.Dir, train.HparamsFile, p.Name)
		}
		r.Weights[p.Name] = t.Data
	}
	var meta struct {
		Step int `json:"step"`
	}
	if err := json.Unmarshal(ck.Meta, &meta); err != nil {
		return fmt.Errorf("infer: checkpoint %s metadata: %w", r.Checkpoint, err)
	}
	r.Step = meta.Step
	return nil
}

// WeightsName says which weights are loaded, for messages.
func (r *Run) WeightsName() string {
	if r.EMA {
		return "EMA weights"
	}
	return "raw weights"
}

// ErrInput marks errors caused by what the user passed (a missing run, a
// bad option, a file of another model): errors.Is(err, ErrInput).
var ErrInput = errors.New("infer: bad input")

type inputError struct{ err error }

func (e inputError) Error() string        { return e.err.Error() }
func (e inputError) Unwrap() error        { return e.err }
func (e inputError) Is(target error) bool { return target == ErrInput }

// badInput formats an input error; the text starts with "infer: ".
func badInput(format string, args ...any) error {
	return inputError{fmt.Errorf("infer: "+format, args...)}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
