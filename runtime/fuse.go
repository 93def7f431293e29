package runtime

import (
	"strings"

	"vdvae/graph"
)

// Elementwise fusion.
//
// Chains of elementwise nodes (the gradient of a SiLU added to the
// residual gradient, the terms of the Gaussian KL and of their gradients,
// the sums of gradient contributions) each read and write whole tensors,
// though every element only needs its own inputs. Compile therefore fuses
// such chains, when the backend offers it (Fuser), into one step that runs
// all their operations over cache-sized blocks: the intermediate values
// never reach memory and get no buffer of their own.
//
// The fusion is a runtime pass rather than a fused op kind in graph: the
// graph, its VJP table, the ONNX export and the reference interpreter stay
// as they are, and a backend without a Fuser (runtime/ref, the definition
// of every op) runs the same program unfused, which is what the fused
// kernels are tested against.
//
// The SiLU before each convolution stays a step of its own: oneDNN reads
// the activated tensor from memory, and training keeps it for the
// filter's gradient, so fusing it would save nothing.
//
// A node is fused into its consumer when both are fusible elementwise ops
// (Fuser.Fusible) on operands of one shape, the node's value has no other
// reader in the program and is not one of its outputs. Groups are trees:
// the root is the last node, and every other member feeds exactly one
// member.

// Fuser is implemented by backends that run a group of elementwise nodes as
// one kernel.
type Fuser interface {
	// Fusible reports whether op (whose operands all have one shape) can
	// be part of a fused group.
	Fusible(op graph.Op) bool
	// Fused returns the kernel of a group: it reads the group's inputs
	// (in) and writes the last op's result (out), all of size elements.
	// It must equal running the ops' own kernels one after the other.
	Fused(ops []FusedOp, inputs, size int) (Kernel, error)
}

// The limits of a fused group: at most MaxFusedOps operations and
// MaxFusedInputs distinct inputs (counted with repeats, an upper bound).
const (
	MaxFusedOps    = 16
	MaxFusedInputs = 8
)

// FusedOp is one operation of a fused group. Args index its operands: the
// group's inputs first (0 to inputs-1), then the results of the group's
// earlier operations (inputs+j for operation j).
type FusedOp struct {
	Op   graph.Op
	Args []int
}

// fusion maps each node (by index) into the node it is fused into, or -1,
// and each node to the node whose step runs it (its group's root); members
// lists the nodes of each group of two or more, by root, in node order.
type fusion struct {
	into, root []int
	members    map[int][]int
}

// fuseGroups decides the groups of g's needed nodes for backend be.
func fuseGroups(g *graph.Graph, be Backend, need []bool, outputs map[string]int) fusion {
	f := fusion{into: make([]int, len(g.Nodes)), root: make([]int, len(g.Nodes)),
		members: map[int][]int{}}
	for i := range f.into {
		f.into[i], f.root[i] = -1, i
	}
	fu, ok := be.(Fuser)
	if !ok {
		return f
	}
	isOut := map[int]bool{}
	for _, id := range outputs {
		isOut[id] = true
	}
	readers := make([][]int, g.NumValues()) // distinct needed readers of each value
	for i, nd := range g.Nodes {
		if !need[nd.Out.ID] {
			continue
		}
		for _, in := range nd.Inputs {
			if r := readers[in.ID]; len(r) == 0 || r[len(r)-1] != i {
				readers[in.ID] = append(r, i)
			}
		}
	}
	fusible := func(nd *graph.Node) bool {
		for _, in := range nd.Inputs {
			if !in.Shape.Equal(nd.Out.Shape) {
				return false
			}
		}
		return fu.Fusible(nd.Op)
	}
	// ops and ins are each group's size so far (operations, and inputs
	// counted with repeats); producers come before their readers, so a
	// node's own group is complete when the loop reaches it.
	ops := make([]int, len(g.Nodes))
	ins := make([]int, len(g.Nodes))
	for i, nd := range g.Nodes {
		ops[i] += 1
		ins[i] += len(nd.Inputs)
		r := readers[nd.Out.ID]
		if !need[nd.Out.ID] || len(r) != 1 || isOut[nd.Out.ID] || !fusible(nd) ||
			!fusible(g.Nodes[r[0]]) {
			continue
		}
		c := r[0]
		if ops[c]+1+ops[i] > MaxFusedOps || ins[c]+len(g.Nodes[c].Inputs)+ins[i]-1 > MaxFusedInputs {
			continue
		}
		f.into[i] = c
		ops[c] += ops[i]
		ins[c] += ins[i] - 1 // i's value becomes internal
	}
	// Readers come later in the node order, so roots resolve backwards.
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		if f.into[i] >= 0 {
			f.root[i] = f.root[f.into[i]]
		}
	}
	for i := range g.Nodes {
		if r := f.root[i]; r != i {
			if len(f.members[r]) == 0 {
				f.members[r] = []int{}
			}
			f.members[r] = append(f.members[r], i)
		}
	}
	for r := range f.members {
		f.members[r] = append(f.members[r], r)
	}
	return f
}

// external lists the values the members of a group read from outside it,
// each once, in order of first use.
func external(g *graph.Graph, members []int) (ext []*graph.Value) {
	inGroup := map[int]bool{} // value IDs made inside
	for _, i := range members {
		inGroup[g.Nodes[i].Out.ID] = true
	}
	seen := map[int]bool{}
	for _, i := range members {
		for _, in := range g.Nodes[i].Inputs {
			if !inGroup[in.ID] && !seen[in.ID] {
				seen[in.ID] = true
				ext = append(ext, in)
			}
		}
	}
	return ext
}

// fusedKernel builds the step of a group with more than one member.
func fusedKernel(fu Fuser, g *graph.Graph, members []int, ext []*graph.Value,
	size int) (Kernel, string, error) {
	argOf := map[int]int{} // value ID -> operand index
	for j, v := range ext {
		argOf[v.ID] = j
	}
	ops := make([]FusedOp, len(members))
	names := make([]string, len(members))
	for j, i := range members {
		nd := g.Nodes[i]
		op := FusedOp{Op: nd.Op, Args: make([]int, len(nd.Inputs))}
		for k, in := range nd.Inputs {
			op.Args[k] = argOf[in.ID]
		}
		argOf[nd.Out.ID] = len(ext) + j
		ops[j] = op
		names[j] = profileKey(nd)
	}
	k, err := fu.Fused(ops, len(ext), size)
	return k, "Fused/" + strings.Join(names, "+"), err
}
