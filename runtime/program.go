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
	name   string // profile key of a fused step ("" otherwise)
	kernel Kernel
	in     []int // slot per input
	inLen  []int // elements of each input (its slot may be larger)
	out    int   // slot of output
	outLen int
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

// plan binds shapes, fuses elementwise chains (fuse.go), builds kernels
// and assigns buffers by liveness.
func (p *Program) plan(g *graph.Graph, be Backend, need []bool) error {
	fu := fuseGroups(g, be, need, p.outputs)
	// Shapes of leaves are bound too, so Bind can check sizes. A value is
	// last read by the step of its last reader's group.
	last := make([]int, g.NumValues())
	for i, nd := range g.Nodes {
		if !need[nd.Out.ID] {
			continue
		}
		p.shapes[nd.Out.ID] = nd.Out.Shape.Bind(p.Batch)
		for _, in := range nd.Inputs {
			last[in.ID] = max(last[in.ID], fu.root[i])
		}
	}
	for _, id := range p.outputs {
		last[id] = len(g.Nodes)
	}
	var free []int // slots no live value uses
	alloc := func(size int, pinned bool) int {
		return p.alloc(&free, size, pinned)
	}
	for i, nd := range g.Nodes {
		if !need[nd.Out.ID] || fu.into[i] >= 0 {
			continue // fused members run in their root's step
		}
		// Inputs and parameters get a slot that Bind fills.
		if name, ok := leafName(nd.Op); ok {
			p.inputs[name] = nd.Out.ID
			p.slots = append(p.slots, nil)
			p.sizes = append(p.sizes, 0)
			p.slotOf[nd.Out.ID] = len(p.slots) - 1
			continue
		}
		st, ins, err := p.makeStep(g, be, fu, i)
		if err != nil {
			return err
		}
		st.out = alloc(p.shapes[nd.Out.ID].Size(), last[nd.Out.ID] == len(g.Nodes))
		p.slotOf[nd.Out.ID] = st.out
		p.steps = append(p.steps, st)
		// Release inputs whose last reader is this step, once each even
		// when the step reads the same value twice (x / sum(x) where the
		// sum is a no-op).
		for j, in := range ins {
			if last[in.ID] != i || isLeaf(in) || readEarlier(ins[:j], in) {
				continue
			}
			free = append(free, p.slotOf[in.ID])
		}
	}
	return nil
}

// alloc returns a slot for a value of size elements: the smallest free
// slot that holds it; else the largest free slot, grown to size; else a
// new one. A pinned value (an output, live until the end) takes a free slot
// that holds it only if it fits closely, so that it does not keep a large
// slot's unused rest for the whole run; otherwise it grows the largest free
// slot smaller than itself. On the training graphs this planned 8-12% less
// memory than reusing only slots of the same size (mnist_cpu 192 to 177
// MiB at batch 32, binarized_mnist_baseline 346 to 305 MiB at batch 4),
// within 2-5% of the peak of live values for the CPU presets and 11% for
// the baseline.
func (p *Program) alloc(free *[]int, size int, pinned bool) int {
	best, grow := -1, -1 // smallest holding slot; largest smaller slot
	for i, s := range *free {
		c := p.sizes[s]
		if c >= size && (best < 0 || c < p.sizes[(*free)[best]]) {
			best = i
		}
		if c < size && (grow < 0 || c > p.sizes[(*free)[grow]]) {
			grow = i
		}
	}
	take := best
	if take < 0 || pinned && p.sizes[(*free)[take]] > size+size/4 {
		take = grow
	}
	if take < 0 {
		p.slots = append(p.slots, nil)
		p.sizes = append(p.sizes, size)
		p.PeakBytes += int64(size) * 4
		return len(p.slots) - 1
	}
	s := (*free)[take]
	(*free)[take] = (*free)[len(*free)-1]
	*free = (*free)[:len(*free)-1]
	if p.sizes[s] < size {
		p.PeakBytes += int64(size-p.sizes[s]) * 4
		p.sizes[s] = size
	}
	return s
}

// makeStep builds the step of node i (a group's root or an unfused node)
// and returns the values it reads.
func (p *Program) makeStep(g *graph.Graph, be Backend, fu fusion, i int) (step, []*graph.Value,
	error) {
	nd := g.Nodes[i]
	ins := nd.Inputs
	members := fu.members[i]
	if len(members) > 0 {
		ins = external(g, members)
	}
	st := step{node: nd, in: make([]int, len(ins)), inLen: make([]int, len(ins)),
		args: make([][]float32, len(ins)), outLen: p.shapes[nd.Out.ID].Size()}
	shapes := make([]graph.Shape, len(ins))
	for j, in := range ins {
		shapes[j] = p.shapes[in.ID]
		st.in[j] = p.slotOf[in.ID]
		st.inLen[j] = shapes[j].Size()
	}
	if be == nil {
		return st, ins, nil
	}
	var err error
	if len(members) > 0 {
		st.kernel, st.name, err = fusedKernel(be.(Fuser), g, members, ins, p.shapes[nd.Out.ID].Size())
	} else {
		st.kernel, err = be.Kernel(nd, shapes, p.shapes[nd.Out.ID])
	}
	if err != nil {
		return st, nil, fmt.Errorf("runtime: %s: %v at %s: %w", be.Name(), nd.Op.Kind(), nd.Path, err)
	}
	return st, ins, nil
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
			st.args[j] = p.slots[s][:st.inLen[j]]
		}
		out := p.slots[st.out][:st.outLen]
		if p.Profile == nil {
			st.kernel(st.args, out)
			continue
		}
		t0 := time.Now()
		st.kernel(st.args, out)
		key := st.name
		if key == "" {
			key = profileKey(st.node)
		}
		p.Profile[key] += time.Since(t0)
	}
	return nil
}

// Steps is the number of kernel calls a Run makes; a fused group of
// elementwise nodes (fuse.go) is one.
func (p *Program) Steps() int { return len(p.steps) }

// Output returns the buffer of a named output; it is overwritten by the next Run.
func (p *Program) Output(name string) []float32 {
	id, ok := p.outputs[name]
	if !ok {
		return nil
	}
	b := p.slots[p.slotOf[id]]
	if n := p.shapes[id].Size(); len(b) > n {
		b = b[:n] // the slot may be larger than the value
	}
	return b
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
