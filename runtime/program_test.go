package runtime_test

import (
	"testing"

	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/ref"
)

// TestValueReadTwiceKeepsItsBuffer: a node reading one value twice must
// release its buffer once; released twice, two later values would share it.
func TestValueReadTwiceKeepsItsBuffer(t *testing.T) {
	b := graph.NewBuilder()
	x := b.Input("x", graph.Shape{1, 1, 1, 1})
	a := b.Unary(graph.FnScale, 2, x) // 2x
	r := b.Div(a, a)                  // 1, reads a twice
	c := b.Unary(graph.FnScale, 3, x) // 3x
	d := b.Unary(graph.FnScale, 5, x) // 5x
	out := b.Add(b.Add(r, c), d)      // 1 + 8x
	p, err := runtime.Compile(b.Graph(), ref.Backend{}, 1, map[string]*graph.Value{"out": out})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Bind("x", []float32{2}); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if got := p.Output("out")[0]; got != 17 {
		t.Fatalf("1 + 8*2 = %g", got)
	}
}
