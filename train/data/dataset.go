package data

import (
	"fmt"
	"math/rand/v2"
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

// Dataset is N images of C×H×W 8-bit pixels, stored image after image in
// NCHW order, and the Encoding that turns them into model inputs. A Dataset
// is immutable and safe for concurrent use; derived datasets share pixels.
type Dataset struct {
	pix   []uint8
	shape [4]int // N, C, H, W
	enc   Encoding
	table *[256]float32
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

// Image returns the stored pixels of image i, C*H*W bytes that the caller
// must not modify.
func (d *Dataset) Image(i int) []uint8 {
	sz := d.ImageSize()
	return d.pix[i*sz : (i+1)*sz : (i+1)*sz]
}

// WithEncoding returns a dataset that shares d's pixels under another
// encoding.
func (d *Dataset) WithEncoding(enc Encoding) (*Dataset, error) {
	if err := enc.validate(); err != nil {
		return nil, err
	}
	return &Dataset{pix: d.pix, shape: d.shape, enc: enc, table: enc.table()}, nil
}

// Slice returns the images lo to hi-1, sharing pixels with d.
func (d *Dataset) Slice(lo, hi int) *Dataset {
	if lo < 0 || hi < lo || hi > d.Len() {
		panic(fmt.Sprintf("data: Slice(%d, %d) out of range for %d images", lo, hi, d.Len()))
	}
	sz := d.ImageSize()
	s := *d
	s.pix = d.pix[lo*sz : hi*sz : hi*sz]
	s.shape[0] = hi - lo
	return &s
}

// Binarize returns a copy of d whose pixels are one sample of
// Bernoulli(x / 255) each, stored as 0 or 255 under the Unit encoding, so
// they read as exactly 0 or 1. The samples come from src in pixel order.
func (d *Dataset) Binarize(src rand.Source) *Dataset {
	pix := make([]uint8, len(d.pix))
	for i, x := range d.pix {
		if bernoulli(src, x) {
			pix[i] = 255
		}
	}
	enc := Encoding{Mode: Unit}
	return &Dataset{pix: pix, shape: d.shape, enc: enc, table: enc.table()}
}

// Fill writes the images idx[0], idx[1], ... into dst, one after another in
// NCHW order. src supplies the noise of the Bernoulli encoding and may be nil
// for the others. len(dst) must be len(idx)*d.ImageSize(). Fill does not
// allocate.
func (d *Dataset) Fill(dst []float32, idx []int, src rand.Source) {
	sz := d.ImageSize()
	if len(dst) != len(idx)*sz {
		panic(fmt.Sprintf("data: Fill: dst holds %d values, %d images need %d",
			len(dst), len(idx), len(idx)*sz))
	}
	if d.enc.Mode == Bernoulli && src == nil {
		panic("data: Fill: the Bernoulli encoding needs a noise source")
	}
	for k, i := range idx {
		out := dst[k*sz : (k+1)*sz]
		img := d.pix[i*sz : (i+1)*sz]
		if d.enc.Mode == Bernoulli {
			sampleImage(out, img, src)
			continue
		}
		for j, x := range img {
			out[j] = d.table[x]
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
