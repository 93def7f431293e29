package configs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// presetFacts are hand-picked numbers of each reference preset, read off the
// reference's egs/*.cfg files.
var presetFacts = []struct {
	name                         string
	levels, latentGroups         int
	targetRes, channels          int
	numBits                      float64
	inputConv, upFirst, downLast int
	variates                     int
	trainBatch, totalSteps       int
	decaySteps                   float64
	outputBase                   string
	valBatch                     int
}{
	{"binarized_mnist_baseline", 23, 23, 32, 1, 8, 32, 64, 32, 32, 32, 200000, 195000, "std", 128},
	{"celebA64_baseline", 41, 62, 64, 3, 8, 512, 512, 512, 32, 16, 800000, 750000, "std", 64},
	{"celebA64_compact", 41, 62, 64, 3, 8, 32, 32, 32, 32, 16, 800000, 750000, "std", 64},
	{"celebAHQ1024_baseline", 49, 72, 1024, 3, 8, 8, 16, 8, 64, 8, 900000, 850000, "std", 8},
	{"celebAHQ256_5bits_baseline", 59, 66, 256, 3, 5, 512, 512, 512, 32, 16, 500000, 400000, "std", 64},
	{"celebAHQ256_8bits_baseline", 63, 69, 256, 3, 8, 512, 512, 512, 64, 8, 800000, 750000, "std", 32},
	{"celebAHQ256_8bits_compact", 63, 69, 256, 3, 8, 32, 32, 32, 64, 8, 800000, 750000, "std", 32},
	{"cifar10_C1", 33, 47, 32, 3, 8, 48, 48, 48, 16, 32, 800000, 750000, "std", 64},
	{"cifar10_baseline", 33, 47, 32, 3, 8, 384, 384, 384, 32, 32, 800000, 750000, "std", 64},
	{"ffhq1024_baseline", 49, 72, 1024, 3, 8, 8, 16, 8, 64, 8, 900000, 850000, "std", 8},
	{"ffhq256_5bits_C1", 59, 66, 256, 3, 5, 128, 128, 128, 32, 16, 900000, 750000, "logstd", 64},
	{"ffhq256_5bits_baseline", 59, 66, 256, 3, 5, 512, 512, 512, 32, 16, 900000, 750000, "std", 64},
	{"ffhq256_8bits_baseline", 63, 69, 256, 3, 8, 512, 512, 512, 64, 8, 900000, 850000, "std", 32},
	{"ffhq256_8bits_compact", 63, 69, 256, 3, 8, 32, 32, 32, 64, 8, 900000, 850000, "std", 32},
	{"imagenet32_C1", 48, 73, 32, 3, 8, 64, 64, 64, 48, 64, 800000, 750000, "logstd", 128},
	{"imagenet32_baseline", 48, 73, 32, 3, 8, 512, 512, 512, 32, 64, 800000, 750000, "std", 128},
	{"imagenet32_compact", 48, 73, 32, 3, 8, 32, 32, 32, 32, 64, 800000, 750000, "std", 128},
	{"imagenet64_C1", 53, 84, 64, 3, 8, 64, 64, 64, 64, 32, 800000, 750000, "logstd", 64},
	{"imagenet64_baseline", 53, 84, 64, 3, 8, 512, 512, 512, 32, 32, 800000, 750000, "std", 64},
	{"imagenet64_compact", 53, 84, 64, 3, 8, 32, 32, 32, 32, 32, 800000, 750000, "std", 64},
	{"mnist_cpu", 4, 4, 32, 1, 8, 16, 32, 32, 8, 32, 5000, 20000, "std", 128},
	{"fashion_mnist_cpu", 4, 4, 32, 1, 8, 16, 32, 32, 8, 32, 5000, 20000, "std", 128},
	{"cifar10_cpu", 4, 4, 32, 3, 8, 16, 32, 32, 8, 32, 5000, 20000, "std", 128},
}

func TestPresetsListsEveryFile(t *testing.T) {
	got := Presets()
	if !slices.IsSorted(got) {
		t.Errorf("Presets() not sorted: %v", got)
	}
	var want []string
	for _, f := range presetFacts {
		want = append(want, f.name)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Presets() = %v, want %v", got, want)
	}
}

func TestPresetsLoadAndMatchReference(t *testing.T) {
	for _, f := range presetFacts {
		t.Run(f.name, func(t *testing.T) {
			h, err := Load(f.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := &h.Model
			checks := []struct {
				what      string
				got, want any
			}{
				{"levels", len(m.UpStrides), f.levels},
				{"down levels", len(m.DownStrides), f.levels},
				{"latent groups", m.NumLatentGroups(), f.latentGroups},
				{"target_res", h.Data.TargetRes, f.targetRes},
				{"channels", h.Data.Channels, f.channels},
				{"num_bits", h.Data.NumBits, f.numBits},
				{"input_conv_filters", m.InputConvFilters, f.inputConv},
				{"up_filters[0]", m.UpFilters[0], f.upFirst},
				{"down_filters[-1]", m.DownFilters[len(m.DownFilters)-1], f.downLast},
				{"down_latent_variates[0]", m.DownLatentVariates[0], f.variates},
				{"train.batch_size", h.Train.BatchSize, f.trainBatch},
				{"total_train_steps", h.Train.TotalTrainSteps, f.totalSteps},
				{"decay_steps", h.Optimizer.DecaySteps, f.decaySteps},
				{"output_distribution_base", m.OutputDistributionBase, f.outputBase},
				{"val.batch_size", h.Val.BatchSize, f.valBatch},
				{"temperature settings", len(h.Synthesis.TemperatureSettings), 9},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestBinarizedMNISTBaselineLists spells out the expanded Python list
// expressions of one reference config in full.
func TestBinarizedMNISTBaselineLists(t *testing.T) {
	h, err := Load("binarized_mnist_baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &h.Model
	lists := []struct {
		name      string
		got, want []int
	}{
		{"up_strides", m.UpStrides,
			[]int{2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1}},
		{"down_strides", m.DownStrides,
			[]int{1, 1, 1, 1, 1, 4, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2}},
		{"up_kernel_size", m.UpKernelSize,
			[]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1}},
		{"up_skip_filters", m.UpSkipFilters, []int{32, 64, 64, 128, 128, 128, 128, 128, 128,
			128, 128, 128, 128, 256, 256, 256, 256, 256, 512, 512, 512, 512, 512}},
		{"down_filters", m.DownFilters, []int{512, 512, 512, 512, 512, 256, 256, 256, 256, 256,
			128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 64, 64, 32}},
	}
	for _, l := range lists {
		if !slices.Equal(l.got, l.want) {
			t.Errorf("%s = %v, want %v", l.name, l.got, l.want)
		}
	}
	if m.InputKernelSize != [2]int{1, 1} {
		t.Errorf("input_kernel_size = %v, want [1 1]", m.InputKernelSize)
	}
	if got, want := h.Synthesis.TemperatureSettings[4],
		(TemperatureSetting{Linear: true, From: 0.7, To: 0.9}); !equalTemp(got, want) {
		t.Errorf("temperature_settings[4] = %v, want %v", got, want)
	}
}

// TestPresetsAreComplete checks that no preset leans on a base: each one sets
// every key.
func TestPresetsAreComplete(t *testing.T) {
	for _, name := range Presets() {
		data, err := presetFiles.ReadFile(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		root, err := parseDocument(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if findKey(root, baseKey) != nil {
			t.Errorf("%s: presets must not use %q", name, baseKey)
		}
		if h, err := Parse(name, data); err != nil || h.Run.Name == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLoadDefaultPreset(t *testing.T) {
	h, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Run.Name != DefaultPreset {
		t.Errorf("Load(\"\") loaded run %q, want %q", h.Run.Name, DefaultPreset)
	}
}

func TestLoadUnknownPresetListsPresets(t *testing.T) {
	_, err := Load("cifar11_baseline", nil)
	if err == nil {
		t.Fatal("Load of an unknown preset succeeded")
	}
	for _, want := range []string{`"cifar11_baseline"`, "cifar10_baseline", "mnist_cpu"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	data, err := presetFiles.ReadFile("mnist_cpu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mine.yml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := Load(path, []string{"run.name=mine"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Run.Name != "mine" {
		t.Errorf("run.name = %q, want mine", h.Run.Name)
	}

	_, err = Load(filepath.Join(dir, "absent.yaml"), nil)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: got %v, want a not-exist error", err)
	}
	t.Chdir(dir) // the package folder holds a real mnist_cpu.yaml
	_, err = Load("mnist_cpu.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "without the extension: mnist_cpu") {
		t.Errorf("Load(\"mnist_cpu.yaml\") with no such file: got %v, want a hint", err)
	}
}

// TestLoadPrefersExistingFile checks that a name that is an existing file is
// read as a file even without a path separator or extension.
func TestLoadPrefersExistingFile(t *testing.T) {
	dir := t.TempDir()
	data, _ := presetFiles.ReadFile("mnist_cpu.yaml")
	data = []byte(strings.Replace(string(data), "name: mnist_cpu", "name: from_file", 1))
	if err := os.WriteFile(filepath.Join(dir, "mnist_cpu"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	h, err := Load("mnist_cpu", nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Run.Name != "from_file" {
		t.Errorf("run.name = %q, want from_file (the file, not the preset)", h.Run.Name)
	}
}

func equalTemp(a, b TemperatureSetting) bool { return a.String() == b.String() }
