package train

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/configs"
)

func savedRun(t *testing.T) (string, *configs.Hparams) {
	t.Helper()
	h, err := configs.Load("mnist_cpu", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mnist_cpu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.Save(filepath.Join(dir, HparamsFile)); err != nil {
		t.Fatal(err)
	}
	return dir, h
}

func TestResolveAppliesOverridesToSavedHparams(t *testing.T) {
	dir, saved := savedRun(t)
	// The run was made with a smaller validation set, which a bare name keeps.
	saved.Val.NSamplesForValidation = 100
	if err := saved.Save(filepath.Join(dir, HparamsFile)); err != nil {
		t.Fatal(err)
	}
	preset, _ := configs.Load("mnist_cpu", []string{"train.total_train_steps=9000"})
	req := Request{H: preset, Overrides: []string{"train.total_train_steps=9000"}}

	_, _, _, err := ResolveHparams(dir, req, ResumeAsk)
	if !errors.Is(err, ErrConfigMismatch) || !strings.Contains(err.Error(), "train.total_train_steps: 5000 -> 9000") {
		t.Fatalf("want a refusal naming the changed key, got %v", err)
	}
	if strings.Contains(err.Error(), "n_samples_for_validation") {
		t.Fatalf("refusal lists a key the user did not change: %v", err)
	}
	h, exists, changed, err := ResolveHparams(dir, req, ResumeNew)
	if err != nil || !exists || len(changed) != 1 {
		t.Fatalf("resume new: %v exists=%v changed=%v", err, exists, changed)
	}
	if h.Train.TotalTrainSteps != 9000 || h.Val.NSamplesForValidation != 100 {
		t.Fatalf("got total %d, val %d; want 9000 and the saved 100", h.Train.TotalTrainSteps,
			h.Val.NSamplesForValidation)
	}
}

func TestResolveRefusesFixedKeys(t *testing.T) {
	dir, _ := savedRun(t)
	for _, o := range []string{"train.batch_size=16", "model.down_latent_variates=[16,16,16,16]", "run.seed=1"} {
		preset, err := configs.Load("mnist_cpu", []string{o})
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = ResolveHparams(dir, Request{H: preset, Overrides: []string{o}}, ResumeNew)
		if !errors.Is(err, ErrConfigMismatch) || !strings.Contains(err.Error(), "cannot change") {
			t.Errorf("%s: want a refusal, got %v", o, err)
		}
	}
}

func TestResolveRefusesRunWithoutHparams(t *testing.T) {
	dir, h := savedRun(t)
	os.Remove(filepath.Join(dir, HparamsFile))
	os.MkdirAll(filepath.Join(dir, CkptDir), 0o755)
	os.WriteFile(filepath.Join(dir, CkptDir, "ckpt-000000010.vdck"), []byte("x"), 0o644)
	_, _, _, err := ResolveHparams(dir, Request{H: h}, ResumeAsk)
	if err == nil || !strings.Contains(err.Error(), "no hparams.yaml") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

func TestResolveCopiedRunTakesFolderName(t *testing.T) {
	dir, _ := savedRun(t)
	copyDir := filepath.Join(filepath.Dir(dir), "copy")
	if err := os.Rename(dir, copyDir); err != nil {
		t.Fatal(err)
	}
	preset, _ := configs.Load("mnist_cpu", []string{"run.name=copy"})
	h, _, _, err := ResolveHparams(copyDir, Request{H: preset, Overrides: []string{"run.name=copy"}}, ResumeAsk)
	if err != nil || h.Run.Name != "copy" {
		t.Fatalf("copied run: %v, name %q", err, h.Run.Name)
	}
}
