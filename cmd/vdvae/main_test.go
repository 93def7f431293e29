package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"vdvae"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckJSON(t *testing.T) {
	code, out, errs := runCLI(t, "check", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"params", "macs_per_image", "activation_bytes"} {
		if v, ok := rep[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v", k, rep[k])
		}
	}
}

func TestCheckReferencePresetCount(t *testing.T) {
	code, out, errs := runCLI(t, "check", "--config", "cifar10_baseline", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"params": 56598692`) {
		t.Fatalf("cifar10_baseline parameter count is not the reference's 56598692:\n%s", out[:200])
	}
}

func TestBadInputsExitTwo(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("base: mnist_cpu\nmodel:\n  up_strid: [2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string // must appear in stderr
	}{
		{[]string{"check", "--config", "no_such_preset"}, "mnist_cpu"},
		{[]string{"check", "--set", "model.up_strides=[2,2]"}, "up_strides"},
		{[]string{"check", "--set", "nosection.key=1"}, "nosection"},
		{[]string{"check", "--set", "train.batch_size=-3"}, "train.batch_size"},
		{[]string{"check", "--set", "data.dataset_source=svhn"}, "dataset_source"},
		{[]string{"check", "--set", "optimizer.type=sgd"}, "optimizer.type"},
		{[]string{"check", "--config", badYAML}, "up_strid"},
		{[]string{"check", "--config", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"check", "--nosuchflag"}, "nosuchflag"},
		{[]string{"nosuchcommand"}, "nosuchcommand"},
		{[]string{"train", "--backend", "gpu", "--runs", dir}, "backend"},
		{[]string{"train", "--resume-with", "maybe", "--runs", dir}, "resume-with"},
		{[]string{"train", "--set", "run.name=../x", "--runs", dir}, "run.name"},
		{[]string{"reset", "--runs", dir, "--yes", "nothing_here"}, "nothing_here"},
		{[]string{"reset", "--runs", dir}, "run name"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", c.args, code, errs)
		}
		if !strings.Contains(errs, c.want) {
			t.Errorf("%v: stderr %q does not mention %q", c.args, errs, c.want)
		}
		if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: panicked: %s", c.args, errs)
		}
	}
}

func TestResetRemovesRun(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "r1")
	if err := os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "hparams.yaml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "reset", "--runs", dir, "--yes", "r1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Fatalf("run still there: %v", err)
	}
}
