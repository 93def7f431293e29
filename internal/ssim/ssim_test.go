package ssim_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/internal/ssim"
)

// golden is testdata/reference.json: SSIMs computed by the reference's own
// torch code; its "note" says how.
type golden struct {
	Cases []struct {
		Name           string    `json:"name"`
		Shape          [4]int    `json:"shape"`
		TargetLevelSum int       `json:"target_level_sum"`
		OutputLevelSum int       `json:"output_level_sum"`
		PerImage32     []float64 `json:"per_image_float32"`
		PerImage64     []float64 `json:"per_image_float64"`
		Batch32        float64   `json:"batch_float32"`
	} `json:"cases"`
}

// pattern rebuilds the golden inputs as the note in reference.json defines
// them, and returns the sums of their quantized levels. The conversions
// stop multiply-adds from fusing, which would change the last bits.
func pattern(shape [4]int) (targets, outputs []float32, tsum, osum int) {
	size := shape[0] * shape[1] * shape[2] * shape[3]
	targets, outputs = make([]float32, size), make([]float32, size)
	i := 0
	for n := range shape[0] {
		for c := range shape[1] {
			for h := range shape[2] {
				for w := range shape[3] {
					t, o := patternAt(n, c, h, w)
					kt, ko := level(t), level(o)
					tsum, osum = tsum+kt, osum+ko
					targets[i], outputs[i] = float32(kt)/127.5, float32(ko)/127.5
					i++
				}
			}
		}
	}
	return targets, outputs, tsum, osum
}

// patternAt returns the unquantized target and output at one position.
func patternAt(n, c, h, w int) (t, o float64) {
	fn, fc, fh, fw := float64(n), float64(c), float64(h), float64(w)
	arg := float64(float64(float64(0.37*fh)+float64(0.23*fw))+float64(0.9*fc)) + float64(1.3*fn)
	t = float64(0.8*math.Sin(arg)) + float64(0.2*math.Cos(float64(0.11*fh)*fw+fn))
	hash := (uint64(n*7919+c*104729+h*31+w*17) * 2654435761) % (1 << 32)
	u := float64(hash) / (1 << 32)
	arg2 := float64(float64(float64(0.5*fw)-float64(0.41*fh))+fc) + float64(2*fn)
	o = float64(t+float64(0.3*math.Sin(arg2))) + float64(0.4*(u-0.5))
	return t, o
}

// level quantizes v to an integer level in -127..127.
func level(v float64) int {
	return int(min(127, max(-127, math.Floor(float64(v*127.5)+0.5))))
}

func TestMatchesReferenceTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("reference.json has no cases")
	}
	for _, tc := range g.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			targets, outputs, ts, os := pattern(tc.Shape)
			if ts != tc.TargetLevelSum || os != tc.OutputLevelSum {
				t.Fatalf("rebuilt inputs have level sums %d, %d; reference had %d, %d",
					ts, os, tc.TargetLevelSum, tc.OutputLevelSum)
			}
			got, err := ssim.Batch(targets, outputs, tc.Shape, ssim.Signed)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				t.Logf("image %d: %.10f; reference float32 %+.1e, float64 %+.1e", i, got[i],
					got[i]-tc.PerImage32[i], got[i]-tc.PerImage64[i])
				checkNear(t, "float32 reference", got[i], tc.PerImage32[i], 1e-5)
				checkNear(t, "float64 reference", got[i], tc.PerImage64[i], 1e-7)
			}
			mean := ssim.BatchMean(got, tc.Shape[0])
			checkNear(t, "batch", mean, tc.Batch32, 1e-5)
		})
	}
}

// checkNear fails unless got is within tol of want.
func checkNear(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s: got %.9f, want %.9f (tolerance %g)", what, got, want, tol)
	}
}

func TestIdenticalImagesGiveOne(t *testing.T) {
	for _, shape := range [][4]int{{2, 1, 32, 32}, {1, 3, 7, 5}, {1, 1, 1, 1}} {
		targets, _, _, _ := pattern(shape)
		for _, r := range []ssim.Range{ssim.Signed, ssim.Unit} {
			got, err := ssim.Batch(targets, targets, shape, r)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				checkNear(t, fmt.Sprintf("%v image %d", r, i), v, 1, 1e-12)
			}
		}
	}
}

func TestUnitMatchesSignedOnTheSamePixels(t *testing.T) {
	shape := [4]int{2, 3, 16, 12}
	targets, outputs, _, _ := pattern(shape)
	// x in [-1, 1] is (x+1)/2 in [0, 1]: the same 0..255 pixels, but for
	// the float32 rounding of (x+1)/2, worth about 1e-9 here.
	unit := func(s []float32) []float32 {
		out := make([]float32, len(s))
		for i, x := range s {
			out[i] = (x + 1) / 2
		}
		return out
	}
	want, _ := ssim.Batch(targets, outputs, shape, ssim.Signed)
	got, err := ssim.Batch(unit(targets), unit(outputs), shape, ssim.Unit)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		checkNear(t, "unit", got[i], want[i], 1e-7)
	}
}

func TestSymmetricAndBelowOne(t *testing.T) {
	shape := [4]int{2, 3, 12, 12}
	targets, outputs, _, _ := pattern(shape)
	ab, _ := ssim.Batch(targets, outputs, shape, ssim.Signed)
	ba, _ := ssim.Batch(outputs, targets, shape, ssim.Signed)
	for i := range ab {
		checkNear(t, "swapped", ba[i], ab[i], 1e-12)
		if ab[i] >= 1 || ab[i] <= -1 {
			t.Errorf("image %d: SSIM %v of different images, want within (-1, 1)", i, ab[i])
		}
	}
}

func TestBatchRejects(t *testing.T) {
	tests := []struct {
		name   string
		nt, no int
		shape  [4]int
		r      ssim.Range
		want   string
	}{
		{"zero dim", 0, 0, [4]int{0, 1, 4, 4}, ssim.Signed, "dimension below 1"},
		{"short targets", 15, 16, [4]int{1, 1, 4, 4}, ssim.Signed, "targets have 15, outputs 16"},
		{"no range", 16, 16, [4]int{1, 1, 4, 4}, 0, "unknown Range(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ssim.Batch(make([]float32, tt.nt), make([]float32, tt.no), tt.shape, tt.r)
			if err == nil || !strings.HasPrefix(err.Error(), "ssim: ") ||
				!strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkBatch times a CIFAR-sized batch; bytes are those of both inputs.
func BenchmarkBatch(b *testing.B) {
	shape := [4]int{32, 3, 32, 32}
	targets, outputs, _, _ := pattern(shape)
	b.SetBytes(int64(8 * len(targets)))
	for b.Loop() {
		if _, err := ssim.Batch(targets, outputs, shape, ssim.Signed); err != nil {
			b.Fatal(err)
		}
	}
}
