package cpu

/*
#include <kernels.h>
*/
import "C"

import "fmt"

// Splitting a convolution between workers. On this 2-core machine, oneDNN's
// own OpenMP threading of one convolution gained little or lost on the
// model's shapes at training batches (a small convolution spends much of
// its time in OpenMP's fork and join, and the OpenMP team then spins while
// the elementwise kernels want the cores), while two one-thread
// convolutions on halves of the work ran nearly twice as fast as one.
// So a pass is cut in parts, one per worker, each a one-thread oneDNN call
// on its own stream and scratch:
//
//   - by images, when the images' data outweigh the filter (the wide,
//     shallow layers): each part is the same convolution on fewer images,
//     and backward filter adds the parts' filter gradients in worker order;
//   - by channels otherwise (the deep, narrow layers of large models at
//     small batches, where a filter outweighs the images, and any single
//     image): forward and backward filter take ranges of output channels,
//     backward data of input channels, as strided views of the full
//     tensors, so that each worker reads and reorders only its part of the
//     filter and nothing is added afterwards;
//   - fewer than 32 channels to split, or a method that cannot take views:
//     not split (OpenMP threads run it).
//
// Parts are fixed by the shape, never by timing, so results do not depend
// on scheduling.

// splitKind is how a pass is split.
type splitKind uint8

const (
	noSplit splitKind = iota
	splitImages
	splitChannels
)

// splitOf chooses how to split pass p of s and into how many parts.
func splitOf(p pass, m method, s ConvShape) (splitKind, int) {
	if workers < 2 {
		return noSplit, 1
	}
	if s.N >= 2 && s.FilterLen() <= s.InputLen()+s.OutputLen() {
		return splitImages, min(workers, s.N)
	}
	d := s.K // the split dimension: output channels, or input for backward data
	if p == passBackwardData {
		d = s.C
	}
	gemm := pointwise(s) && s.Out == [2]int{1, 1} // one GEMM over the batch
	ok := m == methodDNNL || m == methodDNNLBlocked || m == methodDNNLGemm && gemm
	if n := min(workers, d/16); n > 1 && ok {
		return splitChannels, n
	}
	return noSplit, 1
}

// convSplit is the convolution being split (guarded by mu), with its part
// method made once so that calls allocate nothing.
var convSplit splitConv

func init() { convSplit.run = convSplit.part }

type splitConv struct {
	kind       splitKind
	p          pass
	m          method
	s          ConvShape
	n          int
	hasBias    bool
	a, b, c, e []float32
	run        func(i, _ int)
}

// runSplit runs pass p split between workers and reports whether it did;
// the caller holds mu.
func runSplit(p pass, m method, s ConvShape, a, b, c, e []float32) bool {
	kind, n := splitOf(p, m, s)
	if kind == noSplit {
		return false
	}
	j := &convSplit
	j.kind, j.p, j.m, j.s, j.n = kind, p, m, s, n
	j.hasBias = (p == passForward && c != nil) || (p == passBackwardFilter && e != nil)
	if kind == splitChannels && !j.plansReady() {
		return false // oneDNN cannot run a strided part: run it whole
	}
	j.a, j.b, j.c, j.e = a, b, c, e
	parts(n, j.run)
	if kind == splitImages && p == passBackwardFilter {
		j.sumPartials()
	}
	j.a, j.b, j.c, j.e = nil, nil, nil, nil
	return true
}

func (j *splitConv) part(i, _ int) {
	if j.kind == splitImages {
		j.imagePart(i)
		return
	}
	if j.m == methodDNNLGemm { // on 1x1 images (splitOf)
		j.gemmPart(i)
		return
	}
	sp := j.channelSpec(i)
	plan := planFor(sp.key)
	err := plan.run(i, 1, from(j.a, sp.a), from(j.b, sp.b), from(j.c, sp.c), from(j.e, sp.e))
	if err != nil {
		panic(fmt.Sprintf("%v (%v pass of %v, part %d of %d)", err, j.p, j.s, i, j.n))
	}
}

// imagePart runs images [N i/n, N (i+1)/n) on worker i with one thread.
// Backward filter of workers after the first writes into partial[i].
func (j *splitConv) imagePart(i int) {
	lo, hi := j.s.N*i/j.n, j.s.N*(i+1)/j.n
	s := j.s
	s.N = hi - lo
	in, out := s.C*s.H*s.W, s.K*s.Out[0]*s.Out[1]
	switch j.p {
	case passForward:
		runOn(i, 1, j.p, j.m, s, j.a[lo*in:hi*in], j.b, j.c, j.e[lo*out:hi*out])
	case passBackwardData:
		runOn(i, 1, j.p, j.m, s, j.a[lo*out:hi*out], j.b, j.c[lo*in:hi*in], nil)
	case passBackwardFilter:
		dw, db := j.c, j.e
		if i > 0 {
			k := len(dw) + len(db)
			if len(partial[i]) < k {
				partial[i] = make([]float32, k)
			}
			buf := partial[i]
			dw = buf[:len(dw)]
			if db != nil {
				db = buf[len(dw):k]
			}
		}
		runOn(i, 1, j.p, j.m, s, j.a[lo*in:hi*in], j.b[lo*out:hi*out], dw, db)
	}
}

// sumPartials adds the backward-filter results of workers 1.. into dw and
// db, in worker order.
func (j *splitConv) sumPartials() {
	for i := 1; i < j.n; i++ {
		buf := partial[i]
		for k, v := range buf[:len(j.c)] {
			j.c[k] += v
		}
		if j.e != nil {
			for k, v := range buf[len(j.c) : len(j.c)+len(j.e)] {
				j.e[k] += v
			}
		}
	}
}

// bounds returns part i's range of the split dimension d, in multiples of
// 16 channels (oneDNN's blocks) except the last.
func (j *splitConv) bounds(i, d int) (lo, hi int) {
	at := func(i int) int {
		if i >= j.n {
			return d
		}
		return (d*i/j.n + 8) / 16 * 16
	}
	return at(i), at(i + 1)
}

// partSpec is one channel part: its plan and where its tensors start in
// the full ones (a, b, c, e as for run).
type partSpec struct {
	key        planKey
	a, b, c, e int
}

// channelSpec returns part i of a channel split: output channels for
// forward and backward filter, input channels for backward data, as views
// of the full tensors.
func (j *splitConv) channelSpec(i int) partSpec {
	s := j.s
	px, kk := s.Out[0]*s.Out[1], s.Kernel[0]*s.Kernel[1]
	sp := partSpec{key: planKey{shape: s, pass: j.p, method: j.m, hasBias: j.hasBias, worker: i,
		threads: 1}}
	switch j.p {
	case passForward: // x, w[k0:k1], b[k0:k1], y[:, k0:k1]
		k0, k1 := j.bounds(i, s.K)
		sp.key.shape.K, sp.key.view = k1-k0, view{ys: s.K * px}
		sp.b, sp.c, sp.e = k0*s.C*kk, k0, k0*px
	case passBackwardData: // dy, w[:, c0:c1], dx[:, c0:c1]
		c0, c1 := j.bounds(i, s.C)
		sp.key.shape.C, sp.key.view = c1-c0, view{xs: s.C * s.H * s.W, ws: s.C * kk}
		sp.b, sp.c = c0*kk, c0*s.H*s.W
	case passBackwardFilter: // x, dy[:, k0:k1], dw[k0:k1], db[k0:k1]
		k0, k1 := j.bounds(i, s.K)
		sp.key.shape.K, sp.key.view = k1-k0, view{ys: s.K * px}
		sp.b, sp.c, sp.e = k0*px, k0*s.C*kk, k0
	}
	return sp
}

// plansReady makes the plans of every channel part and reports whether
// oneDNN has them all (the im2col fallback cannot run strided views).
func (j *splitConv) plansReady() bool {
	if j.m == methodDNNLGemm {
		return true
	}
	for i := 0; i < j.n; i++ {
		if planFor(j.channelSpec(i).key).err != nil {
			return false
		}
	}
	return true
}

// from returns t[off:], or nil for a nil t.
func from(t []float32, off int) []float32 {
	if t == nil {
		return nil
	}
	return t[off:]
}

// gemmPart is a channel part of a pointwise convolution on 1x1 images,
// which is one GEMM over the batch (as runBLAS does it): x is N×C, w K×C,
// y N×K, and a part takes a range of y's (or dx's, or dw's) columns or
// rows through the GEMM's leading dimensions.
func (j *splitConv) gemmPart(i int) {
	s := j.s
	n, cc, k := s.N, s.C, s.K
	one := C.int(1)
	switch j.p {
	case passForward: // y[:, k0:k1] = x · w[k0:k1]^T + b[k0:k1]
		k0, k1 := j.bounds(i, k)
		gemm1(false, true, n, k1-k0, cc, j.a, cc, j.b[k0*cc:], cc, 0, j.e[k0:], k, one)
		if j.c != nil {
			for r := 0; r < n; r++ {
				row := j.e[r*k+k0 : r*k+k1]
				for q, v := range j.c[k0:k1] {
					row[q] += v
				}
			}
		}
	case passBackwardData: // dx[:, c0:c1] = dy · w[:, c0:c1]
		c0, c1 := j.bounds(i, cc)
		gemm1(false, false, n, c1-c0, k, j.a, k, j.b[c0:], cc, 0, j.c[c0:], cc, one)
	case passBackwardFilter: // dw[k0:k1] = dy[:, k0:k1]^T · x; db[k0:k1] = column sums
		k0, k1 := j.bounds(i, k)
		gemm1(true, false, k1-k0, cc, n, j.b[k0:], k, j.a, cc, 0, j.c[k0*cc:], cc, one)
		if j.e != nil {
			for q := k0; q < k1; q++ {
				acc := 0.0
				for r := 0; r < n; r++ {
					acc += float64(j.b[r*k+q])
				}
				j.e[q] = float32(acc)
			}
		}
	}
}

// gemm1 runs one oneDNN sgemm with the given thread count; sizes come from
// a checked convolution shape.
func gemm1(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32,
	c []float32, ldc int, threads C.int) {
	st := C.vd_dnnl_sgemm(cBool(ta), cBool(tb), C.int64_t(m), C.int64_t(n), C.int64_t(k), 1,
		ptr(a), C.int64_t(lda), ptr(b), C.int64_t(ldb), C.float(beta), ptr(c), C.int64_t(ldc),
		threads)
	if st != 0 {
		err := &DNNLError{Call: "dnnl_sgemm", Status: C.GoString(C.vd_dnnl_status_str(st))}
		panic(err.Error())
	}
}
