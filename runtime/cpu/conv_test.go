package cpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// testShapes covers 1x1, 3x3, strides 2 and 4, widths that are not
// multiples of 8, batch 1 and 7, non-square images and the floor cases of
// "same" padding.
var testShapes = []struct {
	name  string
	shape ConvShape
}{
	{"1x1", same(2, 16, 8, 8, 24, 1, 1)},
	{"1x1_spatial1", same(7, 48, 1, 1, 8, 1, 1)},
	{"1x1_2x2_batch7", same(7, 8, 2, 2, 40, 1, 1)},
	{"1x1_nonsquare", same(1, 24, 5, 9, 16, 1, 1)},
	{"3x3", same(2, 16, 8, 8, 16, 3, 1)},
	{"3x3_batch1_nonsquare", same(1, 8, 7, 12, 24, 3, 1)},
	{"3x3_batch7_odd", same(7, 5, 6, 3, 3, 3, 1)},
	{"3x3_wide", same(3, 48, 16, 16, 48, 3, 1)},
	{"3x3_1x1_image", same(4, 16, 1, 1, 16, 3, 1)},
	{"5x5", same(2, 8, 9, 9, 8, 5, 1)},
	{"pool2", same(3, 16, 8, 8, 24, 2, 2)},
	{"pool2_odd_input", same(2, 8, 7, 9, 8, 2, 2)},
	{"pool4", same(2, 24, 16, 8, 16, 4, 4)},
	{"pool4_to_1x1", same(7, 8, 4, 4, 48, 4, 4)},
	{"3x3_stride2", same(2, 8, 9, 8, 16, 3, 2)},
	{"1x1_stride2", same(2, 8, 8, 8, 8, 1, 1).withStride(2)},
	// Filters larger than the images' data: split by channels between workers.
	{"1x1_spatial1_deep", same(4, 64, 1, 1, 96, 1, 1)},
	{"3x3_deep_batch4", same(4, 64, 4, 4, 48, 3, 1)},
	{"3x3_deep_odd_channels", same(3, 40, 3, 5, 40, 3, 1)},
	{"1x1_deep_2x2", same(2, 96, 2, 2, 80, 1, 1)},
	{"3x3_batch1_wide", same(1, 48, 6, 7, 40, 3, 1)},
	{"1x1_spatial1_batch1", same(1, 64, 1, 1, 48, 1, 1)},
}

// same builds a "same"-padded square-kernel shape for the tests.
func same(n, c, h, w, k, kernel, stride int) ConvShape {
	return ConvShape{N: n, C: c, H: h, W: w, K: k, Kernel: [2]int{kernel, kernel},
		Stride: [2]int{stride, stride}}.Same()
}

// withStride returns a strided 1x1 convolution without padding, whose
// output is ceil(In/stride): a kernel smaller than its stride.
func (s ConvShape) withStride(st int) ConvShape {
	s.Stride = [2]int{st, st}
	s.PadBefore = [2]int{}
	s.Out = [2]int{(s.H-1)/st + 1, (s.W-1)/st + 1}
	return s
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// assertClose fails unless max|got-want| <= tol·max(1, max|want|).
func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	var diff, scale float64 = 0, 1
	worst := 0
	for i := range want {
		scale = math.Max(scale, math.Abs(float64(want[i])))
		if d := math.Abs(float64(got[i] - want[i])); d > diff || math.IsNaN(d) {
			diff, worst = d, i
		}
	}
	if diff > tol*scale || math.IsNaN(diff) {
		t.Errorf("%s: max abs diff %g at %d (got %g, want %g), scale %g, tol %g", what, diff,
			worst, got[worst], want[worst], scale, tol)
	}
}

// convData is one set of random inputs and reference outputs of a shape.
type convData struct {
	x, w, b, dy   []float32
	y, dx, dw, db []float32
}

func newConvData(s ConvShape, seed uint64) convData {
	r := rand.New(rand.NewPCG(seed, 1))
	d := convData{x: randSlice(r, s.InputLen()), w: randSlice(r, s.FilterLen()),
		b: randSlice(r, s.K), dy: randSlice(r, s.OutputLen())}
	d.y = make([]float32, s.OutputLen())
	d.dx = make([]float32, s.InputLen())
	d.dw = make([]float32, s.FilterLen())
	d.db = make([]float32, s.K)
	ConvForwardRef(d.x, d.w, d.b, d.y, s)
	ConvBackwardDataRef(d.dy, d.w, d.dx, s)
	ConvBackwardFilterRef(d.x, d.dy, d.dw, d.db, s)
	return d
}

// poison returns n NaNs, so that a kernel that does not overwrite its
// output fails.
func poison(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

const convTol = 1e-5

func TestConvMethodsMatchReference(t *testing.T) {
	for _, tc := range testShapes {
		d := newConvData(tc.shape, 7)
		for _, m := range methods {
			t.Run(tc.name+"/"+m.String(), func(t *testing.T) {
				checkMethod(t, m, tc.shape, d)
			})
		}
	}
}

func checkMethod(t *testing.T, m method, s ConvShape, d convData) {
	t.Helper()
	for _, bias := range []bool{true, false} {
		y, dx := poison(s.OutputLen()), poison(s.InputLen())
		dw, db := poison(s.FilterLen()), poison(s.K)
		b, dbArg, want := d.b, db, d.y
		if !bias {
			b, dbArg = nil, nil
			want = make([]float32, len(d.y))
			ConvForwardRef(d.x, d.w, nil, want, s)
		}
		run(passForward, m, s, d.x, d.w, b, y)
		run(passBackwardData, m, s, d.dy, d.w, dx, nil)
		run(passBackwardFilter, m, s, d.x, d.dy, dw, dbArg)
		tag := fmt.Sprintf("bias=%v", bias)
		assertClose(t, tag+" forward", y, want, convTol)
		assertClose(t, tag+" backward data", dx, d.dx, convTol)
		assertClose(t, tag+" backward filter", dw, d.dw, convTol)
		if bias {
			assertClose(t, "bias gradient", db, d.db, convTol)
		}
	}
}

func TestConvPublicMatchesReference(t *testing.T) {
	for _, tc := range testShapes {
		t.Run(tc.name, func(t *testing.T) {
			s, d := tc.shape, newConvData(tc.shape, 3)
			y, dx := poison(s.OutputLen()), poison(s.InputLen())
			dw, db := poison(s.FilterLen()), poison(s.K)
			ConvForward(d.x, d.w, d.b, y, s)
			ConvBackwardData(d.dy, d.w, dx, s)
			ConvBackwardFilter(d.x, d.dy, dw, db, s)
			assertClose(t, "forward", y, d.y, convTol)
			assertClose(t, "backward data", dx, d.dx, convTol)
			assertClose(t, "backward filter", dw, d.dw, convTol)
			assertClose(t, "bias gradient", db, d.db, convTol)
		})
	}
}

// TestConvReferenceAdjoint checks the reference passes against each other:
// the convolution is linear in x and in w, so for any dy
// <dy, conv(x, w)> = <ConvBackwardData(dy, w), x> = <ConvBackwardFilter(x, dy), w>,
// and <dy, 1·b> = <db, b>.
func TestConvReferenceAdjoint(t *testing.T) {
	for _, tc := range testShapes {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.shape
			d := newConvData(s, 11)
			y := make([]float32, s.OutputLen())
			ConvForwardRef(d.x, d.w, nil, y, s)
			lhs := dot(d.dy, y)
			for _, c := range []struct {
				name string
				got  float64
			}{{"data", dot(d.dx, d.x)}, {"filter", dot(d.dw, d.w)}} {
				if math.Abs(c.got-lhs) > 1e-4*math.Max(1, math.Abs(lhs)) {
					t.Errorf("%s: <dy, conv(x)> = %g but adjoint gives %g", c.name, lhs, c.got)
				}
			}
			yb := make([]float32, s.OutputLen())
			ConvForwardRef(d.x, d.w, d.b, yb, s)
			if got, want := dot(d.db, d.b), dot(d.dy, yb)-lhs; math.Abs(got-want) > 1e-4*
				math.Max(1, math.Abs(want)) {
				t.Errorf("bias: <db, b> = %g, want %g", got, want)
			}
		})
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestConvShapeSame(t *testing.T) {
	for _, tc := range []struct {
		in, kernel, stride int
		pad, out           int
	}{
		{32, 3, 1, 1, 32}, {32, 1, 1, 0, 32}, {32, 2, 2, 0, 16}, {32, 4, 4, 0, 8},
		{7, 2, 2, 0, 3}, {8, 5, 1, 2, 8}, {8, 4, 1, 2, 8}, {9, 3, 2, 1, 4},
	} {
		s := same(1, 1, tc.in, tc.in, 1, tc.kernel, tc.stride)
		if s.PadBefore[0] != tc.pad || s.Out[0] != tc.out {
			t.Errorf("in %d kernel %d stride %d: pad %d out %d, want pad %d out %d", tc.in,
				tc.kernel, tc.stride, s.PadBefore[0], s.Out[0], tc.pad, tc.out)
		}
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestConvShapeValidateRejects(t *testing.T) {
	ok := same(2, 4, 8, 8, 4, 3, 1)
	for _, tc := range []struct {
		name string
		edit func(*ConvShape)
	}{
		{"zero batch", func(s *ConvShape) { s.N = 0 }},
		{"zero kernel", func(s *ConvShape) { s.Kernel[1] = 0 }},
		{"zero stride", func(s *ConvShape) { s.Stride[0] = 0 }},
		{"negative padding", func(s *ConvShape) { s.PadBefore[0] = -1 }},
		{"padding as large as the kernel", func(s *ConvShape) { s.PadBefore[1] = 3 }},
		{"output too large", func(s *ConvShape) { s.Out[0] = 10 }},
		{"output too small", func(s *ConvShape) { s.Out[1] = 6 }},
		{"huge tensor", func(s *ConvShape) { s.N = 1 << 30 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate()
			if !errors.Is(err, ErrShape) || !strings.HasPrefix(err.Error(), "cpu: ") {
				t.Errorf("Validate() = %v, want an ErrShape", err)
			}
		})
	}
}

func TestConvWrongLengthPanics(t *testing.T) {
	s := same(2, 4, 8, 8, 4, 3, 1)
	x, w, y := make([]float32, s.InputLen()), make([]float32, s.FilterLen()),
		make([]float32, s.OutputLen())
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"forward y", func() { ConvForward(x, w, nil, y[1:], s) }},
		{"forward bias", func() { ConvForward(x, w, make([]float32, 3), y, s) }},
		{"backward data dx", func() { ConvBackwardData(y, w, x[:3], s) }},
		{"backward filter dw", func() { ConvBackwardFilter(x, y, w[2:], nil, s) }},
		{"invalid shape", func() { ConvForward(x, w, nil, y, ConvShape{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "cpu: ") {
					t.Errorf("panic %q, want a cpu: message", msg)
				}
			}()
			tc.call()
		})
	}
}

func TestSgemmMatchesLoop(t *testing.T) {
	for _, useDNNL := range []bool{false, true} {
		t.Run(fmt.Sprintf("dnnl=%v", useDNNL), func(t *testing.T) {
			defer func(old bool) { sgemmDNNL = old }(sgemmDNNL)
			sgemmDNNL = useDNNL
			checkSgemm(t)
		})
	}
}

func checkSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const m, n, k = 5, 7, 9
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a := Matrix{Rows: m, Cols: k, Stride: k + 1}
			if ta {
				a = Matrix{Rows: k, Cols: m, Stride: m + 2}
			}
			b := Matrix{Rows: k, Cols: n, Stride: n}
			if tb {
				b = Matrix{Rows: n, Cols: k, Stride: k}
			}
			a.Data = randSlice(r, a.Rows*a.Stride)
			b.Data = randSlice(r, b.Rows*b.Stride)
			c := Matrix{Rows: m, Cols: n, Stride: n, Data: randSlice(r, m*n)}
			want := append([]float32(nil), c.Data...)
			for i := range m {
				for j := range n {
					var s float64
					for l := range k {
						s += float64(at(a, ta, i, l)) * float64(at(b, tb, l, j))
					}
					want[i*n+j] = float32(2*s + 0.5*float64(want[i*n+j]))
				}
			}
			Sgemm(ta, tb, 2, a, b, 0.5, c)
			assertClose(t, fmt.Sprintf("transA=%v transB=%v", ta, tb), c.Data, want, convTol)
		}
	}
}

func at(m Matrix, trans bool, i, j int) float32 {
	if trans {
		i, j = j, i
	}
	return m.Data[i*m.Stride+j]
}

func TestConvDoesNotAllocate(t *testing.T) {
	for _, tc := range testShapes[:6] {
		s, d := tc.shape, newConvData(tc.shape, 5)
		y, dx, dw := make([]float32, s.OutputLen()), make([]float32, s.InputLen()),
			make([]float32, s.FilterLen())
		for _, m := range methods {
			allocs := testing.AllocsPerRun(5, func() {
				run(passForward, m, s, d.x, d.w, d.b, y)
				run(passBackwardData, m, s, d.dy, d.w, dx, nil)
				run(passBackwardFilter, m, s, d.x, d.dy, dw, d.db)
			})
			if allocs != 0 {
				t.Errorf("%s/%v: %v allocations per call, want 0", tc.name, m, allocs)
			}
		}
		allocs := testing.AllocsPerRun(5, func() {
			ConvForward(d.x, d.w, d.b, y, s)
			ConvBackwardData(d.dy, d.w, dx, s)
			ConvBackwardFilter(d.x, d.dy, dw, d.db, s)
		})
		if allocs != 0 {
			t.Errorf("%s public: %v allocations per call, want 0", tc.name, allocs)
		}
	}
}

func TestInfo(t *testing.T) {
	t.Log(Info())
}

// TestConvPlanRunsOnAnotherOSThread guards the scratchpad policy: oneDNN's
// default scratchpad lives per OS thread, so a plan created on one thread
// crashed when a goroutine later ran it from another. Plans now carry a
// user-managed scratchpad.
func TestConvPlanRunsOnAnotherOSThread(t *testing.T) {
	ReleasePlans()
	s := same(4, 32, 16, 16, 32, 3, 1)
	d := newConvData(s, 13)
	dw, db := make([]float32, s.FilterLen()), make([]float32, s.K)
	onNewThread := func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Exiting while locked ends the OS thread, so the next call
			// runs on a different one.
			runtime.LockOSThread()
			for _, m := range []method{methodDNNL, methodDNNLBlocked} {
				run(passBackwardFilter, m, s, d.x, d.dy, dw, db)
				assertClose(t, m.String()+" backward filter", dw, d.dw, convTol)
			}
		}()
		<-done
	}
	onNewThread() // creates the plans
	onNewThread() // runs them elsewhere
}

// TestConvFallsBackWhenOneDNNHasNoPlan covers shapes oneDNN refuses: the
// failure is cached and the im2col path computes the pass instead.
func TestConvFallsBackWhenOneDNNHasNoPlan(t *testing.T) {
	s := testShapes[4].shape
	d := newConvData(s, 17)
	key := planKey{s, view{}, passForward, methodDNNLBlocked, true, 0, 1}
	mu.Lock()
	old, had := plans[key]
	refused := &DNNLError{Call: "dnnl_primitive_desc_create", Status: "unimplemented"}
	plans[key] = &dnnlPlan{err: refused}
	mu.Unlock()
	defer func() {
		mu.Lock()
		delete(plans, key)
		if had {
			plans[key] = old
		}
		mu.Unlock()
	}()
	y := poison(s.OutputLen())
	mu.Lock()
	runOn(0, 1, passForward, methodDNNLBlocked, s, d.x, d.w, d.b, y)
	mu.Unlock()
	assertClose(t, "forward", y, d.y, convTol)
}

func TestSgemmEmptyInnerDimensionScalesC(t *testing.T) {
	for _, useDNNL := range []bool{false, true} {
		c := Matrix{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
		a := Matrix{Rows: 2, Cols: 0, Stride: 1}
		b := Matrix{Rows: 0, Cols: 3, Stride: 3}
		sgemmDNNL, useDNNL = useDNNL, sgemmDNNL
		Sgemm(false, false, 1, a, b, 0.5, c)
		sgemmDNNL = useDNNL
		assertClose(t, fmt.Sprintf("dnnl=%v", !useDNNL), c.Data, []float32{0.5, 1, 1.5, 2, 2.5, 3}, 0)
	}
}
