package ort

import (
	"fmt"
	"os"
	"slices"

	onnxruntime "github.com/yalue/onnxruntime_go"

	"vdvae/codegen/onnx"
)

// Options configure a session.
type Options struct {
	// Lib is the path of the ONNX Runtime shared library (a command's
	// flag). When empty: $VDVAE_ORT_LIB, then ProjectLibDir, then the
	// system's library path.
	Lib string
	// Threads is the number of threads one Run uses (ONNX Runtime's
	// intra-op threads); 0 lets ONNX Runtime choose (one per physical
	// core).
	Threads int
}

// Tensor is a float32 tensor in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Session is an ONNX Runtime inference session over one model. Run may be
// called from several goroutines at once; Close must be called once, after
// every Run has returned.
type Session struct {
	s       *onnxruntime.DynamicAdvancedSession
	inputs  []onnx.TensorInfo
	outputs []onnx.TensorInfo
}

// OpenFile reads an ONNX model file and opens a session on it.
func OpenFile(path string, opt Options) (*Session, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ort: open model: %w", err)
	}
	s, err := Open(data, opt)
	if err != nil {
		return nil, fmt.Errorf("%w (model %s)", err, path)
	}
	return s, nil
}

// Open creates a session on an ONNX model held in memory, loading the ONNX
// Runtime library first if this process has not yet. The model's inputs
// and outputs must be float32 tensors.
func Open(model []byte, opt Options) (*Session, error) {
	if opt.Threads < 0 {
		return nil, fmt.Errorf("ort: threads must be 0 (automatic) or positive, got %d", opt.Threads)
	}
	info, err := onnx.Inspect(model)
	if err != nil {
		return nil, fmt.Errorf("ort: %w", err)
	}
	for _, t := range append(slices.Clip(info.Inputs), info.Outputs...) {
		if t.ElemType != 1 {
			return nil, fmt.Errorf("ort: %s is %s; only float32 inputs and outputs are supported",
				t.Name, t.DType())
		}
	}
	if _, err := load(opt.Lib); err != nil {
		return nil, err
	}
	so, err := onnxruntime.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("ort: session options: %w", err)
	}
	defer so.Destroy()
	if opt.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opt.Threads); err != nil {
			return nil, fmt.Errorf("ort: set threads: %w", err)
		}
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("ort: set threads: %w", err)
	}
	s, err := onnxruntime.NewDynamicAdvancedSessionWithONNXData(model,
		names(info.Inputs), names(info.Outputs), so)
	if err != nil {
		return nil, fmt.Errorf("ort: create session: %w", err)
	}
	return &Session{s: s, inputs: info.Inputs, outputs: info.Outputs}, nil
}

func names(ts []onnx.TensorInfo) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// Inputs describes the model's inputs, in the model's order; symbolic
// dimensions (the batch "N") carry their names.
func (s *Session) Inputs() []onnx.TensorInfo { return slices.Clone(s.inputs) }

// Outputs describes the model's outputs, in the model's order.
func (s *Session) Outputs() []onnx.TensorInfo { return slices.Clone(s.outputs) }

// Close releases the session; calling it again does nothing.
func (s *Session) Close() error {
	if s.s == nil {
		return nil
	}
	err := s.s.Destroy()
	s.s = nil
	if err != nil {
		return fmt.Errorf("ort: close session: %w", err)
	}
	return nil
}

// Run feeds every model input by name and returns the named outputs (every
// output when outputs is empty). Input shapes must match the model's, where
// a symbolic dimension takes any positive size, the same for every input
// that names it (the batch). The model computes all its outputs on every
// run, so export only the outputs a caller needs. The input data is read,
// never kept; the returned tensors belong to the caller.
func (s *Session) Run(inputs map[string]Tensor, outputs []string) (map[string]Tensor, error) {
	if s.s == nil {
		return nil, fmt.Errorf("ort: run on a closed session")
	}
	want, err := s.outputIndices(outputs)
	if err != nil {
		return nil, err
	}
	if err := s.checkInputs(inputs); err != nil {
		return nil, err
	}
	in := make([]onnxruntime.Value, len(s.inputs))
	defer destroyAll(in)
	for i, t := range s.inputs {
		x := inputs[t.Name]
		v, err := onnxruntime.NewTensor(shape64(x.Shape), x.Data)
		if err != nil {
			return nil, fmt.Errorf("ort: input %s: %w", t.Name, err)
		}
		in[i] = v
	}
	out := make([]onnxruntime.Value, len(s.outputs))
	defer destroyAll(out)
	if err := s.s.Run(in, out); err != nil {
		return nil, fmt.Errorf("ort: run: %w", err)
	}
	res := make(map[string]Tensor, len(want))
	for _, i := range want {
		t, ok := out[i].(*onnxruntime.Tensor[float32])
		if !ok {
			return nil, fmt.Errorf("ort: output %s is not a float32 tensor", s.outputs[i].Name)
		}
		// GetData is a Go copy of ONNX Runtime's buffer (onnxruntime_go
		// copies every output it allocates), so it outlives Destroy.
		dims := t.GetShape()
		shape := make([]int, len(dims))
		for j, d := range dims {
			shape[j] = int(d)
		}
		res[s.outputs[i].Name] = Tensor{Shape: shape, Data: t.GetData()}
	}
	return res, nil
}

func destroyAll(vs []onnxruntime.Value) {
	for _, v := range vs {
		if v != nil {
			v.Destroy()
		}
	}
}

func shape64(s []int) onnxruntime.Shape {
	out := make(onnxruntime.Shape, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// outputIndices resolves requested output names to positions.
func (s *Session) outputIndices(outputs []string) ([]int, error) {
	if len(outputs) == 0 {
		idx := make([]int, len(s.outputs))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, len(outputs))
	for k, name := range outputs {
		i := slices.IndexFunc(s.outputs, func(t onnx.TensorInfo) bool { return t.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("ort: model has no output %q (have %v)", name, names(s.outputs))
		}
		idx[k] = i
	}
	return idx, nil
}

// checkInputs checks names, shapes and sizes before anything reaches C.
func (s *Session) checkInputs(inputs map[string]Tensor) error {
	for name := range inputs {
		if !slices.ContainsFunc(s.inputs, func(t onnx.TensorInfo) bool { return t.Name == name }) {
			return fmt.Errorf("ort: model has no input %q (have %v)", name, names(s.inputs))
		}
	}
	bound := map[string]int{} // symbolic dimension -> size
	for _, t := range s.inputs {
		x, ok := inputs[t.Name]
		if !ok {
			return fmt.Errorf("ort: input %q is not fed (model inputs: %v)", t.Name, names(s.inputs))
		}
		if err := checkShape(t, x, bound); err != nil {
			return err
		}
	}
	return nil
}

func checkShape(t onnx.TensorInfo, x Tensor, bound map[string]int) error {
	if t.Shape != nil && len(x.Shape) != len(t.Shape) {
		return fmt.Errorf("ort: input %s has shape %v, model wants %s", t.Name, x.Shape, t)
	}
	size := 1
	for i, d := range x.Shape {
		if d < 1 {
			return fmt.Errorf("ort: input %s has shape %v; dimensions must be positive", t.Name, x.Shape)
		}
		size *= d
		if t.Shape == nil {
			continue
		}
		switch md := t.Shape[i]; {
		case md.Param != "":
			if b, ok := bound[md.Param]; ok && b != d {
				return fmt.Errorf("ort: input %s has %s = %d, but another input has %s = %d",
					t.Name, md.Param, d, md.Param, b)
			}
			bound[md.Param] = d
		case md.Value > 0 && int64(d) != md.Value:
			return fmt.Errorf("ort: input %s has shape %v, model wants %s", t.Name, x.Shape, t)
		}
	}
	if len(x.Data) != size {
		return fmt.Errorf("ort: input %s has %d values, want %d for shape %v",
			t.Name, len(x.Data), size, x.Shape)
	}
	return nil
}
