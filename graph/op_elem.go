package graph

import "fmt"

// UnaryFn names an elementwise function of one tensor. Alpha is its parameter.
type UnaryFn uint8

// The unary functions. Each comment is the definition used by every runtime.
const (
	// FnSiLU: x * sigmoid(x).
	FnSiLU UnaryFn = iota
	// FnLeakyReLU: x if x >= 0, else Alpha * x.
	FnLeakyReLU
	// FnSoftplus: log(1 + exp(Alpha x)) / Alpha.
	FnSoftplus
	// FnExp: exp(Alpha x).
	FnExp
	// FnLog: log(x).
	FnLog
	// FnTanh: tanh(x).
	FnTanh
	// FnSigmoid: 1 / (1 + exp(-x)).
	FnSigmoid
	// FnSquare: x * x.
	FnSquare
	// FnScale: Alpha * x.
	FnScale
	// FnAddConst: x + Alpha.
	FnAddConst
)

var unaryNames = [...]string{
	FnSiLU: "silu", FnLeakyReLU: "leaky_relu", FnSoftplus: "softplus", FnExp: "exp",
	FnLog: "log", FnTanh: "tanh", FnSigmoid: "sigmoid", FnSquare: "square",
	FnScale: "scale", FnAddConst: "add_const",
}

// String returns the function's name.
func (f UnaryFn) String() string {
	if int(f) < len(unaryNames) {
		return unaryNames[f]
	}
	return fmt.Sprintf("UnaryFn(%d)", f)
}

// Unary applies Fn elementwise.
type Unary struct {
	Fn    UnaryFn
	Alpha float64
}

// Kind implements Op.
func (Unary) Kind() OpKind { return KindUnary }

// Infer implements Op.
func (Unary) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	return in[0], nil
}

// UnaryGrad is the vector-Jacobian product of Unary: given x and the output
// gradient g it returns g * f'(x). Inputs: x, g.
type UnaryGrad struct {
	Fn    UnaryFn
	Alpha float64
}

// Kind implements Op.
func (UnaryGrad) Kind() OpKind { return KindUnaryGrad }

// Infer implements Op.
func (UnaryGrad) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	if !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("unary grad shapes differ: %v and %v", in[0], in[1])
	}
	return in[0], nil
}

// BinaryFn names an elementwise function of two tensors.
type BinaryFn uint8

// The binary functions.
const (
	FnAdd BinaryFn = iota
	FnSub
	FnMul
	FnDiv
)

// String returns the function's name.
func (f BinaryFn) String() string {
	return [...]string{"add", "sub", "mul", "div"}[f]
}

// Binary applies Fn elementwise with broadcasting: the shapes have equal rank
// and each pair of dimensions is equal or one of them is 1.
type Binary struct {
	Fn BinaryFn
}

// Kind implements Op.
func (Binary) Kind() OpKind { return KindBinary }

// Infer implements Op.
func (o Binary) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	return Broadcast(in[0], in[1])
}

// Broadcast returns the shape two operands broadcast to.
func Broadcast(a, b Shape) (Shape, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("cannot broadcast %v with %v: ranks differ", a, b)
	}
	out := make(Shape, len(a))
	for i := range a {
		switch {
		case a[i] == b[i]:
			out[i] = a[i]
		case a[i] == 1:
			out[i] = b[i]
		case b[i] == 1:
			out[i] = a[i]
		default:
			return nil, fmt.Errorf("cannot broadcast %v with %v at dimension %d", a, b, i)
		}
	}
	return out, nil
}

func init() {
	vjps[KindUnary] = func(b *Builder, n *Node, g *Value) []*Value {
		op := n.Op.(Unary)
		switch op.Fn {
		case FnScale:
			return []*Value{b.Unary(FnScale, op.Alpha, g)}
		case FnAddConst:
			return []*Value{g}
		}
		return []*Value{b.add(UnaryGrad{Fn: op.Fn, Alpha: op.Alpha}, n.Inputs[0], g)}
	}
	vjps[KindBinary] = func(b *Builder, n *Node, g *Value) []*Value {
		x, y := n.Inputs[0], n.Inputs[1]
		var gx, gy *Value
		switch n.Op.(Binary).Fn {
		case FnAdd:
			gx, gy = g, g
		case FnSub:
			gx, gy = g, b.Unary(FnScale, -1, g)
		case FnMul:
			gx, gy = b.Mul(g, y), b.Mul(g, x)
		case FnDiv:
			// d(x/y)/dx = 1/y; d(x/y)/dy = -x/y^2 = -out/y.
			gx = b.Div(g, y)
			gy = b.Unary(FnScale, -1, b.Div(b.Mul(g, n.Out), y))
		}
		return []*Value{b.ReduceSumTo(gx, x.Shape), b.ReduceSumTo(gy, y.Shape)}
	}
}
