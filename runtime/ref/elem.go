package ref

import (
	"math"

	"vdvae/graph"
	"vdvae/runtime"
)

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1 + exp(x)), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	if x < -30 {
		return math.Exp(x)
	}
	return math.Log1p(math.Exp(x))
}

// unaryFunc returns the function of graph.Unary (see graph.UnaryFn).
func unaryFunc(fn graph.UnaryFn, alpha float64) func(float32) float32 {
	switch fn {
	case graph.FnSiLU:
		return func(x float32) float32 { return float32(float64(x) * sigmoid(float64(x))) }
	case graph.FnLeakyReLU:
		return func(x float32) float32 {
			if x >= 0 {
				return x
			}
			return float32(alpha) * x
		}
	case graph.FnSoftplus:
		return func(x float32) float32 { return float32(softplus(alpha*float64(x)) / alpha) }
	case graph.FnExp:
		return func(x float32) float32 { return float32(math.Exp(alpha * float64(x))) }
	case graph.FnLog:
		return func(x float32) float32 { return float32(math.Log(float64(x))) }
	case graph.FnTanh:
		return func(x float32) float32 { return float32(math.Tanh(float64(x))) }
	case graph.FnSigmoid:
		return func(x float32) float32 { return float32(sigmoid(float64(x))) }
	case graph.FnSquare:
		return func(x float32) float32 { return x * x }
	case graph.FnScale:
		return func(x float32) float32 { return float32(alpha) * x }
	case graph.FnAddConst:
		return func(x float32) float32 { return x + float32(alpha) }
	}
	panic("ref: unknown unary function " + fn.String())
}

// unaryDeriv returns f'(x) for graph.UnaryGrad.
func unaryDeriv(fn graph.UnaryFn, alpha float64) func(float32) float32 {
	switch fn {
	case graph.FnSiLU:
		return func(x float32) float32 {
			s := sigmoid(float64(x))
			return float32(s * (1 + float64(x)*(1-s)))
		}
	case graph.FnLeakyReLU:
		return func(x float32) float32 {
			if x >= 0 {
				return 1
			}
			return float32(alpha)
		}
	case graph.FnSoftplus:
		return func(x float32) float32 { return float32(sigmoid(alpha * float64(x))) }
	case graph.FnExp:
		return func(x float32) float32 { return float32(alpha * math.Exp(alpha*float64(x))) }
	case graph.FnLog:
		return func(x float32) float32 { return 1 / x }
	case graph.FnTanh:
		return func(x float32) float32 {
			t := math.Tanh(float64(x))
			return float32(1 - t*t)
		}
	case graph.FnSigmoid:
		return func(x float32) float32 {
			s := sigmoid(float64(x))
			return float32(s * (1 - s))
		}
	case graph.FnSquare:
		return func(x float32) float32 { return 2 * x }
	case graph.FnScale:
		return func(float32) float32 { return float32(alpha) }
	case graph.FnAddConst:
		return func(float32) float32 { return 1 }
	}
	panic("ref: unknown unary function " + fn.String())
}

// strides returns row-major strides, with 0 for broadcast (size-1) axes of
// a shape broadcast to out.
func bstrides(s, out graph.Shape) []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == 1 && out[i] != 1 {
			st[i] = 0
		} else {
			st[i] = acc
		}
		acc *= s[i]
	}
	return st
}

// forEach calls f(outIndex, aIndex, bIndex) over out with broadcasting.
func forEach(out graph.Shape, sa, sb []int, f func(o, ia, ib int)) {
	r := len(out)
	idx := make([]int, r)
	ia, ib := 0, 0
	n := out.Size()
	for o := 0; o < n; o++ {
		f(o, ia, ib)
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < out[d] {
				break
			}
			ia -= sa[d] * out[d]
			ib -= sb[d] * out[d]
			idx[d] = 0
		}
	}
}

func binary(fn graph.BinaryFn, a, b, out graph.Shape) runtime.Kernel {
	var f func(x, y float32) float32
	switch fn {
	case graph.FnAdd:
		f = func(x, y float32) float32 { return x + y }
	case graph.FnSub:
		f = func(x, y float32) float32 { return x - y }
	case graph.FnMul:
		f = func(x, y float32) float32 { return x * y }
	case graph.FnDiv:
		f = func(x, y float32) float32 { return x / y }
	}
	if a.Equal(out) && b.Equal(out) {
		return func(in [][]float32, y []float32) {
			x0, x1 := in[0], in[1]
			for i := range y {
				y[i] = f(x0[i], x1[i])
			}
		}
	}
	sa, sb := bstrides(a, out), bstrides(b, out)
	return func(in [][]float32, y []float32) {
		x0, x1 := in[0], in[1]
		forEach(out, sa, sb, func(o, ia, ib int) { y[o] = f(x0[ia], x1[ib]) })
	}
}

func broadcast(in, out graph.Shape) runtime.Kernel {
	sa := bstrides(in, out)
	zero := make([]int, len(out))
	return func(a [][]float32, y []float32) {
		x := a[0]
		forEach(out, sa, zero, func(o, ia, _ int) { y[o] = x[ia] })
	}
}

func reduceTo(in, out graph.Shape) runtime.Kernel {
	so := bstrides(out, in)
	zero := make([]int, len(in))
	acc := make([]float64, out.Size())
	return func(a [][]float32, y []float32) {
		x := a[0]
		clear(acc)
		forEach(in, zero, so, func(i, _, io int) { acc[io] += float64(x[i]) })
		for i := range y {
			y[i] = float32(acc[i])
		}
	}
}
