package train

import (
	"fmt"
	"math"
	"strings"

	"vdvae/configs"
	"vdvae/runtime"
)

// Optimizer updates parameters from gradients. State holds two moment
// tensors per parameter (first moment, and second or infinity moment).
type Optimizer struct {
	kind   string
	o      configs.Optimizer
	decay  float64
	Count  int // number of applied updates
	M, V   map[string][]float32
	Masked map[string]bool // parameters that take weight decay
}

// NewOptimizer returns an optimizer for parameters of the given sizes.
// decayed lists the parameters that take L2 weight decay.
func NewOptimizer(h *configs.Hparams, sizes map[string]int, decayed map[string]bool) (*Optimizer, error) {
	kind := strings.ToLower(h.Optimizer.Type)
	switch kind {
	case "adamax", "adam", "radam":
	default:
		return nil, fmt.Errorf("train: optimizer.type %q is not one of Adamax, Adam, Radam", h.Optimizer.Type)
	}
	op := &Optimizer{kind: kind, o: h.Optimizer, M: map[string][]float32{}, V: map[string][]float32{},
		Masked: decayed}
	if h.Loss.UseWeightDecay {
		op.decay = h.Loss.L2Weight
	}
	for name, n := range sizes {
		op.M[name] = make([]float32, n)
		op.V[name] = make([]float32, n)
	}
	return op, nil
}

// Update applies one step with learning rate lr to param from grad.
// Count must already have been advanced for this step (see Begin).
//
// Adamax: m = b1 m + (1-b1) g; v = max(b2 v, |g| + eps);
// u = m / (1 - b1^t) / v. Adam: v = b2 v + (1-b2) g^2;
// u = m_hat / (sqrt(v_hat) + eps). RAdam: the rectified Adam update.
// Then decoupled weight decay u += l2 * p for the masked parameters, and
// p -= lr * u.
func (op *Optimizer) Update(name string, p, g []float32, lr float64) {
	m, v := op.M[name], op.V[name]
	b1, b2, eps := op.o.Beta1, op.o.Beta2, op.o.Epsilon
	t := float64(op.Count)
	bc1 := 1 - math.Pow(b1, t)
	bc2 := 1 - math.Pow(b2, t)
	wd := 0.0
	if op.Masked[name] {
		wd = op.decay
	}
	rect, useRect := 1.0, true
	if op.kind == "radam" {
		rhoInf := 2/(1-b2) - 1
		rho := rhoInf - 2*t*math.Pow(b2, t)/bc2
		if rho > 5 {
			rect = math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho))
		} else {
			useRect = false
		}
	}
	for i := range p {
		gi := float64(g[i])
		mi := b1*float64(m[i]) + (1-b1)*gi
		m[i] = float32(mi)
		var u float64
		switch op.kind {
		case "adamax":
			vi := math.Max(b2*float64(v[i]), math.Abs(gi)+eps)
			v[i] = float32(vi)
			u = mi / bc1 / vi
		default:
			vi := b2*float64(v[i]) + (1-b2)*gi*gi
			v[i] = float32(vi)
			if useRect {
				u = rect * (mi / bc1) / (math.Sqrt(vi/bc2) + eps)
			} else {
				u = mi / bc1
			}
		}
		u += wd * float64(p[i])
		p[i] = float32(float64(p[i]) - lr*u)
	}
}

// adamaxConsts are the constants of Update's Adamax step for one
// parameter, for a backend's fused kernel (runtime.Updater).
func (op *Optimizer) adamaxConsts(name string, lr, emaDecay float64) runtime.AdamaxConsts {
	wd := 0.0
	if op.Masked[name] {
		wd = op.decay
	}
	return runtime.AdamaxConsts{Beta1: op.o.Beta1, Beta2: op.o.Beta2, Eps: op.o.Epsilon,
		BiasCorrection1: 1 - math.Pow(op.o.Beta1, float64(op.Count)), LR: lr, Decay: wd,
		EMADecay: emaDecay}
}

// UpdateEMA moves ema towards p: ema = d * ema + (1 - d) * p.
func UpdateEMA(ema, p []float32, d float64) {
	for i := range ema {
		ema[i] = float32(d*float64(ema[i]) + (1-d)*float64(p[i]))
	}
}

// GlobalNorm is the L2 norm of all gradients together.
func GlobalNorm(grads [][]float32) float64 {
	s := 0.0
	for _, g := range grads {
		for _, v := range g {
			s += float64(v) * float64(v)
		}
	}
	return math.Sqrt(s)
}
