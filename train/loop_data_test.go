package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/configs"
	"vdvae/internal/testhp"
	"vdvae/runtime"
	"vdvae/train/checkpoint"
)

// imageFolder writes n 8x8 colour PNGs, named PREFIX-NN.png, to dir.
func imageFolder(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
		for p := range 64 {
			img.Set(p%8, p/8, color.NRGBA{uint8(i * 20), uint8(p * 3), uint8(255 - p), 255})
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("%s-%02d.png", prefix, i))
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// garbage writes n files that look like PNGs and are not, named
// PREFIX-NN.png, to dir.
func garbage(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("%s-%02d.png", prefix, i))
		if err := os.WriteFile(p, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// folderRun returns a tiny model of 8x8 colour images with the given
// length and evaluation interval, options training it on the image folder
// data (holding train/ and val/) in a fresh runs folder, and that run's
// checkpoint store.
func folderRun(t *testing.T, data string, total, interval int) (*configs.Hparams, Options,
	*checkpoint.Store, *bytes.Buffer) {
	t.Helper()
	be, err := runtime.Get("cpu")
	if err != nil {
		t.Fatal(err)
	}
	h := testhp.Tiny("custom", 3)
	h.Train.TotalTrainSteps, h.Train.CheckpointAndEvalIntervalInSteps = total, interval
	runs := t.TempDir()
	out := new(bytes.Buffer)
	opt := Options{RunsDir: runs, DataDir: data, Backend: be, Out: out, Quiet: true, LogEvery: 100}
	return h, opt, &checkpoint.Store{Dir: filepath.Join(runs, "tiny", CkptDir)}, out
}

func steps(t *testing.T, st *checkpoint.Store) []int {
	t.Helper()
	entries, err := st.List()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		out = append(out, e.Step)
	}
	return out
}

func wantText(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

// TestValidationDataStopSavesCheckpoint: a validation split that turns out
// unreadable stops training as a broken training split does: the skip list
// is printed and saved, the steps are checkpointed, and once the files are
// fixed the run resumes by redoing that evaluation.
func TestValidationDataStopSavesCheckpoint(t *testing.T) {
	data := t.TempDir()
	imageFolder(t, filepath.Join(data, "train"), "t", 8)
	imageFolder(t, filepath.Join(data, "val"), "v", 1)
	garbage(t, filepath.Join(data, "val"), "x", 11)
	h, opt, st, out := folderRun(t, data, 4, 2)
	h.Val.NSamplesForValidation = 12
	_, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if !errors.Is(err, ErrData) {
		t.Fatalf("want ErrData, got %v", err)
	}
	wantText(t, "error", err.Error(), "11 of 12 images in", "could not be read",
		"the steps so far are saved in", "ckpt-000000002", "replace the unreadable validation files")
	if got := steps(t, st); len(got) != 1 || got[0] != 2 {
		t.Errorf("checkpoints at steps %v, want [2]", got)
	}
	list := filepath.Join(opt.RunsDir, "tiny", SkippedFile)
	wantText(t, "output", out.String(), "data: 11 files of the validation split were left out",
		"x-00.png: ", "; skipped", "the full list (11 files) is in "+list)
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "; skipped\n"); n != 11 {
		t.Errorf("%s lists %d skipped files, want 11:\n%s", list, n, b)
	}

	// Fixed by removing the bad validation files: the run resumes.
	for i := range 11 {
		os.Remove(filepath.Join(data, "val", fmt.Sprintf("x-%02d.png", i)))
	}
	out.Reset()
	res, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if err != nil {
		t.Fatalf("resume after the fix: %v\n%s", err, out)
	}
	wantText(t, "output", out.String(), "redoing the evaluation of step 2")
	if res.Step != 4 {
		t.Errorf("resumed run ended at step %d", res.Step)
	}
	if _, err := os.Stat(list); !os.IsNotExist(err) {
		t.Errorf("the stale skip list is still there: %v", err)
	}
}

// TestDataStopBeforeAnyStepWritesNoCheckpoint: a training split broken
// from the first batch stops with ErrData, lists the files and leaves no
// checkpoint, so that the run can start afresh on fixed data of any size.
func TestDataStopBeforeAnyStepWritesNoCheckpoint(t *testing.T) {
	data := t.TempDir()
	// Every training image is bad, so the first batch stops for sure (with
	// good ones, reads ahead in parallel could first train a step).
	if err := os.MkdirAll(filepath.Join(data, "train"), 0o755); err != nil {
		t.Fatal(err)
	}
	garbage(t, filepath.Join(data, "train"), "x", 12)
	imageFolder(t, filepath.Join(data, "val"), "v", 2)
	h, opt, st, out := folderRun(t, data, 4, 2)
	_, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if !errors.Is(err, ErrData) {
		t.Fatalf("want ErrData, got %v", err)
	}
	wantText(t, "error", err.Error(), "could not be read", "no step was trained, so no checkpoint")
	if got := steps(t, st); len(got) != 0 {
		t.Errorf("checkpoints at steps %v, want none", got)
	}
	// 11 failures stop it; a read in flight may add the 12th.
	wantText(t, "output", out.String(), "files of the training split were left out or replaced",
		"x-00.png: bad image header")

	// Fixed: 4 files removed, the others replaced by good images.
	for i := range 12 {
		os.Remove(filepath.Join(data, "train", fmt.Sprintf("x-%02d.png", i)))
	}
	imageFolder(t, filepath.Join(data, "train"), "t", 8)
	if _, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt); err != nil {
		t.Fatalf("after fixing the files: %v", err)
	}
}

// TestResumeOnResizedTrainingSetIsBadInput: a run cannot continue on a
// training set of another size; the error is ErrData (exit code 2) and
// says what to do.
func TestResumeOnResizedTrainingSetIsBadInput(t *testing.T) {
	data := t.TempDir()
	imageFolder(t, filepath.Join(data, "train"), "t", 12)
	imageFolder(t, filepath.Join(data, "val"), "v", 2)
	h, opt, _, _ := folderRun(t, data, 2, 2)
	if _, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		os.Remove(filepath.Join(data, "train", fmt.Sprintf("t-%02d.png", i)))
	}
	h.Train.TotalTrainSteps, opt.ResumeAs = 4, ResumeNew
	_, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if !errors.Is(err, ErrData) {
		t.Fatalf("want ErrData, got %v", err)
	}
	wantText(t, "error", err.Error(), "for a training set of 12 images", "now has 8",
		"put the files back", "vdvae reset --runs "+opt.RunsDir+" tiny", "--set run.name=")
}

// TestTooFewTrainingImagesIsBadInput: fewer images than a batch is ErrData
// and counts the files that were left out.
func TestTooFewTrainingImagesIsBadInput(t *testing.T) {
	data := t.TempDir()
	imageFolder(t, filepath.Join(data, "train"), "t", 3)
	os.WriteFile(filepath.Join(data, "train", "empty.png"), nil, 0o644)
	imageFolder(t, filepath.Join(data, "val"), "v", 2)
	h, opt, _, _ := folderRun(t, data, 2, 2)
	_, err := Train(context.Background(), Request{H: h, ConfigGiven: true}, opt)
	if !errors.Is(err, ErrData) {
		t.Fatalf("want ErrData, got %v", err)
	}
	wantText(t, "error", err.Error(), "3 training images in", "make no full batch of 4",
		"1 other file was left out", "empty.png: empty file")
}
