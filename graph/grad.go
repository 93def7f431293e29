package graph

import "fmt"

// vjpFunc returns the gradients of a node's inputs given the gradient g of
// its output; a nil entry means the input gets no gradient.
type vjpFunc func(b *Builder, n *Node, g *Value) []*Value

// vjps is the one table of vector-Jacobian products, keyed by op kind.
var vjps = map[OpKind]vjpFunc{}

// Grad appends to g the nodes computing d(loss)/d(p) for every parameter and
// returns them by parameter name. loss must have a single element. Nodes
// that do not lead to the loss get no gradient nodes.
func Grad(g *Graph, loss *Value) (map[string]*Value, error) {
	if loss.Shape.Size() != 1 || (len(loss.Shape) > 0 && loss.Shape[0] == Batch) {
		return nil, fmt.Errorf("%w: grad: loss must be a scalar, got %v", ErrInvalid, loss.Shape)
	}
	b := Extend(g)
	nodes := g.Nodes
	adj := make(map[*Value]*Value)
	adj[loss] = b.ones(loss)
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		gout := adj[n.Out]
		if gout == nil || n.Op.Kind() == KindInput || n.Op.Kind() == KindParam {
			continue
		}
		f := vjps[n.Op.Kind()]
		if f == nil {
			return nil, fmt.Errorf("%w: grad: no gradient for %v at %s", ErrInvalid, n.Op.Kind(), n.Path)
		}
		b.path = []string{"grad", n.Path}
		gins := f(b, n, gout)
		for j, gi := range gins {
			if gi == nil {
				continue
			}
			x := n.Inputs[j]
			if !gi.Shape.Equal(x.Shape) {
				return nil, fmt.Errorf("%w: grad: %v at %s: gradient %v for input %v",
					ErrInvalid, n.Op.Kind(), n.Path, gi.Shape, x.Shape)
			}
			if prev := adj[x]; prev != nil {
				gi = b.Add(prev, gi)
			}
			adj[x] = gi
		}
		if b.err != nil {
			return nil, b.err
		}
	}
	out := make(map[string]*Value, len(g.Params))
	for _, p := range g.Params {
		if gv := adj[p.Value]; gv != nil {
			out[p.Name] = gv
		}
	}
	return out, nil
}

// ones returns a constant tensor of ones shaped like v, built from v itself
// so that no constant op is needed: v*0 + 1.
func (b *Builder) ones(v *Value) *Value {
	return b.Unary(FnAddConst, 1, b.Unary(FnScale, 0, v))
}
