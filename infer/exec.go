package infer

import (
	"fmt"

	"vdvae/graph"
	"vdvae/runtime"
)

// Executor runs one inference graph for batches of images.
type Executor interface {
	// Run computes the executor's outputs for a batch of n images. Inputs
	// with a batch dimension hold n images. The returned buffers stay
	// valid until the next Run.
	Run(n int, inputs map[string][]float32) (map[string][]float32, error)
}

// GoExecutor runs a graph in the Go runtime on one backend. It compiles a
// program per batch size it meets and binds the weights once per program.
type GoExecutor struct {
	g       *graph.Graph
	be      runtime.Backend
	weights map[string][]float32
	outputs map[string]*graph.Value
	progs   map[int]*runtime.Program
}

var _ Executor = (*GoExecutor)(nil)

// NewGoExecutor prepares m's graph to compute the named outputs.
func NewGoExecutor(m *graph.Model, be runtime.Backend, weights map[string][]float32,
	outputs []string) (*GoExecutor, error) {
	e := &GoExecutor{g: m.Graph, be: be, weights: weights,
		outputs: map[string]*graph.Value{}, progs: map[int]*runtime.Program{}}
	for _, name := range outputs {
		v, ok := m.Graph.Outputs[name]
		if !ok {
			return nil, fmt.Errorf("infer: the graph has no output %q", name)
		}
		e.outputs[name] = v
	}
	return e, nil
}

// PlanBytes is the activation memory of a batch of n.
func (e *GoExecutor) PlanBytes(n int) (int64, error) {
	return runtime.PlanBytes(e.g, n, e.outputs)
}

// Run implements Executor.
func (e *GoExecutor) Run(n int, inputs map[string][]float32) (map[string][]float32, error) {
	p, err := e.program(n)
	if err != nil {
		return nil, err
	}
	for name, d := range inputs {
		if err := p.Bind(name, d); err != nil {
			return nil, err
		}
	}
	if err := p.Run(); err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(e.outputs))
	for name := range e.outputs {
		out[name] = p.Output(name)
	}
	return out, nil
}

// program returns the program for batch size n. Only the two most
// recent sizes are kept: a run has a full batch size and a last one.
func (e *GoExecutor) program(n int) (*runtime.Program, error) {
	if p := e.progs[n]; p != nil {
		return p, nil
	}
	p, err := runtime.Compile(e.g, e.be, n, e.outputs)
	if err != nil {
		return nil, err
	}
	for name, d := range e.weights {
		if err := p.Bind(name, d); err != nil {
			return nil, err
		}
	}
	if len(e.progs) >= 2 {
		clear(e.progs)
	}
	e.progs[n] = p
	return p, nil
}
