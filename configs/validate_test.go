package configs

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// fieldsOf returns the Field of every *FieldError joined in err.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var fields []string
	for _, e := range errs {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a *FieldError", e)
		}
		fields = append(fields, fe.Field)
	}
	return fields
}

func mustLoad(t *testing.T, name string) *Hparams {
	t.Helper()
	h, err := Load(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestValidateReportsField(t *testing.T) {
	tests := []struct {
		name   string
		preset string
		mutate func(h *Hparams)
		want   []string // fields named by the errors, in order
	}{
		// Per-level lists.
		{"up list too short", "mnist_cpu",
			func(h *Hparams) { h.Model.UpFilters = h.Model.UpFilters[:3] },
			[]string{"model.up_filters"}},
		{"down list too long", "mnist_cpu",
			func(h *Hparams) { h.Model.DownLatentVariates = []int{8, 8, 8, 8, 8} },
			[]string{"model.down_latent_variates"}},
		{"fewer down levels", "mnist_cpu", func(h *Hparams) {
			m := &h.Model
			m.DownStrides = []int{4, 2, 4}
			for _, l := range []*[]int{&m.DownNBlocksPerRes, &m.DownNBlocks, &m.DownNLayers,
				&m.DownFilters, &m.DownKernelSize, &m.DownLatentVariates} {
				*l = (*l)[1:]
			}
			m.DownMidFiltersRatio = m.DownMidFiltersRatio[1:]
		}, []string{"model.down_strides"}},
		{"empty strides", "mnist_cpu", func(h *Hparams) { h.Model.UpStrides = nil },
			[]string{"model.up_strides"}},
		{"down not reversed", "mnist_cpu",
			func(h *Hparams) { h.Model.DownStrides = []int{2, 2, 2, 4} },
			[]string{"model.down_strides"}},
		{"resolution not divisible", "fashion_mnist_cpu",
			func(h *Hparams) { h.Data.TargetRes = 48 }, []string{"data.target_res"}},
		{"zero stride", "mnist_cpu", func(h *Hparams) { h.Model.UpStrides[1] = 0 },
			[]string{"model.up_strides[1]"}},

		// Widths.
		{"stride-1 bottom-up level changes width", "binarized_mnist_baseline",
			func(h *Hparams) { h.Model.UpFilters[1] = 96 }, []string{"model.up_filters[1]"}},
		{"stride-1 top-down level changes width", "binarized_mnist_baseline",
			func(h *Hparams) { h.Model.DownFilters[1] = 256 }, []string{"model.down_filters[1]"}},
		{"skip narrower than its top-down level", "mnist_cpu",
			func(h *Hparams) { h.Model.UpSkipFilters[0] = 16 }, []string{"model.up_skip_filters[0]"}},
		{"skip wider than its top-down level", "binarized_mnist_baseline",
			func(h *Hparams) { h.Model.UpSkipFilters[22] = 1024 },
			[]string{"model.up_skip_filters[22]"}},
		{"bottom-up bottleneck of zero", "mnist_cpu",
			func(h *Hparams) { h.Model.UpMidFiltersRatio[0] = 0.05 },
			[]string{"model.up_mid_filters_ratio[0]"}},
		{"top-down bottleneck of zero", "mnist_cpu",
			func(h *Hparams) { h.Model.DownMidFiltersRatio[0] = 0.01 },
			[]string{"model.down_mid_filters_ratio[0]", "model.down_mid_filters_ratio[0]"}},
		{"ratio not positive", "mnist_cpu", func(h *Hparams) { h.Model.UpMidFiltersRatio[2] = 0 },
			[]string{"model.up_mid_filters_ratio[2]"}},

		// Names.
		{"unknown dataset", "mnist_cpu", func(h *Hparams) { h.Data.DatasetSource = "svhn" },
			[]string{"data.dataset_source"}},
		{"unknown optimizer", "mnist_cpu", func(h *Hparams) { h.Optimizer.Type = "sgd" },
			[]string{"optimizer.type"}},
		{"unknown schedule", "mnist_cpu",
			func(h *Hparams) { h.Optimizer.LearningRateScheme = "linear" },
			[]string{"optimizer.learning_rate_scheme"}},
		{"unknown beta schedule", "mnist_cpu",
			func(h *Hparams) { h.Loss.VariationSchedule = "none" },
			[]string{"loss.variation_schedule"}},
		{"unknown distribution bases", "mnist_cpu", func(h *Hparams) {
			h.Model.DistributionBase, h.Model.OutputDistributionBase = "var", "Std"
		}, []string{"model.distribution_base", "model.output_distribution_base"}},
		{"unknown synthesis mode", "mnist_cpu",
			func(h *Hparams) { h.Synthesis.SynthesisMode = "sampling" },
			[]string{"synthesis.synthesis_mode"}},
		{"run name with a slash", "mnist_cpu", func(h *Hparams) { h.Run.Name = "a/b" },
			[]string{"run.name"}},

		// Sizes.
		{"batch sizes", "mnist_cpu", func(h *Hparams) {
			h.Init.BatchSize, h.Train.BatchSize, h.Val.BatchSize, h.Synthesis.BatchSize = 0, 0, -1, 0
		}, []string{"init.batch_size", "train.batch_size", "val.batch_size", "synthesis.batch_size"}},
		{"steps and intervals", "mnist_cpu", func(h *Hparams) {
			h.Train.TotalTrainSteps, h.Train.LoggingIntervalInSteps = 0, 0
			h.Train.CheckpointAndEvalIntervalInSteps, h.Val.NSamplesForValidation = -5, 0
			h.Run.MaxAllowedCheckpoints = 0
		}, []string{"run.max_allowed_checkpoints", "train.total_train_steps",
			"train.logging_interval_in_steps", "train.checkpoint_and_eval_interval_in_steps",
			"val.n_samples_for_validation"}},
		{"image size", "fashion_mnist_cpu", func(h *Hparams) { h.Data.TargetRes = 0 },
			[]string{"data.target_res"}},
		{"filters, kernels and variates", "mnist_cpu", func(h *Hparams) {
			h.Model.InputConvFilters, h.Model.InputKernelSize = 0, [2]int{1, 0}
			h.Model.DownKernelSize[2], h.Model.DownLatentVariates[3] = 0, 0
		}, []string{"model.input_conv_filters", "model.input_kernel_size[1]",
			"model.down_kernel_size[2]", "model.down_latent_variates[3]"}},
		{"num_bits zero", "fashion_mnist_cpu", func(h *Hparams) { h.Data.NumBits = 0 },
			[]string{"data.num_bits"}},
		{"num_bits nine", "fashion_mnist_cpu", func(h *Hparams) { h.Data.NumBits = 9 },
			[]string{"data.num_bits"}},
		{"num_bits fractional", "fashion_mnist_cpu", func(h *Hparams) { h.Data.NumBits = 5.5 },
			[]string{"data.num_bits"}},
		{"no mixtures", "fashion_mnist_cpu", func(h *Hparams) { h.Model.NumOutputMixtures = 0 },
			[]string{"model.num_output_mixtures"}},
		{"grayscale dataset in colour", "fashion_mnist_cpu", func(h *Hparams) { h.Data.Channels = 3 },
			[]string{"data.channels"}},
		{"two channels", "cifar10_baseline", func(h *Hparams) { h.Data.Channels = 2 },
			[]string{"data.channels"}},
		{"binarized MNIST in colour at 64", "mnist_cpu", func(h *Hparams) {
			h.Data.Channels, h.Data.TargetRes = 3, 64
		}, []string{"data.channels", "data.target_res"}},

		// Ranges.
		{"ema decay of one", "mnist_cpu", func(h *Hparams) { h.Train.EmaDecay = 1 },
			[]string{"train.ema_decay"}},
		{"adam betas", "mnist_cpu", func(h *Hparams) { h.Optimizer.Beta1, h.Optimizer.Beta2 = 1, -0.5 },
			[]string{"optimizer.beta1", "optimizer.beta2"}},
		{"NaN learning rate", "mnist_cpu",
			func(h *Hparams) { h.Optimizer.LearningRate = math.NaN() },
			[]string{"optimizer.learning_rate"}},
		{"warmup past decay start", "mnist_cpu", func(h *Hparams) { h.Optimizer.WarmupSteps = 2000 },
			[]string{"optimizer.decay_start"}},
		{"beta min above one", "mnist_cpu", func(h *Hparams) { h.Loss.VaeBetaMin = 2 },
			[]string{"loss.vae_beta_min"}},
		{"smoothing beta zero", "mnist_cpu", func(h *Hparams) { h.Model.GradientSmoothingBeta = 0 },
			[]string{"model.gradient_smoothing_beta"}},
		{"quantile zero", "mnist_cpu", func(h *Hparams) { h.Synthesis.VariateMasksQuantile = 0 },
			[]string{"synthesis.variate_masks_quantile"}},
		{"output temperature zero", "mnist_cpu",
			func(h *Hparams) { h.Synthesis.OutputTemperature = 0 },
			[]string{"synthesis.output_temperature"}},
		{"temperature settings", "mnist_cpu", func(h *Hparams) {
			h.Synthesis.TemperatureSettings = []TemperatureSetting{
				{Value: 0.8}, {PerLayer: []float64{1, 1}}, {Linear: true, From: -1, To: 1},
				{PerLayer: []float64{1, 1, 1, 1}},
			}
		}, []string{"synthesis.temperature_settings[1]", "synthesis.temperature_settings[2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustLoad(t, tt.preset)
			tt.mutate(h)
			err := h.Validate()
			if err == nil {
				t.Fatal("Validate accepted the hparams")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			if got := fieldsOf(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("fields %q, want %q; error:\n%v", got, tt.want, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "configs: ") {
					t.Errorf("error line %q lacks the package prefix", line)
				}
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		preset string
		mutate func(h *Hparams)
	}{
		{"optimizer spellings", "mnist_cpu", func(h *Hparams) { h.Optimizer.Type = "RAdam" }},
		{"optimizer lower case", "mnist_cpu", func(h *Hparams) { h.Optimizer.Type = "radam" }},
		{"optimizer JAX spelling", "mnist_cpu", func(h *Hparams) { h.Optimizer.Type = "Radam" }},
		{"adam", "mnist_cpu", func(h *Hparams) { h.Optimizer.Type = "adam" }},
		// The posterior net's floor((w + s) / 2) is w for s == w + 1 too.
		{"skip one wider", "mnist_cpu", func(h *Hparams) { h.Model.UpSkipFilters[0] = 33 }},
		// The last bottom-up level's output is never used.
		{"last bottom-up width free", "binarized_mnist_baseline",
			func(h *Hparams) { h.Model.UpFilters[22] = 7 }},
		{"binarized ignores num_bits and mixtures", "mnist_cpu", func(h *Hparams) {
			h.Data.NumBits, h.Model.NumOutputMixtures = 0, 0
		}},
		{"no bottleneck where there are no cells", "mnist_cpu", func(h *Hparams) {
			h.Model.UpNBlocks[0], h.Model.UpMidFiltersRatio[0] = 0, 0.01
		}},
		{"no beta schedule", "mnist_cpu", func(h *Hparams) { h.Loss.VariationSchedule = "None" }},
		{"logistic beta", "mnist_cpu", func(h *Hparams) { h.Loss.VariationSchedule = "Logistic" }},
		{"per-level temperatures", "mnist_cpu", func(h *Hparams) {
			h.Synthesis.TemperatureSettings = []TemperatureSetting{{PerLayer: []float64{1, 0.9, 0.8, 0.7}}}
		}},
		{"constant learning rate without warmup", "mnist_cpu", func(h *Hparams) {
			h.Optimizer.LearningRateScheme, h.Optimizer.WarmupSteps = "constant", 0
		}},
		{"one-channel custom data", "cifar10_baseline", func(h *Hparams) {
			h.Data.DatasetSource, h.Data.Channels = "custom", 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustLoad(t, tt.preset)
			tt.mutate(h)
			if err := h.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// TestValidateCollectsAllProblems checks that problems in different sections
// are all reported at once.
func TestValidateCollectsAllProblems(t *testing.T) {
	h := mustLoad(t, "mnist_cpu")
	h.Train.BatchSize = 0
	h.Model.DownFilters[2] = 0
	h.Optimizer.Type = "sgd"
	h.Synthesis.DivStatsSubsetRatio = 2
	got := fieldsOf(t, h.Validate())
	want := []string{"model.down_filters[2]", "optimizer.type", "train.batch_size",
		"synthesis.div_stats_subset_ratio"}
	if !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestFieldErrorText(t *testing.T) {
	tests := []struct {
		err  FieldError
		want string
	}{
		{FieldError{Field: "train.batch_size", Msg: "is 0"}, "configs: train.batch_size: is 0"},
		{FieldError{Source: "a.yaml", Line: 3, Field: "run.x", Msg: "unknown key"},
			"configs: a.yaml line 3: run.x: unknown key"},
		{FieldError{Source: "--set", Field: "run.x", Msg: "m"}, "configs: --set: run.x: m"},
		{FieldError{Source: "a.yaml", Msg: "empty file"}, "configs: a.yaml: empty file"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
