package data

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestEncodingValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		enc  Encoding
		x    uint8
		want float64
	}{
		{"centered8 zero", CenteredBits(8), 0, -1},
		{"centered8 max", CenteredBits(8), 255, 1},
		{"centered8 mid", CenteredBits(8), 128, 0.5 / 127.5},
		{"centered5 max", CenteredBits(5), 255, (248 - 127.5) / 127.5},
		{"centered5 floor", CenteredBits(5), 15, (8 - 127.5) / 127.5},
		{"centered1 high", CenteredBits(1), 200, (128 - 127.5) / 127.5},
		{"centered1 low", CenteredBits(1), 127, -1},
		{"unit zero", Encoding{Mode: Unit}, 0, 0},
		{"unit max", Encoding{Mode: Unit}, 255, 1},
		{"unit mid", Encoding{Mode: Unit}, 51, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDataset([]uint8{tc.x}, [4]int{1, 1, 1, 1}, tc.enc)
			if err != nil {
				t.Fatal(err)
			}
			got := fillAll(d)[0]
			if got != float32(tc.want) {
				t.Errorf("got %v, want %v", got, float32(tc.want))
			}
		})
	}
}

func TestNewDatasetRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pix   int
		shape [4]int
		enc   Encoding
	}{
		{"size mismatch", 5, [4]int{1, 1, 2, 2}, Encoding{Mode: Unit}},
		{"negative dim", 0, [4]int{-1, 1, 2, 2}, Encoding{Mode: Unit}},
		{"no mode", 4, [4]int{1, 1, 2, 2}, Encoding{}},
		{"zero bits", 4, [4]int{1, 1, 2, 2}, CenteredBits(0)},
		{"nine bits", 4, [4]int{1, 1, 2, 2}, CenteredBits(9)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewDataset(make([]uint8, tc.pix), tc.shape, tc.enc); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestBernoulliExtremesAreExact(t *testing.T) {
	d, _ := NewDataset([]uint8{0, 255, 0, 255}, [4]int{1, 1, 2, 2}, Encoding{Mode: Bernoulli})
	src := rand.NewPCG(1, 2)
	dst := make([]float32, 4)
	for range 100 {
		d.Fill(dst, []int{0}, src)
		if dst[0] != 0 || dst[1] != 1 || dst[2] != 0 || dst[3] != 1 {
			t.Fatalf("got %v", dst)
		}
	}
}

func TestBernoulliMatchesProbabilityPerValue(t *testing.T) {
	// Each of the 256 values 4000 times; the frequency of ones must match
	// x/255 within 5 standard deviations.
	const reps = 4000
	pix := make([]uint8, 256*reps)
	for i := range pix {
		pix[i] = uint8(i % 256)
	}
	d, _ := NewDataset(pix, [4]int{reps, 1, 16, 16}, Encoding{Mode: Bernoulli})
	sums := make([]float64, 256)
	dst := make([]float32, 256)
	src := rand.NewPCG(7, 8)
	for i := range reps {
		d.Fill(dst, []int{i}, src)
		for x, v := range dst {
			sums[x] += float64(v)
		}
	}
	for x, s := range sums {
		p := float64(x) / 255
		sd := math.Sqrt(p*(1-p)/reps) + 1e-12
		if got := s / reps; math.Abs(got-p) > 5*sd {
			t.Errorf("value %d: frequency %.4f, want %.4f ± %.4f", x, got, p, 5*sd)
		}
	}
}

// checkBinarizedMean checks that the mean of binarized images matches the
// mean gray level, over sampled training batches and over a set binarized
// once.
func checkBinarizedMean(t *testing.T, gray, sampled *Dataset) {
	t.Helper()
	unit, _ := gray.WithEncoding(Encoding{Mode: Unit})
	want, variance := 0.0, 0.0
	for _, v := range fillAll(unit) {
		want += float64(v)
		variance += float64(v) * (1 - float64(v))
	}
	n := float64(unit.Len() * unit.ImageSize())
	want /= n
	tol := 5 * math.Sqrt(variance) / n

	it, err := NewTrainIter(sampled, sampled.Len(), 3)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, sampled.Len()*sampled.ImageSize())
	it.Next(dst)
	fixed := fillAll(unit.Binarize(rand.NewPCG(BinarizeSeed, 1)))
	for name, vals := range map[string][]float32{"sampled": dst, "fixed": fixed} {
		got := 0.0
		for _, v := range vals {
			got += float64(v)
		}
		if got /= n; math.Abs(got-want) > tol {
			t.Errorf("%s: mean binarized %.5f, mean gray %.5f, tolerance %.5f", name, got, want, tol)
		}
	}
}

func TestBinarizedMeanMatchesGray(t *testing.T) {
	pix := make([]uint8, 500*64)
	r := rand.New(rand.NewPCG(11, 12))
	for i := range pix {
		pix[i] = uint8(r.IntN(256))
	}
	gray, _ := NewDataset(pix, [4]int{500, 1, 8, 8}, CenteredBits(8))
	sampled, _ := gray.WithEncoding(Encoding{Mode: Bernoulli})
	checkBinarizedMean(t, gray, sampled)
}

func TestFillPanicsOnWrongBuffer(t *testing.T) {
	d, _ := NewDataset(make([]uint8, 8), [4]int{2, 1, 2, 2}, Encoding{Mode: Unit})
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	d.Fill(make([]float32, 7), []int{0, 1}, nil)
}
