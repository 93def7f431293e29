package data

import "math"

// precisionBits is the fixed-point precision of resize weights, as in
// Pillow's resampler (32 bits less 8 for the pixel and 2 for the sign and
// headroom).
const precisionBits = 32 - 8 - 2

// axisWeights are the fixed-point weights that map one axis of inSize
// pixels to outSize pixels.
type axisWeights struct {
	ksize  int
	first  []int   // per output pixel: the first input pixel it reads
	count  []int   // per output pixel: how many input pixels it reads
	weight []int32 // per output pixel: ksize weights, count of them used
}

// bilinearWeights computes the weights of Pillow's BILINEAR resampling
// (Image.resize(..., resample=Image.BILINEAR)), which is what the
// reference's loader uses: a triangle filter whose support widens with the
// scale when downsizing (so it averages, as an antialiasing filter), weights
// normalized to sum to 1 and rounded to precisionBits bits.
func bilinearWeights(inSize, outSize int) axisWeights {
	scale := float64(inSize) / float64(outSize)
	filterScale := max(scale, 1)
	support := filterScale // the triangle's support is 1
	ksize := int(math.Ceil(support))*2 + 1
	a := axisWeights{ksize: ksize, first: make([]int, outSize), count: make([]int, outSize),
		weight: make([]int32, outSize*ksize)}
	k := make([]float64, ksize)
	for o := range outSize {
		center := (float64(o) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), inSize)
		n := hi - lo
		var sum float64
		for x := range n {
			w := triangle((float64(x+lo) - center + 0.5) / filterScale)
			k[x] = w
			sum += w
		}
		for x := range n {
			v := k[x]
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				a.weight[o*ksize+x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				a.weight[o*ksize+x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		a.first[o], a.count[o] = lo, n
	}
	return a
}

func triangle(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

// clip8 rounds a fixed-point sum to a byte; the sum starts at one half.
func clip8(v int) uint8 {
	switch {
	case v >= 1<<precisionBits<<8:
		return 255
	case v <= 0:
		return 0
	}
	return uint8(v >> precisionBits)
}

// resizePlane resizes one channel of sw×sh bytes to dw×dh bytes in dst as
// Pillow's two-pass resampler does: a horizontal pass to an 8-bit
// intermediate, then a vertical pass. tmp is scratch space, returned grown.
func resizePlane(dst, src []uint8, sw, sh, dw, dh int, hw, vw *axisWeights, tmp []uint8) []uint8 {
	in := src
	if dw != sw {
		tmp = grow(tmp, dw*sh)
		resizeRows(tmp, src, sw, dw, hw)
		in = tmp
	}
	resizeCols(dst, in[:dw*sh], dw, sh, dh, vw)
	return tmp
}

// resizeRows is the horizontal pass: it resizes each row of sw bytes in
// src to dw bytes in out.
func resizeRows(out, src []uint8, sw, dw int, hw *axisWeights) {
	for y := range len(src) / sw {
		row, o := src[y*sw:(y+1)*sw], out[y*dw:(y+1)*dw]
		for x := range dw {
			k := hw.weight[x*hw.ksize:]
			lo := hw.first[x]
			s := 1 << (precisionBits - 1)
			for i, p := range row[lo : lo+hw.count[x]] {
				s += int(p) * int(k[i])
			}
			o[x] = clip8(s)
		}
	}
}

// resizeCols is the vertical pass: it resizes the sh rows of w bytes in
// in to dh rows in dst, or copies them when dh is sh.
func resizeCols(dst, in []uint8, w, sh, dh int, vw *axisWeights) {
	if dh == sh {
		copy(dst, in[:w*dh])
		return
	}
	acc := make([]int32, w)
	for y := range dh {
		k := vw.weight[y*vw.ksize:]
		lo, n := vw.first[y], vw.count[y]
		for x := range acc {
			acc[x] = 1 << (precisionBits - 1)
		}
		// Row by row: the same sums as Pillow's column loop, in an order
		// that reads memory forwards. Sums stay below 2^31 since the
		// weights add up to 2^22 and pixels are below 2^8.
		for i := range n {
			row, kv := in[(lo+i)*w:(lo+i+1)*w], k[i]
			for x, p := range row {
				acc[x] += int32(p) * kv
			}
		}
		out := dst[y*w : (y+1)*w]
		for x, v := range acc {
			out[x] = clip8(int(v))
		}
	}
}
