package ssim

import (
	"fmt"
	"math"
)

// Range says which values the images hold and how they map to 0..255.
type Range uint8

const (
	// Signed is data in [-1, 1], mapped by x*127.5 + 127.5.
	Signed Range = iota + 1

	// Unit is data in [0, 1], mapped by x*255.
	Unit
)

// String returns "signed [-1,1]" or "unit [0,1]".
func (r Range) String() string {
	switch r {
	case Signed:
		return "signed [-1,1]"
	case Unit:
		return "unit [0,1]"
	}
	return fmt.Sprintf("Range(%d)", uint8(r))
}

// scale maps a value to 0..255; exact in float64 for any float32 input.
func (r Range) scale(x float32) float64 {
	if r == Unit {
		return float64(x) * 255
	}
	return float64(x)*127.5 + 127.5
}

// The reference's constants: window size and width, the stabilisers' k1
// and k2, and the largest pixel value.
const (
	windowSize  = 11
	windowSigma = 1.5
	k1, k2      = 0.01, 0.03
	maxVal      = 255.0
	c1          = (k1 * maxVal) * (k1 * maxVal)
	c2          = (k2 * maxVal) * (k2 * maxVal)
)

// window is the normalised 1-D Gaussian; the reference's 11x11 window is
// its outer product with itself.
var window = gaussian(windowSize, windowSigma)

// gaussian returns n weights exp(-d^2 / (2 sigma^2)), d the distance from
// the centre, divided by their sum.
func gaussian(n int, sigma float64) []float64 {
	g := make([]float64, n)
	sum := 0.0
	for i := range g {
		d := float64(i) - float64(n-1)/2
		g[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}

// Batch returns the SSIM of each (target, output) image pair of a batch of
// shape {N, C, H, W}, in order. Average the results over a dataset, or pass
// them to BatchMean for the reference's per-batch number.
func Batch(targets, outputs []float32, shape [4]int, r Range) ([]float64, error) {
	if err := check(len(targets), len(outputs), shape, r); err != nil {
		return nil, err
	}
	n, c, h, w := shape[0], shape[1], shape[2], shape[3]
	plane := h * w
	s := newScratch(plane)
	out := make([]float64, n)
	for i := range out {
		sum := 0.0
		for ch := range c {
			off := (i*c + ch) * plane
			s.load(targets[off:off+plane], outputs[off:off+plane], r)
			sum += s.planeSSIM(h, w)
		}
		out[i] = sum / float64(c)
	}
	return out, nil
}

// BatchMean returns sum(ssims) / globalBatchSize: what the reference's
// StructureSimilarityIndexMap returns for one batch. It equals the mean
// when the batch is full.
func BatchMean(ssims []float64, globalBatchSize int) float64 {
	sum := 0.0
	for _, v := range ssims {
		sum += v
	}
	return sum / float64(globalBatchSize)
}

// check validates Batch's arguments.
func check(nt, no int, shape [4]int, r Range) error {
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("ssim: batch shape %v (N, C, H, W) has a dimension below 1", shape)
		}
	}
	size := shape[0] * shape[1] * shape[2] * shape[3]
	if nt != size || no != size {
		return fmt.Errorf("ssim: batch shape %v needs %d values; targets have %d, outputs %d",
			shape, size, nt, no)
	}
	if r != Signed && r != Unit {
		return fmt.Errorf("ssim: unknown %v; use Signed or Unit", r)
	}
	return nil
}
