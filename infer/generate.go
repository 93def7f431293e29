package infer

import (
	"context"
	"fmt"
	"math"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/train"
)

// GenOptions configure Generate.
type GenOptions struct {
	// N images are generated in batches of Batch.
	N, Batch int
	// Seed drives the prior noise and the output sampling; image k's noise
	// depends only on Seed and k.
	Seed uint64
	// Temperatures holds one temperature per top-down level (see
	// LevelTemperatures).
	Temperatures []float64
	// OutputTemperature scales the output distribution's sampling.
	OutputTemperature float64
	// Mean gives the output distribution's mean instead of a sample.
	Mean bool
	// Images receives each batch of samples; first is the index of its
	// first image.
	Images func(first int, imgs *train.Images) error
	// Progress, when set, is called after every batch.
	Progress func(done, total int)
}

// LevelTemperatures expands a temperature setting of the reference (one
// value, a linear ramp, or one value per top-down level) into one value per
// level of h's model.
func LevelTemperatures(h *configs.Hparams, t configs.TemperatureSetting) ([]float64, error) {
	temps, err := t.PerLayerTemps(len(h.Model.DownStrides))
	if err != nil {
		return nil, badInput("temperature setting %s: %w", t, err)
	}
	return temps, nil
}

// Generate samples images from the prior with the generator graph
// (graph.ModeGenerate); ex must compute graph.OutLogits.
func Generate(ctx context.Context, m *graph.Model, ex Executor, opt GenOptions) error {
	if opt.Batch < 1 || opt.N < 1 {
		return badInput("generate needs at least one image and a batch of at least 1 (got %d and %d)",
			opt.N, opt.Batch)
	}
	if len(opt.Temperatures) != len(m.H.Model.DownStrides) {
		return badInput("%d temperatures given, the model has %d top-down levels",
			len(opt.Temperatures), len(m.H.Model.DownStrides))
	}
	temps := make([]float32, len(m.Groups))
	for i, g := range m.Groups {
		temps[i] = float32(opt.Temperatures[g.Level])
	}
	batch := min(opt.Batch, opt.N)
	f := newFeeds(m, batch, false, false)
	sampler := &train.Sampler{H: m.H, Temperature: opt.OutputTemperature, Mean: opt.Mean,
		Noise: train.Noise{Seed: opt.Seed, Stream: train.StreamOutput}}
	prior := train.Noise{Seed: opt.Seed, Stream: train.StreamPrior}
	for first := 0; first < opt.N; first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, opt.N-first)
		prior.FillNormal(f.eps, f.sizes, first, n)
		in := map[string][]float32{graph.InTemperature: temps}
		for i, sz := range f.sizes {
			in[graph.EpsName(i)] = f.eps[i][:n*sz]
		}
		out, err := ex.Run(n, in)
		if err != nil {
			return err
		}
		if err := checkFinite(out[graph.OutLogits], "logits", first, n); err != nil {
			return err
		}
		if err := opt.Images(first, sampler.Sample(out[graph.OutLogits], n, first)); err != nil {
			return err
		}
		if opt.Progress != nil {
			opt.Progress(first+n, opt.N)
		}
	}
	return nil
}

// checkFinite fails when an output of images first..first+n-1 holds NaN
// or infinity: broken weights or inputs, which would otherwise become
// black images or a NaN figure.
func checkFinite(v []float32, name string, first, n int) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("infer: the model's %s for image %d is %v: its weights or inputs "+
				"(temperatures) are not usable", name, first+i*n/len(v), x)
		}
	}
	return nil
}
