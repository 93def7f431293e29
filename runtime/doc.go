// Package runtime executes graphs. A Backend turns each node into a Kernel
// for concrete shapes; Compile binds the batch size, prunes the nodes that
// the requested outputs do not need, fuses chains of elementwise nodes into
// one step when the backend can (fuse.go, Fuser), and plans buffers by
// liveness so that a value's memory is reused as soon as its last reader has
// run. Run then calls the kernels in order without allocating.
//
// # Kernel contract
//
// A kernel reads its input slices and writes every element of its output
// slice; outputs are never pre-zeroed, and an output never aliases an input.
//
// # Backends
//
// runtime/ref is the slow, obvious pure-Go definition of every op;
// runtime/cpu replaces its hot kernels with cgo calls into an optimized
// library and is checked against ref by the shared conformance tests.
// Backends register by name in init, and callers pick one with Get. A
// backend may also run the trainer's optimizer loops (Updater).
package runtime
