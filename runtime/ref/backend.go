package ref

import (
	"fmt"

	"vdvae/graph"
	"vdvae/runtime"
)

// Backend is the pure-Go reference backend.
type Backend struct{}

var _ runtime.Backend = Backend{}

func init() { runtime.Register(Backend{}) }

// Name implements runtime.Backend.
func (Backend) Name() string { return "ref" }

// Kernel implements runtime.Backend.
func (Backend) Kernel(n *graph.Node, in []graph.Shape, out graph.Shape) (runtime.Kernel, error) {
	switch op := n.Op.(type) {
	case graph.Conv2D:
		s := convShape(op, in[0], out)
		hasBias := len(in) == 3
		return func(a [][]float32, y []float32) {
			var b []float32
			if hasBias {
				b = a[2]
			}
			ConvForward(a[0], a[1], b, y, s)
		}, nil
	case graph.ConvBwdData:
		s := convShape(op.Conv, out, in[0])
		return func(a [][]float32, y []float32) { ConvBackwardData(a[0], a[1], y, s) }, nil
	case graph.ConvBwdFilter:
		s := convShape(op.Conv, in[0], in[1])
		return func(a [][]float32, y []float32) { ConvBackwardFilter(a[0], a[1], y, s) }, nil
	case graph.ConvBwdBias:
		return biasGrad(in[0]), nil
	case graph.Unary:
		f := unaryFunc(op.Fn, op.Alpha)
		return func(a [][]float32, y []float32) {
			for i, x := range a[0] {
				y[i] = f(x)
			}
		}, nil
	case graph.UnaryGrad:
		d := unaryDeriv(op.Fn, op.Alpha)
		return func(a [][]float32, y []float32) {
			g := a[1]
			for i, x := range a[0] {
				y[i] = g[i] * d(x)
			}
		}, nil
	case graph.Binary:
		return binary(op.Fn, in[0], in[1], out), nil
	case graph.Concat:
		return concat(op.Axis, in, out), nil
	case graph.Slice:
		return slice(op, in[0], out), nil
	case graph.Pad:
		return pad(op, in[0], out), nil
	case graph.Upsample:
		return upsample(op.Factor, in[0]), nil
	case graph.SumPool:
		return sumPool(op.Factor, out), nil
	case graph.BroadcastTo:
		return broadcast(in[0], out), nil
	case graph.ReduceSumTo:
		return reduceTo(in[0], out), nil
	case graph.StopGrad:
		return func(a [][]float32, y []float32) { copy(y, a[0]) }, nil
	case graph.DMoLNLL:
		return func(a [][]float32, y []float32) { DMoLForward(op, a[0], a[1], y, in[0]) }, nil
	case graph.DMoLGrad:
		return func(a [][]float32, y []float32) { DMoLBackward(op.NLL, a[0], a[1], a[2], y, in[0]) }, nil
	}
	return nil, fmt.Errorf("%w: %v", runtime.ErrUnsupported, n.Op.Kind())
}
