package cpu

/*
#cgo noescape vd_sum_squares
#cgo nocallback vd_sum_squares
#cgo noescape vd_adamax_ema
#cgo nocallback vd_adamax_ema
#include <update.h>
*/
import "C"

import (
	"fmt"
	"sync"

	"vdvae/runtime"
)

var _ runtime.Updater = Backend{}

// updateMin is the tensor size above which the optimizer kernels split
// their work between threads.
const updateMin = 1 << 16

// SumSquares implements runtime.Updater: the sum in double of x[i]^2, over
// 8 lanes and, for large x, a fixed split in two halves added in order, so
// that the result does not depend on scheduling.
func (Backend) SumSquares(x []float32) float64 {
	if len(x) < updateMin || cap(idle) == 0 {
		return float64(C.vd_sum_squares(fptr(x), C.int64_t(len(x))))
	}
	j := &sumSquaresJob
	j.Lock()
	defer j.Unlock()
	j.x, j.mid = x, len(x)/2&^15
	parts(2, j.run)
	j.x = nil
	return j.half[0] + j.half[1]
}

// AdamaxEMA implements runtime.Updater.
func (Backend) AdamaxEMA(p, g, m, v, ema []float32, c runtime.AdamaxConsts) {
	n := len(p)
	if len(g) != n || len(m) != n || len(v) != n || len(ema) != n {
		panic(fmt.Sprintf("cpu: AdamaxEMA: lengths p %d, g %d, m %d, v %d, ema %d", n, len(g), len(m),
			len(v), len(ema)))
	}
	adamaxJob.Lock()
	defer adamaxJob.Unlock()
	j := &adamaxJob
	j.p, j.g, j.m, j.v, j.ema = p, g, m, v, ema
	j.c = C.vd_update_consts{b1: C.double(c.Beta1), b2: C.double(c.Beta2), eps: C.double(c.Eps),
		bc1: C.double(c.BiasCorrection1), lr: C.double(c.LR), wd: C.double(c.Decay), ema: C.double(c.EMADecay)}
	splitAligned(n, updateMin, 16, j.run)
	j.p, j.g, j.m, j.v, j.ema = nil, nil, nil, nil, nil
}

// The jobs of the optimizer kernels: their arguments and a method value
// made once, so that calls allocate nothing. The mutex makes concurrent
// callers (two trainers) take turns.
var (
	sumSquaresJob sumSquaresState
	adamaxJob     adamaxState
)

func init() {
	sumSquaresJob.run = sumSquaresJob.part
	adamaxJob.run = adamaxJob.part
}

type sumSquaresState struct {
	sync.Mutex
	x    []float32
	mid  int
	half [2]float64
	run  func(lo, hi int)
}

// part sums half 0 ([0, mid)) or half 1 ([mid, len)); parts(2, ...) calls
// it with (0, 1) and (1, 2).
func (j *sumSquaresState) part(h, _ int) {
	lo, hi := 0, j.mid
	if h == 1 {
		lo, hi = j.mid, len(j.x)
	}
	j.half[h] = float64(C.vd_sum_squares(fptr(j.x[lo:]), C.int64_t(hi-lo)))
}

type adamaxState struct {
	sync.Mutex
	p, g, m, v, ema []float32
	c               C.vd_update_consts
	run             func(lo, hi int)
}

func (j *adamaxState) part(lo, hi int) {
	if hi > lo {
		C.vd_adamax_ema(fptr(j.p[lo:]), fptr(j.g[lo:]), fptr(j.m[lo:]), fptr(j.v[lo:]),
			fptr(j.ema[lo:]), C.int64_t(hi-lo), &j.c)
	}
}
