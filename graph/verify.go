package graph

import "fmt"

// Verify checks a graph's invariants: nodes in topological order with
// consecutive IDs, each input produced by an earlier node, every recorded
// shape equal to what the op infers from its inputs, and leaves, parameters
// and outputs that belong to the graph. Tests run it after every pass
// (building, differentiation).
func Verify(g *Graph) error {
	pos := make(map[*Value]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.ID != i || n.Out == nil || n.Out.Node != n {
			return fmt.Errorf("%w: verify: node %d (%v at %s) is misnumbered", ErrInvalid, i, n.Op.Kind(), n.Path)
		}
		shapes := make([]Shape, len(n.Inputs))
		for j, in := range n.Inputs {
			k, ok := pos[in]
			if !ok || k >= i {
				return fmt.Errorf("%w: verify: %v at %s reads input %d before it is computed",
					ErrInvalid, n.Op.Kind(), n.Path, j)
			}
			shapes[j] = in.Shape
		}
		want, err := n.Op.Infer(shapes)
		if err != nil || !want.Equal(n.Out.Shape) {
			return fmt.Errorf("%w: verify: %v at %s has shape %v, its inputs give %v (%v)",
				ErrInvalid, n.Op.Kind(), n.Path, n.Out.Shape, want, err)
		}
		pos[n.Out] = i
	}
	for _, p := range g.Params {
		ref, isRef := p.Value.Node.Op.(ParamRef)
		if _, ok := pos[p.Value]; !ok || !isRef || ref.Name != p.Name || !ref.Shape.Equal(p.Shape) {
			return fmt.Errorf("%w: verify: parameter %s has no matching node", ErrInvalid, p.Name)
		}
	}
	for name, v := range g.Inputs {
		if in, ok := v.Node.Op.(Input); !ok || in.Name != name {
			return fmt.Errorf("%w: verify: input %s has no matching node", ErrInvalid, name)
		}
	}
	for name, v := range g.Outputs {
		if _, ok := pos[v]; !ok {
			return fmt.Errorf("%w: verify: output %s is not in the graph", ErrInvalid, name)
		}
	}
	return nil
}
