package runtime

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"vdvae/graph"
)

// Kernel computes one node: it reads in and writes all of out.
type Kernel func(in [][]float32, out []float32)

// Backend builds kernels for nodes with bound shapes.
type Backend interface {
	Name() string
	Kernel(n *graph.Node, in []graph.Shape, out graph.Shape) (Kernel, error)
}

// ErrUnsupported is returned by a backend that cannot run an op.
var ErrUnsupported = errors.New("runtime: unsupported op")

var (
	regMu    sync.Mutex
	registry = map[string]Backend{}
)

// Register makes a backend available by name.
func Register(b Backend) {
	regMu.Lock()
	defer regMu.Unlock()
	registry[b.Name()] = b
}

// Get returns a registered backend.
func Get(name string) (Backend, error) {
	regMu.Lock()
	defer regMu.Unlock()
	b, ok := registry[name]
	if !ok {
		names := make([]string, 0, len(registry))
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("runtime: unknown backend %q (have %v)", name, names)
	}
	return b, nil
}

type step struct {
	node   *graph.Node
	kernel Kernel
	in     []int // slot per input
	out    int   // slot of output
	args   [][]float32
}

// Program is a graph compiled for one batch size on one backend.
type Program struct {
	Batch   int
	steps   []step
	slots   [][]float32    // slot -> buffer
	sizes   []int          // slot -> planned size (0 for bound leaves)
	shapes  []graph.Shape  // value ID -> bound shape
	slotOf  []int          // value ID -> slot
	inputs  map[string]int // input or param name -> value ID
	outputs map[string]int // output name -> value ID
	// PeakBytes is the memory of all planned buffers.
	PeakBytes int64
	// Profile, when set, accumulates the time spent per op kind.
	Profile map[string]time.Duration
}

// Compile prepares the nodes needed to compute the named outputs and the
// given extra values (for example gradients) for batch size n.
func Compile(g *graph.Graph, be Backend, n int, outputs map[string]*graph.Value) (*Program, error) {
	need := make([]bool, g.NumValues())
	var mark func(v *graph.Value)
	mark = func(v *graph.Value) {
		if need[v.ID] {
			return
		}
		need[v.ID] = true
		for _, in := range v.Node.Inputs {
			mark(in)
		}
	}
	for _, v := range outputs {
		mark(v)
	}
	p := &Program{
		Batch: n, shapes: make([]graph.Shape, g.NumValues()), slotOf: make([]int, g.NumValues()),
		inputs: map[string]int{}, outputs: map[string]int{},
	}
	for name, v := range outputs {
		p.outputs[name] = v.ID
	}
	if err := p.plan(g, be, need); err != nil {
		return nil, err
	}
	if be != nil {
		for i, size := range p.sizes {
			if size > 0 {
				p.slots[i] = make([]float32, size)
			}
		}
	}
	return p, nil
}

// PlanBytes returns the activation memory that Compile would plan for the
// outputs at batch size n, without building kernels or allocating.
func PlanBytes(g *graph.Graph, n int, outputs map[string]*graph.Value) (int64, error) {
	p, err := Compile(g, nil, n, outputs)
	if err != nil {
		return 0, err
	}
	return p.PeakBytes, nil
}

// plan binds shapes, builds kernels and assigns buffers by liveness.
func (p *Program) plan(g *graph.Graph, be Backend, need []bool) error {
	// Shapes of leaves are bound too, so Bind can check sizes.
	last := make([]int, g.NumValues())
	for i, nd := range g.Nodes {
		if !need[nd.Out.ID] {
			continue
		}
		p.shapes[nd.Out.ID] = nd.Out.Shape.Bind(p.Batch)
		for _, in := range nd.Inputs {
			last[in.ID] = i
		}
	}
	for _, id := range p.outputs {
		last[id] = len(g.Nodes)
	}
	free := map[int][]int{} // size -> free slots
	alloc := func(size int) int {
		if l := free[size]; len(l) > 0 {
			s := l[len(l)-1]
			free[size] = l[:len(l)-1]
			return s
		}
		p.slots = append(p.slots, nil)
		p.sizes = append(p.sizes, size)
		p.PeakBytes += int64(size) * 4
		return len(p.slots) - 1
	}
	for i, nd := range g.Nodes {
		if !need[nd.Out.ID] {
			continue
		}
		// Inputs and parameters get a slot that Bind fills.
		if name, ok := leafName(nd.Op); ok {
			p.inputs[name] = nd.Out.ID
			p.slots = append(p.slots, nil)
			p.sizes = append(p.sizes, 0)
			p.slotOf[nd.Out.ID] = len(p.slots) - 1
			continue
		}
		ins := make([]graph.Shape, len(nd.Inputs))
		st := step{node: nd, in: make([]int, len(nd.Inputs)), args: make([][]float32, len(nd.Inputs))}
		for j, in := range nd.Inputs {
			ins[j] = p.shapes[in.ID]
			st.in[j] = p.slotOf[in.ID]
		}
		if be != nil {
			k, err := be.Kernel(nd, ins, p.shapes[nd.Out.ID])
			if err != nil {
				return fmt.Errorf("runtime: %s: %v at %s: %w", be.Name(), nd.Op.Kind(), nd.Path, err)
			}
			st.kernel = k
		}
		st.out = alloc(p.shapes[nd.Out.ID].Size())
		p.slotOf[nd.Out.ID] = st.out
		p.steps = append(p.steps, st)
		// Release inputs whose last reader is this node, once each even
		// when the node reads the same value twice (x / sum(x) where the
		// sum is a no-op).
		for j, in := range nd.Inputs {
			if last[in.ID] != i || isLeaf(in) || readEarlier(nd.Inputs[:j], in) {
				continue
			}
			sz := p.shapes[in.ID].Size()
			free[sz] = append(free[sz], p.slotOf[in.ID])
		}
	}
	return nil
}

// leafName returns the name of an input or parameter op.
func leafName(op graph.Op) (string, bool) {
	switch op := op.(type) {
	case graph.Input:
		return op.Name, true
	case graph.ParamRef:
		return op.Name, true
	}
	return "", false
}

func isLeaf(v *graph.Value) bool {
	k := v.Node.Op.Kind()
	return k == graph.KindInput || k == graph.KindParam
}

// Bind sets the buffer of a named input or parameter. The buffer is read,
// never written, and must stay valid while Run uses it.
func (p *Program) Bind(name string, data []float32) error {
	id, ok := p.inputs[name]
	if !ok {
		return nil // not needed by this program
	}
	if want := p.shapes[id]; want != nil && len(data) != want.Size() {
		return fmt.Errorf("runtime: input %q has %d values, want %d for shape %v",
			name, len(data), want.Size(), want)
	}
	p.slots[p.slotOf[id]] = data
	return nil
}

// Needs reports the input and parameter names the program reads.
func (p *Program) Needs() []string {
	out := make([]string, 0, len(p.inputs))
	for n := range p.inputs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Run executes every step. All needed inputs must be bound.
func (p *Program) Run() error {
	for name, id := range p.inputs {
		if p.slots[p.slotOf[id]] == nil {
			return fmt.Errorf("runtime: input %q is not bound", name)
		}
	}
	for i := range p.steps {
		st := &p.steps[i]
		for j, s := range st.in {
			st.args[j] = p.slots[s]
		}
		if p.Profile == nil {
			st.kernel(st.args, p.slots[st.out])
			continue
		}
		t0 := time.Now()
		st.kernel(st.args, p.slots[st.out])
		p.Profile[profileKey(st.node)] += time.Since(t0)
	}
	return nil
}

// Output returns the buffer of a named output; it is overwritten by the next Run.
func (p *Program) Output(name string) []float32 {
	id, ok := p.outputs[name]
	if !ok {
		return nil
	}
	return p.slots[p.slotOf[id]]
}

// Shape returns the bound shape of a named output.
func (p *Program) Shape(name string) graph.Shape {
	if id, ok := p.outputs[name]; ok {
		return p.shapes[id]
	}
	return nil
}

// profileKey names a node's op for profiles: the kind, refined by the
// function of elementwise ops.
func profileKey(n *graph.Node) string {
	switch op := n.Op.(type) {
	case graph.Unary:
		return "Unary/" + op.Fn.String()
	case graph.UnaryGrad:
		return "UnaryGrad/" + op.Fn.String()
	case graph.Binary:
		return "Binary/" + op.Fn.String()
	case graph.Conv2D:
		return fmt.Sprintf("Conv2D/%dx%d", op.Kernel[0], op.Kernel[1])
	case graph.ConvBwdData:
		return fmt.Sprintf("ConvBwdData/%dx%d", op.Conv.Kernel[0], op.Conv.Kernel[1])
	case graph.ConvBwdFilter:
		return fmt.Sprintf("ConvBwdFilter/%dx%d", op.Conv.Kernel[0], op.Conv.Kernel[1])
	}
	return n.Op.Kind().String()
}

func readEarlier(prev []*graph.Value, v *graph.Value) bool {
	for _, p := range prev {
		if p == v {
			return true
		}
	}
	return false
}
