package imageio

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Range says which values a model image holds and how they become 8-bit
// pixels.
type Range uint8

const (
	// Signed is data in [-1, 1]: pixel = round-half-to-even(x*127.5+127.5).
	Signed Range = iota + 1

	// Unit is data in [0, 1]: pixel = x*255 truncated toward zero.
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

// Pixel maps one value to an 8-bit pixel, clamped to 0..255; NaN gives 0.
// The arithmetic is float32, as numpy's on a float32 array.
func (r Range) Pixel(x float32) uint8 {
	var v float64
	if r == Unit {
		v = math.Trunc(float64(x * 255))
	} else {
		// The conversion keeps the product from fusing with the sum, so
		// both round to float32 as numpy's two operations do.
		v = math.RoundToEven(float64(float32(x*127.5) + 127.5))
	}
	switch {
	case v >= 255:
		return 255
	case v > 0:
		return uint8(v)
	}
	return 0 // also NaN
}

// FromCHW converts one model image, shape {C, H, W} with C of 1 or 3, to an
// image: *image.Gray for one channel, an opaque *image.RGBA for three.
func FromCHW(pix []float32, shape [3]int, r Range) (image.Image, error) {
	c, h, w := shape[0], shape[1], shape[2]
	if err := checkCHW(len(pix), shape, r); err != nil {
		return nil, err
	}
	plane := h * w
	if c == 1 {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i, x := range pix {
			img.Pix[i] = r.Pixel(x)
		}
		return img, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range plane {
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2] = r.Pixel(pix[i]), r.Pixel(pix[plane+i]), r.Pixel(pix[2*plane+i])
		p[3] = 0xff
	}
	return img, nil
}

// checkCHW checks a CHW image's shape against its data and its range.
func checkCHW(n int, shape [3]int, r Range) error {
	c, h, w := shape[0], shape[1], shape[2]
	if c != 1 && c != 3 {
		return fmt.Errorf("imageio: image has %d channels, want 1 or 3", c)
	}
	if h <= 0 || w <= 0 || h > math.MaxInt32/w/c {
		return fmt.Errorf("imageio: image size %dx%d is not positive or too large", h, w)
	}
	if n != c*h*w {
		return fmt.Errorf("imageio: image of shape %v needs %d values, got %d", shape, c*h*w, n)
	}
	if r != Signed && r != Unit {
		return fmt.Errorf("imageio: unknown %v; use Signed or Unit", r)
	}
	return nil
}

// FromNCHW converts a batch, shape {N, C, H, W}, to N images with FromCHW.
func FromNCHW(pix []float32, shape [4]int, r Range) ([]image.Image, error) {
	n, chw := shape[0], [3]int{shape[1], shape[2], shape[3]}
	size := chw[0] * chw[1] * chw[2]
	if n < 0 || len(pix) != n*size {
		return nil, fmt.Errorf("imageio: batch of shape %v needs %d values, got %d",
			shape, n*size, len(pix))
	}
	out := make([]image.Image, n)
	for i := range out {
		img, err := FromCHW(pix[i*size:(i+1)*size], chw, r)
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}

// isGray reports whether every image holds gray pixels only.
func isGray(images []image.Image) bool {
	for _, img := range images {
		if img.ColorModel() != color.GrayModel {
			return false
		}
	}
	return true
}
