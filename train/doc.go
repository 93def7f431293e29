// Package train trains Efficient-VDVAE models: the trainer (one step of
// forward, backward, gradient checks, optimizer update and EMA), the
// learning-rate, KL-beta and gamma schedules, the run loop with its run
// directory, checkpoints and metrics, and the progress line.
//
// # Semantics
//
// The loss is the reference's: reconstruction NLL in nats per dimension plus
// beta times the (gamma-balanced) KL per dimension; both are computed inside
// the graph (graph.BuildModel), which takes the per-step scalars as inputs.
// An update is skipped when the loss or the global gradient norm is not
// finite, or when the norm reaches optimizer.gradient_skip_threshold; a
// skipped step changes no weight, moment, EMA value or schedule step.
//
// # Determinism
//
// Every random draw comes from a seeded PCG generator whose state is saved in
// each checkpoint: the posterior noise (Trainer.Noise) and the data order and
// binarization noise (data.TrainIter). A run resumed from a checkpoint
// therefore repeats the uninterrupted run's steps exactly on the same backend.
//
// # Files
//
// A run lives in <runs>/<run.name>/ (see RunDir): hparams.yaml,
// checkpoints/ (train/checkpoint) and metrics.jsonl. Every file is replaced
// atomically, so a crash leaves the previous version intact.
package train
