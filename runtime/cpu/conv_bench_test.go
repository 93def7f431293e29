package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// benchShapes are the model's convolutions at training batch 32.
var benchShapes = []ConvShape{
	// 1x1: bottleneck in/out, skips, latent projections.
	same(32, 16, 32, 32, 64, 1, 1),
	same(32, 64, 32, 32, 16, 1, 1),
	same(32, 384, 32, 32, 96, 1, 1),
	same(32, 96, 32, 32, 384, 1, 1),
	same(32, 128, 16, 16, 32, 1, 1),
	same(32, 48, 16, 16, 24, 1, 1),
	same(32, 256, 8, 8, 256, 1, 1),
	same(32, 512, 4, 4, 128, 1, 1),
	same(32, 512, 2, 2, 128, 1, 1),
	same(32, 512, 1, 1, 512, 1, 1),
	// 3x3 stride 1, C = K.
	same(32, 8, 32, 32, 8, 3, 1),
	same(32, 16, 32, 32, 16, 3, 1),
	same(32, 24, 32, 32, 24, 3, 1),
	same(32, 32, 32, 32, 32, 3, 1),
	same(32, 96, 32, 32, 96, 3, 1),
	same(32, 24, 16, 16, 24, 3, 1),
	same(32, 48, 16, 16, 48, 3, 1),
	same(32, 64, 16, 16, 64, 3, 1),
	same(32, 128, 16, 16, 128, 3, 1),
	same(32, 128, 8, 8, 128, 3, 1),
	same(32, 384, 8, 8, 384, 3, 1),
	// Pooling: kernel = stride.
	same(32, 64, 32, 32, 64, 2, 2),
	same(32, 128, 16, 16, 128, 2, 2),
	same(32, 32, 32, 32, 32, 4, 4),
	same(32, 128, 8, 8, 128, 4, 4),
}

// methodAuto stands for the public entry points' own choice in benchmarks.
const methodAuto method = 255

func BenchmarkConvForwardAuto(b *testing.B)        { benchConv(b, passForward, methodAuto) }
func BenchmarkConvForwardBLAS(b *testing.B)        { benchConv(b, passForward, methodBLAS) }
func BenchmarkConvForwardDNNLGemm(b *testing.B)    { benchConv(b, passForward, methodDNNLGemm) }
func BenchmarkConvForwardDNNL(b *testing.B)        { benchConv(b, passForward, methodDNNL) }
func BenchmarkConvForwardDNNLBlocked(b *testing.B) { benchConv(b, passForward, methodDNNLBlocked) }

func BenchmarkConvBackwardDataAuto(b *testing.B) { benchConv(b, passBackwardData, methodAuto) }
func BenchmarkConvBackwardDataBLAS(b *testing.B) { benchConv(b, passBackwardData, methodBLAS) }
func BenchmarkConvBackwardDataDNNLGemm(b *testing.B) {
	benchConv(b, passBackwardData, methodDNNLGemm)
}
func BenchmarkConvBackwardDataDNNL(b *testing.B) { benchConv(b, passBackwardData, methodDNNL) }
func BenchmarkConvBackwardDataDNNLBlocked(b *testing.B) {
	benchConv(b, passBackwardData, methodDNNLBlocked)
}

func BenchmarkConvBackwardFilterAuto(b *testing.B) { benchConv(b, passBackwardFilter, methodAuto) }
func BenchmarkConvBackwardFilterBLAS(b *testing.B) { benchConv(b, passBackwardFilter, methodBLAS) }
func BenchmarkConvBackwardFilterDNNLGemm(b *testing.B) {
	benchConv(b, passBackwardFilter, methodDNNLGemm)
}
func BenchmarkConvBackwardFilterDNNL(b *testing.B) { benchConv(b, passBackwardFilter, methodDNNL) }
func BenchmarkConvBackwardFilterDNNLBlocked(b *testing.B) {
	benchConv(b, passBackwardFilter, methodDNNLBlocked)
}

// benchConv runs pass p with method m on every benchmark shape and reports
// GFLOP/s (wall clock) and GFLOP/cpu-s (per CPU-second of the process).
// Plan creation happens before the timer starts.
func benchConv(b *testing.B, p pass, m method) {
	for _, s := range benchShapes {
		b.Run(benchName(s), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, w, bias := randSlice(r, s.InputLen()), randSlice(r, s.FilterLen()), randSlice(r, s.K)
			y := randSlice(r, s.OutputLen())
			mm := m
			if m == methodAuto {
				mm = choose(p, s)
			}
			args := [4][]float32{x, w, bias, y}
			switch p {
			case passBackwardData:
				args = [4][]float32{y, w, x, nil}
			case passBackwardFilter:
				args = [4][]float32{x, y, w, bias}
			}
			run(p, mm, s, args[0], args[1], args[2], args[3])
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for b.Loop() {
				run(p, mm, s, args[0], args[1], args[2], args[3])
			}
			flop := s.FLOPs() * float64(b.N) / 1e9
			b.ReportMetric(flop/b.Elapsed().Seconds(), "GFLOP/s")
			b.ReportMetric(flop/(cpuSeconds()-cpu0), "GFLOP/cpu-s")
		})
	}
}

func BenchmarkSgemmOpenBLAS(b *testing.B) { benchSgemm(b, false) }
func BenchmarkSgemmDNNL(b *testing.B)     { benchSgemm(b, true) }

// benchSgemm runs square and convolution-like GEMMs (m, n, k).
func benchSgemm(b *testing.B, useDNNL bool) {
	for _, mnk := range [][3]int{{1024, 1024, 1024}, {96, 32768, 864}, {96, 1024, 384},
		{32, 512, 512}, {128, 576, 4096}} {
		b.Run(fmt.Sprintf("%dx%dx%d", mnk[0], mnk[1], mnk[2]), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			m, n, k := mnk[0], mnk[1], mnk[2]
			a := Matrix{Rows: m, Cols: k, Stride: k, Data: randSlice(r, m*k)}
			bm := Matrix{Rows: k, Cols: n, Stride: n, Data: randSlice(r, k*n)}
			c := Matrix{Rows: m, Cols: n, Stride: n, Data: randSlice(r, m*n)}
			cpu0 := cpuSeconds()
			for b.Loop() {
				sgemm(useDNNL, false, false, 1, a, bm, 0, c, mnk)
			}
			flop := 2 * float64(m*n*k) * float64(b.N) / 1e9
			b.ReportMetric(flop/b.Elapsed().Seconds(), "GFLOP/s")
			b.ReportMetric(flop/(cpuSeconds()-cpu0), "GFLOP/cpu-s")
		})
	}
}

// cpuSeconds returns the user and system CPU time of the process so far.
// GFLOP per CPU-second measures work per core and, with one thread, stays
// meaningful when other processes share the machine; GFLOP/s (wall clock)
// does not.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// benchName names a shape, e.g. "c64_k64_16x16_k3s1".
func benchName(s ConvShape) string {
	return fmt.Sprintf("c%d_k%d_%dx%d_k%ds%d", s.C, s.K, s.H, s.W, s.Kernel[0], s.Stride[0])
}
