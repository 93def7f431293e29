package configs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSetApplies(t *testing.T) {
	h, err := Load("mnist_cpu", []string{
		"run.name=trial",
		"model.up_strides=[2,2,2,4]",
		"train.batch_size=64",
		"optimizer.learning_rate=2e-3",
		"optimizer.warmup_steps=50",
		"data.random_horizontal_flip=true",
		"model.input_kernel_size=[3, 3]",
		"synthesis.temperature_settings=[0.5, [linear, 0.6, 1.0], [1, 1, 0.9, 0.8]]",
		" run.seed =7",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key, want string
	}{
		{"run.name", `"trial"`},
		{"model.up_strides", "[2, 2, 2, 4]"},
		{"train.batch_size", "64"},
		{"optimizer.learning_rate", "0.002"},
		{"optimizer.warmup_steps", "50"},
		{"data.random_horizontal_flip", "true"},
		{"model.input_kernel_size", "[3, 3]"},
		{"synthesis.temperature_settings", "[0.5, [linear, 0.6, 1], [1, 1, 0.9, 0.8]]"},
		{"run.seed", "7"},
	}
	for _, c := range checks {
		if got, ok := h.Get(c.key); !ok || got != c.want {
			t.Errorf("%s = %s (%v), want %s", c.key, got, ok, c.want)
		}
	}
}

func TestSetLaterOverrideWins(t *testing.T) {
	h, err := Load("mnist_cpu", []string{"train.batch_size=8", "train.batch_size=16"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Train.BatchSize != 16 {
		t.Errorf("train.batch_size = %d, want 16", h.Train.BatchSize)
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		override string
		want     string
	}{
		{"train.batch_size", `train.batch_size: an override is section.key=value`},
		{"batch_size=3", "batch_size: an override key is section.key"},
		{"model.up_strides.0=3", "an override key is section.key"},
		{"trian.batch_size=3", `trian.batch_size: unknown section "trian" (did you mean "train"?)`},
		{"model.up_strid=[2,2]", `model.up_strid: unknown key (did you mean "up_strides"?)`},
		{"train.learning_rate=1", `did you mean "optimizer.learning_rate"?`},
		{"train.batch_size=abc", `train.batch_size: want an integer, got "abc"`},
		{"train.batch_size=1.5", `train.batch_size: want an integer, got "1.5"`},
		{"train.batch_size=", "train.batch_size: want an integer, got no value"},
		{"model.up_strides=[2,x]", `model.up_strides[1]: want an integer, got "x"`},
		{"model.up_strides=2", `model.up_strides: want a list of integers, got "2"`},
		{"model.stable_init=1", `model.stable_init: want true or false, got "1"`},
		{"run.name=[a]", "run.name: want a string, got a list of 1 items"},
		{"run.name={a: 1}", "run.name: want a string, got a mapping"},
		{"model.up_strides=[2,", "model.up_strides: value \"[2,\" is not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.override, func(t *testing.T) {
			h, err := Load("mnist_cpu", nil)
			if err != nil {
				t.Fatal(err)
			}
			before := *h
			before.Model.UpStrides = slices.Clone(h.Model.UpStrides)
			err = h.Set([]string{tt.override})
			if err == nil {
				t.Fatal("Set succeeded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			if !strings.Contains(err.Error(), "configs: --set: ") ||
				!strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if d := Diff(&before, h); len(d) != 0 {
				t.Errorf("a failed override changed the hparams: %v", d)
			}
		})
	}
}

func TestSetReportsEveryFailure(t *testing.T) {
	h, err := Load("mnist_cpu", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = h.Set([]string{"train.batch_size=x", "run.name=ok", "val.batch_size=y"})
	for _, want := range []string{"train.batch_size", "val.batch_size"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if h.Run.Name != "ok" {
		t.Errorf("run.name = %q, want ok (valid overrides still apply)", h.Run.Name)
	}
}

func TestLoadValidatesAfterOverrides(t *testing.T) {
	_, err := Load("mnist_cpu", []string{"model.up_strides=[2,2]"})
	var fe *FieldError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "model.up_filters") {
		t.Errorf("got %v, want validation errors naming the per-level lists", err)
	}
	// An override can also repair a file: the check runs on the result.
	if _, err := Load("mnist_cpu", []string{"train.batch_size=0", "train.batch_size=4"}); err != nil {
		t.Errorf("Load: %v", err)
	}
}
