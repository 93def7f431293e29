package cpu

/*
#cgo noescape vd_fused
#cgo nocallback vd_fused
#include <elem.h>
*/
import "C"

import (
	"fmt"

	"vdvae/graph"
	"vdvae/runtime"
)

var _ runtime.Fuser = Backend{}

// Fusible implements runtime.Fuser: every Unary, UnaryGrad and Binary (on
// operands of one shape) has a block kernel.
func (Backend) Fusible(op graph.Op) bool {
	switch op.(type) {
	case graph.Unary, graph.UnaryGrad, graph.Binary:
		return true
	}
	return false
}

// Fused implements runtime.Fuser: vd_fused runs the group block by block,
// each operation through the same C kernel an unfused node uses, and the
// blocks are split between workers.
func (Backend) Fused(ops []runtime.FusedOp, inputs, size int) (runtime.Kernel, error) {
	if len(ops) > C.VD_FUSED_MAX_OPS || inputs > C.VD_FUSED_MAX_INS {
		return nil, fmt.Errorf("cpu: fused group of %d ops and %d inputs is too large", len(ops), inputs)
	}
	k := &fusedKernel{ops: make([]C.vd_fop, len(ops)), nin: inputs}
	for i, o := range ops {
		f := C.vd_fop{a: C.int(o.Args[0]), b: C.int(o.Args[len(o.Args)-1])}
		switch op := o.Op.(type) {
		case graph.Unary:
			f.kind, f.fn, f.alpha = 0, C.int(op.Fn), C.float(op.Alpha)
		case graph.UnaryGrad:
			f.kind, f.fn, f.alpha = 1, C.int(op.Fn), C.float(op.Alpha)
		case graph.Binary:
			f.kind, f.fn = 2, C.int(op.Fn)
		default:
			return nil, fmt.Errorf("cpu: %v cannot be fused", o.Op.Kind())
		}
		k.ops[i] = f
	}
	k.runParts = k.part
	return func(a [][]float32, y []float32) {
		k.in, k.y = a, y
		splitAligned(size, parallelMin, 256, k.runParts)
		k.in, k.y = nil, nil
	}, nil
}

type fusedKernel struct {
	ops      []C.vd_fop
	nin      int
	in       [][]float32
	y        []float32
	runParts func(lo, hi int)
}

func (k *fusedKernel) part(lo, hi int) {
	if hi <= lo {
		return
	}
	var p [C.VD_FUSED_MAX_INS]*C.float
	for i := 0; i < k.nin; i++ {
		p[i] = fptr(k.in[i])
	}
	C.vd_fused(&k.ops[0], C.int(len(k.ops)), C.int(k.nin), p[0], p[1], p[2], p[3], p[4], p[5],
		p[6], p[7], fptr(k.y), C.int64_t(lo), C.int64_t(hi))
}
