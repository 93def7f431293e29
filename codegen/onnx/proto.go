package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of onnx.proto (ONNX 1.12+, proto2 syntax) for the fields
// written or read here. Repeated scalars are written unpacked, as proto2
// declares them; the reader accepts both encodings.
const (
	// ModelProto
	fModelIRVersion       = 1
	fModelProducerName    = 2
	fModelProducerVersion = 3
	fModelDocString       = 6
	fModelGraph           = 7
	fModelOpsetImport     = 8
	fModelMetadataProps   = 14

	// OperatorSetIdProto
	fOpsetDomain  = 1
	fOpsetVersion = 2

	// StringStringEntryProto
	fEntryKey   = 1
	fEntryValue = 2

	// GraphProto
	fGraphNode        = 1
	fGraphName        = 2
	fGraphInitializer = 5
	fGraphInput       = 11
	fGraphOutput      = 12
	fGraphValueInfo   = 13

	// NodeProto
	fNodeInput     = 1
	fNodeOutput    = 2
	fNodeName      = 3
	fNodeOpType    = 4
	fNodeAttribute = 5
	fNodeDomain    = 7

	// AttributeProto
	fAttrName = 1
	fAttrF    = 2
	fAttrI    = 3
	fAttrS    = 4
	fAttrInts = 8
	fAttrType = 20

	// TensorProto
	fTensorDims     = 1
	fTensorDataType = 2
	fTensorName     = 8
	fTensorRawData  = 9

	// ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and
	// TensorShapeProto.Dimension
	fValueInfoName  = 1
	fValueInfoType  = 2
	fTypeTensorType = 1
	fTensorElemType = 1
	fTensorShape    = 2
	fShapeDim       = 1
	fDimValue       = 1
	fDimParam       = 2
)

// enc appends protobuf fields to a message.
type enc []byte

func (e *enc) varint(num protowire.Number, v uint64) {
	*e = protowire.AppendTag(*e, num, protowire.VarintType)
	*e = protowire.AppendVarint(*e, v)
}

func (e *enc) str(num protowire.Number, s string) {
	*e = protowire.AppendTag(*e, num, protowire.BytesType)
	*e = protowire.AppendString(*e, s)
}

func (e *enc) bytes(num protowire.Number, b []byte) {
	*e = protowire.AppendTag(*e, num, protowire.BytesType)
	*e = protowire.AppendBytes(*e, b)
}

func (e *enc) float(num protowire.Number, f float32) {
	*e = protowire.AppendTag(*e, num, protowire.Fixed32Type)
	*e = protowire.AppendFixed32(*e, math.Float32bits(f))
}

// msg appends a nested message built by fill.
func (e *enc) msg(num protowire.Number, fill func(*enc)) {
	var sub enc
	fill(&sub)
	e.bytes(num, sub)
}

// encodeModel serializes m as a ModelProto. The graph is written last, so
// that every strict prefix of the result is an invalid model: a truncation
// either cuts the graph's length-delimited field or drops it.
func encodeModel(m *model) []byte {
	var e enc
	e.varint(fModelIRVersion, IRVersion)
	e.msg(fModelOpsetImport, func(o *enc) {
		o.str(fOpsetDomain, "")
		o.varint(fOpsetVersion, Opset)
	})
	e.str(fModelProducerName, Producer)
	if m.producerVersion != "" {
		e.str(fModelProducerVersion, m.producerVersion)
	}
	if m.docString != "" {
		e.str(fModelDocString, m.docString)
	}
	for _, kv := range m.metadata {
		e.msg(fModelMetadataProps, func(o *enc) {
			o.str(fEntryKey, kv[0])
			o.str(fEntryValue, kv[1])
		})
	}
	e.msg(fModelGraph, func(g *enc) { encodeGraph(g, &m.graph) })
	return e
}

func encodeGraph(e *enc, g *graphProto) {
	for i := range g.nodes {
		e.msg(fGraphNode, func(o *enc) { encodeNode(o, &g.nodes[i]) })
	}
	e.str(fGraphName, g.name)
	for i := range g.initializers {
		e.msg(fGraphInitializer, func(o *enc) { encodeTensor(o, &g.initializers[i]) })
	}
	for _, list := range []struct {
		num protowire.Number
		vis []valueInfo
	}{{fGraphInput, g.inputs}, {fGraphOutput, g.outputs}, {fGraphValueInfo, g.valueInfo}} {
		for i := range list.vis {
			e.msg(list.num, func(o *enc) { encodeValueInfo(o, &list.vis[i]) })
		}
	}
}

func encodeNode(e *enc, n *node) {
	for _, s := range n.inputs {
		e.str(fNodeInput, s)
	}
	for _, s := range n.outputs {
		e.str(fNodeOutput, s)
	}
	e.str(fNodeName, n.name)
	e.str(fNodeOpType, n.opType)
	for _, a := range n.attrs {
		e.msg(fNodeAttribute, func(o *enc) { encodeAttr(o, a) })
	}
}

func encodeAttr(e *enc, a attr) {
	e.str(fAttrName, a.name)
	switch a.kind {
	case kindFloat:
		e.float(fAttrF, a.f)
	case kindInt:
		e.varint(fAttrI, uint64(a.i))
	case kindString:
		e.str(fAttrS, a.s)
	case kindInts:
		for _, v := range a.ints {
			e.varint(fAttrInts, uint64(v))
		}
	}
	e.varint(fAttrType, uint64(a.kind))
}

func encodeTensor(e *enc, t *tensor) {
	for _, d := range t.dims {
		e.varint(fTensorDims, uint64(d))
	}
	e.varint(fTensorDataType, uint64(t.dtype))
	e.str(fTensorName, t.name)
	e.bytes(fTensorRawData, t.raw)
}

func encodeValueInfo(e *enc, v *valueInfo) {
	e.str(fValueInfoName, v.name)
	e.msg(fValueInfoType, func(ty *enc) {
		ty.msg(fTypeTensorType, func(tt *enc) {
			tt.varint(fTensorElemType, uint64(v.dtype))
			tt.msg(fTensorShape, func(sh *enc) {
				for _, d := range v.dims {
					sh.msg(fShapeDim, func(de *enc) {
						if d.param != "" {
							de.str(fDimParam, d.param)
						} else {
							de.varint(fDimValue, uint64(d.value))
						}
					})
				}
			})
		})
	})
}
