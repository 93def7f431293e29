package graph

import "fmt"

// Concat joins its inputs along Axis.
type Concat struct {
	Axis int
}

// Kind implements Op.
func (Concat) Kind() OpKind { return KindConcat }

// Infer implements Op.
func (o Concat) Infer(in []Shape) (Shape, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("concat wants at least one input")
	}
	out := append(Shape(nil), in[0]...)
	if o.Axis < 0 || o.Axis >= len(out) {
		return nil, fmt.Errorf("concat axis %d out of range for %v", o.Axis, out)
	}
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, fmt.Errorf("concat of %v and %v: ranks differ", in[0], s)
		}
		for i := range s {
			if i != o.Axis && s[i] != out[i] {
				return nil, fmt.Errorf("concat of %v and %v along axis %d: other dims differ", in[0], s, o.Axis)
			}
		}
		out[o.Axis] += s[o.Axis]
	}
	return out, nil
}

// Slice takes the box [Begin, End) of its input; axes not listed keep their
// full extent. Begin and End have one entry per axis, and an End of 0 means
// the full extent.
type Slice struct {
	Begin [5]int
	End   [5]int
}

// Kind implements Op.
func (Slice) Kind() OpKind { return KindSlice }

// Infer implements Op.
func (o Slice) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	if len(x) > 5 {
		return nil, fmt.Errorf("slice supports rank <= 5, got %v", x)
	}
	out := make(Shape, len(x))
	for i, d := range x {
		end := o.End[i]
		if end == 0 {
			end = d
			if d == Batch {
				out[i] = Batch
				if o.Begin[i] != 0 {
					return nil, fmt.Errorf("slice cannot offset the batch axis")
				}
				continue
			}
		}
		if o.Begin[i] < 0 || end > d || o.Begin[i] >= end {
			return nil, fmt.Errorf("slice [%d,%d) out of range on axis %d of %v", o.Begin[i], end, i, x)
		}
		out[i] = end - o.Begin[i]
	}
	return out, nil
}

// Pad places its input at offset Begin inside zeros of shape Shape (Shape's
// batch dimension follows the input). It is the adjoint of Slice.
type Pad struct {
	Begin [5]int
	Shape [5]int
	Rank  int
}

// Kind implements Op.
func (Pad) Kind() OpKind { return KindPad }

// Infer implements Op.
func (o Pad) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	out := make(Shape, o.Rank)
	for i := range out {
		out[i] = o.Shape[i]
		if in[0][i] == Batch {
			out[i] = Batch
		}
	}
	return out, nil
}

// Upsample repeats each pixel Factor times along H and W (nearest
// neighbour).
type Upsample struct {
	Factor [2]int
}

// Kind implements Op.
func (Upsample) Kind() OpKind { return KindUpsample }

// Infer implements Op.
func (o Upsample) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	if err := wantRank(in[0], 4, "upsample input"); err != nil {
		return nil, err
	}
	x := in[0]
	return Shape{x[0], x[1], x[2] * o.Factor[0], x[3] * o.Factor[1]}, nil
}

// SumPool sums non-overlapping Factor windows; it is the adjoint of Upsample.
type SumPool struct {
	Factor [2]int
}

// Kind implements Op.
func (SumPool) Kind() OpKind { return KindSumPool }

// Infer implements Op.
func (o SumPool) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	if len(x) != 4 || x[2]%o.Factor[0] != 0 || x[3]%o.Factor[1] != 0 {
		return nil, fmt.Errorf("sum pool %v does not divide %v", o.Factor, x)
	}
	return Shape{x[0], x[1], x[2] / o.Factor[0], x[3] / o.Factor[1]}, nil
}

// BroadcastTo expands its input to Shape: size-1 dimensions repeat. Shape's
// first dimension may be Batch, bound when the graph runs.
type BroadcastTo struct {
	Shape [5]int
	Rank  int
}

// Kind implements Op.
func (BroadcastTo) Kind() OpKind { return KindBroadcastTo }

// Infer implements Op.
func (o BroadcastTo) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	target := Shape(append([]int(nil), o.Shape[:o.Rank]...))
	out, err := Broadcast(in[0], target)
	if err != nil || !out.Equal(target) {
		return nil, fmt.Errorf("cannot broadcast %v to %v", in[0], target)
	}
	return out, nil
}

// ReduceSumTo sums its input down to Shape, where every reduced dimension
// is 1 in Shape. It is the adjoint of broadcasting.
type ReduceSumTo struct {
	Shape [5]int
	Rank  int
}

// Kind implements Op.
func (ReduceSumTo) Kind() OpKind { return KindReduceSumTo }

// Infer implements Op.
func (o ReduceSumTo) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	if len(in[0]) != o.Rank {
		return nil, fmt.Errorf("reduce of %v to rank %d", in[0], o.Rank)
	}
	out := make(Shape, o.Rank)
	for i := range out {
		out[i] = o.Shape[i]
		if out[i] != 1 && out[i] != in[0][i] {
			return nil, fmt.Errorf("cannot reduce %v to %v", in[0], o.Shape[:o.Rank])
		}
	}
	return out, nil
}

// StopGrad is the identity whose input receives no gradient.
type StopGrad struct{}

// Kind implements Op.
func (StopGrad) Kind() OpKind { return KindStopGrad }

// Infer implements Op.
func (StopGrad) Infer(in []Shape) (Shape, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, err
	}
	return in[0], nil
}

func init() {
	vjps[KindStopGrad] = func(*Builder, *Node, *Value) []*Value { return []*Value{nil} }
	vjps[KindConcat] = func(b *Builder, n *Node, g *Value) []*Value {
		axis := n.Op.(Concat).Axis
		out := make([]*Value, len(n.Inputs))
		off := 0
		for i, x := range n.Inputs {
			out[i] = b.SliceAxis(g, axis, off, off+x.Shape[axis])
			off += x.Shape[axis]
		}
		return out
	}
	vjps[KindSlice] = func(b *Builder, n *Node, g *Value) []*Value {
		op := n.Op.(Slice)
		x := n.Inputs[0]
		p := Pad{Begin: op.Begin, Rank: len(x.Shape)}
		copy(p.Shape[:], x.Shape)
		return []*Value{b.add(p, g)}
	}
	vjps[KindPad] = func(b *Builder, n *Node, g *Value) []*Value {
		op := n.Op.(Pad)
		s := Slice{Begin: op.Begin}
		for i, d := range n.Inputs[0].Shape {
			if d != Batch {
				s.End[i] = op.Begin[i] + d
			}
		}
		return []*Value{b.add(s, g)}
	}
	vjps[KindUpsample] = func(b *Builder, n *Node, g *Value) []*Value {
		return []*Value{b.add(SumPool{Factor: n.Op.(Upsample).Factor}, g)}
	}
	vjps[KindSumPool] = func(b *Builder, n *Node, g *Value) []*Value {
		return []*Value{b.add(Upsample{Factor: n.Op.(SumPool).Factor}, g)}
	}
	vjps[KindBroadcastTo] = func(b *Builder, n *Node, g *Value) []*Value {
		return []*Value{b.ReduceSumTo(g, n.Inputs[0].Shape)}
	}
	vjps[KindReduceSumTo] = func(b *Builder, n *Node, g *Value) []*Value {
		return []*Value{b.BroadcastTo(g, n.Inputs[0].Shape)}
	}
}
