package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSaveLoadRoundTripEveryPreset(t *testing.T) {
	dir := t.TempDir()
	for _, name := range Presets() {
		t.Run(name, func(t *testing.T) {
			h := mustLoad(t, name)
			path := filepath.Join(dir, name+".yaml")
			if err := h.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := Load(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, back) {
				t.Errorf("loaded back hparams differ: %v", Diff(h, back))
			}
		})
	}
}

func TestSaveWritesFlowListsAndNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hparams.yaml")
	h := mustLoad(t, "mnist_cpu")
	for range 2 { // the second save replaces the first
		if err := h.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n  up_strides: [2, 2, 2, 4]\n", "\n    - [linear, 0.7, 0.9]\n",
		"\n  name: mnist_cpu\n", "\n  input_kernel_size: [1, 1]\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("saved file lacks %q:\n%s", want, data)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want only hparams.yaml", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("saved file mode: %v, %v; want 0644", fi.Mode(), err)
	}
}

func TestSaveIntoMissingDirectoryFails(t *testing.T) {
	h := mustLoad(t, "mnist_cpu")
	err := h.Save(filepath.Join(t.TempDir(), "absent", "hparams.yaml"))
	if err == nil || !strings.HasPrefix(err.Error(), "configs: save hparams") {
		t.Errorf("got %v, want a save error", err)
	}
}

func TestDiff(t *testing.T) {
	a := mustLoad(t, "mnist_cpu")
	b := mustLoad(t, "mnist_cpu")
	if d := Diff(a, b); len(d) != 0 {
		t.Fatalf("Diff of equal hparams = %v", d)
	}
	b.Train.BatchSize = 64
	b.Run.Name = "other"
	b.Model.UpStrides = []int{2, 2, 8}
	b.Optimizer.LearningRate = 2e-3
	b.Synthesis.TemperatureSettings = b.Synthesis.TemperatureSettings[:1]
	b.Data.RandomHorizontalFlip = true
	got := Diff(a, b)
	want := []string{
		`run.name: "mnist_cpu" -> "other"`,
		"data.random_horizontal_flip: false -> true",
		"model.up_strides: [2, 2, 2, 4] -> [2, 2, 8]",
		"optimizer.learning_rate: 0.001 -> 0.002",
		"train.batch_size: 32 -> 64",
		"synthesis.temperature_settings: [0.8, 0.85, 0.9, 1, [linear, 0.7, 0.9], " +
			"[linear, 0.9, 0.7], [linear, 0.8, 1], [linear, 1, 0.8], [linear, 0.8, 0.9]] -> [0.8]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDiffTreatsNilAndEmptyListsAlike: a list that is absent and one that is
// empty describe the same hparams.
func TestDiffTreatsNilAndEmptyListsAlike(t *testing.T) {
	a, b := mustLoad(t, "mnist_cpu"), mustLoad(t, "mnist_cpu")
	a.Synthesis.TemperatureSettings, b.Synthesis.TemperatureSettings = nil, []TemperatureSetting{}
	if d := Diff(a, b); len(d) != 0 {
		t.Errorf("Diff = %v, want none", d)
	}
}
