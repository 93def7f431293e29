package train

import (
	"math"
	goruntime "runtime"
	"sync"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/ssim"
	"vdvae/runtime"
)

// Images is a batch of images in the data's value range: {0, 1} for
// binarized data, [-1, 1] otherwise, laid out (N, C, H, W).
type Images struct {
	N, C, H, W int
	Pix        []float32
}

// Image returns image i's C*H*W values.
func (im *Images) Image(i int) []float32 {
	sz := im.C * im.H * im.W
	return im.Pix[i*sz : (i+1)*sz]
}

// binaryData reports whether images are Bernoulli samples in {0, 1}.
func binaryData(h *configs.Hparams) bool { return h.Data.IsBinarized() }

// outputGeometry is the shape of the images the model shows: MNIST-like
// data drops its 2-pixel padding.
func outputGeometry(h *configs.Hparams) (c, hh, ww, off int) {
	r := h.Data.TargetRes
	if h.Data.IsPadded28() {
		return h.Data.Channels, 28, 28, 2
	}
	return h.Data.Channels, r, r, 0
}

// Crop returns the shown part of n input images (N, C, R, R): MNIST-like
// images lose their padding.
func Crop(h *configs.Hparams, x []float32, n int) *Images {
	c, oh, ow, off := outputGeometry(h)
	r := h.Data.TargetRes
	out := &Images{N: n, C: c, H: oh, W: ow, Pix: make([]float32, n*c*oh*ow)}
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			src := x[(i*c+ch)*r*r:]
			dst := out.Pix[(i*c+ch)*oh*ow:]
			for y := 0; y < oh; y++ {
				copy(dst[y*ow:(y+1)*ow], src[(y+off)*r+off:(y+off)*r+off+ow])
			}
		}
	}
	return out
}

// Sampler draws images from the output distribution given by the model's
// logits, with the reference's rules: Bernoulli samples for binarized data;
// for the mixture of discretized logistics a Gumbel-max choice of the
// component (logits divided by the temperature), a logistic sample whose
// scale is multiplied by the temperature, the autoregressive colour link,
// and clipping to the pixel range (values are not rounded to bins).
type Sampler struct {
	H           *configs.Hparams
	Temperature float64 // the output temperature (1 samples the model's distribution)
	Noise       Noise
	// Mean, when set, gives the distribution's mean instead of a sample:
	// Bernoulli probabilities, or for the mixture the mean of its most
	// probable component (with the colour link and clipping). It draws no
	// noise.
	Mean bool
}

// Sample draws n images from logits (N, K, R, R); image i uses the noise of
// image first+i.
func (s *Sampler) Sample(logits []float32, n, first int) *Images {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = first + i
	}
	return s.SampleAt(logits, idx)
}

// SampleAt draws len(idx) images from logits; image i uses the noise of
// image idx[i].
func (s *Sampler) SampleAt(logits []float32, idx []int) *Images {
	n := len(idx)
	c, oh, ow, _ := outputGeometry(s.H)
	out := &Images{N: n, C: c, H: oh, W: ow, Pix: make([]float32, n*c*oh*ow)}
	// Images are independent (each has its own noise), so they are
	// sampled in parallel; the result does not depend on the split.
	workers := min(goruntime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				s.sampleImage(out.Image(i), logits, i, idx[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// sampleImage draws image i of the batch into img with the noise of image
// index.
func (s *Sampler) sampleImage(img []float32, logits []float32, i, index int) {
	c, oh, ow, off := outputGeometry(s.H)
	r := s.H.Data.TargetRes
	k := 1
	if !binaryData(s.H) {
		k = s.H.Model.NumOutputMixtures * (3*c + 1)
	}
	px := newMoLPixel(s.H, s.Temperature)
	logit := make([]float64, k)
	rng := s.Noise.For(index)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			pos := (y+off)*r + x + off
			for j := range logit {
				logit[j] = float64(logits[(i*k+j)*r*r+pos])
			}
			if binaryData(s.H) {
				p := sigmoid(logit[0])
				if s.Mean {
					img[y*ow+x] = float32(p)
				} else if rng.Float64() < p {
					img[y*ow+x] = 1
				}
				continue
			}
			v := px.sample(logit, rng.Float64, s.Mean)
			for ch := 0; ch < c; ch++ {
				img[(ch*oh+y)*ow+x] = float32(v[ch])
			}
		}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// molPixel samples one pixel of a discretized mixture of logistics.
type molPixel struct {
	m, c          int
	temp          float64
	logstd        bool
	beta, minLog  float64
	minPix, maxPx float64
	v             [3]float64
}

func newMoLPixel(h *configs.Hparams, temp float64) *molPixel {
	bits := h.Data.NumBits
	step := math.Pow(2, 8-bits)
	return &molPixel{
		m: h.Model.NumOutputMixtures, c: h.Data.Channels, temp: temp,
		logstd: h.Model.OutputDistributionBase == "logstd",
		beta:   h.Model.OutputGradientSmoothingBeta, minLog: h.Loss.MinMolLogscale,
		minPix: -1, maxPx: (math.Floor(255/step)*step - 127.5) / 127.5,
	}
}

// uniform draws from (1e-5, 1 - 1e-5), the reference's sampling interval.
func uniform(f func() float64) float64 { return 1e-5 + (1-2e-5)*f() }

// sample returns the pixel's channel values. logit holds the pixel's
// M(3C+1) logits: M mixture logits, then per channel M means, M scale
// parameters and M coefficients.
func (p *molPixel) sample(logit []float64, rnd func() float64, mean bool) []float64 {
	best, bestV := 0, math.Inf(-1)
	for j := 0; j < p.m; j++ {
		g := 0.0
		if !mean {
			g = -math.Log(-math.Log(uniform(rnd)))
		}
		if v := logit[j]/p.temp + g; v > bestV {
			best, bestV = j, v
		}
	}
	var raw, coef [3]float64
	for ch := 0; ch < p.c; ch++ {
		base := p.m + 3*p.m*ch
		raw[ch] = logit[base+best]
		if !mean {
			u := uniform(rnd)
			raw[ch] += p.scale(logit[base+p.m+best]) * p.temp * (math.Log(u) - math.Log(1-u))
		}
		coef[ch] = math.Tanh(logit[base+2*p.m+best])
	}
	x := p.v[:p.c]
	x[0] = p.clip(raw[0])
	if p.c == 3 {
		x[1] = p.clip(raw[1] + coef[0]*x[0])
		x[2] = p.clip(raw[2] + coef[1]*x[0] + coef[2]*x[1])
	}
	return x
}

// scale is the logistic scale of a raw scale parameter, floored as in the
// loss.
func (p *molPixel) scale(raw float64) float64 {
	if p.logstd {
		return math.Exp(p.beta * math.Max(raw, p.minLog))
	}
	sp := math.Log1p(math.Exp(p.beta*raw)) / p.beta
	if p.beta*raw > 30 {
		sp = raw
	}
	return math.Max(sp, math.Exp(p.minLog))
}

func (p *molPixel) clip(v float64) float64 { return math.Min(math.Max(v, p.minPix), p.maxPx) }

// SSIM returns the SSIM of each image of b against the same image of a,
// on the 0-255 scale of the reference (binarized data scaled by 255).
func SSIM(h *configs.Hparams, a, b *Images) ([]float64, error) {
	r := ssim.Signed
	if binaryData(h) {
		r = ssim.Unit
	}
	return ssim.Batch(a.Pix, b.Pix, [4]int{a.N, a.C, a.H, a.W}, r)
}

// Samples draws n images from the prior of the model with the given
// weights, every latent group at temperature temp, the output distribution
// at temperature 1, with noise drawn per image from seed.
func (t *Trainer) Samples(params map[string][]float32, n int, temp float64, seed uint64) (*Images, error) {
	if t.gen == nil || t.gen.Batch != n {
		m, err := graph.Build(t.H, graph.Options{Mode: graph.ModeGenerate})
		if err != nil {
			return nil, err
		}
		p, err := runtime.Compile(m.Graph, t.be, n, map[string]*graph.Value{
			graph.OutLogits: m.Graph.Outputs[graph.OutLogits]})
		if err != nil {
			return nil, err
		}
		t.gen, t.genModel = p, m
	}
	m := t.genModel
	in := map[string][]float32{}
	temps := make([]float32, len(m.Groups))
	bufs := make([][]float32, len(m.Groups))
	sizes := make([]int, len(m.Groups))
	for i, g := range m.Groups {
		temps[i] = float32(temp)
		sizes[i] = g.Variates * g.H * g.W
		bufs[i] = make([]float32, n*sizes[i])
		in[graph.EpsName(i)] = bufs[i]
	}
	in[graph.InTemperature] = temps
	Noise{Seed: seed, Stream: StreamPrior}.FillNormal(bufs, sizes, 0, n)
	for name, d := range params {
		in[name] = d
	}
	for name, d := range in {
		if err := t.gen.Bind(name, d); err != nil {
			return nil, err
		}
	}
	if err := t.gen.Run(); err != nil {
		return nil, err
	}
	s := &Sampler{H: t.H, Temperature: 1, Noise: Noise{Seed: seed, Stream: StreamOutput}}
	return s.Sample(t.gen.Output(graph.OutLogits), n, 0), nil
}
