// Package onnx lowers a vdvae graph (package graph) to an ONNX model and
// reads ONNX models back for checking.
//
// Export writes a ModelProto for opset 17 and IR version 8: the newest pair
// that both ONNX Runtime 1.24 and Debian's onnx checker (python3-onnx 1.12,
// IR version 8 at most) accept. Parameters become initializers named by the
// graph's parameter names, the batch dimension (graph.Batch) becomes the
// symbolic dimension "N", and graph inputs and outputs keep their names.
// Inspect decodes the parts of a model a person checks: opsets, producer,
// inputs and outputs with their shapes, metadata, op counts.
//
// # Encoding
//
// The protobuf is written and read by hand with
// google.golang.org/protobuf/encoding/protowire (proto.go lists the few
// field numbers of onnx.proto that are used). Generated bindings would need
// onnx.proto checked in plus protoc and a protoc-gen-go matching the
// protobuf runtime; Debian ships protoc-gen-go 1.3 (the old
// github.com/golang/protobuf API), not one for google.golang.org/protobuf
// v1.36, so every CI machine would have to build the generator first. The
// subset ONNX needs is about thirty fields, small enough to keep by hand
// and to test against the onnx checker.
//
// # Phases
//
// Export runs three passes, each a function of the previous one's result:
// prune (keep the nodes the requested outputs need), lower (each graph op
// becomes one or more ONNX nodes, by the table in lower.go), encode (the
// model structure in model.go becomes bytes). Lowering follows
// runtime/ref, the definition of every op, formula by formula; lower.go and
// lower_dmol.go say where float32 arithmetic forces an equivalent but
// differently ordered formula.
//
// # Errors
//
// Every error text starts with "onnx: ". An op that ONNX cannot express
// (the gradient ops of a training graph) wraps ErrUnsupported and names the
// layer path of its node; a broken graph or missing weight wraps
// ErrInvalid. Inspect reports a truncated or non-ONNX input as an error
// wrapping ErrFormat and never panics on any input (FuzzInspect).
package onnx
