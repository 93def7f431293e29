package data

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

// grayImages returns n 4×4 images of random gray levels under enc; the
// first pixel of image i is i so batches can be traced to images.
func grayImages(t *testing.T, n int, enc Encoding) *Dataset {
	t.Helper()
	pix := make([]uint8, n*16)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range pix {
		pix[i] = uint8(r.IntN(256))
	}
	for i := range n {
		pix[i*16] = uint8(i)
	}
	d, err := NewDataset(pix, [4]int{n, 1, 4, 4}, enc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// nextBatches returns copies of the next k batches of it.
func nextBatches(it *TrainIter, k int, size int) [][]float32 {
	var out [][]float32
	for range k {
		dst := make([]float32, size)
		it.Next(dst)
		out = append(out, dst)
	}
	return out
}

func TestTrainIterResumeIsExact(t *testing.T) {
	// 20 images in batches of 3: 6 batches an epoch, so the 7 batches before
	// the save and the 5 after both cross an epoch boundary.
	d := grayImages(t, 20, Encoding{Mode: Bernoulli})
	size := 3 * d.ImageSize()
	it, err := NewTrainIter(d, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	nextBatches(it, 7, size)
	saved, err := json.Marshal(it.State())
	if err != nil {
		t.Fatal(err)
	}
	want := nextBatches(it, 5, size)

	var st IterState
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	resumed, err := NewTrainIter(d, 3, 999) // the seed comes from the state
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.Restore(st); err != nil {
		t.Fatal(err)
	}
	got := nextBatches(resumed, 5, size)
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("batch %d after resume differs", i)
		}
	}
	if resumed.Epoch() != it.Epoch() {
		t.Errorf("epoch %d after resume, want %d", resumed.Epoch(), it.Epoch())
	}
}

func TestTrainIterEpochsArePermutations(t *testing.T) {
	d := grayImages(t, 10, Encoding{Mode: Unit})
	it, _ := NewTrainIter(d, 3, 1)
	dst := make([]float32, 3*d.ImageSize())
	var orders [][]int
	for range 3 {
		var seen []int
		for range it.BatchesPerEpoch() {
			it.Next(dst)
			for k := range 3 {
				seen = append(seen, int(dst[k*16]*255+0.5))
			}
		}
		orders = append(orders, seen)
		sorted := slices.Sorted(slices.Values(seen))
		if len(slices.Compact(sorted)) != 9 {
			t.Errorf("epoch %d served %v: repeats an image", it.Epoch(), seen)
		}
	}
	if slices.Equal(orders[0], orders[1]) && slices.Equal(orders[1], orders[2]) {
		t.Error("every epoch has the same order")
	}
}

func TestTrainIterSeedsDiffer(t *testing.T) {
	d := grayImages(t, 50, Encoding{Mode: Bernoulli})
	size := 5 * d.ImageSize()
	a, _ := NewTrainIter(d, 5, 1)
	b, _ := NewTrainIter(d, 5, 1)
	c, _ := NewTrainIter(d, 5, 2)
	ba, bb, bc := nextBatches(a, 3, size), nextBatches(b, 3, size), nextBatches(c, 3, size)
	if !slices.Equal(ba[2], bb[2]) {
		t.Error("the same seed gave different batches")
	}
	if slices.Equal(ba[0], bc[0]) {
		t.Error("different seeds gave the same batch")
	}
}

func TestTrainIterNextDoesNotAllocate(t *testing.T) {
	d := grayImages(t, 40, Encoding{Mode: Bernoulli})
	it, _ := NewTrainIter(d, 8, 1)
	dst := make([]float32, 8*d.ImageSize())
	if n := testing.AllocsPerRun(100, func() { it.Next(dst) }); n != 0 {
		t.Errorf("Next allocates %v times", n)
	}
}

func TestTrainIterRestoreRejectsMismatch(t *testing.T) {
	d := grayImages(t, 20, Encoding{Mode: Unit})
	it, _ := NewTrainIter(d, 4, 1)
	good := it.State()
	for _, tc := range []struct {
		name   string
		change func(*IterState)
	}{
		{"batch size", func(s *IterState) { s.BatchSize = 5 }},
		{"data size", func(s *IterState) { s.Len = 21 }},
		{"position", func(s *IterState) { s.Pos = -1 }},
		{"noise", func(s *IterState) { s.Noise = []byte("junk") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.change(&s)
			if err := it.Restore(s); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestNewTrainIterNeedsAFullBatch(t *testing.T) {
	d := grayImages(t, 3, Encoding{Mode: Unit})
	if _, err := NewTrainIter(d, 4, 1); err == nil {
		t.Error("no error for 3 images in batches of 4")
	}
}

func TestEvalIterBatches(t *testing.T) {
	d := grayImages(t, 10, Encoding{Mode: Unit})
	for _, tc := range []struct {
		name     string
		nSamples int
		want     []int
	}{
		{"all", 0, []int{4, 4, 2}},
		{"limited", 6, []int{4, 2}},
		{"more than all", 100, []int{4, 4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it, err := NewEvalIter(d, 4, tc.nSamples)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, 4*d.ImageSize())
			var sizes, firsts []int
			for n := it.Next(dst); n > 0; n = it.Next(dst) {
				sizes = append(sizes, n)
				for k := range n {
					firsts = append(firsts, int(dst[k*16]*255+0.5))
				}
			}
			if !slices.Equal(sizes, tc.want) {
				t.Errorf("batch sizes %v, want %v", sizes, tc.want)
			}
			for i, f := range firsts {
				if f != i {
					t.Fatalf("served images %v, want in order", firsts)
				}
			}
		})
	}
}

func TestEvalIterRejectsBernoulli(t *testing.T) {
	d := grayImages(t, 10, Encoding{Mode: Bernoulli})
	if _, err := NewEvalIter(d, 4, 0); err == nil {
		t.Error("no error")
	}
}
