package ref

import (
	"math"

	"vdvae/graph"
)

// dmolPixel evaluates the mixture NLL of one pixel and, when grad is not
// nil, adds g * d(nll)/d(logit) into grad. get(ch) reads logit channel ch of
// the pixel; x holds the pixel's C target values.
type dmolPixel struct {
	op    graph.DMoLNLL
	logit []float64 // M*(3C+1) logits of the pixel
	x     [3]float64
	// scratch, sized M
	a, lp []float64
	// per (c, m) partials
	dMean, dInv, dLogS []float64
}

func newDMoLPixel(op graph.DMoLNLL) *dmolPixel {
	m := op.M
	return &dmolPixel{
		op: op, logit: make([]float64, m*(3*op.C+1)),
		a: make([]float64, m), lp: make([]float64, m),
		dMean: make([]float64, 3*m), dInv: make([]float64, 3*m), dLogS: make([]float64, 3*m),
	}
}

// scale returns inverse std, log scale and their derivatives with respect to
// the raw scale parameter.
func (p *dmolPixel) scale(raw float64) (inv, logS, dInvRaw, dLogSRaw float64) {
	op := p.op
	if op.Base == graph.BaseLogStd {
		ls := raw
		d := 1.0
		if raw < op.MinLogScale {
			ls, d = op.MinLogScale, 0
		}
		inv = math.Exp(-op.Beta * ls)
		return inv, ls, -op.Beta * inv * d, d
	}
	s := softplus(op.Beta*raw) / op.Beta
	ds := sigmoid(op.Beta * raw)
	if floor := math.Exp(op.MinLogScale); s < floor {
		s, ds = floor, 0
	}
	return 1 / s, math.Log(s), -ds / (s * s), ds / s
}

// eval returns the NLL; with grad it also fills grad (scaled by g).
func (p *dmolPixel) eval(grad []float64, g float64) float64 {
	op := p.op
	M, C := op.M, op.C
	bin := 1 / op.NumClasses
	for m := 0; m < M; m++ {
		p.lp[m] = 0
	}
	for c := 0; c < C; c++ {
		base := M + 3*M*c
		for m := 0; m < M; m++ {
			mean := p.logit[base+m]
			switch c {
			case 1:
				mean += math.Tanh(p.logit[M+2*M+m]) * p.x[0]
			case 2:
				mean += math.Tanh(p.logit[M+3*M+2*M+m])*p.x[0] + math.Tanh(p.logit[M+6*M+2*M+m])*p.x[1]
			}
			inv, logS, _, _ := p.scale(p.logit[base+M+m])
			centered := p.x[c] - mean
			plusIn := inv * (centered + bin)
			minIn := inv * (centered - bin)
			var f, dPlus, dMin, dMid, dLs float64
			switch {
			case p.x[c] <= op.MinPix:
				f = plusIn - softplus(plusIn)
				dPlus = sigmoid(-plusIn)
			case p.x[c] >= op.MaxPix:
				f = -softplus(minIn)
				dMin = -sigmoid(minIn)
			default:
				sp, sm := sigmoid(plusIn), sigmoid(minIn)
				delta := sp - sm
				if delta > 1e-5 {
					f = math.Log(math.Max(delta, 1e-12))
					dPlus = sp * (1 - sp) / delta
					dMin = -sm * (1 - sm) / delta
				} else {
					midIn := inv * centered
					f = midIn - logS - 2*softplus(midIn) - math.Log(op.NumClasses/2)
					dMid = 1 - 2*sigmoid(midIn)
					dLs = -1
				}
			}
			p.lp[m] += f
			k := c*M + m
			// d f / d centered, then d centered / d mean = -1.
			p.dMean[k] = -(dPlus + dMin + dMid) * inv
			p.dInv[k] = dPlus*(centered+bin) + dMin*(centered-bin) + dMid*centered
			p.dLogS[k] = dLs
		}
	}
	// log-softmax of the mixture logits plus the per-component log-probs.
	maxPi := math.Inf(-1)
	for m := 0; m < M; m++ {
		maxPi = math.Max(maxPi, p.logit[m])
	}
	sumPi := 0.0
	for m := 0; m < M; m++ {
		sumPi += math.Exp(p.logit[m] - maxPi)
	}
	lsePi := maxPi + math.Log(sumPi)
	maxA := math.Inf(-1)
	for m := 0; m < M; m++ {
		p.a[m] = p.lp[m] + p.logit[m] - lsePi
		maxA = math.Max(maxA, p.a[m])
	}
	sumA := 0.0
	for m := 0; m < M; m++ {
		sumA += math.Exp(p.a[m] - maxA)
	}
	nll := -(maxA + math.Log(sumA))
	if grad == nil {
		return nll
	}
	for m := 0; m < M; m++ {
		r := math.Exp(p.a[m]-maxA) / sumA // responsibility
		s := math.Exp(p.logit[m]-maxPi) / sumPi
		grad[m] += g * (s - r)
		for c := 0; c < C; c++ {
			k := c*M + m
			base := M + 3*M*c
			dl := -g * r // d nll / d lp[c][m]
			_, _, dInvRaw, dLogSRaw := p.scale(p.logit[base+M+m])
			grad[base+m] += dl * p.dMean[k]
			grad[base+M+m] += dl * (p.dInv[k]*dInvRaw + p.dLogS[k]*dLogSRaw)
			switch c {
			case 1:
				t := math.Tanh(p.logit[M+2*M+m])
				grad[M+2*M+m] += dl * p.dMean[k] * p.x[0] * (1 - t*t)
			case 2:
				t1 := math.Tanh(p.logit[M+3*M+2*M+m])
				t2 := math.Tanh(p.logit[M+6*M+2*M+m])
				grad[M+3*M+2*M+m] += dl * p.dMean[k] * p.x[0] * (1 - t1*t1)
				grad[M+6*M+2*M+m] += dl * p.dMean[k] * p.x[1] * (1 - t2*t2)
			}
		}
	}
	return nll
}

// DMoLForward computes graph.DMoLNLL for logits of shape ls.
func DMoLForward(op graph.DMoLNLL, logits, x, y []float32, ls graph.Shape) {
	dmolEach(op, logits, x, ls, func(p *dmolPixel, pix int, _ []float64) {
		y[pix] = float32(p.eval(nil, 0))
	}, nil)
}

// DMoLBackward computes graph.DMoLGrad: dl = g * d(nll)/d(logits).
func DMoLBackward(op graph.DMoLNLL, logits, x, g, dl []float32, ls graph.Shape) {
	grad := make([]float64, ls[1])
	dmolEach(op, logits, x, ls, func(p *dmolPixel, pix int, grad []float64) {
		clear(grad)
		p.eval(grad, float64(g[pix]))
	}, func(n, pixel int) {
		hw := ls[2] * ls[3]
		for ch := 0; ch < ls[1]; ch++ {
			dl[(n*ls[1]+ch)*hw+pixel] = float32(grad[ch])
		}
	}, grad)
}

func dmolEach(op graph.DMoLNLL, logits, x []float32, ls graph.Shape,
	f func(p *dmolPixel, pix int, grad []float64), after func(n, pixel int), grad ...[]float64) {
	p := newDMoLPixel(op)
	n, ch, hw := ls[0], ls[1], ls[2]*ls[3]
	var gbuf []float64
	if len(grad) > 0 {
		gbuf = grad[0]
	}
	for i := 0; i < n; i++ {
		for pix := 0; pix < hw; pix++ {
			for k := 0; k < ch; k++ {
				p.logit[k] = float64(logits[(i*ch+k)*hw+pix])
			}
			for c := 0; c < op.C; c++ {
				p.x[c] = float64(x[(i*op.C+c)*hw+pix])
			}
			f(p, i*hw+pix, gbuf)
			if after != nil {
				after(i, pix)
			}
		}
	}
}
