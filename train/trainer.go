package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
)

// Trainer owns a model's parameters, EMA copy and optimizer, and runs
// training and evaluation steps on a backend.
type Trainer struct {
	H     *configs.Hparams
	Model *graph.Model
	be    runtime.Backend

	// Names lists the parameters in declaration order.
	Names []string
	// trained lists the parameters that receive a gradient.
	trained []string
	Params  map[string][]float32
	EMA     map[string][]float32
	Grads   map[string][]float32
	Opt     *Optimizer

	// Step is the number of global steps taken (applied or skipped). The
	// schedules (learning rate, KL beta, gamma) are driven by the number of
	// applied updates instead, so that a skipped step changes nothing.
	Step int
	// Skips counts skipped updates; SkipRun counts the current streak.
	Skips, SkipRun int

	// Noise draws the posterior noise of training steps.
	Noise *rand.PCG

	train     *runtime.Program
	evalProgs map[int]*runtime.Program
	// gen and genModel sample from the prior for TensorBoard.
	gen       *runtime.Program
	genModel  *graph.Model
	x         []float32
	eps       [][]float32
	gammaNorm []float32
	scales    []float32
	gammaOn   []float32
	gradList  [][]float32
	gradNames []string // the training program's gradient outputs, in trained order
	feedGen   int
	bound     map[*runtime.Program]bindKey
	// noiseRand draws from noiseSrc (Noise when it was made), so that a
	// step does not allocate a rand.Rand.
	noiseRand *rand.Rand
	noiseSrc  *rand.PCG
}

// StepStats are the figures of one training or evaluation batch.
type StepStats struct {
	Step     int
	Loss     float64
	Recon    float64   // reconstruction NLL, nats per image
	KL       float64   // KL, nats per image
	GroupKL  []float64 // per-group KL, nats per image
	GradNorm float64
	LR       float64
	Beta     float64
	Skipped  bool
	// NonFinite is set when the loss or a gradient was NaN or infinite.
	NonFinite bool
}

// NELBO is Recon + KL in nats per image.
func (s StepStats) NELBO() float64 { return s.Recon + s.KL }

// NewTrainer builds the model and its training program and initialises the
// parameters from the run seed.
func NewTrainer(h *configs.Hparams, be runtime.Backend) (*Trainer, error) {
	m, err := graph.BuildModel(h, true)
	if err != nil {
		return nil, err
	}
	t := &Trainer{H: h, Model: m, be: be, Params: graph.InitParams(m.Graph, uint64(h.Run.Seed)),
		EMA: map[string][]float32{}, Grads: map[string][]float32{}, evalProgs: map[int]*runtime.Program{},
		bound: map[*runtime.Program]bindKey{}}
	sizes := map[string]int{}
	decayed := map[string]bool{}
	outs := map[string]*graph.Value{graph.OutLoss: m.Graph.Outputs[graph.OutLoss],
		graph.OutRecon: m.Graph.Outputs[graph.OutRecon], graph.OutKL: m.Graph.Outputs[graph.OutKL]}
	for _, p := range m.Graph.Params {
		t.Names = append(t.Names, p.Name)
		t.EMA[p.Name] = append([]float32(nil), t.Params[p.Name]...)
		sizes[p.Name] = p.Shape.Size()
		decayed[p.Name] = p.Decay
		if g := m.Grads[p.Name]; g != nil {
			// Parameters the loss does not reach (the last bottom-up
			// pooling, whose output nothing reads) have no gradient and,
			// as in the reference, are never updated.
			outs["grad:"+p.Name] = g
			t.trained = append(t.trained, p.Name)
			t.gradNames = append(t.gradNames, "grad:"+p.Name)
		}
	}
	if t.Opt, err = NewOptimizer(h, sizes, decayed); err != nil {
		return nil, err
	}
	if t.train, err = runtime.Compile(m.Graph, be, h.Train.BatchSize, outs); err != nil {
		return nil, err
	}
	t.Noise = rand.NewPCG(uint64(h.Run.Seed), 0x6e6f697365)
	t.allocFeeds(h.Train.BatchSize)
	return t, nil
}

// TrainProgramBytes is the planned activation memory of one training step.
func (t *Trainer) TrainProgramBytes() int64 { return t.train.PeakBytes }

func (t *Trainer) allocFeeds(n int) {
	h := t.H
	t.x = make([]float32, n*h.Data.Channels*h.Data.TargetRes*h.Data.TargetRes)
	t.eps = make([][]float32, len(t.Model.Groups))
	t.gammaNorm = make([]float32, len(t.Model.Groups))
	for i, g := range t.Model.Groups {
		t.eps[i] = make([]float32, n*g.Variates*g.H*g.W)
		t.gammaNorm[i] = 1
		if h.Loss.ScaledGamma {
			t.gammaNorm[i] = float32(1 / float64(g.Variates*g.H*g.W))
		}
	}
	t.scales = make([]float32, 2)
	t.gammaOn = make([]float32, 1)
	t.feedGen++
}

// X is the input buffer the caller fills before TrainStep.
func (t *Trainer) X() []float32 { return t.x }

// bind feeds the program its inputs for batch size n. The per-step scalars
// live in buffers the program already reads, so the buffers themselves are
// bound again only when the feed buffers were reallocated or other weights
// (EMA instead of raw) are used: no map is built on the training hot path.
func (t *Trainer) bind(p *runtime.Program, params map[string][]float32, n int, step int) error {
	beta := KLBeta(&t.H.Loss, step)
	nd := float64(n * t.Model.Dims)
	t.scales[0], t.scales[1] = float32(1/nd), float32(beta/nd)
	t.gammaOn[0] = 0
	if GammaOn(&t.H.Loss, step) {
		t.gammaOn[0] = 1
	}
	key := bindKey{gen: t.feedGen, weights: &params[t.Names[0]][0]}
	if t.bound[p] == key {
		return nil
	}
	feeds := map[string][]float32{graph.InX: t.x[:n*t.imageSize()],
		graph.InLossScales: t.scales, graph.InGammaOn: t.gammaOn, graph.InGammaNorm: t.gammaNorm}
	for i := range t.eps {
		feeds[graph.EpsName(i)] = t.epsFor(i, n)
	}
	for name, d := range params {
		feeds[name] = d
	}
	for name, d := range feeds {
		if err := p.Bind(name, d); err != nil {
			return err
		}
	}
	t.bound[p] = key
	return nil
}

// bindKey identifies what a program's buffers are bound to: a generation
// of the feed buffers and the weight set (by its first tensor).
type bindKey struct {
	gen     int
	weights *float32
}

// imageSize is the number of values of one input image.
func (t *Trainer) imageSize() int {
	h := t.H
	return h.Data.Channels * h.Data.TargetRes * h.Data.TargetRes
}

// capacity is the batch size the feed buffers were allocated for.
func (t *Trainer) capacity() int { return len(t.x) / t.imageSize() }

// epsFor is the noise buffer of group i for a batch of n.
func (t *Trainer) epsFor(i, n int) []float32 {
	g := t.Model.Groups[i]
	return t.eps[i][:n*g.Variates*g.H*g.W]
}

func fillNormal(r *rand.Rand, d []float32) {
	for i := range d {
		d[i] = float32(r.NormFloat64())
	}
}

// TrainStep runs one global step on the batch in X: forward, backward, the
// gradient checks, and (unless skipped) the update and the EMA.
func (t *Trainer) TrainStep() (StepStats, error) {
	t.Step++
	step := t.Opt.Count + 1 // the schedules' step
	if t.noiseSrc != t.Noise {
		t.noiseRand, t.noiseSrc = rand.New(t.Noise), t.Noise
	}
	r := t.noiseRand
	n := t.H.Train.BatchSize
	for i := range t.eps {
		fillNormal(r, t.epsFor(i, n))
	}
	if err := t.bind(t.train, t.Params, n, step); err != nil {
		return StepStats{}, err
	}
	if err := t.train.Run(); err != nil {
		return StepStats{}, err
	}
	st := t.collect(t.train, n)
	st.Step, st.Beta = t.Step, KLBeta(&t.H.Loss, step)
	st.LR = LearningRate(&t.H.Optimizer, step)

	t.gradList = t.gradList[:0]
	for _, name := range t.gradNames {
		t.gradList = append(t.gradList, t.train.Output(name))
	}
	st.GradNorm = t.globalNorm(t.gradList)
	o := &t.H.Optimizer
	st.NonFinite = !finite(st.Loss) || !finite(st.GradNorm)
	st.Skipped = st.NonFinite || (o.GradientSkip && st.GradNorm >= o.GradientSkipThreshold)
	if st.Skipped {
		t.Skips++
		t.SkipRun++
		return st, nil
	}
	t.SkipRun = 0
	clip := 1.0
	if o.ClipGradientNorm && st.GradNorm > o.GradientClipNormValue {
		clip = o.GradientClipNormValue / (st.GradNorm + 1e-6)
	}
	t.Opt.Count++
	for i, name := range t.trained {
		g := t.gradList[i]
		if clip != 1 {
			for j := range g {
				g[j] *= float32(clip)
			}
		}
		t.update(name, g, st.LR)
	}
	return st, nil
}

// globalNorm is GlobalNorm, through the backend's kernel when it has one.
func (t *Trainer) globalNorm(grads [][]float32) float64 {
	up, ok := t.be.(runtime.Updater)
	if !ok {
		return GlobalNorm(grads)
	}
	s := 0.0
	for _, g := range grads {
		s += up.SumSquares(g)
	}
	return math.Sqrt(s)
}

// update applies the optimizer step and the EMA to one parameter. With
// Adamax on a backend that has the fused kernel it gives the same bits as
// Optimizer.Update followed by UpdateEMA, in one pass over memory.
func (t *Trainer) update(name string, g []float32, lr float64) {
	p, ema := t.Params[name], t.EMA[name]
	if up, ok := t.be.(runtime.Updater); ok && t.Opt.kind == "adamax" {
		up.AdamaxEMA(p, g, t.Opt.M[name], t.Opt.V[name], ema, t.Opt.adamaxConsts(name, lr,
			t.H.Train.EmaDecay))
		return
	}
	t.Opt.Update(name, p, g, lr)
	UpdateEMA(ema, p, t.H.Train.EmaDecay)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// collect reads the loss outputs of a run of batch size n.
func (t *Trainer) collect(p *runtime.Program, n int) StepStats {
	L := len(t.Model.Groups)
	st := StepStats{Loss: float64(p.Output(graph.OutLoss)[0]), GroupKL: make([]float64, L)}
	for _, v := range p.Output(graph.OutRecon)[:n] {
		st.Recon += float64(v)
	}
	kl := p.Output(graph.OutKL)
	for i := 0; i < n; i++ {
		for g := 0; g < L; g++ {
			st.GroupKL[g] += float64(kl[i*L+g])
		}
	}
	st.Recon /= float64(n)
	for g := range st.GroupKL {
		st.GroupKL[g] /= float64(n)
		st.KL += st.GroupKL[g]
	}
	return st
}

// EvalBatch evaluates the first n images of X with the given weights,
// without updating anything. The images are number first, first+1, ... of
// the evaluated set; their posterior noise comes from noise.
func (t *Trainer) EvalBatch(params map[string][]float32, n, first int, noise Noise) (StepStats, error) {
	p := t.evalProgs[n]
	if p == nil {
		outs := map[string]*graph.Value{}
		for _, name := range []string{graph.OutLoss, graph.OutRecon, graph.OutKL, graph.OutLogits} {
			outs[name] = t.Model.Graph.Outputs[name]
		}
		var err error
		if p, err = runtime.Compile(t.Model.Graph, t.be, n, outs); err != nil {
			return StepStats{}, err
		}
		t.evalProgs[n] = p
	}
	sizes := make([]int, len(t.Model.Groups))
	for i, g := range t.Model.Groups {
		sizes[i] = g.Variates * g.H * g.W
	}
	noise.FillNormal(t.eps, sizes, first, n)
	if err := t.bind(p, params, n, t.Opt.Count+1); err != nil {
		return StepStats{}, err
	}
	if err := p.Run(); err != nil {
		return StepStats{}, err
	}
	st := t.collect(p, n)
	st.Step = t.Step
	return st, nil
}

// EnsureEvalCapacity grows the feed buffers so evaluation batches of n fit.
func (t *Trainer) EnsureEvalCapacity(n int) {
	if t.capacity() < n {
		t.allocFeeds(n)
	}
}

// String summarises the model size.
func (t *Trainer) String() string {
	return fmt.Sprintf("%d parameters in %d tensors, %d latent groups",
		t.Model.Graph.NumParams(), len(t.Names), len(t.Model.Groups))
}

// TrainProgram is the compiled training step, for benchmarks and profiles
// (its Profile field); callers must not bind or run it themselves.
func (t *Trainer) TrainProgram() *runtime.Program { return t.train }
