package imageio_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/internal/imageio"
)

func TestWritePNGRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rgb, err := imageio.FromCHW([]float32{-1, 0, 1, 0.5, 0.25, -0.25}, [3]int{3, 1, 2}, imageio.Signed)
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]image.Image{"gray.png": solid(3, 2, 77), "rgb.png": rgb} {
		path := filepath.Join(dir, name)
		if err := imageio.WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if g, w := got.At(x, y), img.At(x, y); !sameColor(g, w) {
					t.Errorf("%s (%d,%d) = %v, want %v", name, x, y, g, w)
				}
			}
		}
	}
	checkOnly(t, dir, "gray.png", "rgb.png")
}

// sameColor compares two colors by their RGBA values.
func sameColor(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

func TestFailedWritePNGLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "image-0000.png")
	if err := imageio.WritePNG(path, solid(2, 2, 9)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	// png.Encode refuses an empty image after the temporary file exists.
	err := imageio.WritePNG(path, image.NewGray(image.Rect(0, 0, 0, 0)))
	if err == nil || !strings.HasPrefix(err.Error(), "imageio: write "+path) {
		t.Fatalf("err = %v, want an imageio write error naming the file", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the failed write changed the old file")
	}
	checkOnly(t, dir, "image-0000.png")
}

func TestWritePNGToBadPlaces(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "taken.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(file, "a.png"), filepath.Join(dir, "taken.png")} {
		if err := imageio.WritePNG(path, solid(1, 1, 0)); err == nil {
			t.Errorf("WritePNG(%s) succeeded", path)
		}
	}
	checkOnly(t, dir, "file", "taken.png")
}

func TestWritePNGToReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders; the other failure tests cover cleanup")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := imageio.WritePNG(filepath.Join(dir, "a.png"), solid(1, 1, 0)); err == nil {
		t.Error("WritePNG into a read-only folder succeeded")
	}
	checkOnly(t, dir)
}

// checkOnly fails unless dir holds exactly the named entries (no temporary
// files left behind).
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("folder holds %v, want %v", got, names)
	}
}
