package cpu

/*
#cgo LDFLAGS: -lm
#cgo noescape vd_unary
#cgo nocallback vd_unary
#cgo noescape vd_unary_grad
#cgo nocallback vd_unary_grad
#cgo noescape vd_binary
#cgo nocallback vd_binary
#cgo noescape vd_binary_rows
#cgo nocallback vd_binary_rows
#cgo noescape vd_reduce
#cgo nocallback vd_reduce
#cgo noescape vd_broadcast
#cgo nocallback vd_broadcast
#cgo noescape vd_upsample
#cgo nocallback vd_upsample
#cgo noescape vd_sumpool
#cgo nocallback vd_sumpool
#include <elem.h>
*/
import "C"

import (
	"unsafe"

	"vdvae/graph"
	"vdvae/runtime"
)

// The kernels of this file keep their per-call arguments in a struct and
// hand split a method value made once when the kernel is built, so that a
// call allocates nothing. A kernel is run by one goroutine at a time (the
// runtime's contract), so the struct needs no lock.

func fptr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }

func iptr(s []int64) *C.int64_t { return (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(s))) }

type unaryKernel struct {
	fn       C.int
	alpha    C.float
	grad     bool
	x, g, y  []float32
	runParts func(lo, hi int)
}

func newUnaryKernel(fn graph.UnaryFn, alpha float64, grad bool) runtime.Kernel {
	k := &unaryKernel{fn: C.int(fn), alpha: C.float(alpha), grad: grad}
	k.runParts = k.part
	return func(a [][]float32, y []float32) {
		k.x, k.y = a[0][:len(y)], y
		if grad {
			k.g = a[1][:len(y)]
		}
		split(len(y), k.runParts)
		k.x, k.g, k.y = nil, nil, nil
	}
}

func (k *unaryKernel) part(lo, hi int) {
	if hi <= lo {
		return
	}
	if k.grad {
		C.vd_unary_grad(k.fn, k.alpha, fptr(k.x[lo:]), fptr(k.g[lo:]), fptr(k.y[lo:]), C.int64_t(hi-lo))
		return
	}
	C.vd_unary(k.fn, k.alpha, fptr(k.x[lo:]), fptr(k.y[lo:]), C.int64_t(hi-lo))
}

// binaryKernel runs a Binary op. Same-shaped operands go through vd_binary;
// broadcasting ones are cut into rows along which each operand either
// advances or repeats one value (vd_binary_rows), with the row offsets of
// both operands computed once.
type binaryKernel struct {
	fn       C.int
	a, b, y  []float32
	rows     int
	inner    int
	oa, ob   []int64
	sa, sb   C.int
	runParts func(lo, hi int)
}

func newBinaryKernel(fn graph.BinaryFn, as, bs, out graph.Shape) runtime.Kernel {
	k := &binaryKernel{fn: C.int(fn)}
	if as.Equal(out) && bs.Equal(out) {
		k.runParts = k.flat
		return func(a [][]float32, y []float32) {
			k.a, k.b, k.y = a[0][:len(y)], a[1][:len(y)], y
			split(len(y), k.runParts)
			k.a, k.b, k.y = nil, nil, nil
		}
	}
	rows, inner, aFull, bFull := rowSplit(as, bs, out)
	k.rows, k.inner = rows, inner
	k.sa, k.sb = cBool(aFull), cBool(bFull)
	k.oa, k.ob = rowOffsets(as, out, rows), rowOffsets(bs, out, rows)
	k.runParts = k.rowPart
	return func(a [][]float32, y []float32) {
		k.a, k.b, k.y = a[0], a[1], y
		splitRows(k.rows, k.inner, k.runParts)
		k.a, k.b, k.y = nil, nil, nil
	}
}

func (k *binaryKernel) flat(lo, hi int) {
	if hi > lo {
		C.vd_binary(k.fn, fptr(k.a[lo:]), fptr(k.b[lo:]), fptr(k.y[lo:]), C.int64_t(hi-lo))
	}
}

func (k *binaryKernel) rowPart(lo, hi int) {
	if hi > lo {
		C.vd_binary_rows(k.fn, fptr(k.a), iptr(k.oa), k.sa, fptr(k.b), iptr(k.ob), k.sb, fptr(k.y),
			C.int64_t(lo), C.int64_t(hi), C.int64_t(k.inner))
	}
}

// rowSplit cuts a broadcasting op's output into rows: the longest run of
// trailing axes along which each operand is either full (it advances) or
// broadcast (it repeats one value). Axes of size 1 in the output fit any
// pattern.
func rowSplit(as, bs, out graph.Shape) (rows, inner int, aFull, bFull bool) {
	inner, d := 1, len(out)-1
	set := false
	for ; d >= 0; d-- {
		if out[d] == 1 {
			continue
		}
		af, bf := as[d] == out[d], bs[d] == out[d]
		if set && (af != aFull || bf != bFull) {
			break
		}
		aFull, bFull, set = af, bf, true
		inner *= out[d]
	}
	if !set {
		aFull, bFull = true, true
	}
	return out.Size() / inner, inner, aFull, bFull
}

// rowOffsets returns, for each of the rows of out (each inner elements
// long), the offset in an operand of shape s broadcast to out of the
// row's first element.
func rowOffsets(s, out graph.Shape, rows int) []int64 {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 1 {
			st[i] = acc
		}
		acc *= s[i]
	}
	inner := out.Size() / rows
	offs := make([]int64, rows)
	for r := range offs {
		// Unravel the output index of the row's first element.
		rem, off := r*inner, 0
		for i := len(out) - 1; i >= 0; i-- {
			off += (rem % out[i]) * st[i]
			rem /= out[i]
		}
		offs[r] = int64(off)
	}
	return offs
}

// splitRows splits rows of inner elements between threads when the whole is
// large.
func splitRows(rows, inner int, f func(lo, hi int)) {
	if rows*inner < parallelMin || rows < 2 {
		f(0, rows)
		return
	}
	splitAligned(rows, 0, 1, f)
}

// reduceAxes matches a reduction (or, read backwards, a broadcast) between
// the shape big and the shape small (dims of small are 1 or equal to big's)
// to the form (r1, k, r2): reduced axes, then kept axes, then reduced axes.
// ok is false for other patterns (kept axes on both sides of a reduced one).
func reduceAxes(big, small graph.Shape) (r1, k, r2 int, ok bool) {
	r1, k, r2 = 1, 1, 1
	stage := 0 // 0: leading reduced axes, 1: kept axes, 2: trailing reduced axes
	for i, d := range big {
		if d == 1 {
			continue
		}
		kept := small[i] == d
		switch {
		case kept && stage <= 1:
			stage = 1
			k *= d
		case kept:
			return 0, 0, 0, false
		case stage == 0:
			r1 *= d
		default:
			stage = 2
			r2 *= d
		}
	}
	return r1, k, r2, true
}

type reduceKernel struct {
	r1, k, r2 int
	bcast     bool // broadcast small x to big y instead of reducing
	x, y      []float32
	runParts  func(lo, hi int)
}

func newReduceKernel(r1, k, r2 int, bcast bool) runtime.Kernel {
	rk := &reduceKernel{r1: r1, k: k, r2: r2, bcast: bcast}
	rk.runParts = rk.part
	return func(a [][]float32, y []float32) {
		rk.x, rk.y = a[0], y
		if r1*k*r2 < parallelMin || k < 2 {
			rk.part(0, k)
		} else {
			splitAligned(k, 0, 16, rk.runParts)
		}
		rk.x, rk.y = nil, nil
	}
}

func (rk *reduceKernel) part(lo, hi int) {
	if hi <= lo {
		return
	}
	r1, k, r2 := C.int64_t(rk.r1), C.int64_t(rk.k), C.int64_t(rk.r2)
	if rk.bcast {
		C.vd_broadcast(fptr(rk.x), r1, k, r2, fptr(rk.y), C.int64_t(lo), C.int64_t(hi))
		return
	}
	C.vd_reduce(fptr(rk.x), r1, k, r2, fptr(rk.y), C.int64_t(lo), C.int64_t(hi))
}

type poolKernel struct {
	up         bool // Upsample; else SumPool
	h, w       int  // the small side's plane
	fh, fw     int
	x, y       []float32
	planes     int
	runPlanes  func(lo, hi int)
	planeElems int
}

func newPoolKernel(up bool, factor [2]int, small graph.Shape) runtime.Kernel {
	pk := &poolKernel{up: up, h: small[2], w: small[3], fh: factor[0], fw: factor[1],
		planes: small[0] * small[1]}
	pk.planeElems = pk.h * pk.w * pk.fh * pk.fw
	pk.runPlanes = pk.part
	return func(a [][]float32, y []float32) {
		pk.x, pk.y = a[0], y
		splitRows(pk.planes, pk.planeElems, pk.runPlanes)
		pk.x, pk.y = nil, nil
	}
}

func (pk *poolKernel) part(lo, hi int) {
	if hi <= lo {
		return
	}
	h, w, fh, fw := C.int64_t(pk.h), C.int64_t(pk.w), C.int64_t(pk.fh), C.int64_t(pk.fw)
	if pk.up {
		C.vd_upsample(fptr(pk.x), fptr(pk.y), C.int64_t(lo), C.int64_t(hi), h, w, fh, fw)
		return
	}
	C.vd_sumpool(fptr(pk.x), fptr(pk.y), C.int64_t(lo), C.int64_t(hi), h, w, fh, fw)
}
