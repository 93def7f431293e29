package graph

import "fmt"

// Conv2D is a 2-D convolution over NCHW input x with filter w (K,C,KH,KW)
// and an optional bias b (K):
//
//	y[n,k,i,j] = b[k] + sum_{c,u,v} w[k,c,u,v] * x[n,c,i*S0+u-P0, j*S1+v-P1]
//
// with zero outside the input. PadBefore/PadAfter are the top/left and
// bottom/right paddings.
type Conv2D struct {
	Kernel    [2]int
	Stride    [2]int
	PadBefore [2]int
	PadAfter  [2]int
}

// SamePadding returns the reference's "same" padding for a kernel and stride:
// kernel - stride in total per axis, the larger half before.
func SamePadding(kernel, stride [2]int) (before, after [2]int) {
	for i := 0; i < 2; i++ {
		t := kernel[i] - stride[i]
		if t < 0 {
			t = 0
		}
		before[i] = (t + 1) / 2
		after[i] = t / 2
	}
	return before, after
}

// Kind implements Op.
func (Conv2D) Kind() OpKind { return KindConv2D }

// OutHW returns the output height and width for an input of h x w.
func (o Conv2D) OutHW(h, w int) (int, int) {
	oh := (h+o.PadBefore[0]+o.PadAfter[0]-o.Kernel[0])/o.Stride[0] + 1
	ow := (w+o.PadBefore[1]+o.PadAfter[1]-o.Kernel[1])/o.Stride[1] + 1
	return oh, ow
}

// Infer implements Op. Inputs: x, w and optionally b.
func (o Conv2D) Infer(in []Shape) (Shape, error) {
	if len(in) != 2 && len(in) != 3 {
		return nil, fmt.Errorf("conv2d wants x, w[, b], got %d inputs", len(in))
	}
	x, w := in[0], in[1]
	if err := wantRank(x, 4, "conv2d input"); err != nil {
		return nil, err
	}
	if err := wantRank(w, 4, "conv2d weight"); err != nil {
		return nil, err
	}
	if x[1] != w[1] {
		return nil, fmt.Errorf("conv2d input has %d channels but weight %v expects %d", x[1], w, w[1])
	}
	if w[2] != o.Kernel[0] || w[3] != o.Kernel[1] {
		return nil, fmt.Errorf("conv2d weight %v does not match kernel %v", w, o.Kernel)
	}
	if len(in) == 3 && !in[2].Equal(Shape{w[0]}) {
		return nil, fmt.Errorf("conv2d bias %v does not match %d filters", in[2], w[0])
	}
	if o.Stride[0] < 1 || o.Stride[1] < 1 {
		return nil, fmt.Errorf("conv2d stride %v must be positive", o.Stride)
	}
	if x[2]%o.Stride[0] != 0 || x[3]%o.Stride[1] != 0 {
		return nil, fmt.Errorf("conv2d input %v is not divisible by stride %v", x, o.Stride)
	}
	oh, ow := o.OutHW(x[2], x[3])
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("conv2d input %v too small for kernel %v", x, o.Kernel)
	}
	return Shape{x[0], w[0], oh, ow}, nil
}

// ConvBwdData is the gradient of Conv2D with respect to its input x.
// Inputs: dy, w. InHW is the height and width of x.
type ConvBwdData struct {
	Conv Conv2D
	InHW [2]int
}

// Kind implements Op.
func (ConvBwdData) Kind() OpKind { return KindConvBwdData }

// Infer implements Op.
func (o ConvBwdData) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	return Shape{in[0][0], in[1][1], o.InHW[0], o.InHW[1]}, nil
}

// ConvBwdFilter is the gradient of Conv2D with respect to w.
// Inputs: x, dy.
type ConvBwdFilter struct {
	Conv Conv2D
}

// Kind implements Op.
func (ConvBwdFilter) Kind() OpKind { return KindConvBwdFilter }

// Infer implements Op.
func (o ConvBwdFilter) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	return Shape{in[1][1], in[0][1], o.Conv.Kernel[0], o.Conv.Kernel[1]}, nil
}

// ConvBwdBias is the gradient of Conv2D with respect to b:
// db[k] = sum_{n,i,j} dy[n,k,i,j]. Input: dy.
type ConvBwdBias struct{}

// Kind implements Op.
func (ConvBwdBias) Kind() OpKind { return KindConvBwdBias }

// Infer implements Op.
func (ConvBwdBias) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	return Shape{in[0][1]}, nil
}

func init() {
	vjps[KindConv2D] = func(b *Builder, n *Node, g *Value) []*Value {
		op := n.Op.(Conv2D)
		x, w := n.Inputs[0], n.Inputs[1]
		out := []*Value{
			b.add(ConvBwdData{Conv: op, InHW: [2]int{x.Shape[2], x.Shape[3]}}, g, w),
			b.add(ConvBwdFilter{Conv: op}, x, g),
		}
		if len(n.Inputs) == 3 {
			out = append(out, b.add(ConvBwdBias{}, g))
		}
		return out
	}
}
