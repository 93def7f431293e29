package graph

import (
	"errors"
	"fmt"
	"strings"
)

// Batch marks the symbolic batch dimension in a Shape.
const Batch = -1

// ErrInvalid is wrapped by every error about a malformed graph or shape.
var ErrInvalid = errors.New("graph: invalid")

// Shape is a tensor shape. Dimension 0 may be Batch.
type Shape []int

// String formats the shape as (N,3,32,32).
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d == Batch {
			parts[i] = "N"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// Equal reports whether two shapes are identical.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Bind returns the shape with the batch dimension set to n.
func (s Shape) Bind(n int) Shape {
	out := append(Shape(nil), s...)
	if len(out) > 0 && out[0] == Batch {
		out[0] = n
	}
	return out
}

// Size is the number of elements of a bound shape; a Batch dimension counts as 1.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		if d != Batch {
			n *= d
		}
	}
	return n
}

// Value is one tensor produced by a node.
type Value struct {
	ID    int
	Shape Shape
	Node  *Node
}

// Node is one operation applied to its inputs.
type Node struct {
	ID     int
	Op     Op
	Inputs []*Value
	Out    *Value
	// Path is the layer path of the code that built the node.
	Path string
}

// InitKind says how a parameter is initialised.
type InitKind uint8

// The initialisers of the reference model.
const (
	InitZeros InitKind = iota
	// InitXavierUniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
	InitXavierUniform
	// InitTorchDefault: PyTorch's default for nn.Conv2d weights and
	// biases, U(-b, b) with b = 1 / sqrt(fan_in).
	InitTorchDefault
	// InitKaimingLinear: U(-b, b) with b = sqrt(3 / fan_in).
	InitKaimingLinear
)

// Param is a trainable tensor.
type Param struct {
	Name  string
	Shape Shape
	Init  InitKind
	// FanIn and FanOut feed the initialiser.
	FanIn, FanOut int
	// Scale multiplies the initial values (the reference's init scalers).
	Scale float64
	// Decay reports whether L2 weight decay applies to it.
	Decay bool
	Value *Value
}

// Graph is a list of nodes in topological order with its leaves.
type Graph struct {
	Nodes  []*Node
	Params []*Param
	// Inputs are the named placeholders fed at run time.
	Inputs map[string]*Value
	// Outputs are the named values a caller reads.
	Outputs map[string]*Value
	values  int
}

// Param looks a parameter up by name.
func (g *Graph) Param(name string) *Param {
	for _, p := range g.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// NumParams is the total number of trainable scalars.
func (g *Graph) NumParams() int {
	n := 0
	for _, p := range g.Params {
		n += p.Shape.Size()
	}
	return n
}

// NumValues is the number of values ever created, an upper bound on IDs.
func (g *Graph) NumValues() int { return g.values }

// OutputNames returns the output names in a stable order.
func (g *Graph) OutputNames() []string { return sortedKeys(g.Outputs) }

// InputNames returns the input names in a stable order.
func (g *Graph) InputNames() []string { return sortedKeys(g.Inputs) }
