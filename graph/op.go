package graph

import (
	"fmt"
	"sort"
)

// OpKind enumerates the operations of the IR.
type OpKind uint8

// The op kinds, grouped by family.
const (
	KindInput OpKind = iota
	KindParam

	// Convolution family (op_conv.go).
	KindConv2D
	KindConvBwdData
	KindConvBwdFilter
	KindConvBwdBias

	// Elementwise family (op_elem.go).
	KindUnary
	KindUnaryGrad
	KindBinary

	// Layout family (op_layout.go).
	KindConcat
	KindSlice
	KindPad
	KindUpsample
	KindSumPool
	KindBroadcastTo
	KindReduceSumTo

	// StopGrad passes its input through and blocks gradients.
	KindStopGrad

	// Distribution family (op_dist.go).
	KindDMoLNLL
	KindDMoLGrad
)

var kindNames = [...]string{
	KindInput: "Input", KindParam: "Param",
	KindConv2D: "Conv2D", KindConvBwdData: "ConvBwdData",
	KindConvBwdFilter: "ConvBwdFilter", KindConvBwdBias: "ConvBwdBias",
	KindUnary: "Unary", KindUnaryGrad: "UnaryGrad", KindBinary: "Binary",
	KindConcat: "Concat", KindSlice: "Slice", KindPad: "Pad",
	KindUpsample: "Upsample", KindSumPool: "SumPool",
	KindBroadcastTo: "BroadcastTo", KindReduceSumTo: "ReduceSumTo",
	KindStopGrad: "StopGrad", KindDMoLNLL: "DMoLNLL", KindDMoLGrad: "DMoLGrad",
}

// String returns the kind's name.
func (k OpKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", k)
}

// Op is one typed operation. Ops are comparable values: two nodes with equal
// ops compute the same function of their inputs.
type Op interface {
	Kind() OpKind
	// Infer returns the output shape for the input shapes.
	Infer(in []Shape) (Shape, error)
}

// Input is a placeholder fed at run time.
type Input struct {
	Name  string
	Shape Shape
}

// Kind implements Op.
func (Input) Kind() OpKind { return KindInput }

// Infer implements Op.
func (o Input) Infer([]Shape) (Shape, error) { return o.Shape, nil }

// ParamRef reads a trainable parameter.
type ParamRef struct {
	Name  string
	Shape Shape
}

// Kind implements Op.
func (ParamRef) Kind() OpKind { return KindParam }

// Infer implements Op.
func (o ParamRef) Infer([]Shape) (Shape, error) { return o.Shape, nil }

func wantInputs(in []Shape, n int) error {
	if len(in) != n {
		return fmt.Errorf("want %d inputs, got %d", n, len(in))
	}
	return nil
}

func wantRank(s Shape, r int, what string) error {
	if len(s) != r {
		return fmt.Errorf("%s must have rank %d, got shape %v", what, r, s)
	}
	return nil
}

func sortedKeys(m map[string]*Value) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
