package ssim

// scratch holds one channel's images, their products and the filtered
// maps, reused across the channels and images of a batch.
type scratch struct {
	x, y, xy, ss   []float64 // x, y, x*y and x^2+y^2, scaled to 0..255
	mx, my, mxy, m []float64 // the same, filtered
	tmp            []float64 // the horizontal pass of the filter
}

// newScratch allocates buffers for planes of n pixels.
func newScratch(n int) *scratch {
	buf := make([]float64, 9*n)
	part := func(i int) []float64 { return buf[i*n : (i+1)*n : (i+1)*n] }
	return &scratch{
		x: part(0), y: part(1), xy: part(2), ss: part(3),
		mx: part(4), my: part(5), mxy: part(6), m: part(7), tmp: part(8),
	}
}

// load scales one channel of each image to 0..255 and forms the products.
func (s *scratch) load(t, o []float32, r Range) {
	for i := range t {
		x, y := r.scale(t[i]), r.scale(o[i])
		s.x[i], s.y[i] = x, y
		s.xy[i] = x * y
		s.ss[i] = x*x + y*y
	}
}

// planeSSIM returns the mean over the pixels of luminance times
// contrast-structure for the loaded channel of h rows of w pixels.
func (s *scratch) planeSSIM(h, w int) float64 {
	s.filter(s.mx, s.x, h, w)
	s.filter(s.my, s.y, h, w)
	s.filter(s.mxy, s.xy, h, w)
	s.filter(s.m, s.ss, h, w)
	sum := 0.0
	for i := range s.mx {
		num0 := 2 * s.mx[i] * s.my[i]
		den0 := s.mx[i]*s.mx[i] + s.my[i]*s.my[i]
		luminance := (num0 + c1) / (den0 + c1)
		cs := (2*s.mxy[i] - num0 + c2) / (s.m[i] - den0 + c2)
		sum += luminance * cs
	}
	return sum / float64(h*w)
}

// filter convolves src (h rows of w) with the 2-D Gaussian window into dst,
// zero padded so dst has src's size. It equals the reference's
//
//	dst[i][j] = sum over a, b in 0..10 of g[a]*g[b]*src[i+a-5][j+b-5]
//
// (terms outside the image are zero), done as a pass along the rows into
// tmp and then one along the columns.
func (s *scratch) filter(dst, src []float64, h, w int) {
	const r = windowSize / 2
	for i := range h {
		row, out := src[i*w:(i+1)*w], s.tmp[i*w:(i+1)*w]
		for j := range out {
			sum := 0.0
			for k := max(0, j-r); k <= min(w-1, j+r); k++ {
				sum += window[k-j+r] * row[k]
			}
			out[j] = sum
		}
	}
	for i := range h {
		out := dst[i*w : (i+1)*w]
		clear(out)
		for k := max(0, i-r); k <= min(h-1, i+r); k++ {
			g, in := window[k-i+r], s.tmp[k*w:(k+1)*w]
			for j := range out {
				out[j] += g * in[j]
			}
		}
	}
}
