package cpu

// This file holds the slow, obvious definitions of the convolution passes.
// The fast kernels are tested against them. They accumulate in float64.

// ConvForwardRef computes, for every n, k, oy, ox,
//
//	y[n,k,oy,ox] = b[k] + Σ_{c,i,j} w[k,c,i,j] · x[n,c, oy·SH+i−PT, ox·SW+j−PL]
//
// where x outside the image reads as zero and b = nil reads as zero.
// It overwrites y.
func ConvForwardRef(x, w, b, y []float32, s ConvShape) {
	checkForward(x, w, b, y, s)
	for n := range s.N {
		for k := range s.K {
			for oy := range s.Out[0] {
				for ox := range s.Out[1] {
					var sum float64
					if b != nil {
						sum = float64(b[k])
					}
					s.eachTap(oy, ox, func(c, i, j, xi int) {
						sum += float64(w[s.wIndex(k, c, i, j)]) * float64(x[n*s.C*s.H*s.W+xi])
					})
					y[s.yIndex(n, k, oy, ox)] = float32(sum)
				}
			}
		}
	}
}

// ConvBackwardDataRef computes the gradient of the input, the transpose of
// ConvForwardRef:
//
//	dx[n,c,iy,ix] = Σ_{k,oy,ox,i,j} w[k,c,i,j] · dy[n,k,oy,ox]
//	                over oy·SH+i−PT = iy and ox·SW+j−PL = ix
//
// It overwrites dx.
func ConvBackwardDataRef(dy, w, dx []float32, s ConvShape) {
	checkBackwardData(dy, w, dx, s)
	acc := make([]float64, len(dx))
	for n := range s.N {
		for k := range s.K {
			for oy := range s.Out[0] {
				for ox := range s.Out[1] {
					g := float64(dy[s.yIndex(n, k, oy, ox)])
					s.eachTap(oy, ox, func(c, i, j, xi int) {
						acc[n*s.C*s.H*s.W+xi] += g * float64(w[s.wIndex(k, c, i, j)])
					})
				}
			}
		}
	}
	for i, v := range acc {
		dx[i] = float32(v)
	}
}

// ConvBackwardFilterRef computes the gradients of the filter and the bias:
//
//	dw[k,c,i,j] = Σ_{n,oy,ox} dy[n,k,oy,ox] · x[n,c, oy·SH+i−PT, ox·SW+j−PL]
//	db[k]       = Σ_{n,oy,ox} dy[n,k,oy,ox]
//
// It overwrites dw and, unless db is nil, db.
func ConvBackwardFilterRef(x, dy, dw, db []float32, s ConvShape) {
	checkBackwardFilter(x, dy, dw, db, s)
	accW := make([]float64, len(dw))
	accB := make([]float64, s.K)
	for n := range s.N {
		for k := range s.K {
			for oy := range s.Out[0] {
				for ox := range s.Out[1] {
					g := float64(dy[s.yIndex(n, k, oy, ox)])
					accB[k] += g
					s.eachTap(oy, ox, func(c, i, j, xi int) {
						accW[s.wIndex(k, c, i, j)] += g * float64(x[n*s.C*s.H*s.W+xi])
					})
				}
			}
		}
	}
	for i, v := range accW {
		dw[i] = float32(v)
	}
	for k := range db {
		db[k] = float32(accB[k])
	}
}

// eachTap calls f for every filter tap (c, i, j) of output position
// (oy, ox) that reads inside the image, with xi the index of that input
// element within one image.
func (s ConvShape) eachTap(oy, ox int, f func(c, i, j, xi int)) {
	for c := range s.C {
		for i := range s.Kernel[0] {
			iy := oy*s.Stride[0] + i - s.PadBefore[0]
			if iy < 0 || iy >= s.H {
				continue
			}
			for j := range s.Kernel[1] {
				ix := ox*s.Stride[1] + j - s.PadBefore[1]
				if ix < 0 || ix >= s.W {
					continue
				}
				f(c, i, j, (c*s.H+iy)*s.W+ix)
			}
		}
	}
}

func (s ConvShape) wIndex(k, c, i, j int) int {
	return ((k*s.C+c)*s.Kernel[0]+i)*s.Kernel[1] + j
}

func (s ConvShape) yIndex(n, k, oy, ox int) int {
	return ((n*s.K+k)*s.Out[0]+oy)*s.Out[1] + ox
}
