package onnx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/codegen/onnx/onnxtest"
	"vdvae/graph"
	"vdvae/internal/testhp"
)

// TestExportsPassONNXChecker exports every op graph and every parity model
// and runs the onnx checker (full check) and strict shape inference on
// them, in one Python process.
func TestExportsPassONNXChecker(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	write := func(c onnxtest.Case) {
		t.Helper()
		path := filepath.Join(dir, strings.NewReplacer("(", "", ")", "", ",", "_").Replace(c.Name)+".onnx")
		opt := Options{Metadata: map[string]string{"case": c.Name}}
		if err := WriteFile(path, c.Graph, c.Outputs, c.Weights, opt); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		paths = append(paths, path)
	}
	for _, c := range onnxtest.Ops(t) {
		write(c)
	}
	modes := []graph.Options{{Mode: graph.ModeGenerate}, {Mode: graph.ModeEval},
		{Mode: graph.ModeEval, Masked: true}, {Mode: graph.ModeDecode}}
	for _, m := range onnxtest.Models() {
		_, c := m.Build(t)
		write(c)
		for i, opt := range modes {
			_, c := m.BuildMode(t, opt)
			c.Name = fmt.Sprintf("%s-mode%d", c.Name, i)
			write(c)
		}
	}
	onnxtest.Check(t, paths...)
}

func tinyModel(t *testing.T) (*graph.Model, map[string][]float32) {
	t.Helper()
	m, err := graph.BuildModel(testhp.Tiny("cifar-10", 3), false)
	if err != nil {
		t.Fatal(err)
	}
	return m, graph.InitParams(m.Graph, 1)
}

// TestExportNamesAndPruning checks the model's interface: the graph's
// names, the symbolic batch, only the inputs the outputs need, outputs in
// the requested order, the producer and the metadata.
func TestExportNamesAndPruning(t *testing.T) {
	m, w := tinyModel(t)
	meta := map[string]string{"hparams": "model:\n  num_output_mixtures: 2\n", "vdvae.version": "test"}
	opt := Options{Metadata: meta, ProducerVersion: "0.1"}
	data, err := Export(m.Graph, []string{graph.OutLogits, graph.OutKL}, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(data)
	if err != nil {
		t.Fatal(err)
	}
	var ins, outs []string
	for _, ti := range info.Inputs {
		ins = append(ins, ti.String())
	}
	for _, ti := range info.Outputs {
		outs = append(outs, ti.String())
	}
	want := "x: float32(N,3,8,8) eps.0: float32(N,2,4,4) eps.1: float32(N,3,4,4) " +
		"eps.2: float32(N,3,4,4) eps.3: float32(N,2,8,8)"
	if got := strings.Join(ins, " "); got != want {
		t.Errorf("inputs\n got %s\nwant %s", got, want)
	}
	want = "logits: float32(N,20,8,8) kl: float32(N,4,1,1)"
	if got := strings.Join(outs, " "); got != want {
		t.Errorf("outputs\n got %s\nwant %s", got, want)
	}
	if info.IRVersion != IRVersion || info.Opset() != Opset || info.ProducerName != Producer ||
		info.ProducerVersion != "0.1" || info.GraphName != "vdvae" {
		t.Errorf("header: %+v", info)
	}
	if len(info.Metadata) != 2 || info.Metadata["hparams"] != meta["hparams"] {
		t.Errorf("metadata %q, want %q", info.Metadata, meta)
	}
	// The last bottom-up pooling convolution feeds nothing: pruned.
	if info.Params >= int64(m.Graph.NumParams()) {
		t.Errorf("initializers hold %d values, the graph's parameters %d: nothing was pruned",
			info.Params, m.Graph.NumParams())
	}
	// The logits and kl need no loss inputs and no mixture NLL.
	if info.Ops["Where"] != 0 || info.Ops["Conv"] == 0 {
		t.Errorf("ops %v: the reconstruction loss was not pruned", info.Ops)
	}
}

func TestExportIsDeterministic(t *testing.T) {
	m, w := tinyModel(t)
	opt := Options{Metadata: map[string]string{"b": "2", "a": "1", "c": "3"}}
	a, err := Export(m.Graph, nil, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Export(m.Graph, nil, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two exports of the same graph differ")
	}
}

// TestExportErrors checks the error kinds and that each names what is
// wrong: the output, the weight, or the layer path of the node.
func TestExportErrors(t *testing.T) {
	m, w := tinyModel(t)
	train, err := graph.BuildModel(testhp.Tiny("cifar-10", 3), true)
	if err != nil {
		t.Fatal(err)
	}
	train.Graph.Outputs["grad"] = train.Grads["top_down.output_conv.weight"]
	short := map[string][]float32{}
	for k, v := range w {
		short[k] = v
	}
	short["top_down.output_conv.bias"] = short["top_down.output_conv.bias"][1:]
	missing := map[string][]float32{}
	for k, v := range w {
		if k != "top_down.trainable_h" {
			missing[k] = v
		}
	}
	b := graph.NewBuilder()
	b.Output("x", b.Unary(graph.FnTanh, 0, b.Input("x", graph.Shape{graph.Batch, 2})))
	renamed := b.Graph()
	broken := &graph.Graph{Nodes: m.Graph.Nodes[:5], Params: m.Graph.Params, Inputs: m.Graph.Inputs,
		Outputs: m.Graph.Outputs}
	cases := []struct {
		name    string
		g       *graph.Graph
		outputs []string
		weights map[string][]float32
		kind    error
		says    []string
	}{
		{"unknown output", m.Graph, []string{"sample"}, w, ErrInvalid, []string{`"sample"`, "logits"}},
		{"output twice", m.Graph, []string{"kl", "kl"}, w, ErrInvalid, []string{`"kl"`}},
		{"missing weight", m.Graph, nil, missing, ErrInvalid, []string{"top_down.trainable_h"}},
		{"short weight", m.Graph, nil, short, ErrInvalid,
			[]string{"top_down.output_conv.bias", "has 19 values, want 20"}},
		{"gradient op", train.Graph, []string{"grad"}, w, ErrUnsupported, []string{"grad.", "only forward ops"}},
		{"output named like an input", renamed, nil, w, ErrInvalid, []string{`"x"`}},
		{"broken graph", broken, nil, w, ErrInvalid, []string{"verify"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Export(c.g, c.outputs, c.weights, Options{})
			if !errors.Is(err, c.kind) {
				t.Fatalf("error %v, want one wrapping %v", err, c.kind)
			}
			if !strings.HasPrefix(err.Error(), "onnx: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	m, w := tinyModel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, m.Graph, nil, w, Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(data); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files after the write, want 1", len(entries))
	}
	// A failed export leaves the old file alone.
	if err := WriteFile(path, m.Graph, []string{"nothing"}, w, Options{}); err == nil {
		t.Fatal("export of an unknown output succeeded")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Error("a failed export changed the file")
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.onnx"), m.Graph, nil, w, Options{}); err == nil {
		t.Error("write into a missing folder succeeded")
	}
}

// TestBuildsWithoutCgo keeps export usable on machines without a C
// toolchain: the package and its test helpers need no cgo.
func TestBuildsWithoutCgo(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}|{{.CgoFiles}}", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgo, _ := strings.Cut(line, "|")
		if cgo != "[]" {
			t.Errorf("%s uses cgo", path)
		}
		if strings.HasPrefix(path, "vdvae/runtime") {
			t.Errorf("codegen/onnx depends on %s", path)
		}
	}
}
