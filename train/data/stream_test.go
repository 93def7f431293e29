package data

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// pngFolder writes d's images (1 or 3 channels, in memory) as PNG files
// img00000.png ... under root/train, and one image under root/val, and
// returns root.
func pngFolder(t *testing.T, d *Dataset) string {
	t.Helper()
	root := t.TempDir()
	sh := d.Shape()
	c, h, w := sh[1], sh[2], sh[3]
	for i := range d.Len() {
		pix := d.Image(i)
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				v := func(ch int) uint8 { return pix[min(ch, c-1)*h*w+y*w+x] }
				img.SetNRGBA(x, y, color.NRGBA{v(0), v(1), v(2), 255})
			}
		}
		writePNG(t, filepath.Join(root, "train", fmt.Sprintf("img%05d.png", i)), img)
	}
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(w, h, func(x, y int) uint8 { return 0 }))
	return root
}

// randomImages returns n random images of c×4×4 in memory.
func randomImages(t *testing.T, n, c int) *Dataset {
	t.Helper()
	pix := make([]uint8, n*c*16)
	r := rand.New(rand.NewPCG(8, 9))
	for i := range pix {
		pix[i] = uint8(r.IntN(256))
	}
	d, err := NewDataset(pix, [4]int{n, c, 4, 4}, CenteredBits(8))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestStreamedBatchesEqualInMemory(t *testing.T) {
	for _, c := range []int{1, 3} {
		mem := randomImages(t, 23, c)
		root := pngFolder(t, mem)
		for _, rd := range []struct{ workers, ahead int }{{1, 1}, {2, 3}, {5, 7}} {
			t.Run(fmt.Sprintf("c%d/workers%d/ahead%d", c, rd.workers, rd.ahead), func(t *testing.T) {
				s := folderSpec(root, c, 4, 8)
				s.Workers, s.Ahead = rd.workers, rd.ahead
				sp := openSpec(t, s)
				for _, flip := range []bool{false, true} {
					a, _ := NewTrainIter(mem, 5, 7, WithFlip(flip))
					b, _ := NewTrainIter(sp.Train, 5, 7, WithFlip(flip))
					sz := 5 * c * 16
					if !slices.EqualFunc(nextBatches(a, 11, sz), nextBatches(b, 11, sz), slices.Equal) {
						t.Fatalf("flip %v: streamed batches differ from in-memory ones", flip)
					}
					if a.Epoch() != b.Epoch() || a.State().Pos != b.State().Pos {
						t.Errorf("positions differ: %+v vs %+v", a.State(), b.State())
					}
				}
				if !slices.Equal(evalAll(t, mem, 4), evalAll(t, sp.Train, 4)) {
					t.Error("evaluation batches differ")
				}
			})
		}
	}
}

func TestStreamedResumeIsExact(t *testing.T) {
	mem := randomImages(t, 17, 3)
	sp := openSpec(t, folderSpec(pngFolder(t, mem), 3, 4, 8))
	sz := 4 * mem.ImageSize()
	it, _ := NewTrainIter(sp.Train, 4, 42, WithFlip(true))
	nextBatches(it, 6, sz) // crosses an epoch: 4 batches an epoch
	saved, err := json.Marshal(it.State())
	if err != nil {
		t.Fatal(err)
	}
	want := nextBatches(it, 7, sz)

	var st IterState
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	resumed, _ := NewTrainIter(sp.Train, 4, 1, WithFlip(true))
	nextBatches(resumed, 2, sz) // batches read ahead before the restore are dropped
	if err := resumed.Restore(st); err != nil {
		t.Fatal(err)
	}
	if got := nextBatches(resumed, 7, sz); !slices.EqualFunc(got, want, slices.Equal) {
		t.Error("batches after resume differ")
	}
	// The same state restored into an in-memory iterator gives the same
	// batches too.
	m, _ := NewTrainIter(mem, 4, 1, WithFlip(true))
	m.Restore(st)
	if got := nextBatches(m, 7, sz); !slices.EqualFunc(got, want, slices.Equal) {
		t.Error("in-memory batches after resume differ")
	}
}

func TestStreamedEvalLastBatchIsSmaller(t *testing.T) {
	mem := randomImages(t, 10, 1)
	sp := openSpec(t, folderSpec(pngFolder(t, mem), 1, 4, 8))
	for _, tc := range []struct {
		n    int
		want []int
	}{{0, []int{4, 4, 2}}, {7, []int{4, 3}}, {100, []int{4, 4, 2}}} {
		it, _ := NewEvalIter(sp.Train, 4, tc.n)
		var sizes []int
		buf := make([]float32, 4*16)
		for range 2 { // Reset starts again from the first image
			sizes = sizes[:0]
			for n := it.Next(buf); n > 0; n = it.Next(buf) {
				sizes = append(sizes, n)
			}
			it.Reset()
		}
		if !slices.Equal(sizes, tc.want) {
			t.Errorf("n_samples %d: batches %v, want %v", tc.n, sizes, tc.want)
		}
	}
}
