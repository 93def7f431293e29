package train

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"vdvae/configs"
	"vdvae/train/data"
)

// writeIDXAsPNG writes the first n images of an IDX image file as 28x28
// gray PNG files img00000.png ... in dir, and returns their raw pixels.
func writeIDXAsPNG(t *testing.T, idxPath, dir string, n int) []uint8 {
	t.Helper()
	idx, err := data.ReadIDX(idxPath)
	if err != nil {
		t.Fatal(err)
	}
	h, w := idx.Dims[1], idx.Dims[2]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := &image.Gray{Pix: idx.Data[i*h*w : (i+1)*h*w], Stride: w, Rect: image.Rect(0, 0, w, h)}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img%05d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return idx.Data[:n*h*w]
}

// TestIDXAndPNGFoldersGiveTheSamePixels writes the first images of MNIST
// and Fashion-MNIST as PNG folders and checks that the folder loader
// serves exactly the pixels the IDX loader does (without its padding).
func TestIDXAndPNGFoldersGiveTheSamePixels(t *testing.T) {
	for _, tc := range []struct{ source, kind, dir string }{
		{"binarized_mnist", "mnist", FindDataDir("binarized_mnist")},
		{"fashion_mnist", "fashion_mnist", data.DefaultFashionMNISTDir},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			idxFile := filepath.Join(tc.dir, "train-images-idx3-ubyte.gz")
			if _, err := os.Stat(idxFile); err != nil {
				t.Fatalf("%s not found in %s (`make data`, apt-get install dataset-fashion-mnist): %v",
					tc.kind, tc.dir, err)
			}
			const n = 200
			root := t.TempDir()
			raw := writeIDXAsPNG(t, idxFile, filepath.Join(root, "train"), n)
			writeIDXAsPNG(t, filepath.Join(tc.dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(root, "val"), 3)

			h := &configs.Hparams{Data: configs.Data{DatasetSource: "custom", Channels: 1, TargetRes: 28,
				NumBits: 8}}
			folder, err := data.OpenSpec(DataSpec(h, root))
			if err != nil {
				t.Fatal(err)
			}
			defer folder.Close()
			idx, err := data.LoadMNIST(tc.dir, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, n*28*28)
			if err := folder.Train.Fill(got, seq(n), nil); err != nil {
				t.Fatal(err)
			}
			padded := make([]float32, n*32*32)
			idx.Train.Fill(padded, seq(n), nil)
			for i := range n {
				for y := range 28 {
					for x := range 28 {
						g := got[i*784+y*28+x]
						if want := padded[i*1024+(y+2)*32+x+2]; g != want {
							t.Fatalf("image %d (%d,%d): folder %v, IDX %v (raw %d)", i, y, x, g, want,
								raw[i*784+y*28+x])
						}
					}
				}
			}
			if sk := folder.Train.Skipped(); len(sk) > 0 {
				t.Errorf("skipped %v", sk)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
