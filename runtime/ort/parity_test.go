package ort

import (
	"fmt"
	"math"
	"testing"

	"vdvae/codegen/onnx"
	"vdvae/codegen/onnx/onnxtest"
	"vdvae/graph"
	"vdvae/runtime"
	_ "vdvae/runtime/cpu" // registers "cpu"
	_ "vdvae/runtime/ref" // registers "ref"
)

// Tolerances between ONNX Runtime and the Go backends on a model's outputs:
// kl and logits within modelAbs; recon within modelAbs + reconRel |recon|.
// recon sums the NLL of every pixel of an image (about 10^3 nats here), a
// value whose float32 spacing (1.2e-4 from 1024, 4.9e-4 from 4096) is
// coarser than modelAbs; ref sums in float64, ONNX Runtime in float32, and
// the two land a few float32 steps apart (2.2e-7 relative at most, seen).
const (
	modelAbs = 1e-4
	reconRel = 1e-6
)

// TestModelsMatchGoRuntimes exports the forward graph of each parity model
// and checks that ONNX Runtime computes the same recon, kl and logits as
// runtime/ref and runtime/cpu, at batch sizes 1 and 7 through one session.
func TestModelsMatchGoRuntimes(t *testing.T) {
	for _, m := range onnxtest.Models() {
		t.Run(m.Name, func(t *testing.T) {
			_, c := m.Build(t)
			s := openCase(t, c)
			for _, batch := range []int{1, 7} {
				feeds := c.Feed(batch, uint64(100+batch))
				got := runSession(t, s, c, feeds, batch)
				for _, be := range []string{"ref", "cpu"} {
					want := runGo(t, be, c, feeds, batch)
					for _, name := range c.Outputs {
						rel := 0.0
						if name == graph.OutRecon {
							rel = reconRel
						}
						if i, ok := closeAll(got[name], want[name], modelAbs, rel); !ok {
							t.Errorf("batch %d: %s[%d]: ort %v, %s %v", batch, name, i, got[name][i], be, want[name][i])
						}
						t.Logf("batch %d: %s: max |ort - %s| = %.3g", batch, name, be, maxAbsDiff(got[name], want[name]))
					}
				}
			}
		})
	}
}

// TestInferenceGraphsMatchGoRuntimes does the same for the generator, the
// masked evaluator (every output, posterior statistics included) and the
// decoder of each parity model.
func TestInferenceGraphsMatchGoRuntimes(t *testing.T) {
	modes := []graph.Options{{Mode: graph.ModeGenerate}, {Mode: graph.ModeEval, Masked: true},
		{Mode: graph.ModeDecode}}
	for _, m := range onnxtest.Models() {
		for _, opt := range modes {
			t.Run(fmt.Sprintf("%s/mode%d", m.Name, opt.Mode), func(t *testing.T) {
				_, c := m.BuildMode(t, opt)
				s := openCase(t, c)
				for _, batch := range []int{1, 7} {
					feeds := c.Feed(batch, uint64(200+batch))
					got := runSession(t, s, c, feeds, batch)
					want := runGo(t, "cpu", c, feeds, batch)
					for _, name := range c.Outputs {
						rel := 0.0
						if name == graph.OutRecon {
							rel = reconRel
						}
						if i, ok := closeAll(got[name], want[name], modelAbs, rel); !ok {
							t.Errorf("batch %d: %s[%d]: ort %v, cpu %v", batch, name, i, got[name][i], want[name][i])
						}
					}
				}
			})
		}
	}
}

// TestOpsMatchReference runs every lowering rule's small graph in ONNX
// Runtime and in runtime/ref, including values that probe overflow and
// every case of the mixture NLL.
func TestOpsMatchReference(t *testing.T) {
	for _, c := range onnxtest.Ops(t) {
		t.Run(c.Name, func(t *testing.T) {
			s := openCase(t, c)
			for _, batch := range []int{1, 3} {
				feeds := c.Feed(batch, uint64(batch))
				checkDMoLCases(t, c, feeds, batch)
				got := runSession(t, s, c, feeds, batch)
				want := runGo(t, "ref", c, feeds, batch)
				if i, ok := closeAll(got["y"], want["y"], 1e-5, 2e-6); !ok {
					t.Errorf("batch %d: element %d: ort %v, ref %v", batch, i, got["y"][i], want["y"][i])
				}
			}
		})
	}
}

// checkDMoLCases makes sure a mixture case's inputs reach every case of the
// NLL, so that the comparison covers each.
func checkDMoLCases(t *testing.T, c onnxtest.Case, feeds map[string][]float32, batch int) {
	t.Helper()
	for _, n := range c.Graph.Nodes {
		op, ok := n.Op.(graph.DMoLNLL)
		if !ok {
			continue
		}
		low, high, mid, fb := onnxtest.DMoLCases(op, feeds["logits"], feeds["targets"],
			n.Inputs[0].Shape.Bind(batch))
		if low == 0 || high == 0 || mid == 0 || fb == 0 {
			t.Fatalf("inputs miss a case: lowest %d, highest %d, middle %d, fallback %d", low, high, mid, fb)
		}
	}
}

func openCase(t *testing.T, c onnxtest.Case) *Session {
	t.Helper()
	data, err := onnx.Export(c.Graph, c.Outputs, c.Weights, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(data, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func runSession(t *testing.T, s *Session, c onnxtest.Case, feeds map[string][]float32,
	batch int) map[string][]float32 {
	t.Helper()
	in := map[string]Tensor{}
	for _, ti := range s.Inputs() {
		in[ti.Name] = Tensor{Shape: c.Graph.Inputs[ti.Name].Shape.Bind(batch), Data: feeds[ti.Name]}
	}
	out, err := s.Run(in, c.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	res := map[string][]float32{}
	for _, name := range c.Outputs {
		want := c.Graph.Outputs[name].Shape.Bind(batch)
		if fmt.Sprint(out[name].Shape) != fmt.Sprint([]int(want)) {
			t.Fatalf("output %s has shape %v, want %v", name, out[name].Shape, want)
		}
		res[name] = out[name].Data
	}
	return res
}

func runGo(t *testing.T, backend string, c onnxtest.Case, feeds map[string][]float32,
	batch int) map[string][]float32 {
	t.Helper()
	be, err := runtime.Get(backend)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]*graph.Value{}
	for _, name := range c.Outputs {
		outs[name] = c.Graph.Outputs[name]
	}
	p, err := runtime.Compile(c.Graph, be, batch, outs)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range c.Weights {
		if err := p.Bind(name, d); err != nil {
			t.Fatal(err)
		}
	}
	for name, d := range feeds {
		if err := p.Bind(name, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	res := map[string][]float32{}
	for _, name := range c.Outputs {
		res[name] = append([]float32(nil), p.Output(name)...)
	}
	return res
}

// maxAbsDiff is the largest |a[i] - b[i]|; NaN when the lengths differ or
// either side has a NaN.
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.NaN()
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		if a[i] != a[i] || b[i] != b[i] {
			return math.NaN()
		}
	}
	return d
}

// closeAll reports whether every |got - want| <= abs + rel |want| (equal
// infinities match), and the first index where not.
func closeAll(got, want []float32, abs, rel float64) (int, bool) {
	if len(got) != len(want) {
		return 0, false
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if g == w {
			continue
		}
		if !(math.Abs(g-w) <= abs+rel*math.Abs(w)) {
			return i, false
		}
	}
	return 0, true
}
