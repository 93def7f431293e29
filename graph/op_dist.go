package graph

import "fmt"

// DistBase says how a network output becomes a scale.
type DistBase uint8

// The distribution bases of the reference.
const (
	// BaseStd: std = softplus(Beta x) / Beta.
	BaseStd DistBase = iota
	// BaseLogStd: std = exp(Beta x).
	BaseLogStd
)

// DMoLNLL is the negative log-likelihood of targets under a mixture of M
// discretized logistics with an autoregressive channel link, per pixel.
//
// Inputs: logits (N, M*(3C+1), H, W) and targets (N, C, H, W) in [-1, 1].
// Output: (N, 1, H, W), the NLL in nats of each pixel (all channels).
//
// Channel layout of logits: [0, M) mixture logits; then for channel c the
// block starting at M + 3Mc holds M means, M scale parameters and M
// coefficients (through tanh). The mean of channel 1 adds coeff[0]*x0, the
// mean of channel 2 adds coeff[1]*x0 + coeff[2]*x1. A target equal to MinPix
// uses the log-CDF of the upper bin edge, one equal to MaxPix the
// log-survival of the lower edge, others log(CDF difference), with the
// density at the bin centre times the bin width when that difference is
// below 1e-5. Bins have half-width 1/NumClasses.
type DMoLNLL struct {
	M, C        int
	NumClasses  float64
	MinPix      float64
	MaxPix      float64
	Base        DistBase
	Beta        float64
	MinLogScale float64
}

// Kind implements Op.
func (DMoLNLL) Kind() OpKind { return KindDMoLNLL }

// Infer implements Op.
func (o DMoLNLL) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	l, x := in[0], in[1]
	if err := wantRank(l, 4, "mixture logits"); err != nil {
		return nil, err
	}
	if l[1] != o.M*(3*o.C+1) {
		return nil, fmt.Errorf("mixture of %d logistics over %d channels wants %d logit channels, got %d",
			o.M, o.C, o.M*(3*o.C+1), l[1])
	}
	if len(x) != 4 || x[1] != o.C || x[2] != l[2] || x[3] != l[3] {
		return nil, fmt.Errorf("targets %v do not match logits %v", x, l)
	}
	if o.C > 3 {
		return nil, fmt.Errorf("mixture of logistics supports 1 to 3 channels, got %d", o.C)
	}
	return Shape{l[0], 1, l[2], l[3]}, nil
}

// DMoLGrad is the gradient of DMoLNLL with respect to its logits.
// Inputs: logits, targets, g (the output gradient, (N,1,H,W)).
type DMoLGrad struct {
	NLL DMoLNLL
}

// Kind implements Op.
func (DMoLGrad) Kind() OpKind { return KindDMoLGrad }

// Infer implements Op.
func (DMoLGrad) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	return in[0], nil
}

func init() {
	vjps[KindDMoLNLL] = func(b *Builder, n *Node, g *Value) []*Value {
		op := n.Op.(DMoLNLL)
		return []*Value{b.add(DMoLGrad{NLL: op}, n.Inputs[0], n.Inputs[1], g), nil}
	}
}

// DMoLNLL adds the mixture-of-logistics NLL op.
func (b *Builder) DMoLNLL(logits, targets *Value, op DMoLNLL) *Value {
	return b.add(op, logits, targets)
}

// GaussianKL returns KL(q || p) elementwise for diagonal Gaussians given
// means and standard deviations:
// 0.5((mq-mp)/sp)^2 + 0.5(sq/sp)^2 - 0.5 - log(sq/sp).
func (b *Builder) GaussianKL(mq, sq, mp, sp *Value) *Value {
	t1 := b.Div(b.Sub(mq, mp), sp)
	t2 := b.Div(sq, sp)
	sq2 := b.Add(b.Unary(FnSquare, 0, t1), b.Unary(FnSquare, 0, t2))
	half := b.Unary(FnAddConst, -0.5, b.Unary(FnScale, 0.5, sq2))
	return b.Sub(half, b.Unary(FnLog, 0, t2))
}
