package graph

import (
	"fmt"
	"strings"
)

// Builder appends nodes to a graph. It keeps a stack of layer-path
// components used for parameter names and error messages, and records the
// first error: once an error is set every method returns a placeholder and
// Err reports it.
type Builder struct {
	g    *Graph
	path []string
	err  error
}

// NewBuilder returns a builder over an empty graph.
func NewBuilder() *Builder {
	return &Builder{g: &Graph{Inputs: map[string]*Value{}, Outputs: map[string]*Value{}}}
}

// Extend returns a builder that appends to an existing graph.
func Extend(g *Graph) *Builder { return &Builder{g: g} }

// Graph returns the graph built so far.
func (b *Builder) Graph() *Graph { return b.g }

// Err returns the first error met while building.
func (b *Builder) Err() error { return b.err }

// Push enters a layer-path component; Pop leaves it.
func (b *Builder) Push(name string) { b.path = append(b.path, name) }

// Pop leaves the innermost layer-path component.
func (b *Builder) Pop() { b.path = b.path[:len(b.path)-1] }

// Pushf enters a formatted layer-path component.
func (b *Builder) Pushf(format string, args ...any) { b.Push(fmt.Sprintf(format, args...)) }

// Path is the current layer path, components joined by dots.
func (b *Builder) Path() string { return strings.Join(b.path, ".") }

func (b *Builder) qualify(name string) string {
	if len(b.path) == 0 {
		return name
	}
	return b.Path() + "." + name
}

// Fail records an error at the current path unless one is already set.
func (b *Builder) Fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("%w: %s: %s", ErrInvalid, b.Path(), fmt.Sprintf(format, args...))
	}
}

// add appends a node computing op over the inputs.
func (b *Builder) add(op Op, inputs ...*Value) *Value {
	shapes := make([]Shape, len(inputs))
	for i, v := range inputs {
		if v == nil {
			b.Fail("%v: input %d is missing", op.Kind(), i)
			return b.placeholder()
		}
		shapes[i] = v.Shape
	}
	if b.err != nil {
		return b.placeholder()
	}
	shape, err := op.Infer(shapes)
	if err != nil {
		b.Fail("%v: %v", op.Kind(), err)
		return b.placeholder()
	}
	n := &Node{ID: len(b.g.Nodes), Op: op, Inputs: inputs, Path: b.Path()}
	n.Out = &Value{ID: b.g.values, Shape: shape, Node: n}
	b.g.values++
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Out
}

func (b *Builder) placeholder() *Value {
	return &Value{ID: -1, Shape: Shape{1, 1, 1, 1}}
}

// Input declares a named placeholder.
func (b *Builder) Input(name string, shape Shape) *Value {
	if _, ok := b.g.Inputs[name]; ok {
		b.Fail("input %q declared twice", name)
		return b.placeholder()
	}
	v := b.add(Input{Name: name, Shape: shape})
	b.g.Inputs[name] = v
	return v
}

// Output marks a value as a named output.
func (b *Builder) Output(name string, v *Value) { b.g.Outputs[name] = v }

// Param declares a trainable parameter named by the current path plus name.
func (b *Builder) Param(name string, shape Shape, p Param) *Value {
	p.Name = b.qualify(name)
	p.Shape = shape
	if b.g.Param(p.Name) != nil {
		b.Fail("parameter %q declared twice", p.Name)
		return b.placeholder()
	}
	if p.Scale == 0 {
		p.Scale = 1
	}
	v := b.add(ParamRef{Name: p.Name, Shape: shape})
	p.Value = v
	b.g.Params = append(b.g.Params, &p)
	return v
}

// ScaleInit multiplies the initial values of an already declared parameter,
// as the reference does after construction (init scalers).
func (b *Builder) ScaleInit(name string, s float64) {
	if p := b.g.Param(b.qualify(name)); p != nil {
		p.Scale *= s
	}
}

// Conv2D applies a convolution with weight w and optional bias.
func (b *Builder) Conv2D(x, w, bias *Value, op Conv2D) *Value {
	if bias == nil {
		return b.add(op, x, w)
	}
	return b.add(op, x, w, bias)
}

// Unary applies an elementwise function.
func (b *Builder) Unary(fn UnaryFn, alpha float64, x *Value) *Value {
	return b.add(Unary{Fn: fn, Alpha: alpha}, x)
}

// Add, Sub, Mul and Div are broadcasting elementwise arithmetic.
func (b *Builder) Add(x, y *Value) *Value { return b.add(Binary{Fn: FnAdd}, x, y) }

// Sub is x - y with broadcasting.
func (b *Builder) Sub(x, y *Value) *Value { return b.add(Binary{Fn: FnSub}, x, y) }

// Mul is x * y with broadcasting.
func (b *Builder) Mul(x, y *Value) *Value { return b.add(Binary{Fn: FnMul}, x, y) }

// Div is x / y with broadcasting.
func (b *Builder) Div(x, y *Value) *Value { return b.add(Binary{Fn: FnDiv}, x, y) }

// Concat joins values along an axis.
func (b *Builder) Concat(axis int, xs ...*Value) *Value {
	return b.add(Concat{Axis: axis}, xs...)
}

// SliceAxis takes [begin, end) along one axis.
func (b *Builder) SliceAxis(x *Value, axis, begin, end int) *Value {
	var s Slice
	s.Begin[axis], s.End[axis] = begin, end
	return b.add(s, x)
}

// Slice takes a box of x.
func (b *Builder) Slice(x *Value, s Slice) *Value { return b.add(s, x) }

// Upsample repeats pixels by factor along H and W.
func (b *Builder) Upsample(x *Value, factor [2]int) *Value {
	return b.add(Upsample{Factor: factor}, x)
}

// BroadcastTo expands x to shape (a no-op when equal).
func (b *Builder) BroadcastTo(x *Value, shape Shape) *Value {
	if x.Shape.Equal(shape) {
		return x
	}
	op := BroadcastTo{Rank: len(shape)}
	copy(op.Shape[:], shape)
	return b.add(op, x)
}

// ReduceSumTo sums x down to shape (a no-op when equal).
func (b *Builder) ReduceSumTo(x *Value, shape Shape) *Value {
	if x.Shape.Equal(shape) {
		return x
	}
	op := ReduceSumTo{Rank: len(shape)}
	copy(op.Shape[:], shape)
	return b.add(op, x)
}

// SumAll reduces x to a tensor of the same rank with every dimension 1,
// except the batch dimension when keepBatch.
func (b *Builder) SumAll(x *Value, keepBatch bool) *Value {
	shape := make(Shape, len(x.Shape))
	for i := range shape {
		shape[i] = 1
	}
	if keepBatch {
		shape[0] = x.Shape[0]
	}
	return b.ReduceSumTo(x, shape)
}

// StopGrad returns x as a value through which no gradient flows.
func (b *Builder) StopGrad(x *Value) *Value { return b.add(StopGrad{}, x) }
