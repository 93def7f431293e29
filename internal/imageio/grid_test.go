package imageio_test

import (
	"image"
	"image/color"
	"testing"

	"vdvae/internal/imageio"
)

// solid returns a w x h gray image of one value.
func solid(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func TestGridGeometry(t *testing.T) {
	tests := []struct {
		name         string
		n, cols, pad int
		wantW, wantH int
	}{
		{"one row", 3, 5, 1, 3*4 + 4, 3 + 2}, // cols shrinks to 3
		{"two full rows", 4, 2, 2, 2*4 + 6, 2*3 + 6},
		{"ragged last row", 5, 2, 0, 2 * 4, 3 * 3},
		{"single", 1, 1, 3, 4 + 6, 3 + 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs := make([]image.Image, tt.n)
			for i := range imgs {
				imgs[i] = solid(4, 3, uint8(10*(i+1)))
			}
			g, err := imageio.Grid(imgs, tt.cols, tt.pad, color.Gray{200})
			if err != nil {
				t.Fatal(err)
			}
			if b := g.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Errorf("grid is %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.wantW, tt.wantH)
			}
		})
	}
}

func TestGridPlacesImages(t *testing.T) {
	imgs := []image.Image{solid(2, 2, 10), solid(2, 2, 20), solid(2, 2, 30)}
	g, err := imageio.Grid(imgs, 2, 1, color.Gray{255})
	if err != nil {
		t.Fatal(err)
	}
	gray, ok := g.(*image.Gray)
	if !ok {
		t.Fatalf("grid of gray images is %T, want *image.Gray", g)
	}
	// 7x7: pad, image, pad, image, pad across; two rows down.
	want := []string{
		"ppppppp",
		"p11p22p",
		"p11p22p",
		"ppppppp",
		"p33pppp",
		"p33pppp",
		"ppppppp",
	}
	value := map[byte]uint8{'p': 255, '1': 10, '2': 20, '3': 30}
	for y, row := range want {
		for x := range row {
			if got := gray.GrayAt(x, y).Y; got != value[row[x]] {
				t.Errorf("pixel (%d,%d) = %d, want %d", x, y, got, value[row[x]])
			}
		}
	}
}

func TestGridOfColorImages(t *testing.T) {
	rgb, _ := imageio.FromCHW([]float32{1, -1, -1}, [3]int{3, 1, 1}, imageio.Signed)
	g, err := imageio.Grid([]image.Image{rgb, solid(1, 1, 7)}, 2, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := g.(*image.RGBA)
	if !ok {
		t.Fatalf("mixed grid is %T, want *image.RGBA", g)
	}
	checks := map[image.Point]color.RGBA{
		{0, 0}: {0, 0, 0, 255}, {1, 1}: {255, 0, 0, 255}, {3, 1}: {7, 7, 7, 255},
	}
	for p, want := range checks {
		if got := m.RGBAAt(p.X, p.Y); got != want {
			t.Errorf("pixel %v = %v, want %v", p, got, want)
		}
	}
}

func TestGridRejects(t *testing.T) {
	two := []image.Image{solid(2, 2, 0), solid(3, 2, 0)}
	for name, f := range map[string]func() error{
		"no images":   func() error { _, err := imageio.Grid(nil, 1, 0, nil); return err },
		"zero cols":   func() error { _, err := imageio.Grid(two[:1], 0, 0, nil); return err },
		"negative":    func() error { _, err := imageio.Grid(two[:1], 1, -1, nil); return err },
		"mixed sizes": func() error { _, err := imageio.Grid(two, 2, 0, nil); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
