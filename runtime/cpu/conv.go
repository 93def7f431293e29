package cpu

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ConvForward computes y = conv(x, w) + b, overwriting y; b may be nil.
// It equals ConvForwardRef up to float32 rounding. Lengths must match s
// (x: InputLen, w: FilterLen, b: K, y: OutputLen); a mismatch or an
// invalid s panics.
func ConvForward(x, w, b, y []float32, s ConvShape) {
	checkForward(x, w, b, y, s)
	run(passForward, choose(passForward, s), s, x, w, b, y)
}

// ConvBackwardData computes dx = ∂loss/∂x from dy = ∂loss/∂y, overwriting
// dx. It equals ConvBackwardDataRef up to float32 rounding.
func ConvBackwardData(dy, w, dx []float32, s ConvShape) {
	checkBackwardData(dy, w, dx, s)
	run(passBackwardData, choose(passBackwardData, s), s, dy, w, dx, nil)
}

// ConvBackwardFilter computes dw = ∂loss/∂w and, unless db is nil,
// db = ∂loss/∂b, overwriting both. It equals ConvBackwardFilterRef up to
// float32 rounding.
func ConvBackwardFilter(x, dy, dw, db []float32, s ConvShape) {
	checkBackwardFilter(x, dy, dw, db, s)
	run(passBackwardFilter, choose(passBackwardFilter, s), s, x, dy, dw, db)
}

func checkForward(x, w, b, y []float32, s ConvShape) {
	s.mustValid("ConvForward", namedLen{"x", len(x), s.InputLen()},
		namedLen{"w", len(w), s.FilterLen()}, namedLen{"y", len(y), s.OutputLen()})
	if b != nil && len(b) != s.K {
		panic(fmt.Sprintf("cpu: ConvForward: len(b) = %d, want %d or nil", len(b), s.K))
	}
}

func checkBackwardData(dy, w, dx []float32, s ConvShape) {
	s.mustValid("ConvBackwardData", namedLen{"dy", len(dy), s.OutputLen()},
		namedLen{"w", len(w), s.FilterLen()}, namedLen{"dx", len(dx), s.InputLen()})
}

func checkBackwardFilter(x, dy, dw, db []float32, s ConvShape) {
	s.mustValid("ConvBackwardFilter", namedLen{"x", len(x), s.InputLen()},
		namedLen{"dy", len(dy), s.OutputLen()}, namedLen{"dw", len(dw), s.FilterLen()})
	if db != nil && len(db) != s.K {
		panic(fmt.Sprintf("cpu: ConvBackwardFilter: len(db) = %d, want %d or nil", len(db),
			s.K))
	}
}

// pass is one of the three computations of a convolution.
type pass uint8

const (
	passForward pass = iota
	passBackwardData
	passBackwardFilter
)

func (p pass) String() string {
	return [...]string{"fwd", "bwd_data", "bwd_filter"}[p]
}

// method is an implementation of the convolution passes.
type method uint8

const (
	methodBLAS        method = iota // im2col (or none for 1x1) + OpenBLAS sgemm
	methodDNNLGemm                  // im2col (or none for 1x1) + oneDNN's sgemm
	methodDNNL                      // oneDNN convolution on the plain nchw/oihw tensors
	methodDNNLBlocked               // oneDNN convolution in its blocked layouts, reorders around it
)

// methods lists every method, for tests and benchmarks.
var methods = []method{methodBLAS, methodDNNLGemm, methodDNNL, methodDNNLBlocked}

func (m method) String() string {
	return [...]string{"blas", "dnnl_gemm", "dnnl", "dnnl_blocked"}[m]
}

// choose picks the method for one pass of shape s; doc.go has the
// measurements behind the rules. Only oneDNN runs, so that one thread pool
// (OpenMP's) serves every call.
func choose(p pass, s ConvShape) method {
	if !pointwise(s) {
		return methodDNNLBlocked // 3x3 and pooling: direct blocked kernels win
	}
	switch px := s.Out[0] * s.Out[1]; {
	case px == 1:
		return methodDNNLGemm // one GEMM over the batch: N×C times C×K
	case px < 64:
		return methodDNNLBlocked
	case p == passBackwardFilter:
		return methodDNNLBlocked
	default:
		return methodDNNL // 1x1 on nchw is a GEMM per image, no copies
	}
}

// mu serializes the convolutions and Sgemm: one call at a time uses every
// worker (see run), and the per-worker scratch below belongs to it.
// plansMu guards the plan cache, which the workers of one call share.
var (
	mu      sync.Mutex
	plansMu sync.Mutex
	plans   = map[planKey]*dnnlPlan{}
	scratch [maxWorkers][]float32 // im2col scratch of the BLAS path, per worker
	partial [maxWorkers][]float32 // backward-filter partial sums of workers 1..
)

// planKey identifies one cached oneDNN plan. Its identity comes from the
// comparable fields, never from formatted text. A plan belongs to one
// worker (its memory objects are bound per call) and runs with the thread
// count it was made for.
type planKey struct {
	shape   ConvShape
	view    view
	pass    pass
	method  method
	hasBias bool
	worker  int
	threads int
}

// view describes a convolution on channel ranges of larger tensors (see
// vd_dims): the element strides between images of x and of y, and between
// output channels of w; zero where the tensor is dense.
type view struct{ xs, ys, ws int }

// run executes pass p of s with method m. The arguments are, by pass:
// forward (x, w, b, y), backward data (dy, w, dx, nil), backward filter
// (x, dy, dw, db). With more than one worker it splits the pass between
// them (conv_split.go); what it cannot split runs on oneDNN's OpenMP
// threads.
func run(p pass, m method, s ConvShape, a, b, c, e []float32) {
	mu.Lock()
	defer mu.Unlock()
	if runSplit(p, m, s, a, b, c, e) {
		return
	}
	runOn(0, workers, p, m, s, a, b, c, e)
}

// runOn runs pass p of s on worker with threads OpenMP threads.
func runOn(worker, threads int, p pass, m method, s ConvShape, a, b, c, e []float32) {
	if m == methodBLAS || m == methodDNNLGemm {
		runBLAS(worker, threads, p, s, m == methodDNNLGemm, a, b, c, e)
		return
	}
	hasBias := (p == passForward && c != nil) || (p == passBackwardFilter && e != nil)
	plan := planFor(planKey{s, view{}, p, m, hasBias, worker, threads})
	if plan.err != nil {
		// oneDNN has no convolution for this shape; im2col can do any valid one.
		runBLAS(worker, threads, p, s, true, a, b, c, e)
		return
	}
	if err := plan.run(worker, threads, a, b, c, e); err != nil {
		// A plan that was created must run; anything else is a bug.
		panic(fmt.Sprintf("%v (%v pass of %v)", err, p, s))
	}
}

// planFor returns the cached plan of key, creating it on first use. A
// failed creation is cached too, so that it is not retried on every call.
func planFor(key planKey) *dnnlPlan {
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans[key]; ok {
		return p
	}
	start := time.Now()
	p := newDNNLPlan(key)
	plans[key] = p
	if p.err != nil {
		slog.Debug("cpu: oneDNN plan unavailable, using im2col", "shape", key.shape,
			"pass", key.pass, "err", p.err)
		return p
	}
	slog.Debug("cpu: oneDNN plan", "shape", key.shape, "pass", key.pass,
		"method", key.method, "threads", key.threads, "impl", p.impl, "create", time.Since(start))
	return p
}

// ReleasePlans frees every cached oneDNN plan (C memory) and the scratch
// buffer of the BLAS path. Later calls create them again. Plans are
// otherwise kept for the life of the process; no finalizer frees them.
func ReleasePlans() {
	mu.Lock()
	defer mu.Unlock()
	plansMu.Lock()
	defer plansMu.Unlock()
	for k, p := range plans {
		p.destroy()
		delete(plans, k)
	}
	releaseArena()
	scratch = [maxWorkers][]float32{}
	partial = [maxWorkers][]float32{}
}
