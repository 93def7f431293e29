package cpu

import (
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// Backend is the CPU backend: convolutions go to the optimized kernels of
// this package, every other op runs the reference Go kernel. Registered as
// "cpu". Kernels of one program run on one goroutine at a time.
type Backend struct{ ref.Backend }

var _ runtime.Backend = Backend{}

func init() { runtime.Register(Backend{}) }

// Name implements runtime.Backend.
func (Backend) Name() string { return "cpu" }

// Kernel implements runtime.Backend.
func (b Backend) Kernel(n *graph.Node, in []graph.Shape, out graph.Shape) (runtime.Kernel, error) {
	switch op := n.Op.(type) {
	case graph.Conv2D:
		s := shapeOf(op, in[0], out)
		if len(in) == 3 {
			return func(a [][]float32, y []float32) { ConvForward(a[0], a[1], a[2], y, s) }, nil
		}
		return func(a [][]float32, y []float32) { ConvForward(a[0], a[1], nil, y, s) }, nil
	case graph.ConvBwdData:
		s := shapeOf(op.Conv, out, in[0])
		return func(a [][]float32, y []float32) { ConvBackwardData(a[0], a[1], y, s) }, nil
	case graph.ConvBwdFilter:
		s := shapeOf(op.Conv, in[0], in[1])
		return func(a [][]float32, y []float32) { ConvBackwardFilter(a[0], a[1], y, nil, s) }, nil
	case graph.Unary:
		if fastUnary(op.Fn) {
			return unaryKernel(op), nil
		}
	case graph.UnaryGrad:
		if fastUnary(op.Fn) {
			return unaryGradKernel(op), nil
		}
	case graph.Binary:
		if in[0].Equal(out) && in[1].Equal(out) {
			return binaryKernel(op), nil
		}
	case graph.ConvBwdBias:
		return biasGradKernel(in[0]), nil
	}
	return b.Backend.Kernel(n, in, out)
}

func shapeOf(op graph.Conv2D, x, y graph.Shape) ConvShape {
	return ConvShape{N: x[0], C: x[1], H: x[2], W: x[3], K: y[1], Kernel: op.Kernel,
		Stride: op.Stride, PadBefore: op.PadBefore, Out: [2]int{y[2], y[3]}}
}
