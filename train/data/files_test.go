package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// This file holds helpers that write small files in each format the
// loaders read.

// mkdir creates dir/parts... and returns its path.
func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(parts...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// writePNG writes img as a PNG file at path.
func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	writeBytes(t, path, b.Bytes())
}

// writeJPEG writes img as a JPEG file at path.
func writeJPEG(t testing.TB, path string, img image.Image, quality int) {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	writeBytes(t, path, b.Bytes())
}

func writeBytes(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rgbImage returns a w×h opaque image whose pixel (x, y) is f(x, y).
func rgbImage(w, h int, f func(x, y int) [3]uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := f(x, y)
			img.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 255})
		}
	}
	return img
}

// grayImage returns a w×h gray image whose pixel (x, y) is f(x, y).
func grayImage(w, h int, f func(x, y int) uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{f(x, y)})
		}
	}
	return img
}

// npyBytes returns a version 1.0 .npy file of the given dtype and shape.
func npyBytes(descr string, shape []int, fortran bool, data []byte) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	f := "False"
	if fortran {
		f = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", descr, f, tuple)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// npzBytes returns an .npz archive of the named .npy files, stored or
// deflated.
func npzBytes(t testing.TB, deflate bool, entries map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range entries {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// centered is the model input of a stored value at numBits bits.
func centered(x uint8, numBits int) float32 {
	step := 1 << (8 - numBits)
	return float32((float64(int(x)/step*step) - 127.5) / 127.5)
}

// evalAll reads every image of d in order through an EvalIter.
func evalAll(t *testing.T, d *Dataset, batch int) []float32 {
	t.Helper()
	it, err := NewEvalIter(d, batch, 0)
	if err != nil {
		t.Fatal(err)
	}
	sz := d.ImageSize()
	buf := make([]float32, batch*sz)
	var out []float32
	for n := it.Next(buf); n > 0; n = it.Next(buf) {
		out = append(out, buf[:n*sz]...)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// folderSpec is a Spec for the folder dir of the "custom" source.
func folderSpec(dir string, c, res, bits int) Spec {
	return Spec{Source: "custom", Dir: dir, Channels: c, Res: res, NumBits: bits}
}

// openSpec opens s and closes it at the end of the test.
func openSpec(t *testing.T, s Spec) *Splits {
	t.Helper()
	sp, err := OpenSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// wantErr checks that err is an error whose text starts with "data: " and
// holds every one of parts.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	if !strings.HasPrefix(err.Error(), "data: ") {
		t.Errorf("error %q lacks the data: prefix", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// bytesReader reads b.
func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
