package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataErrorsExitTwo: a training split too small for one batch is bad
// input (exit code 2), and the message counts the files left out.
func TestDataErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"train/a.png", "train/b.png", "val/c.png"} {
		p = filepath.Join(dir, "data", p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "data", "train", "broken.png"), nil, 0o644)
	code, _, errs := runCLI(t, "train", "--config", "cifar10_cpu", "--runs", filepath.Join(dir, "runs"),
		"--data-dir", filepath.Join(dir, "data"), "--set", "data.dataset_source=custom",
		"--set", "train.batch_size=8")
	if code != exitUsage {
		t.Errorf("exit %d, want 2 (stderr %q)", code, errs)
	}
	for _, w := range []string{"2 training images in", "no full batch of 8",
		"1 other file was left out", "broken.png: empty file"} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr %q lacks %q", errs, w)
		}
	}
}
