package configs

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// The names each enumerated key accepts.
var (
	datasetSources = []string{"binarized_mnist", "fashion_mnist", "mnist", "cifar-10",
		"imagenet", "celebA", "celebAHQ", "ffhq", "custom"}
	optimizerTypes      = []string{"adamax", "adam", "radam"}
	learningRateSchemes = []string{"cosine", "constant", "exponential", "noam"}
	variationSchedules  = []string{"None", "Logistic", "Linear"}
	distributionBases   = []string{"std", "logstd"}
	synthesisModes      = []string{"reconstruction", "generation", "div_stats", "encoding"}
)

// runName is the form of a run name: it names the run's directory.
var runName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

// Validate checks that h describes a model the reference could build and a
// run it could execute, and reports every problem it finds, joined; each is a
// *FieldError (wrapping ErrInvalid) that names the field and the fix.
//
// Beyond ranges and names, it checks the architecture the way the reference's
// PyTorch modules need it: per-level lists of one length, down_strides equal
// to up_strides reversed, target_res divisible by the strides, widths that
// chain from level to level and skips as wide as the top-down level they feed
// (see checkWidths).
func (h *Hparams) Validate() error {
	p := &problems{}
	h.validateRun(p)
	h.validateData(p)
	h.validateModel(p)
	h.validateLoss(p)
	h.validateOptimizer(p)
	h.validateLoop(p)
	h.validateSynthesis(p)
	h.validateLimits(p)
	return p.err()
}

// Upper bounds that keep every size computation far from integer overflow;
// the largest reference preset stays well below each.
const (
	maxWidth   = 1 << 16 // channels of any layer, latent variates
	maxDepth   = 1 << 10 // blocks or layers of one level, levels
	maxRes     = 1 << 13 // target_res
	maxBatch   = 1 << 16 // any batch size
	maxKernel  = 1 << 6  // kernel sizes
	maxStrides = 1 << 8
)

// validateLimits refuses sizes so large that no machine could build them.
func (h *Hparams) validateLimits(p *problems) {
	m := &h.Model
	over := func(field string, v, limit int) {
		if v > limit {
			p.add(field, "is %d, above the limit of %d; no machine could build such a model", v, limit)
		}
	}
	overList := func(field string, vs []int, limit int) {
		for i, v := range vs {
			over(fmt.Sprintf("%s[%d]", field, i), v, limit)
		}
	}
	over("model.input_conv_filters", m.InputConvFilters, maxWidth)
	overList("model.up_filters", m.UpFilters, maxWidth)
	overList("model.up_skip_filters", m.UpSkipFilters, maxWidth)
	overList("model.down_filters", m.DownFilters, maxWidth)
	overList("model.down_latent_variates", m.DownLatentVariates, maxWidth)
	overList("model.up_n_blocks", m.UpNBlocks, maxDepth)
	overList("model.up_n_layers", m.UpNLayers, maxDepth)
	overList("model.up_n_blocks_per_res", m.UpNBlocksPerRes, maxDepth)
	overList("model.down_n_blocks", m.DownNBlocks, maxDepth)
	overList("model.down_n_layers", m.DownNLayers, maxDepth)
	overList("model.down_n_blocks_per_res", m.DownNBlocksPerRes, maxDepth)
	overList("model.up_kernel_size", m.UpKernelSize, maxKernel)
	overList("model.down_kernel_size", m.DownKernelSize, maxKernel)
	overList("model.up_strides", m.UpStrides, maxStrides)
	over("model.up_strides (levels)", len(m.UpStrides), maxDepth)
	over("model.num_output_mixtures", m.NumOutputMixtures, maxWidth)
	over("data.target_res", h.Data.TargetRes, maxRes)
	over("train.batch_size", h.Train.BatchSize, maxBatch)
	over("val.batch_size", h.Val.BatchSize, maxBatch)
	over("synthesis.batch_size", h.Synthesis.BatchSize, maxBatch)
}

// validateRun checks the run section.
func (h *Hparams) validateRun(p *problems) {
	r := &h.Run
	if !runName.MatchString(r.Name) {
		p.add("run.name", "%q cannot name a run directory; use letters, digits, '.', '_' and '-'",
			r.Name)
	}
	nonNegative(p, "run.num_gpus", r.NumGPUs)
	nonNegative(p, "run.num_cpus", r.NumCPUs)
	positive(p, "run.max_allowed_checkpoints", r.MaxAllowedCheckpoints)
}

// validateData checks the data section and the output it implies.
func (h *Hparams) validateData(p *problems) {
	d := &h.Data
	oneOf(p, "data.dataset_source", d.DatasetSource, datasetSources)
	positive(p, "data.target_res", d.TargetRes)
	positive(p, "data.channels", d.Channels)
	switch d.DatasetSource {
	case "binarized_mnist":
		if d.Channels != 1 {
			p.add("data.channels", "binarized MNIST has 1 channel, got %d; set it to 1", d.Channels)
		}
		if d.TargetRes != 32 {
			p.add("data.target_res", "binarized MNIST is 28x28 padded to 32x32, got %d; "+
				"set it to 32", d.TargetRes)
		}
		return // num_bits and the mixture do not apply
	case "mnist", "fashion_mnist":
		if d.Channels != 1 {
			p.add("data.channels", "%s is grayscale, got %d channels; set it to 1",
				d.DatasetSource, d.Channels)
		}
	default:
		if d.Channels > 0 && d.Channels != 1 && d.Channels != 3 {
			p.add("data.channels", "the mixture-of-logistics output links colours for 1 or 3 "+
				"channels, got %d", d.Channels)
		}
	}
	if !(d.NumBits >= 1 && d.NumBits <= 8) || d.NumBits != math.Trunc(d.NumBits) {
		p.add("data.num_bits", "%s bits per channel; use a whole number from 1 to 8",
			formatFloat(d.NumBits))
	}
	positive(p, "model.num_output_mixtures", h.Model.NumOutputMixtures)
}

// validateModel checks the model section: names, sizes, lists and widths.
func (h *Hparams) validateModel(p *problems) {
	m := &h.Model
	oneOf(p, "model.distribution_base", m.DistributionBase, distributionBases)
	oneOf(p, "model.output_distribution_base", m.OutputDistributionBase, distributionBases)
	positiveFloat(p, "model.gradient_smoothing_beta", m.GradientSmoothingBeta)
	positiveFloat(p, "model.output_gradient_smoothing_beta", m.OutputGradientSmoothingBeta)
	positive(p, "model.input_conv_filters", m.InputConvFilters)
	positiveAll(p, "model.input_kernel_size", m.InputKernelSize[:])
	positiveAll(p, "model.output_kernel_size", m.OutputKernelSize[:])
	upOK := m.validateUp(p)
	downOK := m.validateDown(p)
	if !upOK || !downOK {
		return // the cross-level checks below index the lists
	}
	if !slices.Equal(m.DownStrides, reversed(m.UpStrides)) {
		p.add("model.down_strides", "%s must be up_strides reversed, %s: top-down level i "+
			"takes the skip of bottom-up level n-1-i and must run at its resolution",
			formatInts(m.DownStrides), formatInts(reversed(m.UpStrides)))
		return
	}
	if prod := product(m.UpStrides); h.Data.TargetRes > 0 && h.Data.TargetRes%prod != 0 {
		p.add("data.target_res", "%d is not divisible by the product of up_strides, %d; "+
			"use a multiple of %d or change the strides", h.Data.TargetRes, prod, prod)
	}
	m.checkWidths(p)
}

// validateUp checks the bottom-up lists, reporting whether they all have one
// entry per level and positive sizes.
func (m *Model) validateUp(p *problems) bool {
	n := len(m.UpStrides)
	if n == 0 {
		p.add("model.up_strides", "is empty; give one stride per bottom-up level")
		return false
	}
	ok := sameLen(p, "up_strides", n, []listLen{
		{"up_n_blocks_per_res", len(m.UpNBlocksPerRes)},
		{"up_n_blocks", len(m.UpNBlocks)},
		{"up_n_layers", len(m.UpNLayers)},
		{"up_filters", len(m.UpFilters)},
		{"up_mid_filters_ratio", len(m.UpMidFiltersRatio)},
		{"up_kernel_size", len(m.UpKernelSize)},
		{"up_skip_filters", len(m.UpSkipFilters)},
	})
	ok = positiveAll(p, "model.up_strides", m.UpStrides) && ok
	nonNegativeAll(p, "model.up_n_blocks_per_res", m.UpNBlocksPerRes)
	nonNegativeAll(p, "model.up_n_blocks", m.UpNBlocks)
	nonNegativeAll(p, "model.up_n_layers", m.UpNLayers)
	ok = positiveAll(p, "model.up_filters", m.UpFilters) && ok
	ok = positiveFloats(p, "model.up_mid_filters_ratio", m.UpMidFiltersRatio) && ok
	positiveAll(p, "model.up_kernel_size", m.UpKernelSize)
	ok = positiveAll(p, "model.up_skip_filters", m.UpSkipFilters) && ok
	return ok && m.InputConvFilters > 0
}

// validateDown checks the top-down lists like validateUp.
func (m *Model) validateDown(p *problems) bool {
	n := len(m.DownStrides)
	if n == 0 {
		p.add("model.down_strides", "is empty; give one stride per top-down level")
		return false
	}
	ok := sameLen(p, "down_strides", n, []listLen{
		{"down_n_blocks_per_res", len(m.DownNBlocksPerRes)},
		{"down_n_blocks", len(m.DownNBlocks)},
		{"down_n_layers", len(m.DownNLayers)},
		{"down_filters", len(m.DownFilters)},
		{"down_mid_filters_ratio", len(m.DownMidFiltersRatio)},
		{"down_kernel_size", len(m.DownKernelSize)},
		{"down_latent_variates", len(m.DownLatentVariates)},
	})
	if len(m.UpStrides) > 0 && n != len(m.UpStrides) {
		p.add("model.down_strides", "has %d levels but up_strides has %d; the top-down "+
			"mirrors the bottom-up, one level per skip", n, len(m.UpStrides))
		ok = false
	}
	ok = positiveAll(p, "model.down_strides", m.DownStrides) && ok
	nonNegativeAll(p, "model.down_n_blocks_per_res", m.DownNBlocksPerRes)
	nonNegativeAll(p, "model.down_n_blocks", m.DownNBlocks)
	nonNegativeAll(p, "model.down_n_layers", m.DownNLayers)
	ok = positiveAll(p, "model.down_filters", m.DownFilters) && ok
	ok = positiveFloats(p, "model.down_mid_filters_ratio", m.DownMidFiltersRatio) && ok
	positiveAll(p, "model.down_kernel_size", m.DownKernelSize)
	positiveAll(p, "model.down_latent_variates", m.DownLatentVariates)
	return ok
}

// checkWidths checks the channel widths that the reference's PyTorch modules
// (model/layers.py, model/autoencoder.py) need to agree for the model to run.
// Lists have been checked to have one positive entry per level.
//
// Bottom-up level i runs on its input width, input_conv_filters for level 0
// and up_filters[i-1] after; with stride > 1 it pools to up_filters[i], with
// stride 1 it passes its input on unchanged, yet the next level is built for
// up_filters[i] channels. So a stride-1 level other than the last must have
// up_filters[i] equal to its input width (the last level's output is unused).
//
// Top-down level i starts at width down_filters[i-1] (down_filters[0] for the
// learned input); with stride > 1 the unpooling moves it to down_filters[i],
// with stride 1 it stays, and the projection of z adds down_filters[i]
// channels to it. So a stride-1 level must have down_filters[i] equal to its
// input width. Its posterior net maps concat(y, skip), w + s channels, to
// floor((w + s) / 2) channels and the posterior latent layer expects w: the
// skip width s reaching level i, up_skip_filters[n-1-i], must satisfy
// floor((w + s) / 2) == w, that is s == w (w + 1 also passes).
//
// Every bottleneck is floor(width * ratio) channels (the posterior's
// floor((w + s) * ratio / 2)), and must be at least 1. Bottom-up levels with
// up_n_blocks 0 have no cells, hence no bottleneck; every top-down level has
// its prior and posterior nets.
func (m *Model) checkWidths(p *problems) {
	n := len(m.UpStrides)
	in := m.InputConvFilters
	inName := "input_conv_filters"
	for i := range n {
		if m.UpStrides[i] == 1 && i < n-1 && m.UpFilters[i] != in {
			p.add(fmt.Sprintf("model.up_filters[%d]", i), "is %d but bottom-up level %d has "+
				"stride 1, so it passes on its input width %d (%s) unchanged; set it to %d",
				m.UpFilters[i], i, in, inName, in)
		}
		if m.UpNBlocks[i] > 0 { // a level without cells has no bottleneck
			field := fmt.Sprintf("model.up_mid_filters_ratio[%d]", i)
			midAtLeastOne(p, field, in, m.UpMidFiltersRatio[i])
		}
		in, inName = m.UpFilters[i], fmt.Sprintf("up_filters[%d]", i)
	}
	w, wName := m.DownFilters[0], "down_filters[0]"
	for i := range n {
		if m.DownStrides[i] > 1 {
			w, wName = m.DownFilters[i], fmt.Sprintf("down_filters[%d]", i)
		} else if m.DownFilters[i] != w {
			p.add(fmt.Sprintf("model.down_filters[%d]", i), "is %d but top-down level %d has "+
				"stride 1, so it keeps its input width %d (%s) and cannot add a %d-channel "+
				"latent projection to it; set it to %d", m.DownFilters[i], i, w, wName,
				m.DownFilters[i], w)
		}
		k := n - 1 - i
		if s := m.UpSkipFilters[k]; (w+s)/2 != w {
			p.add(fmt.Sprintf("model.up_skip_filters[%d]", k), "is %d but feeds top-down level "+
				"%d, which is %d channels wide; the posterior net maps skip and level together "+
				"back to the level's width only when they are equally wide: set it to %d",
				s, i, w, w)
		}
		r := m.DownMidFiltersRatio[i]
		midAtLeastOne(p, fmt.Sprintf("model.down_mid_filters_ratio[%d]", i), w, r)
		if mid := int(float64(w+m.UpSkipFilters[k]) * (r * 0.5)); mid < 1 {
			p.add(fmt.Sprintf("model.down_mid_filters_ratio[%d]", i), "gives the posterior net "+
				"floor((%d + %d) * %s / 2) = %d middle channels; raise it",
				w, m.UpSkipFilters[k], formatFloat(r), mid)
		}
	}
}

// midAtLeastOne checks that a cell of the given width keeps at least one
// middle channel with the given bottleneck ratio.
func midAtLeastOne(p *problems, field string, width int, ratio float64) {
	if mid := int(float64(width) * ratio); mid < 1 {
		p.add(field, "gives floor(%d * %s) = %d middle channels; raise it to at least 1/%d",
			width, formatFloat(ratio), mid, width)
	}
}

// validateLoss checks the loss and metrics sections.
func (h *Hparams) validateLoss(p *problems) {
	l := &h.Loss
	finite(p, "loss.min_mol_logscale", l.MinMolLogscale)
	oneOf(p, "loss.variation_schedule", l.VariationSchedule, variationSchedules)
	switch l.VariationSchedule {
	case "Linear":
		if !(l.VaeBetaAnnealStart+l.VaeBetaAnnealSteps > 0) || l.VaeBetaAnnealSteps < 0 {
			p.add("loss.vae_beta_anneal_steps", "the linear beta divides by "+
				"vae_beta_anneal_start + vae_beta_anneal_steps, got %s + %s; use steps > 0",
				formatFloat(l.VaeBetaAnnealStart), formatFloat(l.VaeBetaAnnealSteps))
		}
		if !(l.VaeBetaMin >= 0 && l.VaeBetaMin <= 1) {
			p.add("loss.vae_beta_min", "%s is not in [0, 1]", formatFloat(l.VaeBetaMin))
		}
	case "Logistic":
		positiveFloat(p, "loss.vae_beta_growth_rate", l.VaeBetaGrowthRate)
		finite(p, "loss.vae_beta_activation_steps", l.VaeBetaActivationSteps)
	}
	if l.UseGammaSchedule {
		nonNegative(p, "loss.gamma_max_steps", l.GammaMaxSteps)
	}
	if l.UseWeightDecay && !(l.L2Weight >= 0) {
		p.add("loss.l2_weight", "%s is negative; use a weight >= 0", formatFloat(l.L2Weight))
	}
	if !(h.Metrics.LatentActiveThreshold >= 0) {
		p.add("metrics.latent_active_threshold", "%s is negative; use a threshold >= 0",
			formatFloat(h.Metrics.LatentActiveThreshold))
	}
}

// validateOptimizer checks the optimizer and its learning-rate schedule.
func (h *Hparams) validateOptimizer(p *problems) {
	o := &h.Optimizer
	if o.Kind() == "" {
		p.add("optimizer.type", "unknown optimizer %q; use Adamax, Adam or RAdam", o.Type)
	}
	oneOf(p, "optimizer.learning_rate_scheme", o.LearningRateScheme, learningRateSchemes)
	positiveFloat(p, "optimizer.learning_rate", o.LearningRate)
	if o.LearningRateScheme != "cosine" && o.LearningRateScheme != "noam" {
		nonNegativeFloat(p, "optimizer.warmup_steps", o.WarmupSteps)
	}
	nonNegativeFloat(p, "optimizer.decay_start", o.DecayStart)
	nonNegativeFloat(p, "optimizer.min_learning_rate", o.MinLearningRate)
	if o.MinLearningRate > o.LearningRate &&
		(o.LearningRateScheme == "cosine" || o.LearningRateScheme == "exponential") {
		p.add("optimizer.min_learning_rate", "%s is above learning_rate %s; the decay would "+
			"raise the rate: use a minimum <= learning_rate", formatFloat(o.MinLearningRate),
			formatFloat(o.LearningRate))
	}
	switch o.LearningRateScheme {
	case "cosine":
		positiveFloat(p, "optimizer.decay_steps", o.DecaySteps)
		positiveFloat(p, "optimizer.warmup_steps", o.WarmupSteps)
		if o.WarmupSteps > o.DecayStart {
			p.add("optimizer.decay_start", "%s comes before the end of warmup (%s); the "+
				"cosine schedule needs warmup_steps <= decay_start",
				formatFloat(o.DecayStart), formatFloat(o.WarmupSteps))
		}
	case "exponential":
		positiveFloat(p, "optimizer.decay_steps", o.DecaySteps)
		if !(o.DecayRate > 0 && o.DecayRate <= 1) {
			p.add("optimizer.decay_rate", "%s is not in (0, 1]", formatFloat(o.DecayRate))
		}
	case "noam":
		positiveFloat(p, "optimizer.warmup_steps", o.WarmupSteps)
	}
	unitInterval(p, "optimizer.beta1", o.Beta1)
	unitInterval(p, "optimizer.beta2", o.Beta2)
	positiveFloat(p, "optimizer.epsilon", o.Epsilon)
	if o.ClipGradientNorm {
		positiveFloat(p, "optimizer.gradient_clip_norm_value", o.GradientClipNormValue)
	}
	if o.GradientSkip {
		positiveFloat(p, "optimizer.gradient_skip_threshold", o.GradientSkipThreshold)
	}
}

// validateLoop checks the init, train and val sections.
func (h *Hparams) validateLoop(p *problems) {
	positive(p, "init.batch_size", h.Init.BatchSize)
	t := &h.Train
	positive(p, "train.total_train_steps", t.TotalTrainSteps)
	positive(p, "train.batch_size", t.BatchSize)
	unitInterval(p, "train.ema_decay", t.EmaDecay)
	positive(p, "train.logging_interval_in_steps", t.LoggingIntervalInSteps)
	positive(p, "train.checkpoint_and_eval_interval_in_steps", t.CheckpointAndEvalIntervalInSteps)
	positive(p, "val.n_samples_for_validation", h.Val.NSamplesForValidation)
	positive(p, "val.batch_size", h.Val.BatchSize)
}

// validateSynthesis checks the inference settings.
func (h *Hparams) validateSynthesis(p *problems) {
	s := &h.Synthesis
	oneOf(p, "synthesis.synthesis_mode", s.SynthesisMode, synthesisModes)
	fraction(p, "synthesis.variate_masks_quantile", s.VariateMasksQuantile)
	fraction(p, "synthesis.div_stats_subset_ratio", s.DivStatsSubsetRatio)
	positive(p, "synthesis.n_generation_batches", s.NGenerationBatches)
	positiveFloat(p, "synthesis.output_temperature", s.OutputTemperature)
	positive(p, "synthesis.batch_size", s.BatchSize)
	levels := len(h.Model.DownStrides)
	for i, t := range s.TemperatureSettings {
		if msg := t.check(levels); msg != "" {
			p.add(fmt.Sprintf("synthesis.temperature_settings[%d]", i), "%s", msg)
		}
	}
}

// Kind returns the optimizer type in lower case, "adamax", "adam" or
// "radam", matching the reference's spellings (Adamax, Adam, RAdam, Radam)
// case-insensitively; it returns "" for an unknown type.
func (o *Optimizer) Kind() string {
	k := strings.ToLower(o.Type)
	if slices.Contains(optimizerTypes, k) {
		return k
	}
	return ""
}

// oneOf checks that v is one of names, exactly.
func oneOf(p *problems, field, v string, names []string) {
	if !slices.Contains(names, v) {
		p.add(field, "unknown value %q; use one of %s", v, strings.Join(names, ", "))
	}
}

// positive checks v > 0.
func positive(p *problems, field string, v int) {
	if v <= 0 {
		p.add(field, "is %d; use a value > 0", v)
	}
}

// nonNegative checks v >= 0.
func nonNegative(p *problems, field string, v int) {
	if v < 0 {
		p.add(field, "is %d; use a value >= 0", v)
	}
}

// positiveAll checks every entry of a per-level list, reporting whether all
// are positive.
func positiveAll(p *problems, field string, vs []int) bool {
	ok := true
	for i, v := range vs {
		if v <= 0 {
			p.add(fmt.Sprintf("%s[%d]", field, i), "is %d; use a value > 0", v)
			ok = false
		}
	}
	return ok
}

// nonNegativeAll checks every entry of a per-level list is >= 0.
func nonNegativeAll(p *problems, field string, vs []int) {
	for i, v := range vs {
		if v < 0 {
			p.add(fmt.Sprintf("%s[%d]", field, i), "is %d; use a value >= 0", v)
		}
	}
}

// positiveFloats checks every entry of a per-level list, reporting whether
// all are finite and > 0.
func positiveFloats(p *problems, field string, vs []float64) bool {
	ok := true
	for i, v := range vs {
		ok = positiveFloat(p, fmt.Sprintf("%s[%d]", field, i), v) && ok
	}
	return ok
}

// positiveFloat checks that v is finite and > 0, reporting whether it is.
func positiveFloat(p *problems, field string, v float64) bool {
	if !(v > 0) || math.IsInf(v, 1) {
		p.add(field, "is %s; use a finite value > 0", formatFloat(v))
		return false
	}
	return true
}

// nonNegativeFloat checks that v is finite and >= 0.
func nonNegativeFloat(p *problems, field string, v float64) {
	if !(v >= 0) || math.IsInf(v, 1) {
		p.add(field, "is %s; use a finite value >= 0", formatFloat(v))
	}
}

// finite checks that v is neither NaN nor infinite.
func finite(p *problems, field string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		p.add(field, "is %s; use a finite number", formatFloat(v))
	}
}

// unitInterval checks 0 <= v < 1 (decay rates and Adam betas).
func unitInterval(p *problems, field string, v float64) {
	if !(v >= 0 && v < 1) {
		p.add(field, "is %s; use a value in [0, 1)", formatFloat(v))
	}
}

// fraction checks 0 < v <= 1.
func fraction(p *problems, field string, v float64) {
	if !(v > 0 && v <= 1) {
		p.add(field, "is %s; use a value in (0, 1]", formatFloat(v))
	}
}

// listLen is the name and length of one per-level list.
type listLen struct {
	name string
	n    int
}

// sameLen checks that every list in lists has n entries, the length of the
// list named ref; it reports whether they all do.
func sameLen(p *problems, ref string, n int, lists []listLen) bool {
	ok := true
	for _, l := range lists {
		if l.n != n {
			p.add("model."+l.name, "has %d entries but %s has %d; give one entry per level",
				l.n, ref, n)
			ok = false
		}
	}
	return ok
}

// reversed returns a reversed copy of s.
func reversed(s []int) []int {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// maxProduct caps product, far above any image resolution.
const maxProduct = 1 << 30

// product multiplies positive strides, saturating at maxProduct.
func product(s []int) int {
	p := 1
	for _, v := range s {
		if p > maxProduct/v {
			return maxProduct
		}
		p *= v
	}
	return p
}

// formatInts writes a list of ints as a YAML flow list.
func formatInts(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
