// Package data reads image data sets from disk and turns them into float32
// batches for the model.
//
// A [Dataset] keeps N images of C×H×W pixels as uint8, which keeps memory
// small (binarized MNIST's 60,000 training images take 61 MB), and fills a
// caller's float32 buffer on demand. [TrainIter] walks a training set in
// shuffled epochs; [EvalIter] walks a validation or test set in order.
//
// # Pixels
//
// The [Encoding] of a Dataset decides how a stored value x becomes an input:
//
//   - [Centered]: x is first reduced to NumBits bits (floored to a multiple of
//     2^(8-NumBits)), then mapped to [-1, 1] by (x - 127.5) / 127.5.
//   - [Unit]: x / 255, in [0, 1].
//   - [Bernoulli]: a fresh sample of Bernoulli(x / 255) each time the image is
//     filled, drawn from the caller's noise source; the values are 0 or 1.
//
// Binarized MNIST trains on [Bernoulli] and evaluates on sets that were
// binarized once at load ([Dataset.Binarize]) with the fixed seed
// [BinarizeSeed], so every run and every command sees the same evaluation
// images. Padding pixels are stored as 0, so they read as 0 in [Unit] and
// [Bernoulli] and as -1 in [Centered].
//
// # Splits
//
// [LoadMNIST] reads the standard IDX files of MNIST or Fashion-MNIST and
// splits them as the reference does: the 60,000 training images are the
// training set; the 10,000 test images are put in the order numpy's
// RandomState(101).shuffle gives (the reference shuffles them with
// random_state=101), and the first half becomes the validation set, the
// second half the test set. The order is reproduced bit for bit, so the test
// half holds the same 5,000 images as the reference's. Images are padded
// with 2 zero pixels on each side (28×28 becomes 32×32).
//
// # Determinism and resume
//
// All randomness comes from math/rand/v2's PCG seeded explicitly, and the
// bounded integers drawn from it are computed here (Lemire's method), so the
// batches depend only on the data, the batch size and the seed. The
// permutation of epoch e is a function of (seed, e); the Bernoulli noise comes
// from one PCG whose state travels in [IterState]. A run restored from
// [TrainIter.State] therefore sees exactly the batches and the noise an
// uninterrupted run would have seen.
//
// # Errors
//
// A file that is not valid IDX gives a [*FormatError]; a valid IDX file of an
// element type other than unsigned bytes gives an [*UnsupportedError]. Both
// name the file. Reading never panics on bad input and never allocates more
// than the file can justify (at most [MaxIDXBytes] of pixel data).
// Programming mistakes, such as a buffer of the wrong length passed to Fill
// or Next, panic with a message prefixed "data:".
package data
