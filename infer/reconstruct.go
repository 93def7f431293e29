package infer

import (
	"context"
	"math"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/train"
	"vdvae/train/data"
)

// ReconOptions configure Reconstruct.
type ReconOptions struct {
	// Batch is the number of images per run of the graph.
	Batch int
	// Limit evaluates only the first Limit images (0: all).
	Limit int
	// Seed drives the posterior, prior and output noise.
	Seed uint64
	// Masks, when set, hold one mask per latent group (1 keeps a variate,
	// 0 takes it from the prior); the evaluator must be masked.
	Masks [][]float32
	// OutputTemperature scales the output distribution's sampling (1 for
	// the model's own distribution).
	OutputTemperature float64
	// Mean writes the output distribution's mean instead of a sample (see
	// train.Sampler); the SSIM is then the mean's.
	Mean bool
	// Images, when set, receives every batch's targets and reconstructions
	// (first is the index of the batch's first image).
	Images func(first int, targets, recons *train.Images) error
	// Progress, when set, is called after every batch with the running
	// figures.
	Progress func(done, total int, sofar *ReconResult)
}

// ReconResult holds the averages of a reconstruction pass.
type ReconResult struct {
	train.EvalStats
	// Dims is the number of dimensions per image the NELBO counts.
	Dims int `json:"dims"`
}

// Summary formats the figures in the data set's customary unit.
func (r *ReconResult) Summary(h *configs.Hparams) string {
	return r.EvalStats.Summary(h, r.Dims)
}

// BitsPerDim converts a figure in nats per image to bits per dimension.
func (r *ReconResult) BitsPerDim(nats float64) float64 {
	return nats / (float64(r.Dims) * math.Ln2)
}

// Feeds holds the input buffers of an evaluation or decoding graph for a
// batch capacity.
type feeds struct {
	m      *graph.Model
	x      []float32
	eps    [][]float32
	prior  [][]float32
	sizes  []int
	inputs map[string][]float32
}

func newFeeds(m *graph.Model, batch int, withX, withPrior bool) *feeds {
	f := &feeds{m: m, inputs: map[string][]float32{}}
	h := m.H
	if withX {
		f.x = make([]float32, batch*h.Data.Channels*h.Data.TargetRes*h.Data.TargetRes)
	}
	for _, g := range m.Groups {
		sz := g.Variates * g.H * g.W
		f.sizes = append(f.sizes, sz)
		f.eps = append(f.eps, make([]float32, batch*sz))
		if withPrior {
			f.prior = append(f.prior, make([]float32, batch*sz))
		}
	}
	return f
}

// fill draws the noise of images first..first+n-1 and returns the inputs
// for a batch of n.
func (f *feeds) fill(seed uint64, first, n int) map[string][]float32 {
	train.Noise{Seed: seed, Stream: train.StreamPosterior}.FillNormal(f.eps, f.sizes, first, n)
	if f.prior != nil {
		train.Noise{Seed: seed, Stream: train.StreamPrior}.FillNormal(f.prior, f.sizes, first, n)
	}
	if f.x != nil {
		f.inputs[graph.InX] = f.x[:n*len(f.x)/f.capacity()]
	}
	for i, sz := range f.sizes {
		f.inputs[graph.EpsName(i)] = f.eps[i][:n*sz]
		if f.prior != nil {
			f.inputs[graph.PriorEpsName(i)] = f.prior[i][:n*sz]
		}
	}
	return f.inputs
}

// fillAt is fill for images with the given indices, not necessarily
// consecutive.
func (f *feeds) fillAt(seed uint64, idx []int) map[string][]float32 {
	n := len(idx)
	sub := func(bufs [][]float32, i int) [][]float32 {
		out := make([][]float32, len(bufs))
		for g, b := range bufs {
			out[g] = b[i*f.sizes[g] : (i+1)*f.sizes[g]]
		}
		return out
	}
	for i, k := range idx {
		train.Noise{Seed: seed, Stream: train.StreamPosterior}.FillNormal(sub(f.eps, i), f.sizes, k, 1)
		if f.prior != nil {
			train.Noise{Seed: seed, Stream: train.StreamPrior}.FillNormal(sub(f.prior, i), f.sizes, k, 1)
		}
	}
	for i, sz := range f.sizes {
		f.inputs[graph.EpsName(i)] = f.eps[i][:n*sz]
		if f.prior != nil {
			f.inputs[graph.PriorEpsName(i)] = f.prior[i][:n*sz]
		}
	}
	return f.inputs
}

// next loads the next batch of it into the image buffer and returns its
// size, 0 at the end; a data set that cannot be read is an input error.
func (f *feeds) next(it *data.EvalIter) (int, error) {
	n := it.Next(f.x)
	if err := it.Err(); err != nil {
		return 0, inputError{err}
	}
	return n, nil
}

func (f *feeds) capacity() int { return len(f.eps[0]) / f.sizes[0] }

// setMasks adds the variate masks to the inputs.
func (f *feeds) setMasks(masks [][]float32) error {
	if len(masks) != len(f.sizes) {
		return badInput("variate masks cover %d latent groups, the model has %d", len(masks), len(f.sizes))
	}
	for i, g := range f.m.Groups {
		if len(masks[i]) != g.Variates {
			return badInput("variate mask of group %d has %d values, the group has %d variates",
				i, len(masks[i]), g.Variates)
		}
		f.inputs[graph.MaskName(i)] = masks[i]
	}
	return nil
}

// Reconstruct evaluates the model built in ModeEval (masked when
// opt.Masks is set) on ds: NELBO, per-group KL and SSIM of the sampled
// reconstructions. ex must compute graph.OutRecon, OutKL and OutLogits.
func Reconstruct(ctx context.Context, m *graph.Model, ex Executor, ds *data.Dataset,
	opt ReconOptions) (*ReconResult, error) {
	if opt.Batch < 1 {
		return nil, badInput("batch size %d: want at least 1", opt.Batch)
	}
	it, err := data.NewEvalIter(ds, opt.Batch, opt.Limit)
	if err != nil {
		return nil, err
	}
	f := newFeeds(m, opt.Batch, true, opt.Masks != nil)
	if opt.Masks != nil {
		if err := f.setMasks(opt.Masks); err != nil {
			return nil, err
		}
	}
	h, L := m.H, len(m.Groups)
	res := &ReconResult{Dims: m.Dims}
	res.GroupKL = make([]float64, L)
	sampler := &train.Sampler{H: h, Temperature: opt.OutputTemperature, Mean: opt.Mean,
		Noise: train.Noise{Seed: opt.Seed, Stream: train.StreamOutput}}
	var ssimSum float64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		first := res.Images
		n, err := f.next(it)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		out, err := ex.Run(n, f.fill(opt.Seed, first, n))
		if err != nil {
			return nil, err
		}
		recon, kl := out[graph.OutRecon], out[graph.OutKL]
		for name, v := range map[string][]float32{"reconstruction loss": recon, "KL": kl} {
			if err := checkFinite(v, name, first, n); err != nil {
				return nil, err
			}
		}
		for i := 0; i < n; i++ {
			res.Recon += float64(recon[i])
			for g := 0; g < L; g++ {
				res.GroupKL[g] += float64(kl[i*L+g])
			}
		}
		targets := train.Crop(h, f.x, n)
		recons := sampler.Sample(out[graph.OutLogits], n, first)
		ssims, err := train.SSIM(h, targets, recons)
		if err != nil {
			return nil, err
		}
		for _, s := range ssims {
			ssimSum += s
		}
		res.Images += n
		if opt.Images != nil {
			if err := opt.Images(first, targets, recons); err != nil {
				return nil, err
			}
		}
		if opt.Progress != nil {
			opt.Progress(res.Images, it.Len(), res.averaged(ssimSum))
		}
	}
	if res.Images == 0 {
		return nil, badInput("the split has no images to reconstruct")
	}
	return res.averaged(ssimSum), nil
}

// averaged returns a copy holding the per-image averages of the sums in r.
func (r *ReconResult) averaged(ssimSum float64) *ReconResult {
	out := *r
	n := float64(r.Images)
	out.Recon /= n
	out.GroupKL = make([]float64, len(r.GroupKL))
	out.KL = 0
	for g, v := range r.GroupKL {
		out.GroupKL[g] = v / n
		out.KL += out.GroupKL[g]
	}
	out.SSIM = ssimSum / n
	return &out
}
