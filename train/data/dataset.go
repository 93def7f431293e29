package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Mode is how an Encoding maps a stored 8-bit value to a model input.
type Mode uint8

// The pixel modes; see the package documentation for the formulas.
const (
	// Centered reduces x to NumBits bits and maps it to [-1, 1].
	Centered Mode = iota + 1
	// Unit maps x to x / 255 in [0, 1].
	Unit
	// Bernoulli samples Bernoulli(x / 255) afresh at every fill.
	Bernoulli
)

func (m Mode) String() string {
	switch m {
	case Centered:
		return "centered"
	case Unit:
		return "unit"
	case Bernoulli:
		return "bernoulli"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Encoding says how a Dataset turns stored pixels into float32 inputs.
type Encoding struct {
	Mode Mode
	// NumBits is the bit depth kept by Centered, 1 to 8 (the reference's
	// data.num_bits); other modes ignore it.
	NumBits int
}

// CenteredBits returns the Centered encoding at the given bit depth.
func CenteredBits(numBits int) Encoding { return Encoding{Mode: Centered, NumBits: numBits} }

func (e Encoding) validate() error {
	switch e.Mode {
	case Unit, Bernoulli:
		return nil
	case Centered:
		if e.NumBits < 1 || e.NumBits > 8 {
			return fmt.Errorf("data: num_bits %d is out of range: want 1 to 8", e.NumBits)
		}
		return nil
	}
	return fmt.Errorf("data: unknown pixel mode %v", e.Mode)
}

// table returns the value of every stored byte under e. Bernoulli's table
// holds the probabilities x / 255.
func (e Encoding) table() *[256]float32 {
	var t [256]float32
	for x := range 256 {
		switch e.Mode {
		case Centered:
			step := 1 << (8 - e.NumBits)
			v := float64(x / step * step)
			t[x] = float32((v - 127.5) / 127.5)
		default:
			t[x] = float32(float64(x) / 255)
		}
	}
	return &t
}

// Dataset is N images of C×H×W 8-bit pixels in NCHW order, and the
// Encoding that turns them into model inputs. The pixels are either held
// in memory (MNIST, CIFAR-10) or streamed: read from array files or decoded
// from image files when a batch needs them (see the package
// documentation). A Dataset is immutable and safe for concurrent use;
// derived datasets share pixels and streams.
type Dataset struct {
	pix    []uint8 // the pixels of an in-memory dataset; nil when streamed
	st     *stream // the images of a streamed dataset; nil in memory
	off    int     // index in st of this dataset's first image
	shape  [4]int  // N, C, H, W
	enc    Encoding
	table  *[256]float32
	origin string // the folder or file the images come from, for messages
}

// NewDataset wraps pix, which must hold shape[0]*shape[1]*shape[2]*shape[3]
// bytes in NCHW order. The Dataset keeps pix; the caller must not change it
// afterwards.
func NewDataset(pix []uint8, shape [4]int, enc Encoding) (*Dataset, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("data: negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n != len(pix) {
		return nil, fmt.Errorf("data: shape %v holds %d pixels, got %d", shape, n, len(pix))
	}
	if err := enc.validate(); err != nil {
		return nil, err
	}
	return &Dataset{pix: pix, shape: shape, enc: enc, table: enc.table()}, nil
}

// Len returns the number of images.
func (d *Dataset) Len() int { return d.shape[0] }

// Shape returns N, C, H, W.
func (d *Dataset) Shape() [4]int { return d.shape }

// ImageSize returns the number of values in one image, C*H*W.
func (d *Dataset) ImageSize() int { return d.shape[1] * d.shape[2] * d.shape[3] }

// Encoding returns the dataset's pixel encoding.
func (d *Dataset) Encoding() Encoding { return d.enc }

// Streamed reports whether the images are read from disk as batches need
// them rather than held in memory.
func (d *Dataset) Streamed() bool { return d.st != nil }

// Origin returns the folder or file the images come from ("" when the
// dataset was made from pixels in memory).
func (d *Dataset) Origin() string { return d.origin }

// Image returns the stored pixels of image i of an in-memory dataset, C*H*W
// bytes that the caller must not modify. It panics on a streamed dataset;
// use [Dataset.ReadImage] there.
func (d *Dataset) Image(i int) []uint8 {
	if d.st != nil {
		panic("data: Image on a streamed dataset; use ReadImage")
	}
	sz := d.ImageSize()
	return d.pix[i*sz : (i+1)*sz : (i+1)*sz]
}

// ReadImage writes the stored pixels of image i, C*H*W bytes, to dst. For
// a streamed dataset an image that cannot be read is replaced, as in
// training (see the package documentation); the error reports a data set
// with too many such images.
func (d *Dataset) ReadImage(dst []uint8, i int) error {
	sz := d.ImageSize()
	if len(dst) != sz {
		panic(fmt.Sprintf("data: ReadImage: dst holds %d bytes, an image has %d", len(dst), sz))
	}
	if i < 0 || i >= d.Len() {
		panic(fmt.Sprintf("data: ReadImage(%d) out of range for %d images", i, d.Len()))
	}
	if d.st == nil {
		copy(dst, d.pix[i*sz:(i+1)*sz])
		return nil
	}
	s := d.st.getScratch()
	defer d.st.putScratch(s)
	return d.st.read(d.off, d.Len(), i, dst, s, false)
}

// ImageName returns the name of image i for an image folder: its path
// relative to the split's folder (or to the split file's folder), with
// forward slashes, e.g. "dogs/001.png". It returns "" for arrays and
// in-memory data sets, whose images have no file of their own.
func (d *Dataset) ImageName(i int) string {
	if i < 0 || i >= d.Len() {
		panic(fmt.Sprintf("data: ImageName(%d) out of range for %d images", i, d.Len()))
	}
	if d.st == nil {
		return ""
	}
	if r, ok := d.st.r.(*imageReader); ok {
		return r.relName(d.off + i)
	}
	return ""
}

// WithEncoding returns a dataset that shares d's pixels under another
// encoding.
func (d *Dataset) WithEncoding(enc Encoding) (*Dataset, error) {
	if err := enc.validate(); err != nil {
		return nil, err
	}
	out := *d
	out.enc, out.table = enc, enc.table()
	return &out, nil
}

// Slice returns the images lo to hi-1, sharing pixels with d.
func (d *Dataset) Slice(lo, hi int) *Dataset {
	if lo < 0 || hi < lo || hi > d.Len() {
		panic(fmt.Sprintf("data: Slice(%d, %d) out of range for %d images", lo, hi, d.Len()))
	}
	s := *d
	s.shape[0] = hi - lo
	if d.st != nil {
		s.off = d.off + lo
		return &s
	}
	sz := d.ImageSize()
	s.pix = d.pix[lo*sz : hi*sz : hi*sz]
	return &s
}

// Binarize returns a copy of d whose pixels are one sample of
// Bernoulli(x / 255) each, stored as 0 or 255 under the Unit encoding, so
// they read as exactly 0 or 1. The samples come from src in pixel order.
// d must be held in memory.
func (d *Dataset) Binarize(src rand.Source) *Dataset {
	if d.st != nil {
		panic("data: Binarize needs an in-memory dataset")
	}
	pix := make([]uint8, len(d.pix))
	for i, x := range d.pix {
		if bernoulli(src, x) {
			pix[i] = 255
		}
	}
	enc := Encoding{Mode: Unit}
	return &Dataset{pix: pix, shape: d.shape, enc: enc, table: enc.table(), origin: d.origin}
}

// Fill writes the images idx[0], idx[1], ... into dst, one after another in
// NCHW order. src supplies the noise of the Bernoulli encoding and may be nil
// for the others. len(dst) must be len(idx)*d.ImageSize(). For an in-memory
// dataset Fill does not allocate and never fails; a streamed dataset reads
// the images one after another (the iterators read ahead in parallel
// instead) and fails only as ReadImage does.
func (d *Dataset) Fill(dst []float32, idx []int, src rand.Source) error {
	sz := d.ImageSize()
	if len(dst) != len(idx)*sz {
		panic(fmt.Sprintf("data: Fill: dst holds %d values, %d images need %d",
			len(dst), len(idx), len(idx)*sz))
	}
	if d.enc.Mode == Bernoulli && src == nil {
		panic("data: Fill: the Bernoulli encoding needs a noise source")
	}
	var buf []uint8
	if d.st != nil {
		buf = make([]uint8, sz)
	}
	for k, i := range idx {
		img := buf
		if d.st == nil {
			img = d.pix[i*sz : (i+1)*sz]
		} else if err := d.ReadImage(buf, i); err != nil {
			return err
		}
		d.encode(dst[k*sz:(k+1)*sz], img, false, src)
	}
	return nil
}

// encode writes the model inputs of one stored image to out, mirrored left
// to right when flip is set.
func (d *Dataset) encode(out []float32, img []uint8, flip bool, src rand.Source) {
	if d.enc.Mode == Bernoulli {
		sampleImage(out, img, src)
	} else {
		t := d.table
		out = out[:len(img)]
		for j, x := range img {
			out[j] = t[x]
		}
	}
	if flip {
		w := d.shape[3]
		for r := 0; r < len(out); r += w {
			slices.Reverse(out[r : r+w])
		}
	}
}

// sampleImage writes a Bernoulli(x / 255) sample of every pixel to out.
func sampleImage(out []float32, img []uint8, src rand.Source) {
	for j, x := range img {
		out[j] = 0
		if bernoulli(src, x) {
			out[j] = 1
		}
	}
}

// Channels returns C, the number of channels of an image.
func (d *Dataset) Channels() int { return d.shape[1] }
