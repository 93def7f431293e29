package onnx

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"vdvae/graph"
	"vdvae/internal/atomicfile"
)

// Error kinds. Every error of Export and Inspect wraps one of them; the
// file errors of WriteFile wrap the os error instead.
var (
	// ErrInvalid: the graph, the requested outputs or the weights are
	// wrong (unknown output, missing or mis-sized weight, broken graph).
	ErrInvalid = errors.New("onnx: invalid")
	// ErrUnsupported: valid, but not expressible in ONNX opset 17 (for
	// example the gradient ops of a training graph).
	ErrUnsupported = errors.New("onnx: unsupported")
	// ErrFormat: Inspect was given bytes that are not a well-formed ONNX
	// model (truncated, corrupt, or another format).
	ErrFormat = errors.New("onnx: not a valid ONNX model")
)

// maxModelBytes is the largest message protobuf can hold (2 GiB - 1).
// Larger models need ONNX's external-data files, which Export does not
// write.
const maxModelBytes = 1<<31 - 1

// Options configure Export.
type Options struct {
	// Metadata becomes the model's metadata_props (for example the hparams
	// YAML under "hparams"), written sorted by key.
	Metadata map[string]string
	// ProducerVersion is written as producer_version when set.
	ProducerVersion string
	// DocString is written as the model's doc_string when set.
	DocString string
	// GraphName names the ONNX graph; "vdvae" when empty.
	GraphName string
}

// Export lowers the part of g that computes the named outputs (all of g's
// outputs when outputs is empty) to an ONNX ModelProto and returns its
// bytes. weights holds the value of every parameter the outputs need, by
// parameter name, in the parameter's row-major shape; weights that are not
// needed are ignored. The model's inputs are the graph inputs the outputs
// need, in the order the graph declares them, under the same names; its
// outputs are the requested ones, in the requested order.
func Export(g *graph.Graph, outputs []string, weights map[string][]float32,
	opt Options) (b []byte, err error) {
	defer func() {
		// Lowering code indexes shapes it has not re-checked; a panic there
		// is a bug, reported as an error rather than taking the caller down.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%w: internal error while lowering: %v", ErrInvalid, r)
		}
	}()
	if err := graph.Verify(g); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(outputs) == 0 {
		outputs = g.OutputNames()
	}
	roots, err := outputValues(g, outputs)
	if err != nil {
		return nil, err
	}
	need := prune(g, roots)
	l := newLowerer(g, weights, need)
	if err := l.lowerAll(outputs, roots); err != nil {
		return nil, err
	}
	m := &model{
		producerVersion: opt.ProducerVersion,
		docString:       opt.DocString,
		graph:           l.out,
		metadata:        sortedPairs(opt.Metadata),
	}
	m.graph.name = opt.GraphName
	if m.graph.name == "" {
		m.graph.name = "vdvae"
	}
	data := encodeModel(m)
	if len(data) > maxModelBytes {
		return nil, fmt.Errorf("%w: model of %d bytes exceeds protobuf's 2 GiB limit "+
			"(external data is not written)", ErrUnsupported, len(data))
	}
	return data, nil
}

// WriteFile exports like Export and writes the model to path atomically: a
// temporary file in the same folder, synced, then renamed over path.
func WriteFile(path string, g *graph.Graph, outputs []string, weights map[string][]float32,
	opt Options) error {
	data, err := Export(g, outputs, weights, opt)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	return nil
}

// outputValues resolves the requested output names.
func outputValues(g *graph.Graph, outputs []string) ([]*graph.Value, error) {
	roots := make([]*graph.Value, len(outputs))
	for i, name := range outputs {
		v, ok := g.Outputs[name]
		if !ok {
			return nil, fmt.Errorf("%w: graph has no output %q (have %v)", ErrInvalid, name, g.OutputNames())
		}
		if slices.Contains(outputs[:i], name) {
			return nil, fmt.Errorf("%w: output %q requested twice", ErrInvalid, name)
		}
		roots[i] = v
	}
	return roots, nil
}

// prune marks the values the roots depend on, by value ID.
func prune(g *graph.Graph, roots []*graph.Value) []bool {
	size := g.NumValues()
	for _, n := range g.Nodes {
		size = max(size, n.Out.ID+1)
	}
	need := make([]bool, size)
	stack := append([]*graph.Value(nil), roots...)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v.ID < 0 || need[v.ID] {
			continue
		}
		need[v.ID] = true
		stack = append(stack, v.Node.Inputs...)
	}
	return need
}

func sortedPairs(m map[string]string) [][2]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, m[k]}
	}
	return out
}
