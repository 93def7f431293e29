// Package infer runs a trained model's inference modes: reconstruction
// (NELBO and SSIM on a split, optionally with pruned variates), generation
// at chosen temperatures, per-variate KL statistics (div-stats), encoding
// images into posterior statistics and decoding them back.
//
// Every mode runs one of graph's inference graphs (graph.ModeEval,
// ModeGenerate, ModeDecode) through an Executor, so the same code drives the
// Go runtime and other runtimes. All randomness (posterior and prior noise,
// output sampling) is drawn per image with train.Noise from the seed, so
// results do not depend on the batch size and every runtime given the same
// seed sees the same noise.
//
// Conventions shared with the reference implementation:
//   - NELBO is reported in nats per image for binarized MNIST and in bits
//     per dimension otherwise; MNIST-like images count their central 28x28.
//   - Reconstructions and samples are drawn from the output distribution
//     (Bernoulli, or the mixture of discretized logistics with an output
//     temperature), not its mean.
//   - A variate mask keeps the variates whose div-stats value is above the
//     (1 - quantile) quantile of all values (numpy's linear interpolation);
//     pruned variates take a prior sample.
package infer
