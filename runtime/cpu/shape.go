package cpu

import (
	"errors"
	"fmt"
	"math"
)

// ErrShape is the sentinel of every invalid ConvShape; errors.Is reports it.
var ErrShape = errors.New("cpu: invalid convolution shape")

// ConvShape fully describes one 2-D convolution: input N×C×H×W, filter
// K×C×KH×KW, stride, "same"-style padding given explicitly (PadBefore is
// top, left; the bottom/right padding is implied by Out), output N×K×OH×OW.
// All tensors are float32, NCHW (filters KCHW), contiguous.
//
// ConvShape is comparable and is the key of the per-shape plan cache.
type ConvShape struct {
	N, C, H, W int
	K          int
	Kernel     [2]int // KH, KW
	Stride     [2]int
	PadBefore  [2]int // top, left
	Out        [2]int // OH, OW
}

// Same returns s with PadBefore and Out set for the model's "same"
// padding: total padding Kernel-Stride per axis, the larger half before, so
// that Out = floor(In/Stride). Kernel must be at least Stride.
func (s ConvShape) Same() ConvShape {
	in := [2]int{s.H, s.W}
	for a := range 2 {
		total := s.Kernel[a] - s.Stride[a]
		s.PadBefore[a] = total - total/2
		s.Out[a] = (in[a]+total-s.Kernel[a])/s.Stride[a] + 1
	}
	return s
}

// PadAfter returns the bottom and right padding implied by Out:
// (Out-1)*Stride + Kernel - In - PadBefore. It is negative when the last
// input rows or columns are never read.
func (s ConvShape) PadAfter() [2]int {
	in := [2]int{s.H, s.W}
	var p [2]int
	for a := range 2 {
		p[a] = (s.Out[a]-1)*s.Stride[a] + s.Kernel[a] - in[a] - s.PadBefore[a]
	}
	return p
}

// InputLen returns the element count of the input x (and dx): N·C·H·W.
func (s ConvShape) InputLen() int { return s.N * s.C * s.H * s.W }

// FilterLen returns the element count of the filter w (and dw): K·C·KH·KW.
func (s ConvShape) FilterLen() int { return s.K * s.C * s.Kernel[0] * s.Kernel[1] }

// OutputLen returns the element count of the output y (and dy): N·K·OH·OW.
func (s ConvShape) OutputLen() int { return s.N * s.K * s.Out[0] * s.Out[1] }

// FLOPs returns the floating-point operations of one pass (forward,
// backward-data and backward-filter each cost the same):
// 2·N·K·OH·OW·C·KH·KW.
func (s ConvShape) FLOPs() float64 {
	return 2 * float64(s.OutputLen()) * float64(s.C*s.Kernel[0]*s.Kernel[1])
}

// String formats s compactly, e.g. "n32_c64_k64_16x16_k3x3_s1x1".
func (s ConvShape) String() string {
	return fmt.Sprintf("n%d_c%d_k%d_%dx%d_k%dx%d_s%dx%d_p%dx%d_o%dx%d", s.N, s.C, s.K, s.H,
		s.W, s.Kernel[0], s.Kernel[1], s.Stride[0], s.Stride[1], s.PadBefore[0],
		s.PadBefore[1], s.Out[0], s.Out[1])
}

// Validate reports whether s describes a convolution the kernels accept:
// positive sizes, 0 <= PadBefore < Kernel, an implied PadAfter in
// (-Stride, Kernel), and tensors of fewer than 2^31 elements (OpenBLAS
// takes 32-bit sizes). Errors wrap ErrShape.
func (s ConvShape) Validate() error {
	if s.N < 1 || s.C < 1 || s.H < 1 || s.W < 1 || s.K < 1 {
		return fmt.Errorf("%w %v: sizes must be positive", ErrShape, s)
	}
	after := s.PadAfter()
	for a, axis := range [2]string{"height", "width"} {
		k, st, pb := s.Kernel[a], s.Stride[a], s.PadBefore[a]
		switch {
		case k < 1 || st < 1 || s.Out[a] < 1:
			return fmt.Errorf("%w %v: %s kernel, stride and output must be positive",
				ErrShape, s, axis)
		case pb < 0 || pb >= k:
			return fmt.Errorf("%w %v: %s padding before %d outside [0, %d)", ErrShape, s,
				axis, pb, k)
		case after[a] <= -st || after[a] >= k:
			return fmt.Errorf("%w %v: %s output %d implies padding after %d outside (%d, %d)",
				ErrShape, s, axis, s.Out[a], after[a], -st, k)
		}
	}
	for _, n := range [...]float64{
		float64(s.N) * float64(s.C) * float64(s.H) * float64(s.W),
		float64(s.N) * float64(s.K) * float64(s.Out[0]) * float64(s.Out[1]),
		float64(s.C) * float64(s.K) * float64(s.Kernel[0]) * float64(s.Kernel[1]),
	} {
		if n >= math.MaxInt32 {
			return fmt.Errorf("%w %v: a tensor has 2^31 elements or more", ErrShape, s)
		}
	}
	return nil
}

// mustValid panics with s's validation error and checks the slice lengths
// of one call; misuse is a programmer bug.
func (s ConvShape) mustValid(op string, lens ...namedLen) {
	if err := s.Validate(); err != nil {
		panic(fmt.Sprintf("cpu: %s: %v", op, err))
	}
	for _, l := range lens {
		if l.got != l.want {
			panic(fmt.Sprintf("cpu: %s: len(%s) = %d, want %d for %v", op, l.name, l.got,
				l.want, s))
		}
	}
}

// namedLen is one length check of mustValid.
type namedLen struct {
	name      string
	got, want int
}
