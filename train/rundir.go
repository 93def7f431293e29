package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"vdvae/configs"
)

// Run directory layout, under <runs>/<run.name>/:
//
//	hparams.yaml     the hyper-parameters the run uses
//	checkpoints/     ckpt-<step>.vdck files (train/checkpoint)
//	metrics.jsonl    one JSON object per logged training step or evaluation
const (
	HparamsFile = "hparams.yaml"
	MetricsFile = "metrics.jsonl"
	CkptDir     = "checkpoints"
)

// ErrConfigMismatch is returned when a run exists with other hparams.
var ErrConfigMismatch = errors.New("train: run exists with a different config")

// RunDir returns the directory of a run.
func RunDir(runsDir, name string) string { return filepath.Join(runsDir, name) }

// ValidRunName reports an error for names that are not a single plain path
// component.
func ValidRunName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("train: run.name %q must be a plain name (letters, digits, '-', '_', '.'); "+
			"set it with --set run.name=NAME", name)
	}
	return nil
}

// Resume says which hparams to use when a run exists with different ones.
type Resume string

// The choices for an existing run whose saved hparams differ.
const (
	ResumeAsk   Resume = ""      // refuse and list the differences
	ResumeSaved Resume = "saved" // continue with the saved hparams
	ResumeNew   Resume = "new"   // continue with the given hparams
)

// ResolveHparams decides the hparams of a run. h is what the user asked for;
// given reports whether they asked explicitly (a config or overrides), as
// opposed to a bare run name. It returns the hparams to use and whether the
// run already exists.
func ResolveHparams(dir string, h *configs.Hparams, given bool, how Resume) (*configs.Hparams, bool, error) {
	path := filepath.Join(dir, HparamsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return h, false, nil
	}
	saved, err := configs.Load(path, nil)
	if err != nil {
		return nil, true, fmt.Errorf("train: run %s: saved hparams: %w", dir, err)
	}
	diff := configs.Diff(saved, h)
	if len(diff) == 0 || how == ResumeSaved || (!given && how == ResumeAsk) {
		return saved, true, nil
	}
	if how == ResumeNew {
		return h, true, nil
	}
	return nil, true, fmt.Errorf("%w: run %s was made with hparams that differ in:\n  %s\n"+
		"pass --resume-with saved to continue with the saved hparams, --resume-with new to continue "+
		"with yours, or start a new run with --set run.name=OTHER", ErrConfigMismatch, dir,
		strings.Join(diff, "\n  "))
}
