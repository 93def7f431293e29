package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"vdvae/configs"
)

// Run directory layout, under <runs>/<run.name>/:
//
//	hparams.yaml     the hyper-parameters the run uses
//	checkpoints/     ckpt-<step>.vdck files (train/checkpoint)
//	metrics.jsonl    one JSON object per logged training step or evaluation
//	.lock            held (flock) by the process training the run
const (
	HparamsFile = "hparams.yaml"
	MetricsFile = "metrics.jsonl"
	CkptDir     = "checkpoints"
	lockFile    = ".lock"
)

// ErrConfigMismatch is returned when a run exists with other hparams.
var ErrConfigMismatch = errors.New("train: run exists with a different config")

// RunDir returns the directory of a run.
func RunDir(runsDir, name string) string { return filepath.Join(runsDir, name) }

// ValidRunName reports an error for names that are not a single plain path
// component.
func ValidRunName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("train: run name %q must be a plain name (letters, digits, '-', '_', '.')", name)
	}
	return nil
}

// Resume says which hparams to use when a run exists with different ones.
type Resume string

// The choices for an existing run whose saved hparams differ.
const (
	ResumeAsk   Resume = ""      // refuse and list the differences
	ResumeSaved Resume = "saved" // continue with the saved hparams
	ResumeNew   Resume = "new"   // continue with the requested hparams
)

// fixedKeys are the hparams a run cannot change once it has checkpoints:
// they decide the shapes of its weights, its data and its random streams.
var fixedKeys = []string{"model.", "data.", "train.batch_size:", "run.seed:"}

// Request is what the user asked to train.
type Request struct {
	// H is the config (preset or file) with the overrides applied.
	H *configs.Hparams
	// ConfigGiven reports an explicit --config. Without it, an existing
	// run's saved hparams are the base that Overrides apply to.
	ConfigGiven bool
	Overrides   []string
}

// ResolveHparams decides the hparams of a run. It returns the hparams to
// use, whether the run already exists, and the keys that differ between the
// saved and the requested hparams (empty for a new run or an unchanged one):
// applied with ResumeNew, ignored with ResumeSaved.
func ResolveHparams(dir string, req Request, how Resume) (*configs.Hparams, bool, []string, error) {
	path := filepath.Join(dir, HparamsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if leftovers(dir) {
			return nil, false, nil, fmt.Errorf("train: %s holds checkpoints or metrics but no %s, so it "+
				"cannot be resumed safely; restore the file, move the folder away, or delete it with "+
				"vdvae reset --runs %s %s", dir, HparamsFile, filepath.Dir(dir), filepath.Base(dir))
		}
		return req.H, false, nil, nil
	}
	saved, err := configs.Load(path, nil)
	if err != nil {
		return nil, true, nil, fmt.Errorf("train: run %s: saved hparams: %w", dir, err)
	}
	// The folder names the run, whatever name a copied folder's file holds.
	saved.Run.Name = filepath.Base(dir)
	want := req.H
	if !req.ConfigGiven {
		if want, err = withOverrides(saved, req.Overrides); err != nil {
			return nil, true, nil, err
		}
	}
	want.Run.Name = saved.Run.Name
	diff := configs.Diff(saved, want)
	if len(diff) == 0 {
		return saved, true, nil, nil
	}
	if how == ResumeSaved {
		return saved, true, diff, nil
	}
	var fixed []string
	for _, d := range diff {
		for _, k := range fixedKeys {
			if strings.HasPrefix(d, k) {
				fixed = append(fixed, d)
			}
		}
	}
	if len(fixed) > 0 && how == ResumeNew {
		return nil, true, nil, fmt.Errorf("%w: run %s cannot change these hparams, which fix its "+
			"weights' shapes, its data or its random streams:\n  %s\nstart a new run with "+
			"--set run.name=OTHER", ErrConfigMismatch, dir, strings.Join(fixed, "\n  "))
	}
	if how == ResumeNew {
		return want, true, diff, nil
	}
	return nil, true, nil, fmt.Errorf("%w: run %s was made with hparams that differ in:\n  %s\n"+
		"pass --resume-with saved to continue with the saved hparams, --resume-with new to continue "+
		"with the changed ones, or start a new run with --set run.name=OTHER", ErrConfigMismatch, dir,
		strings.Join(diff, "\n  "))
}

// withOverrides returns a copy of h with the overrides applied and checked.
func withOverrides(h *configs.Hparams, overrides []string) (*configs.Hparams, error) {
	b, err := h.Marshal()
	if err != nil {
		return nil, err
	}
	c, err := configs.Parse(HparamsFile, b)
	if err != nil {
		return nil, err
	}
	if err := c.Set(overrides); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// IsRunDir reports whether dir looks like a run directory of vdvae: it
// holds hparams.yaml or checkpoints/*.vdck files.
func IsRunDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, HparamsFile)); err == nil {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, CkptDir, "*.vdck"))
	return len(m) > 0
}

// leftovers reports whether dir holds what a run leaves behind.
func leftovers(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, MetricsFile)); err == nil {
		return true
	}
	entries, _ := os.ReadDir(filepath.Join(dir, CkptDir))
	return len(entries) > 0
}

// LockRun takes an exclusive lock on the run directory so that two
// processes never train or delete one run at once; closing the file (or
// the process ending) releases it.
func LockRun(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: lock run: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("train: run %s is being trained by another process", dir)
	}
	return f, nil
}

// probeWritable fails early when dir does not take new files, rather than
// at the first checkpoint.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("train: %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
