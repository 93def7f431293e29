package runtime

// Updater is implemented by backends that run the trainer's per-parameter
// loops (the gradient norm, the optimizer step and the EMA) in optimized
// kernels. The trainer's own Go loops define the results: AdamaxEMA must
// give the same bits as they do, SumSquares the same sum up to float64
// rounding (it may add in another order). Backends without it leave the
// trainer on its Go loops.
type Updater interface {
	// SumSquares returns the sum of x[i]^2, accumulated in float64.
	SumSquares(x []float32) float64
	// AdamaxEMA applies one Adamax step with decoupled weight decay to p
	// from the gradient g, updating the moments m and v, then moves ema
	// towards the new p; see AdamaxConsts for the formula.
	AdamaxEMA(p, g, m, v, ema []float32, c AdamaxConsts)
}

// AdamaxConsts are the constants of one AdamaxEMA step. Per element, in
// float64, storing each result as float32:
//
//	m = Beta1 m + (1 - Beta1) g
//	v = max(Beta2 v, |g| + Eps)
//	u = m / BiasCorrection1 / v + Decay p
//	p = p - LR u
//	ema = EMADecay ema + (1 - EMADecay) p
type AdamaxConsts struct {
	Beta1, Beta2, Eps float64
	// BiasCorrection1 is 1 - Beta1^t for update number t.
	BiasCorrection1 float64
	LR, Decay       float64
	EMADecay        float64
}
