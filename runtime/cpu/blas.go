package cpu

/*
#cgo CFLAGS: -O3 -Wall -I${SRCDIR}
#cgo LDFLAGS: -ldnnl -lopenblas -lgomp
#cgo noescape vd_blas_conv
#cgo nocallback vd_blas_conv
#cgo noescape vd_blas_sgemm
#cgo nocallback vd_blas_sgemm
#cgo noescape vd_dnnl_sgemm
#cgo nocallback vd_dnnl_sgemm
#include <kernels.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Matrix is a row-major float32 matrix view: element (i, j) is
// Data[i*Stride+j]. Data needs (Rows-1)*Stride+Cols elements at least.
type Matrix struct {
	Rows, Cols, Stride int
	Data               []float32
}

// Sgemm computes c = alpha·op(a)·op(b) + beta·c, where op(m) is m, or its
// transpose when the matching trans flag is set, through oneDNN's sgemm
// (faster than OpenBLAS's here; see doc.go). The plain loop it equals is
//
//	for i, j: c[i,j] = alpha·Σ_l op(a)[i,l]·op(b)[l,j] + beta·c[i,j]
//
// Shapes and lengths are checked in Go first; a mismatch panics. c must not
// overlap a or b. Like the convolutions, Sgemm uses every core and calls
// are serialized.
func Sgemm(transA, transB bool, alpha float32, a, b Matrix, beta float32, c Matrix) {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if transB {
		kb, n = n, kb
	}
	if kb != k || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("cpu: Sgemm: op(a) is %dx%d, op(b) %dx%d, c %dx%d", m, k, kb, n,
			c.Rows, c.Cols))
	}
	for _, x := range [...]struct {
		name string
		m    Matrix
	}{{"a", a}, {"b", b}, {"c", c}} {
		x.m.check(x.name)
	}
	switch {
	case m == 0 || n == 0:
		return
	case k == 0: // oneDNN refuses an empty inner dimension: c = beta·c
		for i := range m {
			row := c.Data[i*c.Stride : i*c.Stride+n]
			for j := range row {
				row[j] = beta * row[j]
				if beta == 0 {
					row[j] = 0 // even where c held NaN, as BLAS does
				}
			}
		}
		return
	}
	sgemm(sgemmDNNL, transA, transB, alpha, a, b, beta, c, [3]int{m, n, k})
}

// sgemmDNNL selects oneDNN's sgemm over OpenBLAS's for Sgemm; see doc.go.
var sgemmDNNL = true

// sgemm runs a checked Sgemm of sizes mnk = (m, n, k) through oneDNN or
// OpenBLAS.
func sgemm(useDNNL, transA, transB bool, alpha float32, a, b Matrix, beta float32, c Matrix,
	mnk [3]int) {
	m, n, k := C.int64_t(mnk[0]), C.int64_t(mnk[1]), C.int64_t(mnk[2])
	mu.Lock()
	defer mu.Unlock()
	if !useDNNL {
		C.vd_blas_sgemm(cBool(transA), cBool(transB), m, n, k, C.float(alpha), ptr(a.Data),
			C.int64_t(a.Stride), ptr(b.Data), C.int64_t(b.Stride), C.float(beta), ptr(c.Data),
			C.int64_t(c.Stride))
		return
	}
	st := C.vd_dnnl_sgemm(cBool(transA), cBool(transB), m, n, k, C.float(alpha), ptr(a.Data),
		C.int64_t(a.Stride), ptr(b.Data), C.int64_t(b.Stride), C.float(beta), ptr(c.Data),
		C.int64_t(c.Stride), C.int(workers))
	if st != 0 {
		err := &DNNLError{Call: "dnnl_sgemm", Status: C.GoString(C.vd_dnnl_status_str(st))}
		panic(err.Error()) // sizes were checked: a failure is a bug
	}
}

func (m Matrix) check(name string) {
	if m.Rows < 0 || m.Cols < 0 || m.Stride < max(1, m.Cols) ||
		m.Rows > 0 && m.Cols > 0 && len(m.Data) < (m.Rows-1)*m.Stride+m.Cols ||
		m.Rows > 0 && m.Cols > 0 && m.Stride*m.Rows >= 1<<31 {
		panic(fmt.Sprintf("cpu: Sgemm: %s is %dx%d with stride %d over %d elements", name,
			m.Rows, m.Cols, m.Stride, len(m.Data)))
	}
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// ptr returns the address of s's first element, or NULL for an empty s.
func ptr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

func dims(s ConvShape) C.vd_dims {
	after := s.PadAfter()
	return C.vd_dims{
		n: C.int64_t(s.N), c: C.int64_t(s.C), h: C.int64_t(s.H), w: C.int64_t(s.W),
		k: C.int64_t(s.K), kh: C.int64_t(s.Kernel[0]), kw: C.int64_t(s.Kernel[1]),
		sh: C.int64_t(s.Stride[0]), sw: C.int64_t(s.Stride[1]),
		pt: C.int64_t(s.PadBefore[0]), pl: C.int64_t(s.PadBefore[1]),
		pb: C.int64_t(after[0]), pr: C.int64_t(after[1]),
		oh: C.int64_t(s.Out[0]), ow: C.int64_t(s.Out[1]),
	}
}

// The BLAS path gathers images side by side into one GEMM until it has
// blasMinCols columns, within blasColBudget floats of im2col scratch.
const (
	blasMinCols   = 1024
	blasColBudget = 4 << 20
)

func pointwise(s ConvShape) bool {
	return s.Kernel == [2]int{1, 1} && s.Stride == [2]int{1, 1} &&
		s.PadBefore == [2]int{} && s.Out == [2]int{s.H, s.W}
}

// blasPlan returns the images per GEMM and the scratch sizes (im2col
// columns and gathered output) the BLAS path needs for pass p of s.
func blasPlan(p pass, s ConvShape) (chunk, col, tmp int) {
	px := s.Out[0] * s.Out[1]
	ckk := s.C * s.Kernel[0] * s.Kernel[1]
	if pointwise(s) && px == 1 {
		return s.N, 0, 0 // one GEMM on the N×C matrix, no copies
	}
	chunk = min(s.N, max(1, (blasMinCols+px-1)/px))
	if chunk*ckk*px > blasColBudget {
		chunk = max(1, blasColBudget/(ckk*px))
	}
	if !pointwise(s) || chunk > 1 {
		col = ckk * chunk * px
	}
	if chunk > 1 {
		tmp = s.K * chunk * px
	}
	return chunk, col, tmp
}

// runBLAS runs pass p with im2col and OpenBLAS, or oneDNN's sgemm on
// threads threads when dnnlGemm is set, with worker's scratch; the caller
// holds mu.
func runBLAS(worker, threads int, p pass, s ConvShape, dnnlGemm bool, a, b, c, e []float32) {
	chunk, ncol, ntmp := blasPlan(p, s)
	buf := scratch[worker]
	if len(buf) < ncol+ntmp {
		buf = make([]float32, ncol+ntmp)
		scratch[worker] = buf
	}
	d := dims(s)
	C.vd_blas_conv(C.int(p), &d, ptr(a), ptr(b), ptr(c), ptr(e), ptr(buf[:ncol]),
		ptr(buf[ncol:ncol+ntmp]), C.int64_t(chunk), cBool(dnnlGemm), C.int(threads))
}
