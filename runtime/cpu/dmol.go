package cpu

/*
#cgo noescape vd_dmol
#cgo nocallback vd_dmol
#include <dmol.h>
*/
import "C"

import (
	"vdvae/graph"
	"vdvae/runtime"
)

// dmolKernel runs graph.DMoLNLL (g nil) or graph.DMoLGrad through vd_dmol,
// split by pixels between threads.
type dmolKernel struct {
	op        C.vd_dmol_op
	hw        int
	grad      bool
	l, x, g   []float32
	y         []float32
	runPixels func(lo, hi int)
}

// dmolPixelMin is the pixel count above which the mixture kernels split
// their work: a pixel costs hundreds of transcendental functions.
const dmolPixelMin = 256

// newDMoLKernel returns the kernel of op for logits of shape ls, or nil
// when the mixture is larger than the C kernel's fixed scratch.
func newDMoLKernel(op graph.DMoLNLL, ls graph.Shape, grad bool) runtime.Kernel {
	if op.M > C.VD_DMOL_MAX_M || op.C > 3 {
		return nil
	}
	k := &dmolKernel{hw: ls[2] * ls[3], grad: grad, op: C.vd_dmol_op{m: C.int(op.M), c: C.int(op.C),
		logstd: cBool(op.Base == graph.BaseLogStd), num_classes: C.double(op.NumClasses),
		min_pix: C.double(op.MinPix), max_pix: C.double(op.MaxPix), beta: C.double(op.Beta),
		min_log_scale: C.double(op.MinLogScale)}}
	k.runPixels = k.part
	pixels := ls[0] * k.hw
	return func(a [][]float32, y []float32) {
		k.l, k.x, k.y = a[0], a[1], y
		if grad {
			k.g = a[2]
		}
		splitAligned(pixels, dmolPixelMin, 16, k.runPixels)
		k.l, k.x, k.g, k.y = nil, nil, nil, nil
	}
}

func (k *dmolKernel) part(lo, hi int) {
	if hi <= lo {
		return
	}
	var g *C.float
	if k.grad {
		g = fptr(k.g)
	}
	C.vd_dmol(&k.op, fptr(k.l), fptr(k.x), g, fptr(k.y), C.int64_t(k.hw), C.int64_t(lo),
		C.int64_t(hi))
}
