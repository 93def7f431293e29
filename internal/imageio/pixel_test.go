package imageio_test

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"vdvae/internal/imageio"
)

// The wanted pixels below are numpy 2.4.6's, from
//
//	x = np.array([...], dtype=np.float32)  # the bits listed
//	np.round(x*np.float32(127.5) + np.float32(127.5)).astype(np.uint8)  # Signed
//	x *= 255.; x.astype(np.uint8)                                        # Unit
//
// The first six Signed inputs land exactly on k+0.5 in float32, where
// np.round rounds half to even.
func TestPixelMatchesNumpy(t *testing.T) {
	tests := []struct {
		r    imageio.Range
		bits uint32
		want uint8
	}{
		{imageio.Signed, 0xbf7efeff, 0}, // 0.5
		{imageio.Signed, 0xbf7cfcfd, 2}, // 1.5
		{imageio.Signed, 0xbf7afafb, 2}, // 2.5
		{imageio.Signed, 0xbf78f8f9, 4}, // 3.5
		{imageio.Signed, 0xbf76f6f7, 4}, // 4.5
		{imageio.Signed, 0xbf74f4f5, 6}, // 5.5
		{imageio.Signed, 0xbf800000, 0}, // -1
		{imageio.Signed, 0x3f800000, 255},
		{imageio.Signed, 0x00000000, 128},
		{imageio.Signed, 0xbf7d70a4, 1},   // -0.99
		{imageio.Signed, 0x3e99999a, 166}, // 0.3
		{imageio.Signed, 0x3f7fbe77, 255}, // 0.999
		{imageio.Unit, 0x00000000, 0},
		{imageio.Unit, 0x3f800000, 255},
		{imageio.Unit, 0x3f000000, 127}, // 0.5
		{imageio.Unit, 0x3f7fbe77, 254}, // 0.999
		{imageio.Unit, 0x3f7fffff, 254}, // largest float32 below 1
		{imageio.Unit, 0x3dcccccd, 25},  // 0.1
		{imageio.Unit, 0x3e4ccccd, 51},  // 0.2
		{imageio.Unit, 0x3f333333, 178}, // 0.7
	}
	for _, tt := range tests {
		x := math.Float32frombits(tt.bits)
		if got := tt.r.Pixel(x); got != tt.want {
			t.Errorf("%v.Pixel(%v) = %d, want %d", tt.r, x, got, tt.want)
		}
	}
}

func TestPixelClamps(t *testing.T) {
	nan := float32(math.NaN())
	for _, r := range []imageio.Range{imageio.Signed, imageio.Unit} {
		for _, tt := range []struct {
			x    float32
			want uint8
		}{{-3, 0}, {3, 255}, {nan, 0}, {float32(math.Inf(1)), 255}, {float32(math.Inf(-1)), 0}} {
			if got := r.Pixel(tt.x); got != tt.want {
				t.Errorf("%v.Pixel(%v) = %d, want %d", r, tt.x, got, tt.want)
			}
		}
	}
}

func TestFromCHW(t *testing.T) {
	// 3 channels of 2x2: R ramps, G is constant -1, B is constant 1.
	pix := []float32{-1, -0.5, 0.5, 1, -1, -1, -1, -1, 1, 1, 1, 1}
	img, err := imageio.FromCHW(pix, [3]int{3, 2, 2}, imageio.Signed)
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("3 channels gave %T, want *image.RGBA", img)
	}
	wantR := []uint8{0, 64, 191, 255}
	for i, r := range wantR {
		got := rgba.RGBAAt(i%2, i/2)
		if want := (color.RGBA{r, 0, 255, 255}); got != want {
			t.Errorf("pixel (%d,%d) = %v, want %v", i%2, i/2, got, want)
		}
	}

	gray, err := imageio.FromCHW([]float32{0, 1, 0.5, 1, 0, 1}, [3]int{1, 2, 3}, imageio.Unit)
	if err != nil {
		t.Fatal(err)
	}
	g := gray.(*image.Gray)
	if g.Bounds().Dx() != 3 || g.Bounds().Dy() != 2 || string(g.Pix) != "\x00\xff\x7f\xff\x00\xff" {
		t.Errorf("gray image %v with pixels %v", g.Bounds(), g.Pix)
	}
}

func TestFromCHWRejects(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		shape [3]int
		r     imageio.Range
		want  string
	}{
		{"two channels", 8, [3]int{2, 2, 2}, imageio.Signed, "2 channels, want 1 or 3"},
		{"short data", 11, [3]int{3, 2, 2}, imageio.Signed, "needs 12 values, got 11"},
		{"empty", 0, [3]int{1, 0, 4}, imageio.Signed, "not positive"},
		{"no range", 4, [3]int{1, 2, 2}, 0, "unknown Range(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := imageio.FromCHW(make([]float32, tt.n), tt.shape, tt.r)
			if err == nil || !strings.HasPrefix(err.Error(), "imageio: ") ||
				!strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFromNCHW(t *testing.T) {
	pix := []float32{0, 1, 1, 0}
	imgs, err := imageio.FromNCHW(pix, [4]int{2, 1, 1, 2}, imageio.Unit)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || string(imgs[0].(*image.Gray).Pix) != "\x00\xff" ||
		string(imgs[1].(*image.Gray).Pix) != "\xff\x00" {
		t.Errorf("got %d images", len(imgs))
	}
	if _, err := imageio.FromNCHW(pix, [4]int{3, 1, 1, 2}, imageio.Unit); err == nil {
		t.Error("a batch larger than its data was accepted")
	}
}
