package graph

import (
	"fmt"
	"math"

	"vdvae/configs"
)

// Model is the Efficient-VDVAE graph built from hyper-parameters, with what
// a caller needs to feed it.
type Model struct {
	Graph *Graph
	H     *configs.Hparams
	// Groups lists the latent groups in top-down order.
	Groups []LatentGroup
	// Dims is the number of dimensions the losses are averaged over:
	// 28*28 for MNIST-like data padded to 32x32, target_res^2 * channels
	// otherwise.
	Dims int
	// Grads maps parameter names to their gradient values (training only).
	Grads map[string]*Value
}

// LatentGroup describes one latent layer of the top-down network.
type LatentGroup struct {
	// Path is the layer path of the block that owns it.
	Path string
	// Level is the index of its top-down level (of down_strides): the
	// reference's generation temperatures are given per level.
	Level int
	// Variates, H and W give the shape of its noise, (N, Variates, H, W).
	Variates, H, W int
}

// Graph inputs and outputs of the training graph.
const (
	// InX is the model input (N, C, R, R): binarized pixels in {0, 1} or
	// pixels scaled to [-1, 1]. The reconstruction target is the same tensor.
	InX = "x"
	// InLossScales is (1, 2, 1, 1): the factors of the summed
	// reconstruction NLL and of the summed (gamma-weighted) KL in the loss:
	// 1/(N*dims) and beta/(N*dims).
	InLossScales = "loss_scales"
	// InGammaOn is (1, 1, 1, 1): 1 while NVAE's gamma balancing of the KL
	// groups is on, else 0.
	InGammaOn = "gamma_on"
	// InGammaNorm is (1, L, 1, 1): what each group's summed KL is
	// multiplied by before the gamma weights are formed: 1/(its element
	// count per image) for scaled gamma, else 1.
	InGammaNorm = "gamma_norm"
	// OutLoss is the scalar training loss.
	OutLoss = "loss"
	// OutRecon is the per-image reconstruction NLL in nats, (N, 1, 1, 1).
	OutRecon = "recon"
	// OutKL is the per-image KL of each group in nats, (N, L, 1, 1).
	OutKL = "kl"
	// OutLogits is the output layer, (N, 1 or M(3C+1), R, R).
	OutLogits = "logits"
)

// Inputs and outputs of the inference graphs (see Mode).
const (
	// InTemperature is (1, L, 1, 1): the generator's temperature of each
	// latent group, multiplying the prior's std.
	InTemperature = "temperature"
	// OutKLVariates is the prefix of the evaluator's per-variate KL
	// outputs: KLVariatesName(i) is (N, V, 1, 1), the KL of each variate of
	// group i in nats averaged over its spatial positions.
	OutKLVariates = "kl_variates"
)

// EpsName is the input name of the noise of group i: posterior noise in the
// training, evaluation and decoding graphs, prior noise in the generator.
func EpsName(i int) string { return fmt.Sprintf("eps.%d", i) }

// PriorEpsName is the input name of the prior noise of group i in masked
// evaluation and in decoding: pruned variates take a prior sample.
func PriorEpsName(i int) string { return fmt.Sprintf("prior_eps.%d", i) }

// MaskName is the input name of group i's variate mask, (1, V, 1, 1): 1
// where the variate comes from the posterior, 0 where it comes from the
// prior.
func MaskName(i int) string { return fmt.Sprintf("mask.%d", i) }

// PostMeanName and PostStdName name group i's posterior mean and std,
// (N, V, H, W): outputs of the evaluator, inputs of the decoder.
func PostMeanName(i int) string { return fmt.Sprintf("post_mean.%d", i) }

// PostStdName: see PostMeanName.
func PostStdName(i int) string { return fmt.Sprintf("post_std.%d", i) }

// KLVariatesName names group i's per-variate KL output of the evaluator.
func KLVariatesName(i int) string { return fmt.Sprintf("%s.%d", OutKLVariates, i) }

// Mode selects which graph Build makes. All modes share parameter names,
// so one set of weights runs every graph.
type Mode uint8

const (
	// ModeTrain: x and posterior noise in; the loss (with its
	// schedule inputs), recon, kl and logits out.
	ModeTrain Mode = iota
	// ModeEval: x and posterior noise in (plus masks and prior noise when
	// Masked); recon, kl, logits and every group's posterior statistics
	// and per-variate KL out.
	ModeEval
	// ModeGenerate: per-group temperatures and prior noise in; logits
	// out. The top-down network runs without the posterior.
	ModeGenerate
	// ModeDecode: every group's posterior mean and std, variate masks,
	// posterior and prior noise in; logits out. Fed the statistics the
	// evaluator returns for an image and the same noise, it reproduces the
	// evaluator's logits.
	ModeDecode
)

// Options configure Build.
type Options struct {
	Mode Mode
	// Masked adds variate masks and prior noise to ModeEval.
	Masked bool
	// Grad appends the gradient of OutLoss for every parameter
	// (ModeTrain only).
	Grad bool
}

// BuildModel builds the training graph of the model described by h. With
// grad it also appends the gradient of OutLoss for every parameter.
func BuildModel(h *configs.Hparams, grad bool) (*Model, error) {
	return Build(h, Options{Mode: ModeTrain, Grad: grad})
}

// Build builds the graph of the model described by h for one mode.
func Build(h *configs.Hparams, opt Options) (m *Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: building model: %v", ErrInvalid, r)
		}
	}()
	if opt.Grad && opt.Mode != ModeTrain {
		return nil, fmt.Errorf("%w: gradients exist only for the training graph", ErrInvalid)
	}
	mb := &modelBuilder{Builder: NewBuilder(), h: h, m: &Model{H: h}, opt: opt}
	mb.m.Dims = h.Data.TargetRes * h.Data.TargetRes * h.Data.Channels
	if h.Data.IsPadded28() {
		mb.m.Dims = 28 * 28 * h.Data.Channels
	}
	mb.build()
	if err := mb.Err(); err != nil {
		return nil, err
	}
	mb.m.Graph = mb.Graph()
	if opt.Grad {
		grads, err := Grad(mb.m.Graph, mb.m.Graph.Outputs[OutLoss])
		if err != nil {
			return nil, err
		}
		mb.m.Grads = grads
	}
	return mb.m, nil
}

type modelBuilder struct {
	*Builder
	h   *configs.Hparams
	m   *Model
	opt Options
	// stableScale is sqrt(1/L), the reference's stable-init scaler.
	stableScale float64
	// temps is the generator's temperature input.
	temps *Value
}

func (b *modelBuilder) build() {
	mh := &b.h.Model
	b.stableScale = math.Sqrt(1 / float64(mh.NumLatentGroups()))
	r, c := b.h.Data.TargetRes, b.h.Data.Channels
	L := mh.NumLatentGroups()
	switch b.opt.Mode {
	case ModeGenerate:
		b.temps = b.Input(InTemperature, Shape{1, L, 1, 1})
		b.Push("top_down")
		logits, _ := b.topDown(nil)
		b.Pop()
		b.Output(OutLogits, logits)
		return
	case ModeDecode:
		b.Push("top_down")
		logits, _ := b.topDown(nil)
		b.Pop()
		b.Output(OutLogits, logits)
		return
	}
	x := b.Input(InX, Shape{Batch, c, r, r})
	b.Push("bottom_up")
	skips := b.bottomUp(x)
	b.Pop()
	b.Push("top_down")
	logits, kls := b.topDown(skips)
	b.Pop()
	if b.Err() != nil {
		return
	}
	recon := b.reconLoss(logits, x)
	kl := b.Concat(1, kls...)
	b.Output(OutRecon, recon)
	b.Output(OutKL, kl)
	b.Output(OutLogits, logits)
	if b.opt.Mode == ModeTrain {
		b.Output(OutLoss, b.loss(recon, kl))
	}
}

// loss is the training objective: the scaled reconstruction NLL plus the
// scaled KL, whose groups are balanced by NVAE's gamma weights while
// gamma_on is 1.
func (b *modelBuilder) loss(recon, kl *Value) *Value {
	L := b.h.Model.NumLatentGroups()
	scales := b.Input(InLossScales, Shape{1, 2, 1, 1})
	gammaOn := b.Input(InGammaOn, Shape{1, 1, 1, 1})
	gammaNorm := b.Input(InGammaNorm, Shape{1, L, 1, 1})
	// Gamma weights: L * a / sum(a) with a the (normalised) KL of each
	// group over the batch, not differentiated; 1 when gamma is off.
	a := b.StopGrad(b.ReduceSumTo(b.Mul(kl, gammaNorm), Shape{1, L, 1, 1}))
	alpha := b.Unary(FnScale, float64(L), b.Div(a, b.SumAll(a, false)))
	w := b.Unary(FnAddConst, 1, b.Mul(gammaOn, b.Unary(FnAddConst, -1, alpha))) // 1 + on*(alpha-1)
	klSum := b.SumAll(b.Mul(kl, w), false)
	return b.SumAll(b.Mul(b.Concat(1, b.SumAll(recon, false), klSum), scales), false)
}

// reconLoss returns the per-image reconstruction NLL in nats, (N,1,1,1).
func (b *modelBuilder) reconLoss(logits, x *Value) *Value {
	h := b.h
	if h.Data.IsPadded28() {
		// Only the central 28x28 of padded MNIST-like images counts.
		var s Slice
		s.Begin[2], s.End[2], s.Begin[3], s.End[3] = 2, 30, 2, 30
		logits, x = b.Slice(logits, s), b.Slice(x, s)
	}
	if h.Data.IsBinarized() {
		// Bernoulli NLL from logits: softplus(l) - t*l.
		nll := b.Sub(b.Unary(FnSoftplus, 1, logits), b.Mul(x, logits))
		return b.SumAll(nll, true)
	}
	bits := h.Data.NumBits
	step := math.Pow(2, 8-bits)
	maxPix := (math.Floor(255/step)*step - 127.5) / 127.5
	op := DMoLNLL{
		M: h.Model.NumOutputMixtures, C: h.Data.Channels,
		NumClasses: math.Pow(2, bits) - 1,
		MinPix:     -1, MaxPix: maxPix,
		Base:        parseBase(h.Model.OutputDistributionBase),
		Beta:        h.Model.OutputGradientSmoothingBeta,
		MinLogScale: h.Loss.MinMolLogscale,
	}
	return b.SumAll(b.DMoLNLL(logits, x, op), true)
}

func parseBase(s string) DistBase {
	if s == "logstd" {
		return BaseLogStd
	}
	return BaseStd
}
