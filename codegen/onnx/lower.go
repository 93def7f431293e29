package onnx

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"vdvae/graph"
)

// lowerFunc emits the ONNX nodes computing graph node n from the tensors
// named in (one per graph input, in order); its last node must write the
// tensor named out.
type lowerFunc func(l *lowerer, n *graph.Node, in []string, out string) error

// lowerings is the lowering table: one rule per forward op kind. Input and
// ParamRef are leaves, handled by lowerAll; the gradient kinds have no rule
// and are reported as unsupported.
var lowerings = map[graph.OpKind]lowerFunc{
	graph.KindConv2D:      lowerConv,
	graph.KindUnary:       lowerUnary,
	graph.KindBinary:      lowerBinary,
	graph.KindConcat:      lowerConcat,
	graph.KindSlice:       lowerSlice,
	graph.KindPad:         lowerPad,
	graph.KindUpsample:    lowerUpsample,
	graph.KindSumPool:     lowerSumPool,
	graph.KindBroadcastTo: lowerBroadcastTo,
	graph.KindReduceSumTo: lowerReduceSumTo,
	graph.KindStopGrad:    lowerIdentity,
	graph.KindDMoLNLL:     lowerDMoL,
}

// lowerer holds the state of one export: the ONNX graph being built and
// the names given to tensors and nodes.
type lowerer struct {
	g       *graph.Graph
	weights map[string][]float32
	need    []bool

	out       graphProto
	names     map[int]string  // graph value ID -> tensor name
	taken     map[string]bool // tensor names in use
	nodeNames map[string]bool // node names in use
	consts    map[string]string
	// batchSrc is the graph input whose dimension 0 gives the batch size
	// when a BroadcastTo must create it; batch is the [N] tensor made from
	// it, once built.
	batchSrc *graph.Value
	batch    string
	// cur is the graph node being lowered: new ONNX nodes are named after
	// its layer path.
	cur *graph.Node
}

func newLowerer(g *graph.Graph, weights map[string][]float32, need []bool) *lowerer {
	return &lowerer{
		g: g, weights: weights, need: need,
		names: map[int]string{}, taken: map[string]bool{}, nodeNames: map[string]bool{},
		consts: map[string]string{},
	}
}

// lowerAll lowers every needed node and binds the requested outputs.
func (l *lowerer) lowerAll(outputs []string, roots []*graph.Value) error {
	if err := l.reserve(outputs, roots); err != nil {
		return err
	}
	l.findBatchSource()
	for _, n := range l.g.Nodes {
		if !l.need[n.Out.ID] {
			continue
		}
		l.cur = n
		if err := l.lowerNode(n); err != nil {
			return err
		}
	}
	l.cur = nil
	for i, name := range outputs {
		v := roots[i]
		if l.names[v.ID] != name {
			l.opTo(name, "Identity", nil, l.names[v.ID])
		}
		l.out.outputs = append(l.out.outputs, shapeInfo(name, v.Shape))
	}
	return nil
}

// reserve claims the names of the needed inputs and parameters and of the
// outputs, and lets each output name its producing value where it can.
func (l *lowerer) reserve(outputs []string, roots []*graph.Value) error {
	for _, n := range l.g.Nodes {
		if !l.need[n.Out.ID] {
			continue
		}
		if name, ok := leafName(n.Op); ok {
			if l.taken[name] {
				return fmt.Errorf("%w: %s: two leaves are named %q", ErrInvalid, pathOf(n), name)
			}
			l.taken[name] = true
			l.names[n.Out.ID] = name
		}
	}
	for i, name := range outputs {
		if l.taken[name] {
			return fmt.Errorf("%w: output %q has the name of an input or parameter; "+
				"ONNX needs distinct names", ErrInvalid, name)
		}
		l.taken[name] = true
		v := roots[i]
		if _, named := l.names[v.ID]; !named {
			l.names[v.ID] = name
		}
	}
	return nil
}

func leafName(op graph.Op) (string, bool) {
	switch op := op.(type) {
	case graph.Input:
		return op.Name, true
	case graph.ParamRef:
		return op.Name, true
	}
	return "", false
}

// findBatchSource picks the input that gives the batch size when a
// BroadcastTo tiles a tensor over the batch: a needed input with a batch
// dimension, else the first declared one (then it becomes needed).
func (l *lowerer) findBatchSource() {
	wants := false
	for _, n := range l.g.Nodes {
		if op, ok := n.Op.(graph.BroadcastTo); ok && l.need[n.Out.ID] && op.Rank > 0 &&
			op.Shape[0] == graph.Batch && n.Inputs[0].Shape[0] != graph.Batch {
			wants = true
		}
	}
	if !wants {
		return
	}
	var first *graph.Value
	for _, n := range l.g.Nodes {
		in, ok := n.Op.(graph.Input)
		if !ok || len(in.Shape) == 0 || in.Shape[0] != graph.Batch {
			continue
		}
		if l.need[n.Out.ID] {
			l.batchSrc = n.Out
			return
		}
		if first == nil {
			first = n.Out
		}
	}
	if first != nil && !l.taken[first.Node.Op.(graph.Input).Name] {
		l.batchSrc = first
		l.need[first.ID] = true
		l.taken[first.Node.Op.(graph.Input).Name] = true
		l.names[first.ID] = first.Node.Op.(graph.Input).Name
	}
}

func (l *lowerer) lowerNode(n *graph.Node) error {
	switch op := n.Op.(type) {
	case graph.Input:
		l.out.inputs = append(l.out.inputs, shapeInfo(op.Name, op.Shape))
		return nil
	case graph.ParamRef:
		return l.param(n, op)
	}
	f, ok := lowerings[n.Op.Kind()]
	if !ok {
		return l.errf(ErrUnsupported, "no ONNX lowering (only forward ops export)")
	}
	in := make([]string, len(n.Inputs))
	for i, v := range n.Inputs {
		in[i] = l.names[v.ID]
	}
	out, preset := l.names[n.Out.ID]
	if !preset {
		out = l.freshTensor(pathOf(n) + "/" + label(n.Op))
		l.names[n.Out.ID] = out
		l.out.valueInfo = append(l.out.valueInfo, shapeInfo(out, n.Out.Shape))
	}
	return f(l, n, in, out)
}

// param adds a parameter's initializer.
func (l *lowerer) param(n *graph.Node, op graph.ParamRef) error {
	w, ok := l.weights[op.Name]
	if !ok {
		return l.errf(ErrInvalid, "no weight given for parameter %q", op.Name)
	}
	if len(w) != op.Shape.Size() {
		return l.errf(ErrInvalid, "weight %q has %d values, want %d for shape %v",
			op.Name, len(w), op.Shape.Size(), op.Shape)
	}
	for _, d := range op.Shape {
		if d == graph.Batch {
			return l.errf(ErrInvalid, "parameter %q has a batch dimension", op.Name)
		}
	}
	l.out.initializers = append(l.out.initializers, floatTensor(op.Name, ints64(op.Shape), w))
	return nil
}

// errf returns an error of the given kind naming the current node.
func (l *lowerer) errf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %v at %s: %s", kind, l.cur.Op.Kind(), pathOf(l.cur),
		fmt.Sprintf(format, args...))
}

func pathOf(n *graph.Node) string {
	if n.Path == "" {
		return "(top level)"
	}
	return n.Path
}

// label names a graph op in tensor names: the function of elementwise ops,
// else the kind.
func label(op graph.Op) string {
	switch op := op.(type) {
	case graph.Unary:
		return op.Fn.String()
	case graph.Binary:
		return op.Fn.String()
	}
	return op.Kind().String()
}

// shapeInfo describes a float32 tensor, with Batch as the symbolic "N".
func shapeInfo(name string, s graph.Shape) valueInfo {
	v := valueInfo{name: name, dtype: dtFloat, dims: make([]dim, len(s))}
	for i, d := range s {
		if d == graph.Batch {
			v.dims[i] = dim{param: BatchDim}
		} else {
			v.dims[i] = dim{value: int64(d)}
		}
	}
	return v
}

// freshTensor returns base, or base_2, base_3, ... if taken, and claims it.
func (l *lowerer) freshTensor(base string) string { return fresh(l.taken, base) }

func fresh(taken map[string]bool, base string) string {
	name := base
	for k := 2; taken[name]; k++ {
		name = base + "_" + strconv.Itoa(k)
	}
	taken[name] = true
	return name
}

// op emits one node with a fresh output and returns the output's name.
func (l *lowerer) op(opType string, attrs []attr, inputs ...string) string {
	out := l.freshTensor(l.nodePrefix() + opType)
	l.opTo(out, opType, attrs, inputs...)
	return out
}

// opTo emits one node writing the tensor named out.
func (l *lowerer) opTo(out, opType string, attrs []attr, inputs ...string) {
	name := fresh(l.nodeNames, l.nodePrefix()+opType)
	l.out.nodes = append(l.out.nodes, node{
		name: name, opType: opType, inputs: inputs, outputs: []string{out}, attrs: attrs,
	})
}

func (l *lowerer) nodePrefix() string {
	if l.cur == nil {
		return "/"
	}
	return l.cur.Path + "/"
}

// f32 returns the name of a scalar float32 constant.
func (l *lowerer) f32(v float32) string {
	key := "f" + strconv.FormatUint(uint64(math.Float32bits(v)), 16)
	if name, ok := l.consts[key]; ok {
		return name
	}
	name := l.freshTensor("const_" + strconv.FormatFloat(float64(v), 'g', -1, 32))
	l.consts[key] = name
	l.out.initializers = append(l.out.initializers, floatTensor(name, nil, []float32{v}))
	return name
}

// f32s returns the name of a 1-D float32 constant.
func (l *lowerer) f32s(v ...float32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	key := "F" + strings.Join(parts, ",")
	if name, ok := l.consts[key]; ok {
		return name
	}
	name := l.freshTensor("const_f32_" + strings.Join(parts, "_"))
	l.consts[key] = name
	l.out.initializers = append(l.out.initializers, floatTensor(name, []int64{int64(len(v))}, v))
	return name
}

// i64s returns the name of a 1-D int64 constant.
func (l *lowerer) i64s(v ...int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	key := "i" + strings.Join(parts, ",")
	if name, ok := l.consts[key]; ok {
		return name
	}
	name := l.freshTensor("const_i64_" + strings.Join(parts, "_"))
	l.consts[key] = name
	l.out.initializers = append(l.out.initializers, int64Tensor(name, []int64{int64(len(v))}, v))
	return name
}

// batchSize returns a 1-D int64 tensor holding the batch size N, built once
// from the batch source input: Shape(src, start=0, end=1).
func (l *lowerer) batchSize() (string, error) {
	if l.batch != "" {
		return l.batch, nil
	}
	if l.batchSrc == nil {
		return "", l.errf(ErrUnsupported,
			"tiling over the batch needs an input with a batch dimension, and the graph has none")
	}
	cur := l.cur
	l.cur = nil // shared by every user: named at the top level
	l.batch = l.op("Shape", []attr{attrI("start", 0), attrI("end", 1)}, l.names[l.batchSrc.ID])
	l.cur = cur
	return l.batch, nil
}

func lowerIdentity(l *lowerer, _ *graph.Node, in []string, out string) error {
	l.opTo(out, "Identity", nil, in[0])
	return nil
}

// lowerConv: Conv with explicit pads [top, left, bottom, right].
func lowerConv(l *lowerer, n *graph.Node, in []string, out string) error {
	op := n.Op.(graph.Conv2D)
	l.opTo(out, "Conv", []attr{
		attrInts("dilations", 1, 1),
		attrI("group", 1),
		attrInts("kernel_shape", int64(op.Kernel[0]), int64(op.Kernel[1])),
		attrInts("pads", int64(op.PadBefore[0]), int64(op.PadBefore[1]),
			int64(op.PadAfter[0]), int64(op.PadAfter[1])),
		attrInts("strides", int64(op.Stride[0]), int64(op.Stride[1])),
	}, in...)
	return nil
}

// lowerUnary follows graph.UnaryFn's definitions (runtime/ref/elem.go).
// Constants are float32, as the other runtimes use them.
func lowerUnary(l *lowerer, n *graph.Node, in []string, out string) error {
	op := n.Op.(graph.Unary)
	x, a := in[0], float32(op.Alpha)
	switch op.Fn {
	case graph.FnSiLU: // x * sigmoid(x)
		l.opTo(out, "Mul", nil, x, l.op("Sigmoid", nil, x))
	case graph.FnLeakyReLU: // x if x >= 0 else alpha x
		l.opTo(out, "LeakyRelu", []attr{attrF("alpha", a)}, x)
	case graph.FnSoftplus: // log(1 + exp(alpha x)) / alpha
		if a == 1 {
			l.opTo(out, "Softplus", nil, x)
			break
		}
		sp := l.op("Softplus", nil, l.op("Mul", nil, x, l.f32(a)))
		l.opTo(out, "Div", nil, sp, l.f32(a))
	case graph.FnExp: // exp(alpha x)
		if a != 1 {
			x = l.op("Mul", nil, x, l.f32(a))
		}
		l.opTo(out, "Exp", nil, x)
	case graph.FnLog:
		l.opTo(out, "Log", nil, x)
	case graph.FnTanh:
		l.opTo(out, "Tanh", nil, x)
	case graph.FnSigmoid:
		l.opTo(out, "Sigmoid", nil, x)
	case graph.FnSquare:
		l.opTo(out, "Mul", nil, x, x)
	case graph.FnScale:
		l.opTo(out, "Mul", nil, x, l.f32(a))
	case graph.FnAddConst:
		l.opTo(out, "Add", nil, x, l.f32(a))
	default:
		return l.errf(ErrUnsupported, "unary function %v has no lowering", op.Fn)
	}
	return nil
}

var binaryOps = map[graph.BinaryFn]string{
	graph.FnAdd: "Add", graph.FnSub: "Sub", graph.FnMul: "Mul", graph.FnDiv: "Div",
}

// lowerBinary: the graph's broadcasting (equal ranks, each pair of
// dimensions equal or one of them 1) is a case of ONNX's.
func lowerBinary(l *lowerer, n *graph.Node, in []string, out string) error {
	op := n.Op.(graph.Binary)
	t, ok := binaryOps[op.Fn]
	if !ok {
		return l.errf(ErrUnsupported, "binary function %v has no lowering", op.Fn)
	}
	l.opTo(out, t, nil, in[0], in[1])
	return nil
}

func lowerConcat(l *lowerer, n *graph.Node, in []string, out string) error {
	l.opTo(out, "Concat", []attr{attrI("axis", int64(n.Op.(graph.Concat).Axis))}, in...)
	return nil
}

// lowerSlice lists only the axes that are cut; an End of 0 is the full
// extent.
func lowerSlice(l *lowerer, n *graph.Node, in []string, out string) error {
	op, s := n.Op.(graph.Slice), n.Inputs[0].Shape
	var starts, ends, axes []int64
	for i, d := range s {
		begin, end := op.Begin[i], op.End[i]
		if end == 0 {
			end = d // the batch axis only gets here with begin 0
		}
		if begin == 0 && end == d {
			continue
		}
		starts, ends = append(starts, int64(begin)), append(ends, int64(end))
		axes = append(axes, int64(i))
	}
	if len(axes) == 0 {
		l.opTo(out, "Identity", nil, in[0])
		return nil
	}
	l.opTo(out, "Slice", nil, in[0], l.i64s(starts...), l.i64s(ends...), l.i64s(axes...))
	return nil
}

// lowerPad: zeros of the target shape with the input at Begin; the batch
// axis is never padded.
func lowerPad(l *lowerer, n *graph.Node, in []string, out string) error {
	op, s := n.Op.(graph.Pad), n.Inputs[0].Shape
	pads := make([]int64, 2*len(s))
	padded := false
	for i, d := range s {
		if d == graph.Batch {
			continue
		}
		pads[i], pads[len(s)+i] = int64(op.Begin[i]), int64(op.Shape[i]-d-op.Begin[i])
		padded = padded || pads[i] != 0 || pads[len(s)+i] != 0
	}
	if !padded {
		l.opTo(out, "Identity", nil, in[0])
		return nil
	}
	l.opTo(out, "Pad", []attr{attrS("mode", "constant")}, in[0], l.i64s(pads...))
	return nil
}

// lowerUpsample: nearest neighbour, out[i] = in[floor(i / factor)], which
// is Resize's asymmetric coordinates with floor rounding.
func lowerUpsample(l *lowerer, n *graph.Node, in []string, out string) error {
	f := n.Op.(graph.Upsample).Factor
	l.opTo(out, "Resize", []attr{
		attrS("coordinate_transformation_mode", "asymmetric"),
		attrS("mode", "nearest"),
		attrS("nearest_mode", "floor"),
	}, in[0], "", l.f32s(1, 1, float32(f[0]), float32(f[1])))
	return nil
}

// lowerSumPool: (N,C,H,W) -> (N,C,H/f0,f0,W/f1,f1), summed over the window
// axes. Reshape's 0 copies the (possibly symbolic) batch size.
func lowerSumPool(l *lowerer, n *graph.Node, in []string, out string) error {
	f, s := n.Op.(graph.SumPool).Factor, n.Inputs[0].Shape
	shape := l.i64s(0, int64(s[1]), int64(s[2]/f[0]), int64(f[0]), int64(s[3]/f[1]), int64(f[1]))
	r := l.op("Reshape", nil, in[0], shape)
	l.opTo(out, "ReduceSum", []attr{attrI("keepdims", 0)}, r, l.i64s(3, 5))
	return nil
}

// lowerBroadcastTo: Expand broadcasts its input with the given shape, so a
// 1 keeps an axis the input already has at full size (the batch included);
// only tiling a size-1 axis over the batch needs the batch size itself.
func lowerBroadcastTo(l *lowerer, n *graph.Node, in []string, out string) error {
	op, s := n.Op.(graph.BroadcastTo), n.Inputs[0].Shape
	target := make([]int64, op.Rank)
	needN := false
	for i := range target {
		switch {
		case op.Shape[i] != graph.Batch:
			target[i] = int64(op.Shape[i])
		case s[i] == graph.Batch:
			target[i] = 1
		default:
			needN = true
		}
	}
	shape := l.i64s(target...)
	if needN {
		if op.Shape[0] != graph.Batch || op.Rank < 2 {
			return l.errf(ErrUnsupported, "batch dimension not first in %v", op.Shape[:op.Rank])
		}
		nt, err := l.batchSize()
		if err != nil {
			return err
		}
		shape = l.op("Concat", []attr{attrI("axis", 0)}, nt, l.i64s(target[1:]...))
	}
	l.opTo(out, "Expand", nil, in[0], shape)
	return nil
}

// lowerReduceSumTo sums the axes that are 1 in the target but not in the
// input, keeping them.
func lowerReduceSumTo(l *lowerer, n *graph.Node, in []string, out string) error {
	op, s := n.Op.(graph.ReduceSumTo), n.Inputs[0].Shape
	var axes []int64
	for i := 0; i < op.Rank; i++ {
		if op.Shape[i] == 1 && s[i] != 1 {
			axes = append(axes, int64(i))
		}
	}
	if len(axes) == 0 {
		l.opTo(out, "Identity", nil, in[0])
		return nil
	}
	l.opTo(out, "ReduceSum", []attr{attrI("keepdims", 1)}, in[0], l.i64s(axes...))
	return nil
}
