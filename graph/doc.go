// Package graph is the typed intermediate representation of vdvae: tensors
// with static shapes (the first dimension may be the symbolic batch),
// operations as typed Go values, a builder that turns hyper-parameters into
// the Efficient-VDVAE graph, and reverse-mode differentiation written as a
// graph-to-graph transform.
//
// # Phases
//
// A graph is built once (Builder), then optionally extended by Grad, which
// appends the vector-Jacobian products of every op as ordinary nodes. Every
// runtime (the Go interpreter, the cgo CPU backend, ONNX export) consumes the
// same node list, so shapes, parameter names and numerics agree everywhere.
//
// # Invariants
//
//   - Nodes are stored in topological order: a node's inputs always come
//     before it.
//   - Every value has a fully known shape, except that dimension 0 may be
//     Batch, bound only when the graph runs.
//   - Parameter names are the reference implementation's state-dict names,
//     so that reference checkpoints map one to one.
//
// # Errors
//
// A shape error is reported with the layer path of the node that built it
// (for example "top_down.levels_down_upsample.3.prior_net.0.convs.1: ...").
// The builder records the first error and turns every later call into a no-op,
// so model code reads straight through; Builder.Err returns it. Panics are
// reserved for programmer bugs.
package graph
