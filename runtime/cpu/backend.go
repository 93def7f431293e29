package cpu

import (
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// Backend is the CPU backend: convolutions go to oneDNN, elementwise,
// reduction and layout ops to the C and Go kernels of this package, and any
// op without one here (or a pattern they do not cover) to the reference Go
// kernel. Registered as "cpu". Kernels of one program run on one goroutine
// at a time.
type Backend struct{ ref.Backend }

var _ runtime.Backend = Backend{}

func init() { runtime.Register(Backend{}) }

// Name implements runtime.Backend.
func (Backend) Name() string { return "cpu" }

// Kernel implements runtime.Backend.
func (b Backend) Kernel(n *graph.Node, in []graph.Shape, out graph.Shape) (runtime.Kernel, error) {
	if k := b.kernel(n, in, out); k != nil {
		return k, nil
	}
	return b.Backend.Kernel(n, in, out)
}

// kernel returns this package's kernel for n, or nil.
func (b Backend) kernel(n *graph.Node, in []graph.Shape, out graph.Shape) runtime.Kernel {
	switch op := n.Op.(type) {
	case graph.Conv2D:
		s := shapeOf(op, in[0], out)
		if len(in) == 3 {
			return func(a [][]float32, y []float32) { ConvForward(a[0], a[1], a[2], y, s) }
		}
		return func(a [][]float32, y []float32) { ConvForward(a[0], a[1], nil, y, s) }
	case graph.ConvBwdData:
		s := shapeOf(op.Conv, out, in[0])
		return func(a [][]float32, y []float32) { ConvBackwardData(a[0], a[1], y, s) }
	case graph.ConvBwdFilter:
		s := shapeOf(op.Conv, in[0], in[1])
		return func(a [][]float32, y []float32) { ConvBackwardFilter(a[0], a[1], y, nil, s) }
	case graph.ConvBwdBias:
		return newReduceKernel(in[0][0], in[0][1], in[0][2]*in[0][3], false)
	case graph.Unary:
		return newUnaryKernel(op.Fn, op.Alpha, false)
	case graph.UnaryGrad:
		return newUnaryKernel(op.Fn, op.Alpha, true)
	case graph.Binary:
		return newBinaryKernel(op.Fn, in[0], in[1], out)
	case graph.ReduceSumTo:
		if r1, k, r2, ok := reduceAxes(in[0], out); ok {
			return newReduceKernel(r1, k, r2, false)
		}
	case graph.BroadcastTo:
		if r1, k, r2, ok := reduceAxes(out, in[0]); ok {
			return newReduceKernel(r1, k, r2, true)
		}
	case graph.Upsample:
		return newPoolKernel(true, op.Factor, in[0])
	case graph.SumPool:
		return newPoolKernel(false, op.Factor, out)
	case graph.DMoLNLL:
		if k := newDMoLKernel(op, in[0], false); k != nil {
			return k
		}
	case graph.DMoLGrad:
		if k := newDMoLKernel(op.NLL, in[0], true); k != nil {
			return k
		}
	case graph.Slice:
		return sliceKernel(op, in[0], out)
	case graph.Pad:
		return padKernel(op, in[0], out)
	}
	return nil
}

func shapeOf(op graph.Conv2D, x, y graph.Shape) ConvShape {
	return ConvShape{N: x[0], C: x[1], H: x[2], W: x[3], K: y[1], Kernel: op.Kernel,
		Stride: op.Stride, PadBefore: op.PadBefore, Out: [2]int{y[2], y[3]}}
}
