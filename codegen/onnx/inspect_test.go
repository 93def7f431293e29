package onnx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"vdvae/graph"
)

// smallExport is a tiny model's export, the seed of the reader's tests.
func smallExport(t testing.TB) []byte {
	b := graph.NewBuilder()
	x := b.Input("x", graph.Shape{graph.Batch, 2, 4, 4})
	p := b.Param("scale", graph.Shape{1, 2, 1, 1}, graph.Param{})
	b.Output("y", b.Unary(graph.FnTanh, 0, b.Mul(x, p)))
	data, err := Export(b.Graph(), nil, map[string][]float32{"scale": {1, 2}},
		Options{Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestInspectRoundTrip(t *testing.T) {
	info, err := Inspect(smallExport(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Inputs) != 1 || info.Inputs[0].String() != "x: float32(N,2,4,4)" {
		t.Errorf("inputs %v", info.Inputs)
	}
	if len(info.Outputs) != 1 || info.Outputs[0].String() != "y: float32(N,2,4,4)" {
		t.Errorf("outputs %v", info.Outputs)
	}
	if info.Inputs[0].Shape[0] != (Dim{Param: "N"}) || info.Inputs[0].Shape[1] != (Dim{Value: 2}) {
		t.Errorf("dims %#v", info.Inputs[0].Shape)
	}
	if info.Metadata["k"] != "v" || info.Opset() != 17 || info.IRVersion != 8 || info.Params != 2 ||
		info.Ops["Mul"] != 1 || info.Ops["Tanh"] != 1 || info.Nodes != 2 {
		t.Errorf("info %+v", info)
	}
}

// TestInspectRejectsEveryTruncation: Export writes the graph last, so a
// file cut anywhere is an error, never a smaller valid model.
func TestInspectRejectsEveryTruncation(t *testing.T) {
	data := smallExport(t)
	for n := 0; n < len(data); n++ {
		if _, err := Inspect(data[:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("first %d of %d bytes: error %v, want one wrapping ErrFormat", n, len(data), err)
		}
	}
}

func TestInspectRejectsOtherData(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(smallExport(t))
	zw.Close()
	var noGraph, wrongType, undefined []byte
	noGraph = protowire.AppendTag(noGraph, fModelIRVersion, protowire.VarintType)
	noGraph = protowire.AppendVarint(noGraph, 8)
	wrongType = protowire.AppendTag(wrongType, fModelIRVersion, protowire.BytesType)
	wrongType = protowire.AppendString(wrongType, "8")
	// A graph whose node reads a tensor nothing defines.
	var e enc
	e.varint(fModelIRVersion, 8)
	e.msg(fModelOpsetImport, func(o *enc) { o.varint(fOpsetVersion, 17) })
	e.msg(fModelGraph, func(g *enc) {
		g.msg(fGraphNode, func(n *enc) {
			encodeNode(n, &node{name: "n", opType: "Relu", inputs: []string{"ghost"}, outputs: []string{"y"}})
		})
	})
	undefined = e
	cases := map[string][]byte{
		"empty":           nil,
		"text":            []byte("name: not a model\n"),
		"gzip":            gz.Bytes(),
		"zeros":           make([]byte, 64),
		"all ones":        bytes.Repeat([]byte{0xff}, 64),
		"no graph":        noGraph,
		"wrong wire type": wrongType,
		"undefined input": undefined,
	}
	for name, data := range cases {
		if info, err := Inspect(data); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %+v, %v; want an error wrapping ErrFormat", name, info, err)
		}
	}
}

// FuzzInspect: no input makes Inspect panic, and what it accepts describes
// itself consistently.
func FuzzInspect(f *testing.F) {
	data := smallExport(f)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x08, 0x3a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Inspect(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if info.IRVersion <= 0 || info.Opset() <= 0 || info.Params < 0 {
			t.Fatalf("accepted %+v", info)
		}
	})
}
