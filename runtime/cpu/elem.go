package cpu

/*
#cgo LDFLAGS: -lmvec -lm
#cgo noescape vd_unary
#cgo nocallback vd_unary
#cgo noescape vd_unary_grad
#cgo nocallback vd_unary_grad
#cgo noescape vd_binary
#cgo nocallback vd_binary
#cgo noescape vd_bias_grad
#cgo nocallback vd_bias_grad
#include "elem.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"vdvae/graph"
	"vdvae/runtime"
)

// parallelMin is the element count above which elementwise work is split
// between two goroutines (the machine's two cores).
const parallelMin = 1 << 15

// split runs f over [0, n) in two halves concurrently when n is large.
func split(n int, f func(lo, hi int)) {
	if n < parallelMin {
		f(0, n)
		return
	}
	mid := n / 2 &^ 15
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f(mid, n) }()
	f(0, mid)
	wg.Wait()
}

func fptr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }

// fastUnary reports whether fn has a C kernel.
func fastUnary(fn graph.UnaryFn) bool {
	switch fn {
	case graph.FnSiLU, graph.FnLeakyReLU, graph.FnSoftplus, graph.FnExp:
		return true
	}
	return false
}

func unaryKernel(op graph.Unary) runtime.Kernel {
	fn, alpha := C.int(op.Fn), C.float(op.Alpha)
	return func(a [][]float32, y []float32) {
		x := a[0][:len(y)]
		split(len(y), func(lo, hi int) {
			C.vd_unary(fn, alpha, fptr(x[lo:]), fptr(y[lo:]), C.int64_t(hi-lo))
		})
	}
}

func unaryGradKernel(op graph.UnaryGrad) runtime.Kernel {
	fn, alpha := C.int(op.Fn), C.float(op.Alpha)
	return func(a [][]float32, y []float32) {
		x, g := a[0][:len(y)], a[1][:len(y)]
		split(len(y), func(lo, hi int) {
			C.vd_unary_grad(fn, alpha, fptr(x[lo:]), fptr(g[lo:]), fptr(y[lo:]), C.int64_t(hi-lo))
		})
	}
}

func binaryKernel(op graph.Binary) runtime.Kernel {
	fn := C.int(op.Fn)
	return func(a [][]float32, y []float32) {
		x0, x1 := a[0][:len(y)], a[1][:len(y)]
		split(len(y), func(lo, hi int) {
			C.vd_binary(fn, fptr(x0[lo:]), fptr(x1[lo:]), fptr(y[lo:]), C.int64_t(hi-lo))
		})
	}
}

func biasGradKernel(dy graph.Shape) runtime.Kernel {
	n, k, hw := C.int64_t(dy[0]), C.int64_t(dy[1]), C.int64_t(dy[2]*dy[3])
	return func(a [][]float32, y []float32) { C.vd_bias_grad(fptr(a[0]), fptr(y), n, k, hw) }
}
