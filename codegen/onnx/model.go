package onnx

import (
	"encoding/binary"
	"math"
)

// The ONNX versions written by Export.
const (
	// IRVersion is the ONNX IR version of exported models (IR 8, ONNX 1.10+).
	IRVersion = 8
	// Opset is the ai.onnx operator set version of exported models.
	Opset = 17
	// BatchDim is the name of the symbolic batch dimension.
	BatchDim = "N"
	// Producer is the producer_name of exported models.
	Producer = "vdvae"
)

// TensorProto.DataType values used here.
const (
	dtFloat = 1
	dtInt64 = 7
)

// model is the part of ModelProto that Export fills in.
type model struct {
	producerVersion string
	docString       string
	graph           graphProto
	metadata        [][2]string // key, value; sorted by key
}

// graphProto is the part of GraphProto that Export fills in.
type graphProto struct {
	name         string
	nodes        []node
	initializers []tensor
	inputs       []valueInfo
	outputs      []valueInfo
	valueInfo    []valueInfo
}

// node is a NodeProto of the default domain.
type node struct {
	name    string
	opType  string
	inputs  []string
	outputs []string
	attrs   []attr
}

// attrKind is AttributeProto.AttributeType.
type attrKind int32

// The attribute types used here, with their AttributeType numbers.
const (
	kindFloat  attrKind = 1
	kindInt    attrKind = 2
	kindString attrKind = 3
	kindInts   attrKind = 7
)

// attr is one AttributeProto.
type attr struct {
	name string
	kind attrKind
	f    float32
	i    int64
	s    string
	ints []int64
}

func attrI(name string, v int64) attr       { return attr{name: name, kind: kindInt, i: v} }
func attrF(name string, v float32) attr     { return attr{name: name, kind: kindFloat, f: v} }
func attrS(name, v string) attr             { return attr{name: name, kind: kindString, s: v} }
func attrInts(name string, v ...int64) attr { return attr{name: name, kind: kindInts, ints: v} }

// ints64 converts a shape (or any ints) to int64s.
func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// tensor is an initializer: raw little-endian data of a float32 or int64
// tensor.
type tensor struct {
	name  string
	dtype int32
	dims  []int64
	raw   []byte
}

func floatTensor(name string, dims []int64, v []float32) tensor {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	return tensor{name: name, dtype: dtFloat, dims: dims, raw: raw}
}

func int64Tensor(name string, dims []int64, v []int64) tensor {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	return tensor{name: name, dtype: dtInt64, dims: dims, raw: raw}
}

// dim is one dimension of a shape: a size, or a symbolic name when param
// is set.
type dim struct {
	value int64
	param string
}

// valueInfo is a ValueInfoProto of a float32 tensor.
type valueInfo struct {
	name  string
	dtype int32
	dims  []dim
}
