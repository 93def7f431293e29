package data

import (
	"fmt"
	"image"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// noiseImage returns a w×h image of uniform random RGB noise, which no
// codec compresses much.
func noiseImage(w, h int, seed uint64) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 0))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// loaderFixture writes n noise images of size src×src in format ("png",
// "jpeg", "npy" or "cifar") and returns the spec that reads them at
// res×res.
func loaderFixture(b *testing.B, format string, n, src, res int) Spec {
	b.Helper()
	root := b.TempDir()
	s := Spec{Source: "custom", Dir: root, Channels: 3, Res: res, NumBits: 8}
	switch format {
	case "png", "jpeg":
		for i := range n {
			img := noiseImage(src, src, uint64(i))
			p := filepath.Join(root, "train", fmt.Sprintf("%04d.%s", i, format))
			if format == "png" {
				writePNG(b, p, img)
			} else {
				writeJPEG(b, p, img, 90)
			}
		}
		writePNG(b, filepath.Join(root, "val", "v.png"), noiseImage(src, src, 1<<20))
	case "npy":
		pix := make([]uint8, n*3*src*src)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range pix {
			pix[i] = uint8(r.Uint32())
		}
		writeBytes(b, filepath.Join(root, "train", "a.npy"), npyBytes("|u1", []int{n, 3 * src * src}, false, pix))
		writeBytes(b, filepath.Join(root, "val", "v.npy"), npyBytes("|u1", []int{1, 3 * src * src}, false,
			pix[:3*src*src]))
	case "cifar":
		dir := filepath.Join(root, cifarBatchDir)
		for k := 1; k <= 5; k++ {
			writeBytes(b, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)), cifarFile(k, n/5))
		}
		writeBytes(b, filepath.Join(dir, "test_batch.bin"), cifarFile(0, 2))
		s.Source = "cifar-10"
	}
	return s
}

// benchLoader serves shuffled, flipped training batches of 16 images and
// reports images decoded and preprocessed per second.
func benchLoader(b *testing.B, format string, src, res int) {
	const n, batch = 64, 16
	s := loaderFixture(b, format, n, src, res)
	sp, err := OpenSpec(s)
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	it, err := NewTrainIter(sp.Train, batch, 1, WithFlip(true))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, batch*sp.Train.ImageSize())
	b.SetBytes(int64(batch * sp.Train.ImageSize()))
	b.ResetTimer()
	for range b.N {
		if err := it.Next(dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkLoader(b *testing.B) {
	for _, tc := range []struct {
		format   string
		src, res int
	}{
		{"cifar", 32, 32},
		{"npy", 32, 32}, {"npy", 256, 256},
		{"png", 32, 32}, {"png", 256, 256}, {"png", 256, 64},
		{"jpeg", 32, 32}, {"jpeg", 256, 256}, {"jpeg", 256, 64},
	} {
		name := fmt.Sprintf("%s/%dto%d", tc.format, tc.src, tc.res)
		b.Run(name, func(b *testing.B) { benchLoader(b, tc.format, tc.src, tc.res) })
	}
}

// BenchmarkTrainIterBinarizedMNIST is the loader's share of a mnist_cpu
// training step: a batch of 32 padded 32x32 images sampled from Bernoulli
// in memory.
func BenchmarkTrainIterBinarizedMNIST(b *testing.B) {
	pix := make([]uint8, 60000*1024)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range pix {
		pix[i] = uint8(r.Uint32())
	}
	d, err := NewDataset(pix, [4]int{60000, 1, 32, 32}, Encoding{Mode: Bernoulli})
	if err != nil {
		b.Fatal(err)
	}
	it, _ := NewTrainIter(d, 32, 1)
	dst := make([]float32, 32*1024)
	b.ResetTimer()
	for range b.N {
		it.Next(dst)
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "images/s")
}
