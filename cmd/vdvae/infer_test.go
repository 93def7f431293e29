package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"vdvae/internal/npy"
	"vdvae/internal/testhp"
	"vdvae/train"
)

// tinyTrainedRun trains a tiny binarized-MNIST model for 4 steps on real
// MNIST through the CLI and returns the runs folder.
func tinyTrainedRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	h := testhp.Tiny("binarized_mnist", 1)
	h.Train.TotalTrainSteps, h.Train.CheckpointAndEvalIntervalInSteps = 4, 4
	h.Val.NSamplesForValidation = 300
	h.Val.BatchSize, h.Synthesis.BatchSize = 250, 7
	cfg := filepath.Join(dir, "tiny.yaml")
	if err := h.Save(cfg); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(dir, "runs")
	if code, _, errs := runCLI(t, "train", "--config", cfg, "--runs", runs, "--quiet"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	return runs
}

// lastValNELBO reads the last validation NELBO a run logged.
func lastValNELBO(t *testing.T, runDir string) float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(runDir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := math.NaN()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Kind  string  `json:"kind"`
			NELBO float64 `json:"nelbo_nats"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Kind == "val" {
			v = rec.NELBO
		}
	}
	return v
}

func TestInferenceCommands(t *testing.T) {
	runs := tinyTrainedRun(t)
	tmp := t.TempDir()
	common := []string{"--runs", runs, "--run", "tiny", "--quiet"}
	ok := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(t, append(args, common...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		code, _, errs := runCLI(t, append(args, common...)...)
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", args, code, errs, want)
		}
	}

	// reconstruct on the validation split with the raw weights repeats the
	// training's last validation exactly.
	out := ok("reconstruct", "--split", "val", "--raw", "--json", "--no-images", "--limit", "300")
	var rec struct {
		NELBO  float64 `json:"nelbo_nats"`
		Images int     `json:"images"`
		SSIM   float64 `json:"ssim"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rec); err != nil {
		t.Fatalf("reconstruct --json: %v\n%s", err, out)
	}
	if want := lastValNELBO(t, filepath.Join(runs, "tiny")); math.Abs(rec.NELBO-want) > 1e-9*want ||
		rec.Images != 300 {
		t.Errorf("reconstruct NELBO %v over %d images, training's validation %v", rec.NELBO, rec.Images, want)
	}
	if !(rec.SSIM > -1 && rec.SSIM <= 1) || rec.SSIM == 0 {
		t.Errorf("SSIM %v", rec.SSIM)
	}

	// Masked modes need div-stats.
	fails("div-stats", "reconstruct", "--quantile", "0.5", "--limit", "7")
	fails("div-stats", "encode", "--limit", "7")
	ok("div-stats", "--fraction", "0.002")
	stats := filepath.Join(runs, "tiny", "latents", "div_stats.npy")
	if _, err := os.Stat(stats); err != nil {
		t.Fatal(err)
	}
	fails("outside (0, 1]", "reconstruct", "--quantile", "0", "--limit", "7")
	fails("outside (0, 1]", "reconstruct", "--quantile", "1.5", "--limit", "7")
	fails("outside (0, 1]", "encode", "--quantile", "-1")

	// encode then decode gives the masked reconstructions, image for image.
	recDir := filepath.Join(tmp, "rec")
	ok("reconstruct", "--split", "val", "--limit", "9", "--quantile", "0.5", "--out", recDir, "--targets")
	enc := filepath.Join(tmp, "enc.npz")
	ok("encode", "--split", "val", "--limit", "9", "--quantile", "0.5", "--out", enc)
	decDir := filepath.Join(tmp, "dec")
	ok("decode", "--in", enc, "--out", decDir, "--batch", "4")
	for i, name := range []string{"00000", "00004", "00008"} {
		a, err1 := os.ReadFile(filepath.Join(recDir, "image-"+name+".png"))
		b, err2 := os.ReadFile(filepath.Join(decDir, "val-"+name+".png"))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("image %d: decoded PNG differs from the masked reconstruction (%v, %v)", i, err1, err2)
		}
	}
	if _, err := os.Stat(filepath.Join(recDir, "target-00008.png")); err != nil {
		t.Errorf("--targets wrote no target: %v", err)
	}

	// generate: a temperature list must have one value per level (3 here).
	fails("3 top-down levels", "generate", "-t", "[1.0, 0.9]", "--n", "2")
	fails("--temperature", "generate", "-t", "hot", "--n", "2")
	gen := filepath.Join(tmp, "gen")
	ok("generate", "-t", "0.9", "-t", "[linear, 1.0, 0.5]", "--n", "5", "--out", gen)
	for _, p := range []string{"grid-setting-0.png", "grid-setting-1.png", "setting-1/image-00004.png"} {
		if _, err := os.Stat(filepath.Join(gen, p)); err != nil {
			t.Errorf("generate wrote no %s", p)
		}
	}

	testONNX(t, runs, tmp, ok, fails)

	// --json prints only JSON on stdout.
	code, out, _ := runCLI(t, "reconstruct", "--runs", runs, "--run", "tiny", "--limit", "3", "--json",
		"--no-images", "--quiet")
	var any map[string]any
	if err := json.Unmarshal([]byte(out), &any); code != 0 || err != nil || any["step"] != 4.0 {
		t.Errorf("reconstruct --json: exit %d, %v, step %v:\n%s", code, err, any["step"], out)
	}
	fails("--batch", "reconstruct", "--batch", "9223372036854775807", "--limit", "3")
	fails("--temperature is empty", "generate", "-t", "", "--n", "1")
	fails("finite", "generate", "-t", "1", "--n", "1", "--output-temperature", "inf")
	fails("--in", "decode")
	fails("use --run tiny", "div-stats", "tiny")
	code, _, errs := runCLI(t, "reconstruct", "--runs", runs, "--run", filepath.Join(runs, "tiny", "hparams.yaml"))
	if code != 2 || !strings.Contains(errs, "not a trained run") {
		t.Errorf("--run naming a file: exit %d, %s", code, errs)
	}
	// An encoding whose std is not finite is refused, naming the array.
	arrays, err := npy.ReadNPZFile(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range arrays {
		if a.Name == "std.2" {
			d := slices.Clone(a.Data.([]float32))
			d[0] = float32(math.Inf(1))
			arrays[i].Data = d
		}
	}
	bad := filepath.Join(tmp, "bad.npz")
	if err := npy.WriteNPZFile(bad, arrays); err != nil {
		t.Fatal(err)
	}
	fails("std.2", "decode", "--in", bad)

	// Unwritable output, another config, a missing run, a bad encoding.
	file := filepath.Join(tmp, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	fails("--out", "generate", "-t", "1", "--n", "1", "--out", filepath.Join(file, "sub"))
	fails("another config", "reconstruct", "--config", "mnist_cpu", "--limit", "7")
	fails("zip", "decode", "--in", file)
	code, _, errs = runCLI(t, "reconstruct", "--runs", runs, "--run", "nope")
	if code != 2 || !strings.Contains(errs, "not a trained run") {
		t.Errorf("missing run: exit %d, %s", code, errs)
	}
}

// testONNX exports the tiny run and checks that ONNX Runtime gives the Go
// runtime's images and figures.
func testONNX(t *testing.T, runs, tmp string, ok func(...string) string, fails func(string, ...string)) {
	t.Helper()
	gen, eval := filepath.Join(tmp, "gen.onnx"), filepath.Join(tmp, "eval.onnx")
	ok("export", "--out", gen)
	ok("export", "--graph", "evaluator", "--out", eval)
	direct := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	if code, out, errs := direct("check", "--onnx", eval); code != 0 || !strings.Contains(out, "x: float32(N,1,32,32)") {
		t.Errorf("check --onnx: exit %d: %s%s", code, out, errs)
	}
	// Same seed, any batch: the same PNG files as the Go runtime.
	goDir, ortDir := filepath.Join(tmp, "g-go"), filepath.Join(tmp, "g-ort")
	ok("generate", "-t", "0.8", "--n", "6", "--batch", "4", "--out", goDir)
	if code, _, errs := direct("generate", "--onnx", gen, "-t", "0.8", "--n", "6", "--batch", "5",
		"--out", ortDir, "--quiet"); code != 0 {
		t.Fatalf("generate --onnx: exit %d: %s", code, errs)
	}
	for _, name := range []string{"image-00000.png", "image-00005.png"} {
		a, _ := os.ReadFile(filepath.Join(goDir, "setting-0", name))
		b, _ := os.ReadFile(filepath.Join(ortDir, "setting-0", name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: ONNX Runtime's sample differs from the Go runtime's", name)
		}
	}
	nelbo := func(args ...string) float64 {
		t.Helper()
		code, out, errs := direct(append([]string{"reconstruct", "--split", "val", "--limit", "50",
			"--no-images", "--json", "--quiet"}, args...)...)
		if code != 0 {
			t.Fatalf("reconstruct %v: exit %d: %s", args, code, errs)
		}
		var r struct {
			NELBO float64 `json:"nelbo_nats"`
		}
		json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &r)
		return r.NELBO
	}
	a, b := nelbo("--runs", runs, "--run", "tiny"), nelbo("--onnx", eval)
	if math.Abs(a-b) > 1e-4*math.Abs(a) || a == 0 {
		t.Errorf("NELBO: Go runtime %v, ONNX Runtime %v", a, b)
	}
	// The wrong graph, a truncated file.
	code, _, errs := direct("reconstruct", "--onnx", gen, "--limit", "5")
	if code != 2 || !strings.Contains(errs, "--graph evaluator") {
		t.Errorf("reconstruct with the generator: exit %d, %s", code, errs)
	}
	data, _ := os.ReadFile(eval)
	cut := filepath.Join(tmp, "cut.onnx")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	if code, _, errs := direct("check", "--onnx", cut); code != 2 || !strings.Contains(errs, "cut.onnx") {
		t.Errorf("check of a truncated file: exit %d, %s", code, errs)
	}
	// Export never replaces a device, a pipe or a run's own files.
	fifo := filepath.Join(tmp, "pipe.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	fails("not a regular file", "export", "--out", fifo)
	fails("run's own files", "export", "--out", filepath.Join(tmp, "x", "hparams.yaml"))
	fails("run's own files", "export", "--out", filepath.Join(tmp, "ckpt-000000004.vdck"))
	if code, _, errs := direct("check", "--onnx", fifo); code != 2 || !strings.Contains(errs, "regular") {
		t.Errorf("check --onnx of a pipe: exit %d, %s", code, errs)
	}
	if code, _, errs := direct("generate", "--onnx", gen, "--threads", "100000", "--n", "1"); code != 2 ||
		!strings.Contains(errs, "--threads") {
		t.Errorf("--threads 100000: exit %d, %s", code, errs)
	}
	// $VDVAE_ORT_LIB set for every command does not disturb the Go runtime.
	t.Setenv("VDVAE_ORT_LIB", "/nonexistent/libonnxruntime.so.1")
	if code, _, errs := direct("reconstruct", "--runs", runs, "--run", "tiny", "--limit", "3",
		"--no-images", "--quiet"); code != 0 {
		t.Errorf("reconstruct with $VDVAE_ORT_LIB set: exit %d, %s", code, errs)
	}
	// (A missing library is tested in runtime/ort, in a child process: one
	// process loads one library.)
}

func TestPNGNames(t *testing.T) {
	got := pngNames([]string{"train-00001", "cats__a.jpg", "b.PNG", "c.png", "c.jpg"})
	want := []string{"train-00001.png", "cats__a.png", "b.png", "c.png.png", "c.jpg.png"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
