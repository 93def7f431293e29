package ref

import "vdvae/graph"

// ConvShape is a convolution with bound sizes.
type ConvShape struct {
	N, C, H, W int
	K          int
	Kernel     [2]int
	Stride     [2]int
	PadBefore  [2]int
	Out        [2]int
}

func convShape(op graph.Conv2D, x, y graph.Shape) ConvShape {
	return ConvShape{N: x[0], C: x[1], H: x[2], W: x[3], K: y[1], Kernel: op.Kernel,
		Stride: op.Stride, PadBefore: op.PadBefore, Out: [2]int{y[2], y[3]}}
}

// ConvForward computes y[n,k,i,j] = b[k] + sum_{c,u,v} w[k,c,u,v] *
// x[n,c,i*S0+u-P0, j*S1+v-P1], with zero outside x. b may be nil.
func ConvForward(x, w, b, y []float32, s ConvShape) {
	kh, kw := s.Kernel[0], s.Kernel[1]
	oh, ow := s.Out[0], s.Out[1]
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					acc := 0.0
					if b != nil {
						acc = float64(b[k])
					}
					for c := 0; c < s.C; c++ {
						for u := 0; u < kh; u++ {
							hi := i*s.Stride[0] + u - s.PadBefore[0]
							if hi < 0 || hi >= s.H {
								continue
							}
							for v := 0; v < kw; v++ {
								wi := j*s.Stride[1] + v - s.PadBefore[1]
								if wi < 0 || wi >= s.W {
									continue
								}
								acc += float64(w[((k*s.C+c)*kh+u)*kw+v]) *
									float64(x[((n*s.C+c)*s.H+hi)*s.W+wi])
							}
						}
					}
					y[((n*s.K+k)*oh+i)*ow+j] = float32(acc)
				}
			}
		}
	}
}

// ConvBackwardData computes dx[n,c,h,w] = sum over the (k,i,j,u,v) with
// h = i*S0+u-P0 and w = j*S1+v-P1 of dy[n,k,i,j] * w[k,c,u,v].
func ConvBackwardData(dy, w, dx []float32, s ConvShape) {
	clear(dx)
	kh, kw := s.Kernel[0], s.Kernel[1]
	oh, ow := s.Out[0], s.Out[1]
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := dy[((n*s.K+k)*oh+i)*ow+j]
					for c := 0; c < s.C; c++ {
						for u := 0; u < kh; u++ {
							hi := i*s.Stride[0] + u - s.PadBefore[0]
							if hi < 0 || hi >= s.H {
								continue
							}
							for v := 0; v < kw; v++ {
								wi := j*s.Stride[1] + v - s.PadBefore[1]
								if wi < 0 || wi >= s.W {
									continue
								}
								dx[((n*s.C+c)*s.H+hi)*s.W+wi] += g * w[((k*s.C+c)*kh+u)*kw+v]
							}
						}
					}
				}
			}
		}
	}
}

// ConvBackwardFilter computes dw[k,c,u,v] = sum_{n,i,j} dy[n,k,i,j] *
// x[n,c,i*S0+u-P0, j*S1+v-P1].
func ConvBackwardFilter(x, dy, dw []float32, s ConvShape) {
	kh, kw := s.Kernel[0], s.Kernel[1]
	oh, ow := s.Out[0], s.Out[1]
	for k := 0; k < s.K; k++ {
		for c := 0; c < s.C; c++ {
			for u := 0; u < kh; u++ {
				for v := 0; v < kw; v++ {
					acc := 0.0
					for n := 0; n < s.N; n++ {
						for i := 0; i < oh; i++ {
							hi := i*s.Stride[0] + u - s.PadBefore[0]
							if hi < 0 || hi >= s.H {
								continue
							}
							for j := 0; j < ow; j++ {
								wi := j*s.Stride[1] + v - s.PadBefore[1]
								if wi < 0 || wi >= s.W {
									continue
								}
								acc += float64(dy[((n*s.K+k)*oh+i)*ow+j]) *
									float64(x[((n*s.C+c)*s.H+hi)*s.W+wi])
							}
						}
					}
					dw[((k*s.C+c)*kh+u)*kw+v] = float32(acc)
				}
			}
		}
	}
}
