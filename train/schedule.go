package train

import (
	"math"
	"strings"

	"vdvae/configs"
)

// LearningRate returns the learning rate used by the update of global step
// step (1-based). As in the reference, where the scheduler advances after
// each update, step s uses the schedule evaluated at e = s - 1, so the first
// update of a warmed-up schedule has rate 0.
//
// Schemes, with warmup w(e) = min(1, e / warmup_steps):
//   - constant: lr * w(e)
//   - cosine: lr * w(e) before decay_start; from decay_start on, the cosine
//     annealing of the reference's scheduler continued from the warmed-up
//     rate: min + (lr - min) * (1 + cos(pi e / T)) / (1 + cos(pi (s0-1) / T)),
//     T = decay_steps, s0 = decay_start, held at min once e >= T;
//   - exponential: lr * w(e) before decay_start, then
//     clamp(lr * rate^((e - decay_start) / decay_steps), min, lr);
//   - noam: lr * sqrt(warmup) * min(1/sqrt(e), e / warmup^1.5).
func LearningRate(o *configs.Optimizer, step int) float64 {
	e := float64(step - 1)
	if e < 0 {
		e = 0
	}
	warm := 1.0
	if o.WarmupSteps > 0 {
		warm = math.Min(1, e/o.WarmupSteps)
	}
	switch fold(o.LearningRateScheme, "constant", "cosine", "exponential", "noam") {
	case "constant":
		return o.LearningRate * warm
	case "cosine":
		if e < o.DecayStart {
			return o.LearningRate * warm
		}
		if e >= o.DecaySteps {
			return o.MinLearningRate
		}
		t := o.DecaySteps
		num := 1 + math.Cos(math.Pi*e/t)
		den := 1 + math.Cos(math.Pi*(o.DecayStart-1)/t)
		return o.MinLearningRate + (o.LearningRate-o.MinLearningRate)*num/den
	case "exponential":
		if e < o.DecayStart {
			return o.LearningRate * warm
		}
		lr := o.LearningRate * math.Pow(o.DecayRate, (e-o.DecayStart)/o.DecaySteps)
		return math.Min(math.Max(lr, o.MinLearningRate), o.LearningRate)
	case "noam":
		if e == 0 {
			return 0
		}
		w := math.Max(o.WarmupSteps, 1)
		return o.LearningRate * math.Sqrt(w) * math.Min(1/math.Sqrt(e), e*math.Pow(w, -1.5))
	}
	return o.LearningRate
}

// KLBeta returns the weight of the KL term at global step step:
//   - Linear: clamp((step - start) / (start + steps), beta_min, 1), as the
//     reference writes it;
//   - Logistic: 1 / (1 + exp(-rate (step - activation)));
//   - None: 1.
func KLBeta(l *configs.Loss, step int) float64 {
	s := float64(step)
	switch fold(l.VariationSchedule, "linear", "logistic") {
	case "linear":
		v := (s - l.VaeBetaAnnealStart) / (l.VaeBetaAnnealStart + l.VaeBetaAnnealSteps)
		return math.Min(math.Max(v, l.VaeBetaMin), 1)
	case "logistic":
		return 1 / (1 + math.Exp(-l.VaeBetaGrowthRate*(s-l.VaeBetaActivationSteps)))
	}
	return 1
}

// fold returns the name among names that s equals ignoring case, or s: a
// case-insensitive switch that, unlike strings.ToLower, allocates nothing
// on the training hot path.
func fold(s string, names ...string) string {
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return n
		}
	}
	return s
}

// GammaOn reports whether NVAE's gamma balancing weighs the KL groups at
// global step step.
func GammaOn(l *configs.Loss, step int) bool {
	return l.UseGammaSchedule && step <= l.GammaMaxSteps
}
