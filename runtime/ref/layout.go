package ref

import (
	"vdvae/graph"
	"vdvae/runtime"
)

// outer and inner split a shape around an axis: outer is the product of the
// dimensions before it, inner of those after it.
func outerInner(s graph.Shape, axis int) (outer, inner int) {
	outer, inner = 1, 1
	for i := 0; i < axis; i++ {
		outer *= s[i]
	}
	for i := axis + 1; i < len(s); i++ {
		inner *= s[i]
	}
	return outer, inner
}

func concat(axis int, in []graph.Shape, out graph.Shape) runtime.Kernel {
	outer, inner := outerInner(out, axis)
	rowOut := out[axis] * inner
	return func(a [][]float32, y []float32) {
		off := 0
		for j, x := range a {
			row := in[j][axis] * inner
			for o := 0; o < outer; o++ {
				copy(y[o*rowOut+off:o*rowOut+off+row], x[o*row:(o+1)*row])
			}
			off += row
		}
	}
}

// boxCopy copies between a box inside big (starting at begin) and small.
// toSmall selects the direction.
func boxCopy(big, small graph.Shape, begin [5]int, toSmall bool) runtime.Kernel {
	r := len(big)
	bst := make([]int, r)
	acc := 1
	for i := r - 1; i >= 0; i-- {
		bst[i] = acc
		acc *= big[i]
	}
	base := 0
	for i := 0; i < r; i++ {
		base += begin[i] * bst[i]
	}
	last := small[r-1]
	rows := small.Size() / last
	idx := make([]int, r)
	return func(a [][]float32, y []float32) {
		x := a[0]
		if !toSmall {
			clear(y)
		}
		clear(idx)
		for row := 0; row < rows; row++ {
			off := base
			for d := 0; d < r-1; d++ {
				off += idx[d] * bst[d]
			}
			if toSmall {
				copy(y[row*last:(row+1)*last], x[off:off+last])
			} else {
				copy(y[off:off+last], x[row*last:(row+1)*last])
			}
			for d := r - 2; d >= 0; d-- {
				idx[d]++
				if idx[d] < small[d] {
					break
				}
				idx[d] = 0
			}
		}
	}
}

func slice(op graph.Slice, in, out graph.Shape) runtime.Kernel {
	return boxCopy(in, out, op.Begin, true)
}

func pad(op graph.Pad, in, out graph.Shape) runtime.Kernel {
	return boxCopy(out, in, op.Begin, false)
}

func upsample(f [2]int, in graph.Shape) runtime.Kernel {
	planes, h, w := in[0]*in[1], in[2], in[3]
	oh, ow := h*f[0], w*f[1]
	return func(a [][]float32, y []float32) {
		x := a[0]
		for p := 0; p < planes; p++ {
			for i := 0; i < oh; i++ {
				src := x[p*h*w+(i/f[0])*w:]
				dst := y[p*oh*ow+i*ow:]
				for j := 0; j < ow; j++ {
					dst[j] = src[j/f[1]]
				}
			}
		}
	}
}

func sumPool(f [2]int, out graph.Shape) runtime.Kernel {
	planes, oh, ow := out[0]*out[1], out[2], out[3]
	h, w := oh*f[0], ow*f[1]
	return func(a [][]float32, y []float32) {
		x := a[0]
		clear(y)
		for p := 0; p < planes; p++ {
			for i := 0; i < h; i++ {
				src := x[p*h*w+i*w:]
				dst := y[p*oh*ow+(i/f[0])*ow:]
				for j := 0; j < w; j++ {
					dst[j/f[1]] += src[j]
				}
			}
		}
	}
}

func biasGrad(dy graph.Shape) runtime.Kernel {
	n, k, hw := dy[0], dy[1], dy[2]*dy[3]
	return func(a [][]float32, y []float32) {
		g := a[0]
		for c := 0; c < k; c++ {
			s := 0.0
			for i := 0; i < n; i++ {
				for _, v := range g[(i*k+c)*hw : (i*k+c+1)*hw] {
					s += float64(v)
				}
			}
			y[c] = float32(s)
		}
	}
}
