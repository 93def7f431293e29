// Package testhp builds small hyper-parameter sets for tests: the structure
// of the real presets at a size a test can run in milliseconds.
package testhp

import (
	"math"

	"vdvae/configs"
)

func fill[T any](n int, v T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Tiny returns a 3-level model over 8x8 images (32x32 for binarized MNIST)
// with every per-level option at a small size. source is a dataset_source;
// channels is used for non-binarized data.
func Tiny(source string, channels int) *configs.Hparams {
	res := 8
	up := []int{2, 1, 2}
	if source == "binarized_mnist" {
		res, up, channels = 32, []int{4, 1, 2}, 1
	}
	down := []int{up[2], up[1], up[0]}
	n := len(up)
	h := &configs.Hparams{}
	h.Run = configs.Run{Name: "tiny", Seed: 1, NumGPUs: 1, NumCPUs: 1, MaxAllowedCheckpoints: 2}
	h.Data = configs.Data{DatasetSource: source, TargetRes: res, Channels: channels, NumBits: 8}
	h.Model = configs.Model{
		StableInit: true, Use1x1Conv: true,
		DistributionBase: "std", OutputDistributionBase: "std",
		GradientSmoothingBeta: math.Ln2, OutputGradientSmoothingBeta: math.Ln2,
		InputConvFilters: 4, InputKernelSize: [2]int{1, 1},
		UpStrides: up, UpNBlocksPerRes: []int{1, 0, 0}, UpNBlocks: fill(n, 1),
		UpNLayers: fill(n, 1), UpFilters: []int{4, 4, 6}, UpMidFiltersRatio: fill(n, 1.0),
		UpKernelSize: []int{3, 3, 1}, UpSkipFilters: []int{4, 6, 6},
		DownStrides: down, DownNBlocksPerRes: []int{0, 1, 0}, DownNBlocks: fill(n, 1),
		DownNLayers: fill(n, 1), DownFilters: []int{6, 6, 4}, DownMidFiltersRatio: fill(n, 0.5),
		DownKernelSize: []int{1, 3, 3}, DownLatentVariates: []int{2, 3, 2},
		OutputKernelSize: [2]int{1, 1}, NumOutputMixtures: 2,
	}
	h.Loss = configs.Loss{MinMolLogscale: -250, VariationSchedule: "Linear", VaeBetaAnnealStart: 21,
		VaeBetaAnnealSteps: 500, VaeBetaMin: 1e-4, UseGammaSchedule: true, GammaMaxSteps: 1000,
		ScaledGamma: true, UseWeightDecay: true, L2Weight: 1e-2}
	h.Optimizer = configs.Optimizer{Type: "Adamax", LearningRateScheme: "cosine", LearningRate: 1e-3,
		WarmupSteps: 10, DecaySteps: 1000, DecayStart: 100, MinLearningRate: 1e-4, DecayRate: 0.5,
		Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, GradientClipNormValue: 100, GradientSkip: true,
		GradientSkipThreshold: 800}
	h.Init.BatchSize = 1
	h.Train = configs.Train{TotalTrainSteps: 20, BatchSize: 4, EmaDecay: 0.9999,
		LoggingIntervalInSteps: 1, CheckpointAndEvalIntervalInSteps: 10}
	h.Val = configs.Val{NSamplesForValidation: 8, BatchSize: 4}
	h.Synthesis = configs.Synthesis{SynthesisMode: "reconstruction", LoadEmaWeights: true, VariateMasksQuantile: 0.03,
		DivStatsSubsetRatio: 0.2, NGenerationBatches: 1, OutputTemperature: 1, BatchSize: 4}
	return h
}
