package configs

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// presetText returns the text of a preset with the replacements applied, one
// (old, new) pair after another; each old must occur.
func presetText(t *testing.T, name string, replacements ...string) []byte {
	t.Helper()
	data, err := presetFiles.ReadFile(name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i+1 < len(replacements); i += 2 {
		if !strings.Contains(s, replacements[i]) {
			t.Fatalf("preset %s has no %q", name, replacements[i])
		}
		s = strings.Replace(s, replacements[i], replacements[i+1], 1)
	}
	return []byte(s)
}

// lineOf returns the 1-based line of the first occurrence of substr in data.
func lineOf(t *testing.T, data []byte, substr string) int {
	t.Helper()
	i := strings.Index(string(data), substr)
	if i < 0 {
		t.Fatalf("%q not found", substr)
	}
	return strings.Count(string(data[:i]), "\n") + 1
}

func TestParseUnknownKeyNamesKeyLineAndSuggestion(t *testing.T) {
	data := presetText(t, "mnist_cpu", "  up_strides:", "  up_strid:")
	_, err := Parse("mnist_cpu.yaml", data)
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *FieldError", err)
	}
	want := `configs: mnist_cpu.yaml line ` + itoa(lineOf(t, data, "up_strid:")) +
		`: model.up_strid: unknown key (did you mean "up_strides"?)`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
	}
	// The renamed key is also missing now.
	if !strings.Contains(err.Error(), "model.up_strides: missing key") {
		t.Errorf("error %v does not report the missing model.up_strides", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name         string
		replacements []string
		want         []string // substrings of the error
	}{
		{"key in the wrong section",
			[]string{"  learning_rate: 0.001", "  learning_rate: 0.001\n  latent_active_thresh: 1"},
			[]string{"optimizer.latent_active_thresh: unknown key",
				`did you mean "metrics.latent_active_threshold"?`}},
		{"unknown section", []string{"metrics:", "metric:"},
			[]string{"metric: unknown key", `did you mean "metrics"?`}},
		{"float for an integer", []string{"  batch_size: 32", "  batch_size: 32.5"},
			[]string{"train.batch_size: want an integer, got \"32.5\""}},
		{"string for a number", []string{"learning_rate: 0.001", "learning_rate: fast"},
			[]string{"optimizer.learning_rate: want a number, got \"fast\""}},
		{"yes for a boolean", []string{"stable_init: true", "stable_init: yes"},
			[]string{"model.stable_init: want true or false, got \"yes\""}},
		{"empty value", []string{"seed: 420", "seed:"},
			[]string{"run.seed: want an integer, got no value"}},
		{"list item of the wrong type", []string{"up_strides: [2, 2, 2, 4]",
			"up_strides: [2, two, 2, 4]"},
			[]string{"model.up_strides[1]: want an integer, got \"two\""}},
		{"scalar for a list", []string{"up_strides: [2, 2, 2, 4]", "up_strides: 2"},
			[]string{"model.up_strides: want a list of integers, got \"2\""}},
		{"kernel pair of three", []string{"input_kernel_size: [1, 1]",
			"input_kernel_size: [1, 1, 1]"},
			[]string{"model.input_kernel_size: want a list of 2 integers, got a list of 3 items"}},
		{"duplicate key", []string{"  seed: 420", "  seed: 420\n  seed: 421"},
			[]string{"run.seed: defined twice (first at line"}},
		{"section not a mapping", []string{"init:\n  batch_size: 1", "init: 1"},
			[]string{"init: want a mapping of keys, got \"1\""}},
		{"missing section", []string{"init:\n  batch_size: 1\n", ""},
			[]string{"init: missing section", "base: PRESET"}},
		{"bad temperature function", []string{"[linear, 0.7, 0.9]", "[cubic, 0.7, 0.9]"},
			[]string{"synthesis.temperature_settings[4]: unknown temperature function \"cubic\""}},
		{"short linear ramp", []string{"[linear, 0.7, 0.9]", "[linear, 0.7]"},
			[]string{"synthesis.temperature_settings[4]: a linear ramp is [linear, FROM, TO]"}},
		{"null temperature", []string{"    - 0.85", "    - ~"},
			[]string{"synthesis.temperature_settings[1]: want a temperature setting", "got no value"}},
		{"two documents", []string{"run:", "---\nrun: 1\n---\nrun:"},
			[]string{"more than one YAML document"}},
		{"not YAML", []string{"run:", "run: [unclosed"}, []string{"not valid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("mnist_cpu.yaml", presetText(t, "mnist_cpu", tt.replacements...))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "# only a comment\n"} {
		_, err := Parse("empty.yaml", []byte(data))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("Parse(%q) = %v, want an invalid empty-file error", data, err)
		}
	}
}

func TestParseMissingKeyIsError(t *testing.T) {
	data := presetText(t, "mnist_cpu", "  ema_decay: 0.995\n", "")
	_, err := Parse("partial.yaml", data)
	if err == nil || !strings.Contains(err.Error(), "train.ema_decay: missing key") {
		t.Errorf("got %v, want a missing-key error for train.ema_decay", err)
	}
}

// TestParseBaseFillsOmittedKeys documents the defaults policy: a file that
// starts with "base: PRESET" may omit keys, which take the preset's values.
func TestParseBaseFillsOmittedKeys(t *testing.T) {
	data := []byte(`base: cifar10_baseline
run:
  name: my_cifar
train:
  batch_size: 8
model:
  down_latent_variates: [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16]
`)
	h, err := Parse("my.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	base, err := Load("cifar10_baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	diff := Diff(base, h)
	want := []string{
		`run.name: "cifar10_baseline" -> "my_cifar"`,
		"model.down_latent_variates: [32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, " +
			"32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32] -> " +
			"[16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, " +
			"16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16]",
		"train.batch_size: 32 -> 8",
	}
	if strings.Join(diff, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff(base, file) =\n%s\nwant\n%s", strings.Join(diff, "\n"), strings.Join(want, "\n"))
	}
	if err := h.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseBaseErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"unknown preset", "base: cifar11\n", `base: unknown preset "cifar11"`},
		{"not a name", "base: [cifar10_baseline]\n", "base: want the name of a preset"},
		{"unknown key still caught", "base: mnist_cpu\ntrain:\n  batch: 3\n",
			`train.batch: unknown key (did you mean "batch_size"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want an invalid error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseAcceptsIntegerForFloat(t *testing.T) {
	data := presetText(t, "mnist_cpu", "warmup_steps: 100.0", "warmup_steps: 100")
	h, err := Parse("x.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if h.Optimizer.WarmupSteps != 100 {
		t.Errorf("warmup_steps = %v, want 100", h.Optimizer.WarmupSteps)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"up_strid", "up_strides", 2}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
