package cpu

import (
	"vdvae/graph"
	"vdvae/runtime"
)

// boxRuns describes a box inside a big tensor (a Slice of it, or where a Pad
// puts its input) as contiguous runs: the axes after the innermost one the
// box cuts are whole, so each run is one stretch of run elements in both
// tensors, starting at big[off[i]] and small[i*run].
type boxRuns struct {
	run int
	off []int
}

// newBoxRuns finds the runs of the box of shape small at begin in big.
func newBoxRuns(big, small graph.Shape, begin [5]int) boxRuns {
	r := len(big)
	cut := -1 // innermost axis where the box is narrower than big
	for d := r - 1; d >= 0; d-- {
		if small[d] != big[d] {
			cut = d
			break
		}
	}
	if cut < 0 {
		return boxRuns{run: big.Size(), off: []int{0}}
	}
	inner := 1
	for d := cut + 1; d < r; d++ {
		inner *= big[d]
	}
	bst := make([]int, r) // strides of big
	acc := 1
	for d := r - 1; d >= 0; d-- {
		bst[d] = acc
		acc *= big[d]
	}
	n := 1
	for d := 0; d < cut; d++ {
		n *= small[d]
	}
	br := boxRuns{run: small[cut] * inner, off: make([]int, n)}
	for i := range br.off {
		off, rem := begin[cut]*bst[cut], i
		for d := cut - 1; d >= 0; d-- {
			off += (rem%small[d] + begin[d]) * bst[d]
			rem /= small[d]
		}
		br.off[i] = off
	}
	return br
}

// sliceKernel copies the runs of the box out of x.
func sliceKernel(op graph.Slice, in, out graph.Shape) runtime.Kernel {
	br := newBoxRuns(in, out, op.Begin)
	return func(a [][]float32, y []float32) {
		x := a[0]
		for i, o := range br.off {
			copy(y[i*br.run:(i+1)*br.run], x[o:o+br.run])
		}
	}
}

// padKernel copies x into the runs of the box and zeroes the gaps between
// them (the runs are in increasing order).
func padKernel(op graph.Pad, in, out graph.Shape) runtime.Kernel {
	br := newBoxRuns(out, in, op.Begin)
	return func(a [][]float32, y []float32) {
		x := a[0]
		end := 0
		for i, o := range br.off {
			clear(y[end:o])
			copy(y[o:o+br.run], x[i*br.run:(i+1)*br.run])
			end = o + br.run
		}
		clear(y[end:])
	}
}
