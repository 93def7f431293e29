package onnx

import (
	"math"

	"vdvae/graph"
)

// lowerDMoL lowers the mixture-of-logistics NLL (graph.DMoLNLL) as
// runtime/ref/dmol.go defines it, on whole (N, M, H, W) tensors: one slice
// of the logits per parameter block and channel, the three cases per
// element chosen with Where, then a log-sum-exp over the mixture axis.
//
// ref computes in float64; this graph computes in float32, so three
// formulas are rewritten into equal ones that keep float32 accurate (inv is
// the inverse scale, b the bin half-width, p = inv(x - mean + b) and
// m = inv(x - mean - b)):
//
//   - lowest value: p - softplus(p) = -softplus(-p) (the same value; the
//     left form cancels for large p);
//   - middle values: log(sigmoid(p) - sigmoid(m)) =
//     -softplus(-p) - softplus(m) + log(1 - exp(-2 inv b)), and
//     1 - exp(-d) = 2t / (1 + t) with t = tanh(d / 2). The difference of two
//     sigmoids near 1 loses every digit in float32 for pixels in a
//     component's tail; this form keeps them. The choice "difference above
//     1e-5" becomes "its log above log(1e-5)". ref's floor of the
//     difference at 1e-12 inside the log never acts there (the difference
//     is above 1e-5), so it has no counterpart;
//   - the mixture: ref's -logsumexp(lp + pi - logsumexp(pi)) is
//     logsumexp(pi) - logsumexp(pi + lp), each with its maximum taken out.
//
// Everything else is ref's formula term by term, including the fallback
// for differences at or below 1e-5: inv (x - mean) - log s -
// 2 softplus(inv (x - mean)) - log(NumClasses / 2).
func lowerDMoL(l *lowerer, n *graph.Node, in []string, out string) error {
	op := n.Op.(graph.DMoLNLL)
	if op.C < 1 || op.C > 3 || op.M < 1 {
		return l.errf(ErrUnsupported, "mixture of %d logistics over %d channels", op.M, op.C)
	}
	logits, target := in[0], in[1]
	M := op.M
	block := func(lo int) string { return l.slice1(logits, lo, lo+M) }

	// Targets per channel, and the tanh of each channel's coefficient
	// block (base + 2M) that the autoregressive means read.
	x := make([]string, op.C)
	coef := make([]string, op.C)
	for c := 0; c < op.C; c++ {
		x[c] = l.slice1(target, c, c+1)
		if (op.C >= 2 && c == 0) || op.C == 3 {
			coef[c] = l.op("Tanh", nil, block(M+3*M*c+2*M))
		}
	}
	var lp string
	for c := 0; c < op.C; c++ {
		base := M + 3*M*c
		mean := block(base)
		switch c {
		case 1: // mean += coeff[0] x0
			mean = l.op("Add", nil, mean, l.op("Mul", nil, coef[0], x[0]))
		case 2: // mean += coeff[1] x0 + coeff[2] x1
			mean = l.op("Add", nil, mean, l.op("Add", nil,
				l.op("Mul", nil, coef[1], x[0]), l.op("Mul", nil, coef[2], x[1])))
		}
		inv, logS := l.dmolScale(op, block(base+M))
		f := l.dmolLogProb(op, x[c], mean, inv, logS)
		if lp == "" {
			lp = f
		} else {
			lp = l.op("Add", nil, lp, f)
		}
	}
	pi := block(0)
	l.opTo(out, "Sub", nil, l.logSumExp1(pi), l.logSumExp1(l.op("Add", nil, pi, lp)))
	return nil
}

// dmolScale returns the inverse scale and the log scale from the raw scale
// parameters, as ref's scale does: logstd: ls = max(raw, MinLogScale),
// inv = exp(-Beta ls), log scale ls; std: s = max(softplus(Beta raw) /
// Beta, exp(MinLogScale)), inv = 1/s, log scale log s.
func (l *lowerer) dmolScale(op graph.DMoLNLL, raw string) (inv, logS string) {
	beta := float32(op.Beta)
	if op.Base == graph.BaseLogStd {
		ls := l.op("Max", nil, raw, l.f32(float32(op.MinLogScale)))
		return l.op("Exp", nil, l.op("Mul", nil, ls, l.f32(-beta))), ls
	}
	s := l.op("Div", nil, l.op("Softplus", nil, l.op("Mul", nil, raw, l.f32(beta))), l.f32(beta))
	// A floor that underflows float32 (the presets' exp(-250)) cannot act
	// on a float32 scale.
	if floor := float32(math.Exp(op.MinLogScale)); floor > 0 {
		s = l.op("Max", nil, s, l.f32(floor))
	}
	return l.op("Reciprocal", nil, s), l.op("Log", nil, s)
}

// dmolLogProb returns the log-probability of target x (N,1,H,W) under each
// component (N,M,H,W), choosing ref's case per element.
func (l *lowerer) dmolLogProb(op graph.DMoLNLL, x, mean, inv, logS string) string {
	bin := float32(1 / op.NumClasses)
	centered := l.op("Sub", nil, x, mean)
	plusIn := l.op("Mul", nil, inv, l.op("Add", nil, centered, l.f32(bin)))
	minIn := l.op("Mul", nil, inv, l.op("Sub", nil, centered, l.f32(bin)))
	spNegPlus := l.op("Softplus", nil, l.op("Neg", nil, plusIn)) // -log sigmoid(p)
	spMin := l.op("Softplus", nil, minIn)                        // -log sigmoid(-m)

	low := l.op("Neg", nil, spNegPlus)
	high := l.op("Neg", nil, spMin)

	// log(1 - exp(-2 inv b)) = log(2t / (1 + t)), t = tanh(inv b).
	t := l.op("Tanh", nil, l.op("Mul", nil, inv, l.f32(bin)))
	logGap := l.op("Log", nil, l.op("Div", nil,
		l.op("Mul", nil, t, l.f32(2)), l.op("Add", nil, t, l.f32(1))))
	logDelta := l.op("Sub", nil, logGap, l.op("Add", nil, spNegPlus, spMin))

	midIn := l.op("Mul", nil, inv, centered)
	fallback := l.op("Sub", nil,
		l.op("Sub", nil, l.op("Sub", nil, midIn, logS),
			l.op("Mul", nil, l.op("Softplus", nil, midIn), l.f32(2))),
		l.f32(float32(math.Log(op.NumClasses/2))))
	mid := l.op("Where", nil,
		l.op("Greater", nil, logDelta, l.f32(float32(math.Log(1e-5)))), logDelta, fallback)

	// ref compares the float64 value of a float32 target with float64
	// bounds; these float32 bounds give the same answer for every float32.
	isLow := l.op("LessOrEqual", nil, x, l.f32(f32AtMost(op.MinPix)))
	isHigh := l.op("GreaterOrEqual", nil, x, l.f32(f32AtLeast(op.MaxPix)))
	return l.op("Where", nil, isLow, low, l.op("Where", nil, isHigh, high, mid))
}

// slice1 takes channels [lo, hi) of a 4-D tensor.
func (l *lowerer) slice1(x string, lo, hi int) string {
	return l.op("Slice", nil, x, l.i64s(int64(lo)), l.i64s(int64(hi)), l.i64s(1))
}

// logSumExp1 is log(sum(exp(v))) over axis 1, kept: max + log(sum(exp(v -
// max))), which stays finite for any finite v.
func (l *lowerer) logSumExp1(v string) string {
	mx := l.op("ReduceMax", []attr{attrInts("axes", 1), attrI("keepdims", 1)}, v)
	e := l.op("Exp", nil, l.op("Sub", nil, v, mx))
	s := l.op("ReduceSum", []attr{attrI("keepdims", 1)}, e, l.i64s(1))
	return l.op("Add", nil, l.op("Log", nil, s), mx)
}

// f32AtMost is the largest float32 f with float64(f) <= v, so that for
// every float32 x, x <= f exactly when float64(x) <= v.
func f32AtMost(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// f32AtLeast is the smallest float32 f with float64(f) >= v.
func f32AtLeast(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
