package graph

// convInit says how a convolution's parameters start.
type convInit struct {
	torchDefault bool    // PyTorch's nn.Conv2d default instead of Xavier/zeros
	scale        float64 // multiplies the initial weights; 0 means 1
	zeroScale    bool    // scale is really 0 (weights start at zero)
}

// conv declares name.weight and name.bias and applies a "same" convolution.
func (b *modelBuilder) conv(name string, x *Value, out int, kernel, stride [2]int, ci convInit) *Value {
	in := x.Shape[1]
	fanIn := in * kernel[0] * kernel[1]
	fanOut := out * kernel[0] * kernel[1]
	wp := Param{Init: InitXavierUniform, FanIn: fanIn, FanOut: fanOut, Scale: ci.scale}
	bp := Param{Init: InitZeros, FanIn: fanIn}
	if ci.torchDefault {
		wp.Init, bp.Init = InitTorchDefault, InitTorchDefault
	}
	if ci.zeroScale {
		wp.Init = InitZeros
	}
	b.Push(name)
	w := b.Param("weight", Shape{out, in, kernel[0], kernel[1]}, b.decay(wp))
	bias := b.Param("bias", Shape{out}, bp)
	before, after := SamePadding(kernel, stride)
	y := b.Conv2D(x, w, bias, Conv2D{Kernel: kernel, Stride: stride, PadBefore: before, PadAfter: after})
	b.Pop()
	return y
}

// decay marks whether L2 weight decay applies, following the reference's
// mask: not for biases, the input and output convolutions, the learned
// initial state, or any projection.
func (b *modelBuilder) decay(p Param) Param {
	path := b.Path()
	p.Decay = !(containsAny(path, "input_conv", "output_conv", "projection"))
	return p
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

func square(k int) [2]int { return [2]int{k, k} }

// cellSpec configures one residual bottleneck cell.
type cellSpec struct {
	nLayers     int
	ratio       float64 // bottleneck ratio
	outRatio    float64
	kernel      int
	initScale   float64 // scales the last convolution
	residual    bool
	use1x1      bool
	zeroLastOut bool
}

// cell is the residual bottleneck: SiLU, conv in->mid, n x (SiLU, conv
// mid->mid), SiLU, conv mid->out, plus the input when residual. Convolutions
// are named convs.1, convs.3, ... after their place in the reference's
// Sequential.
func (b *modelBuilder) cell(x *Value, s cellSpec) *Value {
	in := x.Shape[1]
	mid := int(float64(in) * s.ratio)
	out := int(float64(in) * s.outRatio)
	if mid < 1 || out < 1 {
		b.Fail("cell of width %d with bottleneck ratio %g and output ratio %g has no channels", in, s.ratio, s.outRatio)
		return x
	}
	edge := square(s.kernel)
	if s.use1x1 {
		edge = square(1)
	}
	one := [2]int{1, 1}
	b.Push("convs")
	y := b.conv("1", b.Unary(FnSiLU, 0, x), mid, edge, one, convInit{torchDefault: true})
	idx := 3
	for i := 0; i < s.nLayers; i++ {
		y = b.conv(itoa(idx), b.Unary(FnSiLU, 0, y), mid, square(s.kernel), one, convInit{})
		idx += 2
	}
	y = b.conv(itoa(idx), b.Unary(FnSiLU, 0, y), out, edge, one,
		convInit{scale: s.initScale, zeroScale: s.zeroLastOut})
	b.Pop()
	if s.residual {
		if out != in {
			b.Fail("residual cell maps %d channels to %d", in, out)
			return x
		}
		y = b.Add(x, y)
	}
	return y
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// residualStack applies n residual cells named residual_block.0..n-1.
func (b *modelBuilder) residualStack(x *Value, n, nLayers, kernel int, ratio float64) *Value {
	scale := 1.0
	if b.h.Model.StableInit {
		scale = b.stableScale
	}
	b.Push("residual_block")
	for j := 0; j < n; j++ {
		b.Push(itoa(j))
		x = b.cell(x, cellSpec{
			nLayers: nLayers, ratio: ratio, outRatio: 1, kernel: kernel,
			initScale: scale, residual: true, use1x1: b.h.Model.Use1x1Conv,
		})
		b.Pop()
	}
	b.Pop()
	return x
}

// upBlock is one bottom-up block: residual cells, then an optional skip
// projection and, when stride > 1, a strided pooling convolution.
func (b *modelBuilder) upBlock(x *Value, i, stride int, useSkip bool) (*Value, *Value) {
	mh := &b.h.Model
	x = b.residualStack(x, mh.UpNBlocks[i], mh.UpNLayers[i], mh.UpKernelSize[i], mh.UpMidFiltersRatio[i])
	skip := x
	if useSkip {
		skip = b.conv("skip_projection", x, mh.UpSkipFilters[i], square(1), square(1), convInit{})
	}
	if stride > 1 {
		b.Push("pool.ops")
		x = b.conv("0", x, mh.UpFilters[i], square(stride), square(stride), convInit{})
		x = b.Unary(FnLeakyReLU, 0.1, x)
		b.Pop()
	}
	return x, skip
}

// bottomUp runs the encoder and returns the skips, deepest first.
func (b *modelBuilder) bottomUp(x *Value) []*Value {
	mh := &b.h.Model
	x = b.conv("input_conv", x, mh.InputConvFilters, mh.InputKernelSize, square(1), convInit{})
	var skips []*Value
	for i, stride := range mh.UpStrides {
		for j := 0; j < mh.UpNBlocksPerRes[i]; j++ {
			b.Pushf("levels_up.%d.%d", i, j)
			x, _ = b.upBlock(x, i, 1, false)
			b.Pop()
		}
		b.Pushf("levels_up_downsample.%d", i)
		var skip *Value
		x, skip = b.upBlock(x, i, stride, true)
		b.Pop()
		skips = append(skips, skip)
	}
	for l, r := 0, len(skips)-1; l < r; l, r = l+1, r-1 {
		skips[l], skips[r] = skips[r], skips[l]
	}
	return skips
}

// topDown runs the decoder over the skips and returns the output logits and
// each group's per-image KL, (N,1,1,1) each.
func (b *modelBuilder) topDown(skips []*Value) (*Value, []*Value) {
	mh := &b.h.Model
	res := b.h.Data.TargetRes
	for _, s := range mh.DownStrides {
		res /= s
	}
	c0 := mh.DownFilters[0]
	h0 := b.Param("trainable_h", Shape{1, c0, res, res},
		Param{Init: InitKaimingLinear, FanIn: c0 * res * res})
	y := b.BroadcastTo(h0, Shape{Batch, c0, res, res})

	var kls []*Value
	for i, stride := range mh.DownStrides {
		var skip *Value // nil in the generator and decoder
		if skips != nil {
			skip = skips[i]
		}
		b.Pushf("levels_down_upsample.%d", i)
		var kl *Value
		y, kl = b.downBlock(y, skip, i, stride)
		kls = append(kls, kl)
		b.Pop()
		for j := 0; j < mh.DownNBlocksPerRes[i]; j++ {
			b.Pushf("levels_down.%d.%d", i, j)
			y, kl = b.downBlock(y, skip, i, 1)
			kls = append(kls, kl)
			b.Pop()
		}
	}
	outC := 1
	if !b.h.Data.IsBinarized() {
		outC = mh.NumOutputMixtures * (3*b.h.Data.Channels + 1)
	}
	logits := b.conv("output_conv", y, outC, mh.OutputKernelSize, square(1), convInit{})
	return logits, kls
}

// downBlock is one top-down block; it returns the new state and the
// per-image KL of its latent group.
func (b *modelBuilder) downBlock(y, skip *Value, i, stride int) (*Value, *Value) {
	mh := &b.h.Model
	filters := mh.DownFilters[i]
	if stride > 1 {
		b.Push("unpool")
		scaleBias := b.Param("scale_bias", Shape{1, filters, y.Shape[2] * stride, y.Shape[3] * stride},
			Param{Init: InitZeros})
		b.Push("ops")
		y = b.conv("0", y, filters, square(1), square(1), convInit{})
		b.Pop()
		y = b.Upsample(b.Unary(FnLeakyReLU, 0.1, y), square(stride))
		y = b.Add(y, scaleBias)
		b.Pop()
	}
	in := y.Shape[1]
	nl, k, ratio := mh.DownNLayers[i], mh.DownKernelSize[i], mh.DownMidFiltersRatio[i]

	// Prior: a non-residual cell of output ratio 2, split in halves.
	b.Push("prior_net.0")
	pr := b.cell(y, cellSpec{nLayers: nl, ratio: ratio, outRatio: 2, kernel: k, initScale: 1,
		use1x1: mh.Use1x1Conv, zeroLastOut: mh.InitializePriorWeightsAsZero})
	b.Pop()
	klResidual := b.SliceAxis(pr, 1, 0, in)
	priorIn := b.SliceAxis(pr, 1, in, pr.Shape[1])

	// Posterior (not in the generator or decoder): a non-residual cell on
	// concat(y, skip). Built before the latent layers to keep the
	// reference's parameter order.
	var po *Value
	if skip != nil {
		b.Push("posterior_net.0")
		po = b.cell(b.Concat(1, y, skip), cellSpec{nLayers: nl, ratio: ratio * 0.5, outRatio: 0.5,
			kernel: k, initScale: 1, use1x1: mh.Use1x1Conv})
		b.Pop()
	}
	variates := mh.DownLatentVariates[i]
	pMean, pStd := b.latentLayer("prior_layer", priorIn, variates)
	group := len(b.m.Groups)
	b.m.Groups = append(b.m.Groups, LatentGroup{Path: b.Path(), Level: i, Variates: variates,
		H: y.Shape[2], W: y.Shape[3]})
	noise := Shape{Batch, variates, y.Shape[2], y.Shape[3]}
	eps := b.Input(EpsName(group), noise)

	var z, kl *Value
	switch b.opt.Mode {
	case ModeGenerate:
		// Prior sample with the std scaled by the group's temperature.
		t := b.SliceAxis(b.temps, 1, group, group+1)
		z = b.Add(pMean, b.Mul(b.Mul(pStd, t), eps))
	case ModeDecode:
		qMean, qStd := b.Input(PostMeanName(group), noise), b.Input(PostStdName(group), noise)
		z = b.maskLatent(b.Add(qMean, b.Mul(qStd, eps)), pMean, pStd, group, noise)
	default:
		qMean, qStd := b.latentLayer("posterior_layer", po, variates)
		if mh.UseResidualDistribution {
			qMean, qStd = b.Add(qMean, pMean), b.Mul(qStd, pStd)
		}
		z = b.Add(qMean, b.Mul(qStd, eps))
		klElems := b.GaussianKL(qMean, qStd, pMean, pStd)
		kl = b.SumAll(klElems, true)
		if b.opt.Mode == ModeEval {
			b.Output(PostMeanName(group), qMean)
			b.Output(PostStdName(group), qStd)
			perVariate := b.ReduceSumTo(klElems, Shape{Batch, variates, 1, 1})
			b.Output(KLVariatesName(group),
				b.Unary(FnScale, 1/float64(y.Shape[2]*y.Shape[3]), perVariate))
			if b.opt.Masked {
				z = b.maskLatent(z, pMean, pStd, group, noise)
			}
		}
	}

	y = b.Add(y, klResidual)
	zp := b.conv("z_projection", z, filters, square(1), square(1), convInit{scale: b.stableScale})
	y = b.Add(y, zp)
	y = b.residualStack(y, mh.DownNBlocks[i], nl, k, ratio)
	return y, kl
}

// maskLatent keeps the variates of zq where group's mask is 1 and takes a
// prior sample (mean + std * prior noise) where it is 0, as the reference
// prunes variates at inference.
func (b *modelBuilder) maskLatent(zq, pMean, pStd *Value, group int, noise Shape) *Value {
	mask := b.Input(MaskName(group), Shape{1, noise[1], 1, 1})
	zp := b.Add(pMean, b.Mul(pStd, b.Input(PriorEpsName(group), noise)))
	keep := b.Mul(mask, zq)
	drop := b.Mul(b.Unary(FnAddConst, 1, b.Unary(FnScale, -1, mask)), zp)
	return b.Add(keep, drop)
}

// latentLayer projects x to 2*variates channels and returns mean and std.
func (b *modelBuilder) latentLayer(name string, x *Value, variates int) (*Value, *Value) {
	b.Push(name)
	p := b.conv("projection", x, 2*variates, square(1), square(1), convInit{})
	b.Pop()
	mean := b.SliceAxis(p, 1, 0, variates)
	raw := b.SliceAxis(p, 1, variates, 2*variates)
	beta := b.h.Model.GradientSmoothingBeta
	if parseBase(b.h.Model.DistributionBase) == BaseLogStd {
		return mean, b.Unary(FnExp, beta, raw)
	}
	return mean, b.Unary(FnSoftplus, beta, raw)
}
