// Package data reads image data sets from disk and turns them into float32
// batches for the model.
//
// A [Dataset] is N images of C×H×W stored 8-bit pixels and the [Encoding]
// that turns them into inputs. Small data sets (MNIST, Fashion-MNIST,
// CIFAR-10) are held in memory (binarized MNIST's 60,000 training images
// take 61 MB); image folders and array files are streamed: only their file
// list is in memory and images are read when a batch needs them.
// [TrainIter] walks a training set in shuffled epochs; [EvalIter] walks a
// validation or test set in order. [OpenSpec] opens the splits of any
// dataset_source from a [Spec].
//
// # Sources
//
//   - binarized_mnist, mnist, fashion_mnist: the standard IDX image files,
//     gzip-compressed or plain ([LoadMNIST]).
//   - cifar-10: the binary batches data_batch_1.bin ... data_batch_5.bin
//     and test_batch.bin, each record one label byte and 3072 pixel bytes,
//     R, G and B planes of 32×32 ([LoadCIFAR10]).
//   - imagenet, celebA, celebAHQ, ffhq, custom: a folder per split holding
//     either images (.png, .jpg, .jpeg, in sub-folders too) or arrays
//     (.npy, .npz), read in path order. Links to files and folders are
//     followed; a folder reached twice (through links, or a loop of them)
//     is read once. An array holds uint8 images as
//     (N, C·H·W) rows of C×H×W values (the downsampled-ImageNet .npz
//     files, whose array is named data), (N, C, H, W), (N, H, W, C), or
//     (N, H, W) for one channel, with H = W = data.target_res; an .npz
//     archive gives its array named data, or its only array.
//
// # Splits
//
// MNIST-like data and CIFAR-10 are split as the reference does: the
// training files are the training set; the test images are put in the
// order numpy's RandomState(101).shuffle gives (the reference shuffles them
// with random_state=101), and the first half becomes the validation set,
// the second half the test set. The order is reproduced bit for bit.
// MNIST images are padded with 2 zero pixels on each side (28×28 becomes
// 32×32).
//
// For folders, [Spec].Dir (--data-dir) holds either sub-folders train/,
// val/ and test/ (or the reference's train_data/, val_data/ and
// synthesis_data/; two names of one split both present are an error) or a
// split file, splits.txt (or CelebA's list_eval_partition.txt): one image
// per line, its path relative to the file's folder and inside it (an
// absolute path or one leading out with .. is an error), then its split,
// train, val or test (or 0, 1, 2); # starts a comment line. A path not
// found is also looked for under img_align_celeba/, where CelebA's file
// points. Dir may also name the split file itself. Without Dir the splits
// are the folders data.train_data_path, data.val_data_path and
// data.synthesis_data_path. A missing test split is the validation split,
// as in the reference's presets.
//
// # Pixels
//
// Images are brought to C×R×R (C = data.channels, R = data.target_res) as
// the reference's loader does: decoded, converted, resized with Pillow's
// BILINEAR filter (a triangle filter widened by the scale when shrinking,
// weights in 22-bit fixed point, horizontal pass then vertical pass,
// matching Pillow 9.5 to 12 byte for byte). An image that is not square
// is resized to R×R without keeping its aspect ratio, as the reference
// does; crop such images beforehand to keep it. Conversion: alpha is
// dropped without compositing, a gray image is repeated in every channel,
// colour becomes gray by Pillow's luma (19595 R + 38470 G + 7471 B + 2^15)
// >> 16, 16-bit samples keep their top 8 bits (Pillow would clip a 16-bit
// gray value to 255 instead). JPEG is decoded by Go's image/jpeg, which
// repeats subsampled chroma where libjpeg (so Pillow) interpolates it: on
// 4:2:0 JPEGs read at their own size the largest difference from Pillow's
// pixels measured 13 to 27 levels, at colour edges. An image is converted
// and resized in strips of rows, so that a large one needs no second
// full-size copy. The first image that is resized, not square, converted
// or transparent is reported once through [Spec].Note.
//
// The [Encoding] then decides how a stored value x becomes an input:
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
// [Bernoulli] and as -1 in [Centered]. A training iterator made
// [WithFlip] mirrors each image left to right with probability 1/2;
// evaluation never flips.
//
// # Streaming
//
// Over a streamed dataset an iterator keeps [DefaultAhead] batches being
// read in the background while it serves one, by at most [Spec].Workers
// goroutines at once (GOMAXPROCS by default). Each batch starts its own
// goroutines, which end when it is read, so nothing is left running.
// Memory is the file list, ahead+1 batches of stored pixels and each
// reader's decode buffers, whatever the size of the data set. Arrays are
// read in place with ReadAt (not memory-mapped, so the resident size does
// not grow with the pages touched); a compressed .npz entry is inflated once
// into an unnamed temporary file.
//
// # Bad data
//
// When a split is opened, a file that is not .png, .jpg, .jpeg, .npy or
// .npz (README.txt), an empty file, a hidden file or folder (a name
// starting with a dot: .DS_Store, macOS's ._* AppleDouble files), a
// __MACOSX folder, a link to nothing and a folder already read are skipped
// and listed ([Dataset.Skipped]); a split with no usable file, a folder
// with both images and arrays, an array of another dtype or shape, and a
// truncated array or CIFAR batch are errors that name the file. An image
// that cannot be read or decoded when a batch needs it (truncated, zero
// pixels, too large, not an image at all) is listed with the reason and
// tried only once. In training ([TrainIter], [Dataset.ReadImage]) it is
// replaced by the next readable image of its split in path order,
// wrapping around, so that batches stay full and the order of batches
// stays a function of the seed; in evaluation ([EvalIter]) it is left
// out, so that no image counts twice, and [EvalIter.Indices] says which
// images a batch holds. A split may lose up to 1% of its images, and at
// least 10 in any case; one more stops reading with an error: the data is
// broken. A decoder panic becomes such a failure.
//
// # Determinism and resume
//
// All randomness comes from math/rand/v2's PCG seeded explicitly, and the
// bounded integers drawn from it are computed here (Lemire's method), so the
// batches depend only on the data, the batch size and the seed. The
// permutation of epoch e and its flips are functions of (seed, e); the
// Bernoulli noise comes from one PCG whose state travels in [IterState].
// Reading ahead does not change the batches. A run restored from
// [TrainIter.State] therefore sees exactly the batches and the noise an
// uninterrupted run would have seen, streamed or not.
//
// # Errors
//
// Errors start with "data: ". A file that is not valid IDX, CIFAR, .npy
// or .npz, or an image that cannot be decoded, gives a [*FormatError]; a
// valid file this package cannot read (an IDX file of floats, a .npy file
// of float32) gives an [*UnsupportedError]. Both name the file. Reading
// never panics on bad input and never allocates more than the file can
// justify: at most [MaxIDXBytes] of IDX pixel data; per image file
// [MaxImageFileBytes], [MaxImagePixels] and [MaxDecodeBytes] of decoder
// memory, both checked from the header before decoding, so that a small
// file claiming a huge image (a decompression bomb) costs nothing; and
// twice MaxDecodeBytes for all the images being decoded at once.
// Programming mistakes, such as a buffer of the wrong length passed to
// Fill or Next, panic with a message prefixed "data:".
package data
