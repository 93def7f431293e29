package graph_test

import (
	"testing"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/testhp"
)

// TestModelsVerify runs the IR verifier after building and after
// differentiation, for the CPU presets and every option of the tiny model.
func TestModelsVerify(t *testing.T) {
	var hs []*configs.Hparams
	for _, name := range []string{"mnist_cpu", "fashion_mnist_cpu", "cifar10_C1"} {
		h, err := configs.Load(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	hs = append(hs, testhp.Tiny("binarized_mnist", 1), testhp.Tiny("cifar-10", 3))
	alt := testhp.Tiny("cifar-10", 3)
	alt.Model.DistributionBase, alt.Model.UseResidualDistribution, alt.Model.Use1x1Conv = "logstd", true, false
	hs = append(hs, alt)
	for _, h := range hs {
		m, err := graph.BuildModel(h, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := graph.Verify(m.Graph); err != nil {
			t.Fatalf("%s after build: %v", h.Run.Name, err)
		}
		if _, err := graph.Grad(m.Graph, m.Graph.Outputs[graph.OutLoss]); err != nil {
			t.Fatal(err)
		}
		if err := graph.Verify(m.Graph); err != nil {
			t.Fatalf("%s after grad: %v", h.Run.Name, err)
		}
	}
}

// TestVerifyCatchesBrokenGraphs corrupts a graph in the ways Verify guards.
func TestVerifyCatchesBrokenGraphs(t *testing.T) {
	build := func() *graph.Graph {
		b := graph.NewBuilder()
		x := b.Input("x", graph.Shape{graph.Batch, 2, 4, 4})
		b.Output("y", b.Unary(graph.FnSiLU, 0, b.Add(x, x)))
		return b.Graph()
	}
	g := build()
	g.Nodes[1], g.Nodes[2] = g.Nodes[2], g.Nodes[1]
	if graph.Verify(g) == nil {
		t.Error("out-of-order nodes pass")
	}
	g = build()
	g.Nodes[2].Out.Shape = graph.Shape{graph.Batch, 3, 4, 4}
	if graph.Verify(g) == nil {
		t.Error("a wrong shape passes")
	}
	if err := graph.Verify(build()); err != nil {
		t.Errorf("a good graph fails: %v", err)
	}
}
