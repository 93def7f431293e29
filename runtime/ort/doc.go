// Package ort runs ONNX models (for example those of codegen/onnx) in ONNX
// Runtime through github.com/yalue/onnxruntime_go, which loads the
// library with dlopen at run time: this package builds without it, and a
// missing library is an error, not a link failure.
//
// # The library
//
// One ONNX Runtime library is loaded per process, on the first Open, from
// the first of: Options.Lib (a command's flag), $VDVAE_ORT_LIB, the
// project folder third_party/onnxruntime/lib (found upward from the working
// directory, or beside the executable's folder; `make deps` installs it
// there), then the system's library path. An explicitly named library that
// fails to load is an error rather than a reason to try the next place.
// The error for a library found nowhere lists every place tried and how to
// install or name one. The environment stays loaded until the process
// exits.
//
// # Memory
//
// Sessions own C memory (the model and ONNX Runtime's buffers) until
// Close; nothing relies on finalizers. Run copies every output into Go
// memory before it returns and keeps no reference to its inputs.
//
// # Errors
//
// Errors start with "ort: ". Inputs are checked in Go (names, shapes
// against the model's with its symbolic batch bound consistently, sizes)
// before anything reaches ONNX Runtime.
package ort
