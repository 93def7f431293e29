package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// File names in a Store: "ckpt-<step>.vdck", the step zero-padded to
// stepDigits digits (more digits once a step needs them).
const (
	namePrefix = "ckpt-"
	nameExt    = ".vdck"
	stepDigits = 9
)

// Store is a run's folder of checkpoints, one file per saved step. A Store
// expects one writer at a time; readers may load while it saves.
type Store struct {
	Dir string
	// Keep is how many checkpoints Save leaves, counting the one it just
	// wrote; 0 or less keeps them all.
	Keep int
}

// Entry is one checkpoint file of a Store.
type Entry struct {
	Step int
	Path string
}

// Path returns the file name of the checkpoint of step.
func (s *Store) Path(step int) string {
	return filepath.Join(s.Dir, fmt.Sprintf("%s%0*d%s", namePrefix, stepDigits, step, nameExt))
}

// Save writes the checkpoint of step, creating the folder if needed, then
// removes temporary files left by an interrupted save and prunes old
// checkpoints. Pruning keeps the file just written and the Keep-1 newest of
// the earlier steps; files of later steps, left by a run that resumed from
// an older checkpoint, are not touched. If only the cleanup fails, Save
// returns the path written together with the error.
func (s *Store) Save(step int, ck *Checkpoint) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("checkpoint: save step %d: steps start at 0", step)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: create run folder: %w", err)
	}
	tempErr := s.removeTemps()
	path := s.Path(step)
	if err := Save(path, ck); err != nil {
		return "", err
	}
	return path, errors.Join(tempErr, s.prune(step))
}

// List returns the checkpoints in the folder, oldest step first. A missing
// folder holds none.
func (s *Store) List() ([]Entry, error) {
	des, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: list run folder: %w", err)
	}
	var out []Entry
	for _, de := range des {
		if step, ok := parseName(de.Name()); ok && de.Type().IsRegular() {
			out = append(out, Entry{Step: step, Path: filepath.Join(s.Dir, de.Name())})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Step - b.Step })
	return out, nil
}

// parseName returns the step of a checkpoint file name.
func parseName(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, nameExt); !ok || digits == "" {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	step, err := strconv.Atoi(digits)
	return step, err == nil
}

// LoadLatest loads the newest checkpoint that is intact. Corrupt or
// truncated ones, newest first, are skipped and returned in skipped so that
// the caller can report them; they are left on disk. It returns
// ErrNoCheckpoint when the folder holds no checkpoint, and an error wrapping
// every skipped one when all are corrupt. A checkpoint of an unsupported
// version, or an I/O error, stops the search: falling back past it would
// silently lose training.
func (s *Store) LoadLatest() (ck *Checkpoint, path string, skipped []error, err error) {
	entries, err := s.List()
	if err != nil {
		return nil, "", nil, err
	}
	if len(entries) == 0 {
		return nil, "", nil, fmt.Errorf("%w in %s", ErrNoCheckpoint, s.Dir)
	}
	for _, e := range slices.Backward(entries) {
		ck, err := Load(e.Path)
		switch {
		case err == nil:
			return ck, e.Path, skipped, nil
		case errors.Is(err, ErrCorrupt), errors.Is(err, fs.ErrNotExist):
			// Not-exist: pruned by a writer between List and Load.
			skipped = append(skipped, err)
		default:
			return nil, e.Path, skipped, err
		}
	}
	return nil, "", skipped, fmt.Errorf("checkpoint: none of the %d checkpoints in %s loads: %w",
		len(entries), s.Dir, errors.Join(skipped...))
}

// prune removes checkpoints older than the Keep-1 newest before step.
func (s *Store) prune(step int) error {
	if s.Keep <= 0 {
		return nil
	}
	entries, err := s.List()
	if err != nil {
		return err
	}
	var older []Entry
	for _, e := range entries {
		if e.Step < step {
			older = append(older, e)
		}
	}
	var errs []error
	for _, e := range older[:max(0, len(older)-(s.Keep-1))] {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("checkpoint: prune: %w", err))
		} else {
			slog.Debug("pruned checkpoint", "path", e.Path, "step", e.Step)
		}
	}
	return errors.Join(errs...)
}

// removeTemps deletes temporary files of interrupted saves.
func (s *Store) removeTemps() error {
	des, err := os.ReadDir(s.Dir)
	if err != nil {
		return fmt.Errorf("checkpoint: list run folder: %w", err)
	}
	var errs []error
	for _, de := range des {
		name := de.Name()
		base, _, ok := strings.Cut(name, tempInfix)
		if _, isCkpt := parseName(base); !ok || !isCkpt || !de.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(s.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("checkpoint: remove temporary file: %w", err))
		} else {
			slog.Debug("removed temporary checkpoint file", "path", filepath.Join(s.Dir, name))
		}
	}
	return errors.Join(errs...)
}
