package onnx

import (
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Info is what Inspect reads from an ONNX model.
type Info struct {
	IRVersion int64
	// Opsets maps each imported operator-set domain to its version; the
	// default domain (ai.onnx) is "".
	Opsets          map[string]int64
	ProducerName    string
	ProducerVersion string
	DocString       string
	GraphName       string
	// Inputs are the graph inputs that are not initializers (what a caller
	// feeds); Outputs the graph outputs, both in the model's order.
	Inputs  []TensorInfo
	Outputs []TensorInfo
	// Metadata holds metadata_props.
	Metadata map[string]string
	// Ops counts the nodes of the main graph by op type ("domain:Op" for
	// other domains than the default one).
	Ops map[string]int
	// Nodes, Initializers and Params count the main graph's nodes, its
	// initializers and their elements.
	Nodes        int
	Initializers int
	Params       int64
}

// Opset returns the version of the default (ai.onnx) operator set, 0 when
// none is imported.
func (i *Info) Opset() int64 { return i.Opsets[""] }

// TensorInfo describes a graph input or output.
type TensorInfo struct {
	Name string
	// ElemType is TensorProto.DataType (1 is float32); 0 when the value is
	// not a tensor or has no type.
	ElemType int32
	// Shape is nil when the model gives no shape.
	Shape []Dim
}

// DType names the element type ("float32", "int64", ...).
func (t TensorInfo) DType() string {
	names := map[int32]string{1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16",
		6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "float64",
		12: "uint32", 13: "uint64", 16: "bfloat16"}
	if s, ok := names[t.ElemType]; ok {
		return s
	}
	return "type(" + strconv.Itoa(int(t.ElemType)) + ")"
}

// String formats the tensor as name: float32(N,3,32,32).
func (t TensorInfo) String() string {
	s := t.Name + ": " + t.DType() + "("
	for i, d := range t.Shape {
		if i > 0 {
			s += ","
		}
		s += d.String()
	}
	return s + ")"
}

// Dim is one dimension: a size, a symbolic name (Param), or unknown
// (neither).
type Dim struct {
	Value int64
	Param string
}

// String returns the size, the symbolic name, or "?".
func (d Dim) String() string {
	switch {
	case d.Param != "":
		return d.Param
	case d.Value > 0:
		return strconv.FormatInt(d.Value, 10)
	}
	return "?"
}

// Inspect decodes an ONNX model's header and main-graph interface. Input
// that is empty, truncated, corrupt or not an ONNX model gives an error
// wrapping ErrFormat. Beyond the protobuf encoding it checks that the
// model has an IR version, a default-domain opset and a graph, and that
// every node input and graph output is defined before it is read.
func Inspect(data []byte) (*Info, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrFormat)
	}
	info := &Info{Opsets: map[string]int64{}, Metadata: map[string]string{}, Ops: map[string]int{}}
	var graph []byte
	haveGraph := false
	err := fields(data, "ModelProto", func(f field) error {
		switch f.num {
		case fModelIRVersion:
			return f.varint(&info.IRVersion)
		case fModelProducerName:
			return f.str(&info.ProducerName)
		case fModelProducerVersion:
			return f.str(&info.ProducerVersion)
		case fModelDocString:
			return f.str(&info.DocString)
		case fModelGraph:
			haveGraph = true
			return f.bytes(&graph)
		case fModelOpsetImport:
			return f.sub(func(b []byte) error { return readOpset(b, info) })
		case fModelMetadataProps:
			return f.sub(func(b []byte) error { return readEntry(b, info) })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case info.IRVersion <= 0:
		return nil, fmt.Errorf("%w: no ir_version (not an ONNX model?)", ErrFormat)
	case !haveGraph:
		return nil, fmt.Errorf("%w: no graph (truncated?)", ErrFormat)
	case info.Opset() <= 0:
		return nil, fmt.Errorf("%w: no opset_import for the default domain", ErrFormat)
	}
	if err := readGraph(graph, info); err != nil {
		return nil, err
	}
	return info, nil
}

func readOpset(b []byte, info *Info) error {
	var domain string
	var version int64
	err := fields(b, "OperatorSetIdProto", func(f field) error {
		switch f.num {
		case fOpsetDomain:
			return f.str(&domain)
		case fOpsetVersion:
			return f.varint(&version)
		}
		return nil
	})
	if domain == "ai.onnx" {
		domain = ""
	}
	info.Opsets[domain] = version
	return err
}

func readEntry(b []byte, info *Info) error {
	var k, v string
	err := fields(b, "StringStringEntryProto", func(f field) error {
		switch f.num {
		case fEntryKey:
			return f.str(&k)
		case fEntryValue:
			return f.str(&v)
		}
		return nil
	})
	info.Metadata[k] = v
	return err
}

// graphReader collects a GraphProto's parts for readGraph's checks.
type graphReader struct {
	info    *Info
	inputs  []TensorInfo
	inits   map[string]bool
	defined map[string]bool
	// firstUndefined is the first node input read before it is defined.
	firstUndefined string
}

func readGraph(b []byte, info *Info) error {
	r := &graphReader{info: info, inits: map[string]bool{}, defined: map[string]bool{}}
	var nodes [][]byte
	err := fields(b, "GraphProto", func(f field) error {
		switch f.num {
		case fGraphName:
			return f.str(&info.GraphName)
		case fGraphNode:
			var nb []byte
			err := f.bytes(&nb)
			nodes = append(nodes, nb)
			return err
		case fGraphInitializer:
			return f.sub(r.initializer)
		case fGraphInput, fGraphOutput:
			var t TensorInfo
			if err := f.sub(func(b []byte) error { return readValueInfo(b, &t) }); err != nil {
				return err
			}
			if f.num == fGraphInput {
				r.inputs = append(r.inputs, t)
			} else {
				info.Outputs = append(info.Outputs, t)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range r.inputs {
		r.defined[t.Name] = true
		if !r.inits[t.Name] {
			info.Inputs = append(info.Inputs, t)
		}
	}
	// Nodes are read once the graph's inputs and initializers are known,
	// wherever they appear in the message.
	for _, nb := range nodes {
		if err := r.node(nb); err != nil {
			return err
		}
	}
	if r.firstUndefined != "" {
		return fmt.Errorf("%w: %s", ErrFormat, r.firstUndefined)
	}
	for _, t := range info.Outputs {
		if !r.defined[t.Name] {
			return fmt.Errorf("%w: graph output %q is not computed by any node", ErrFormat, t.Name)
		}
	}
	return nil
}

func (r *graphReader) initializer(b []byte) error {
	var name string
	size := int64(1)
	err := fields(b, "TensorProto", func(f field) error {
		switch f.num {
		case fTensorName:
			return f.str(&name)
		case fTensorDims:
			return f.int64s(func(d int64) error {
				if d < 0 || (d > 0 && size > math.MaxInt64/d) {
					return fmt.Errorf("%w: initializer dimension %d is implausible", ErrFormat, d)
				}
				size *= d
				return nil
			})
		}
		return nil
	})
	r.inits[name], r.defined[name] = true, true
	r.info.Initializers++
	r.info.Params += size
	if r.info.Params < 0 {
		return fmt.Errorf("%w: initializer sizes overflow", ErrFormat)
	}
	return err
}

func (r *graphReader) node(b []byte) error {
	var name, opType, domain string
	var inputs, outputs []string
	err := fields(b, "NodeProto", func(f field) error {
		var s string
		switch f.num {
		case fNodeName:
			return f.str(&name)
		case fNodeOpType:
			return f.str(&opType)
		case fNodeDomain:
			return f.str(&domain)
		case fNodeInput:
			err := f.str(&s)
			inputs = append(inputs, s)
			return err
		case fNodeOutput:
			err := f.str(&s)
			outputs = append(outputs, s)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opType == "" {
		return fmt.Errorf("%w: node %q has no op_type", ErrFormat, name)
	}
	for _, in := range inputs {
		if in != "" && !r.defined[in] && r.firstUndefined == "" {
			r.firstUndefined = fmt.Sprintf("node %q (%s) reads %q before anything defines it",
				name, opType, in)
		}
	}
	for _, out := range outputs {
		r.defined[out] = true
	}
	if domain != "" && domain != "ai.onnx" {
		opType = domain + ":" + opType
	}
	r.info.Ops[opType]++
	r.info.Nodes++
	return nil
}

// readValueInfo reads a ValueInfoProto; only tensor types are described.
func readValueInfo(b []byte, t *TensorInfo) error {
	return fields(b, "ValueInfoProto", func(f field) error {
		switch f.num {
		case fValueInfoName:
			return f.str(&t.Name)
		case fValueInfoType:
			return f.sub(func(b []byte) error {
				return fields(b, "TypeProto", func(f field) error {
					if f.num != fTypeTensorType {
						return nil
					}
					return f.sub(func(b []byte) error { return readTensorType(b, t) })
				})
			})
		}
		return nil
	})
}

func readTensorType(b []byte, t *TensorInfo) error {
	return fields(b, "TypeProto.Tensor", func(f field) error {
		switch f.num {
		case fTensorElemType:
			var v int64
			err := f.varint(&v)
			t.ElemType = int32(v)
			return err
		case fTensorShape:
			t.Shape = []Dim{}
			return f.sub(func(b []byte) error {
				return fields(b, "TensorShapeProto", func(f field) error {
					if f.num != fShapeDim {
						return nil
					}
					var d Dim
					err := f.sub(func(b []byte) error {
						return fields(b, "TensorShapeProto.Dimension", func(f field) error {
							switch f.num {
							case fDimValue:
								return f.varint(&d.Value)
							case fDimParam:
								return f.str(&d.Param)
							}
							return nil
						})
					})
					t.Shape = append(t.Shape, d)
					return err
				})
			})
		}
		return nil
	})
}

// field is one decoded protobuf field of the message named msg.
type field struct {
	msg string
	num protowire.Number
	typ protowire.Type
	v   uint64 // varint value
	b   []byte // bytes value
}

// fields calls f for each field of the message in b, in order. Fields of
// any wire type are skipped unless f reads them.
func fields(b []byte, msg string, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %s: %v", ErrFormat, msg, protowire.ParseError(n))
		}
		b = b[n:]
		fl := field{msg: msg, num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			fl.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			fl.b, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: %s field %d: %v", ErrFormat, msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(fl); err != nil {
			return err
		}
	}
	return nil
}

func (f field) wrongType(want string) error {
	return fmt.Errorf("%w: %s field %d is not %s", ErrFormat, f.msg, f.num, want)
}

func (f field) varint(dst *int64) error {
	if f.typ != protowire.VarintType {
		return f.wrongType("an integer")
	}
	*dst = int64(f.v)
	return nil
}

func (f field) bytes(dst *[]byte) error {
	if f.typ != protowire.BytesType {
		return f.wrongType("length-delimited")
	}
	*dst = f.b
	return nil
}

func (f field) str(dst *string) error {
	var b []byte
	if err := f.bytes(&b); err != nil {
		return err
	}
	*dst = string(b)
	return nil
}

// sub decodes a nested message with read.
func (f field) sub(read func([]byte) error) error {
	var b []byte
	if err := f.bytes(&b); err != nil {
		return err
	}
	return read(b)
}

// int64s reads a repeated int64 in either encoding: one varint, or packed.
func (f field) int64s(each func(int64) error) error {
	switch f.typ {
	case protowire.VarintType:
		return each(int64(f.v))
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return fmt.Errorf("%w: %s field %d: %v", ErrFormat, f.msg, f.num, protowire.ParseError(n))
			}
			if err := each(int64(v)); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
	return f.wrongType("a repeated integer")
}
