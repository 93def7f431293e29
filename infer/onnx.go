package infer

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"vdvae/codegen/onnx"
	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime/ort"
)

// Metadata keys of an exported model (ONNX metadata_props).
const (
	MetaGraph      = "vdvae.graph"      // generator, evaluator or decoder
	MetaMasked     = "vdvae.masked"     // "true" for an evaluator with variate masks
	MetaHparams    = "vdvae.hparams"    // the run's hparams as YAML
	MetaWeights    = "vdvae.weights"    // ema or raw
	MetaStep       = "vdvae.step"       // the checkpoint's step
	MetaCheckpoint = "vdvae.checkpoint" // the checkpoint's file name
)

// Graph kinds, as MetaGraph spells them.
const (
	KindGenerator = "generator"
	KindEvaluator = "evaluator"
	KindDecoder   = "decoder"
)

// GraphOptions maps a graph kind to graph build options.
func GraphOptions(kind string, masked bool) (graph.Options, error) {
	switch kind {
	case KindGenerator:
		return graph.Options{Mode: graph.ModeGenerate}, nil
	case KindEvaluator:
		return graph.Options{Mode: graph.ModeEval, Masked: masked}, nil
	case KindDecoder:
		return graph.Options{Mode: graph.ModeDecode}, nil
	}
	return graph.Options{}, badInput("unknown graph %q: want %s, %s or %s", kind, KindGenerator,
		KindEvaluator, KindDecoder)
}

// ExportOutputs lists the outputs an exported graph computes: the
// generator's and decoder's logits (the output distribution's parameters),
// the evaluator's per-image reconstruction NLL, KL per group, logits, and
// every group's posterior mean, std and per-variate KL.
func ExportOutputs(m *graph.Model, opt graph.Options) []string {
	if opt.Mode != graph.ModeEval {
		return []string{graph.OutLogits}
	}
	out := []string{graph.OutRecon, graph.OutKL, graph.OutLogits}
	for i := range m.Groups {
		out = append(out, graph.PostMeanName(i), graph.PostStdName(i), graph.KLVariatesName(i))
	}
	return out
}

// Export writes one of the run's graphs as an ONNX model to path
// (atomically), with the run's chosen weights as initializers and the
// hparams in the metadata.
func (r *Run) Export(path, kind string, masked bool) (*graph.Model, error) {
	opt, err := GraphOptions(kind, masked)
	if err != nil {
		return nil, err
	}
	m, err := graph.Build(r.H, opt)
	if err != nil {
		return nil, err
	}
	yaml, err := r.H.Marshal()
	if err != nil {
		return nil, err
	}
	weights := "ema"
	if !r.EMA {
		weights = "raw"
	}
	meta := map[string]string{MetaGraph: kind, MetaMasked: strconv.FormatBool(masked && kind == KindEvaluator),
		MetaHparams: string(yaml), MetaWeights: weights, MetaStep: strconv.Itoa(r.Step),
		MetaCheckpoint: baseName(r.Checkpoint)}
	err = onnx.WriteFile(path, m.Graph, ExportOutputs(m, opt), r.Weights, onnx.Options{Metadata: meta,
		GraphName: "vdvae_" + kind, DocString: "Efficient-VDVAE " + kind + " of run " + r.H.Run.Name})
	return m, err
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// ONNXModel is an exported model opened for inference through ONNX Runtime.
type ONNXModel struct {
	Path string
	Info *onnx.Info
	H    *configs.Hparams
	Kind string
	Opt  graph.Options
	// Model is the graph the file was exported from, rebuilt from the
	// stored hparams: it gives the inputs' shapes and the latent groups.
	Model *graph.Model
	sess  *ort.Session
}

var _ Executor = (*ONNXModel)(nil)

// ReadONNX reads and checks an exported model without opening a session:
// the file must be an ONNX model made by vdvae export whose inputs and
// outputs are those of the graph its stored hparams build. config, when
// set, replaces the stored hparams (a file without them needs it).
func ReadONNX(path string, config *configs.Hparams) (*ONNXModel, error) {
	data, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	info, err := onnx.Inspect(data)
	if err != nil {
		return nil, badInput("--onnx %s: %w", path, err)
	}
	o := &ONNXModel{Path: path, Info: info, Kind: info.Metadata[MetaGraph]}
	if o.Kind == "" {
		return nil, badInput("%s was not exported by vdvae export (no %s metadata)", path, MetaGraph)
	}
	masked := info.Metadata[MetaMasked]
	if masked != "true" && masked != "false" {
		return nil, badInput("%s: metadata %s is %q, want true or false", path, MetaMasked, masked)
	}
	if o.Opt, err = GraphOptions(o.Kind, masked == "true"); err != nil {
		return nil, badInput("%s: %w", path, err)
	}
	o.H = config
	if o.H == nil {
		if o.H, err = configs.Parse(path+" (metadata "+MetaHparams+")",
			[]byte(info.Metadata[MetaHparams])); err != nil {
			return nil, badInput("%s: stored hparams: %w; pass --config", path, err)
		}
		if err := o.H.Validate(); err != nil {
			return nil, badInput("%s: stored hparams: %w", path, err)
		}
	}
	if o.Model, err = graph.Build(o.H, o.Opt); err != nil {
		return nil, badInput("%s: %w", path, err)
	}
	if err := o.checkInterface(); err != nil {
		return nil, err
	}
	return o, nil
}

// checkInterface compares the file's inputs and outputs with the graph's.
func (o *ONNXModel) checkInterface() error {
	g := o.Model.Graph
	var problems []string
	for _, t := range o.Info.Inputs {
		v, ok := g.Inputs[t.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("input %s is not an input of the model", t.Name))
		} else if !sameShape(t.Shape, v.Shape) {
			problems = append(problems, fmt.Sprintf("input %s has shape %v, the model's is %v", t.Name,
				dims(t.Shape), v.Shape))
		}
	}
	want := ExportOutputs(o.Model, o.Opt)
	for _, name := range want {
		i := slices.IndexFunc(o.Info.Outputs, func(t onnx.TensorInfo) bool { return t.Name == name })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("output %s is missing", name))
		} else if t := o.Info.Outputs[i]; !sameShape(t.Shape, g.Outputs[name].Shape) {
			problems = append(problems, fmt.Sprintf("output %s has shape %v, the model's is %v", name,
				dims(t.Shape), g.Outputs[name].Shape))
		}
	}
	if len(problems) > 0 {
		return badInput("%s does not fit the %s of the model its hparams describe (made by another "+
			"model or another version?):\n  %s", o.Path, o.Kind, joinLines(problems))
	}
	return nil
}

func sameShape(d []onnx.Dim, s graph.Shape) bool {
	if len(d) != len(s) {
		return false
	}
	for i := range d {
		if s[i] == graph.Batch {
			if d[i].Param == "" {
				return false
			}
		} else if d[i].Value != int64(s[i]) {
			return false
		}
	}
	return true
}

func dims(d []onnx.Dim) string {
	s := "("
	for i, x := range d {
		if i > 0 {
			s += ","
		}
		s += x.String()
	}
	return s + ")"
}

func joinLines(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "\n  "
		}
		out += x
	}
	return out
}

// maxModelFile is the largest file an exported model can be: protobuf
// messages end at 2 GiB and export writes no external data.
const maxModelFile = 1<<31 - 1

// readModelFile reads an exported model, refusing what cannot be one
// before reading it: non-regular files (devices, pipes) and files over
// protobuf's limit.
func readModelFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, badInput("--onnx: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, badInput("--onnx: %s is not a regular file", path)
	}
	if st.Size() > maxModelFile {
		return nil, badInput("--onnx: %s has %d bytes, more than an ONNX model without external "+
			"data can hold; it is not a file made by vdvae export", path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("--onnx: %w", err)
	}
	return data, nil
}

// OpenONNX reads an exported model and opens an ONNX Runtime session on it.
func OpenONNX(path string, config *configs.Hparams, so ort.Options) (*ONNXModel, error) {
	o, err := ReadONNX(path, config)
	if err != nil {
		return nil, err
	}
	if o.sess, err = ort.OpenFile(path, so); err != nil {
		if errors.Is(err, ort.ErrNoLibrary) {
			return nil, badInput("%w", err)
		}
		return nil, err
	}
	return o, nil
}

// Run implements Executor through ONNX Runtime.
func (o *ONNXModel) Run(n int, inputs map[string][]float32) (map[string][]float32, error) {
	feeds := make(map[string]ort.Tensor, len(o.Info.Inputs))
	for _, t := range o.Info.Inputs {
		d, ok := inputs[t.Name]
		if !ok {
			return nil, fmt.Errorf("infer: input %s of %s is not fed", t.Name, o.Path)
		}
		shape := o.Model.Graph.Inputs[t.Name].Shape.Bind(n)
		feeds[t.Name] = ort.Tensor{Shape: shape, Data: d}
	}
	res, err := o.sess.Run(feeds, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(res))
	for name, t := range res {
		out[name] = t.Data
	}
	return out, nil
}

// Close releases the session.
func (o *ONNXModel) Close() error {
	if o.sess == nil {
		return nil
	}
	return o.sess.Close()
}
