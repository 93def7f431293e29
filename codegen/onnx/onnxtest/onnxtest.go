// Package onnxtest holds what the tests of codegen/onnx and runtime/ort
// share: small graphs that exercise every op Export lowers (Ops), the model
// configurations of the parity tests (Models) with their weights and
// inputs drawn from seeded generators, and the onnx checker run through
// Debian's python3-onnx (Check). It is imported by tests only.
package onnxtest

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/testhp"
)

// Python is the interpreter that has Debian's python3-onnx; $VDVAE_PYTHON
// overrides it.
const Python = "/usr/bin/python3"

// checkScript checks every model named on its command line and prints one
// line per failure. Exit status 3 means the onnx module is missing.
const checkScript = `
import sys
try:
    import onnx
    from onnx import checker, shape_inference
except ImportError as e:
    print("cannot import onnx: %s" % e)
    sys.exit(3)
bad = 0
for path in sys.argv[1:]:
    try:
        m = onnx.load(path)
        checker.check_model(m, full_check=True)
        shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    except Exception as e:
        bad += 1
        print("%s: %s: %s" % (path, type(e).__name__, e))
sys.exit(1 if bad else 0)
`

// Check runs onnx.checker.check_model(m, full_check=True) and
// onnx.shape_inference.infer_shapes(m, strict_mode=True) on each model
// file. A missing interpreter or onnx module fails tb (it does not skip):
// `make deps` installs python3-onnx.
func Check(tb testing.TB, paths ...string) {
	tb.Helper()
	py := Python
	if p := os.Getenv("VDVAE_PYTHON"); p != "" {
		py = p
	}
	out, err := exec.Command(py, append([]string{"-c", checkScript}, paths...)...).CombinedOutput()
	if err == nil {
		return
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		tb.Fatalf("onnx checker rejected exported models:\n%s", out)
	}
	tb.Fatalf("cannot run the onnx checker with %s (%v): %s\nrun `make deps` to install python3-onnx, "+
		"or set VDVAE_PYTHON to a python with the onnx module", py, err, strings.TrimSpace(string(out)))
}

// Case is a graph to export and run, with its weights and a source of
// inputs.
type Case struct {
	Name    string
	Graph   *graph.Graph
	Outputs []string
	Weights map[string][]float32
	// Feed returns every graph input for a batch of n, drawn from a
	// generator seeded with seed.
	Feed func(n int, seed uint64) map[string][]float32
}

// Model is one model configuration of the parity tests.
type Model struct {
	Name string
	H    *configs.Hparams
	// KeepInit leaves the initial weights as graph.InitParams draws them;
	// otherwise every weight is perturbed so that zero-initialised
	// tensors (biases, the unpool biases) take part.
	KeepInit bool
}

// Models covers the options that change the exported graph: Bernoulli
// output; mixtures over 1 and 3 channels, 8 and 5 bits, padded 28x28
// digits; std and logstd for the latents and the output; the residual
// posterior; kxk edge convolutions; several blocks per resolution; prior
// weights initialised to zero.
func Models() []Model {
	bern := testhp.Tiny("binarized_mnist", 1)

	gray := testhp.Tiny("fashion_mnist", 1)

	grayPadded := testhp.Tiny("binarized_mnist", 1)
	grayPadded.Data.DatasetSource = "fashion_mnist"
	grayPadded.Model.NumOutputMixtures = 3

	rgb := testhp.Tiny("cifar-10", 3)

	logstd := testhp.Tiny("cifar-10", 3)
	logstd.Model.DistributionBase, logstd.Model.OutputDistributionBase = "logstd", "logstd"
	logstd.Model.UseResidualDistribution = true
	logstd.Model.Use1x1Conv = false
	logstd.Model.StableInit = false

	mixed := testhp.Tiny("cifar-10", 3)
	mixed.Model.DistributionBase = "logstd"
	mixed.Data.NumBits = 5
	mixed.Model.UpNBlocksPerRes = []int{2, 1, 0}
	mixed.Model.DownNBlocksPerRes = []int{1, 2, 1}

	mixed2 := testhp.Tiny("fashion_mnist", 1)
	mixed2.Model.OutputDistributionBase = "logstd"
	mixed2.Model.UseResidualDistribution = true
	mixed2.Model.Use1x1Conv = false

	zeroPrior := testhp.Tiny("cifar-10", 3)
	zeroPrior.Model.InitializePriorWeightsAsZero = true

	return []Model{
		{Name: "bernoulli", H: bern},
		{Name: "mol-gray", H: gray},
		{Name: "mol-gray-padded", H: grayPadded},
		{Name: "mol-rgb", H: rgb},
		{Name: "logstd-residual-kxk", H: logstd},
		{Name: "logstd-latents-5bit-blocks", H: mixed},
		{Name: "logstd-output-residual-kxk-gray", H: mixed2},
		{Name: "zero-prior", H: zeroPrior, KeepInit: true},
	}
}

// ModelOutputs are the outputs the parity tests export.
var ModelOutputs = []string{graph.OutRecon, graph.OutKL, graph.OutLogits}

// Build builds the forward graph of a model configuration as a Case.
func (m Model) Build(tb testing.TB) (*graph.Model, Case) {
	tb.Helper()
	gm, err := graph.BuildModel(m.H, false)
	if err != nil {
		tb.Fatalf("%s: %v", m.Name, err)
	}
	w := graph.InitParams(gm.Graph, 11)
	if !m.KeepInit {
		rng := rand.New(rand.NewPCG(12, 13))
		for _, p := range gm.Graph.Params {
			for i := range w[p.Name] {
				w[p.Name][i] += float32(rng.NormFloat64() * 0.05)
			}
		}
	}
	h := m.H
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 99))
		r, c := h.Data.TargetRes, h.Data.Channels
		x := make([]float32, n*c*r*r)
		step := math.Pow(2, 8-h.Data.NumBits)
		for i := range x {
			if h.Data.IsBinarized() {
				x[i] = float32(rng.IntN(2))
				continue
			}
			// 8-bit pixels reduced to num_bits, then to [-1, 1], as the
			// loaders do; 0 and 255 (the edge bins) come up often.
			v := float64(rng.IntN(256))
			if rng.IntN(8) == 0 {
				v = float64(255 * rng.IntN(2))
			}
			v = math.Floor(v/step) * step
			x[i] = float32((v - 127.5) / 127.5)
		}
		feeds := map[string][]float32{graph.InX: x}
		for i, g := range gm.Groups {
			feeds[graph.EpsName(i)] = Normal(rng, n*g.Variates*g.H*g.W, 1)
		}
		return feeds
	}
	return gm, Case{Name: m.Name, Graph: gm.Graph, Outputs: ModelOutputs, Weights: w, Feed: feed}
}

// BuildMode builds one of the inference graphs of a model configuration
// (graph.Build with opt) as a Case computing every output of that graph.
// Its inputs are drawn by name: images as Build draws them, noise from
// N(0, 1), masks of 0 and 1 (both present), temperatures in [0.5, 1.2),
// posterior means from N(0, 1) and stds in [0.1, 1.6).
func (m Model) BuildMode(tb testing.TB, opt graph.Options) (*graph.Model, Case) {
	tb.Helper()
	gm, err := graph.Build(m.H, opt)
	if err != nil {
		tb.Fatalf("%s: %v", m.Name, err)
	}
	_, base := m.Build(tb)
	feed := func(n int, seed uint64) map[string][]float32 {
		rng := rand.New(rand.NewPCG(seed, 98))
		feeds := map[string][]float32{}
		if _, ok := gm.Graph.Inputs[graph.InX]; ok {
			feeds[graph.InX] = base.Feed(n, seed)[graph.InX]
		}
		for _, name := range gm.Graph.InputNames() {
			if name == graph.InX {
				continue
			}
			size := gm.Graph.Inputs[name].Shape.Bind(n).Size()
			d := make([]float32, size)
			for i := range d {
				switch {
				case strings.HasPrefix(name, "mask."):
					d[i] = float32(i % 2)
				case name == graph.InTemperature:
					d[i] = float32(0.5 + 0.7*rng.Float64())
				case strings.HasPrefix(name, "post_std."):
					d[i] = float32(0.1 + 1.5*rng.Float64())
				default:
					d[i] = float32(rng.NormFloat64())
				}
			}
			feeds[name] = d
		}
		return feeds
	}
	return gm, Case{Name: m.Name, Graph: gm.Graph, Outputs: gm.Graph.OutputNames(), Weights: base.Weights,
		Feed: feed}
}

// Normal returns n draws of N(0, scale^2).
func Normal(rng *rand.Rand, n int, scale float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64() * scale)
	}
	return d
}
