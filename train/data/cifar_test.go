package data

import (
	"fmt"
	"path/filepath"
	"testing"
)

// cifarFile returns n CIFAR-10 records; image k's pixel p (in R, G, B
// plane order) is first+k+p, modulo 256, and its label is k%10.
func cifarFile(first, n int) []byte {
	var out []byte
	for k := range n {
		out = append(out, byte(k%10))
		for p := range cifarImage {
			out = append(out, byte(first+k+p))
		}
	}
	return out
}

// tinyCIFAR writes five training batches of 2 images and a test batch of 4
// under dir/cifar-10-batches-bin.
func tinyCIFAR(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, cifarBatchDir)
	for b := 1; b <= 5; b++ {
		writeBytes(t, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", b)), cifarFile(10*b, 2))
	}
	writeBytes(t, filepath.Join(dir, "test_batch.bin"), cifarFile(100, 4))
	return root
}

func TestCIFAR10PixelsEndToEnd(t *testing.T) {
	sp, err := OpenSpec(Spec{Source: "cifar-10", Dir: tinyCIFAR(t), Channels: 3, Res: 32, NumBits: 5})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, d *Dataset, firsts []int) {
		t.Helper()
		if d.Shape() != [4]int{len(firsts), 3, 32, 32} {
			t.Fatalf("%s: shape %v", name, d.Shape())
		}
		got := evalAll(t, d, 3)
		for k, f := range firsts {
			for p := range cifarImage {
				if w := centered(byte(f+p), 5); got[k*cifarImage+p] != w {
					t.Fatalf("%s image %d pixel %d: got %v, want %v", name, k, p, got[k*cifarImage+p], w)
				}
			}
		}
	}
	check("train", sp.Train, []int{10, 11, 20, 21, 30, 31, 40, 41, 50, 51})
	// numpy: RandomState(101).shuffle(arange(4)) gives [2 0 1 3].
	check("val", sp.Val, []int{102, 100})
	check("test", sp.Test, []int{101, 103})
}

func TestCIFAR10Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(dir string)
		want []string
	}{
		{"truncated batch", func(dir string) {
			writeBytes(t, filepath.Join(dir, "data_batch_3.bin"), cifarFile(0, 2)[:5000])
		}, []string{"data_batch_3.bin", "5000 bytes is not a whole number of 3073-byte records"}},
		{"empty test batch", func(dir string) {
			writeBytes(t, filepath.Join(dir, "test_batch.bin"), nil)
		}, []string{"test_batch.bin", "0 bytes"}},
		{"CIFAR-100 file", func(dir string) {
			b := cifarFile(0, 2)
			b[0] = 57
			writeBytes(t, filepath.Join(dir, "data_batch_1.bin"), b)
		}, []string{"data_batch_1.bin", "label 57"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tinyCIFAR(t)
			tc.edit(filepath.Join(root, cifarBatchDir))
			_, err := LoadCIFAR10(root)
			wantErr(t, err, tc.want...)
		})
	}
	_, err := LoadCIFAR10(t.TempDir())
	wantErr(t, err, "data_batch_1.bin", "--data-dir")
	_, err = OpenSpec(Spec{Source: "cifar-10", Dir: tinyCIFAR(t), Channels: 3, Res: 64, NumBits: 8})
	wantErr(t, err, "3x32x32", "data.target_res 32")
}
