package tensorboard

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// start is the time of the fake clocks: 2023-11-14 22:13:20.25 UTC.
var start = time.Unix(1700000000, 250_000_000)

// tickingClock returns a clock that starts at start and moves one second
// forward every time it is read.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	t := start.Add(-time.Second)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// create makes a writer in a new temporary folder with a ticking clock and
// closes it when the test ends, if the test has not.
func create(t *testing.T) *Writer {
	t.Helper()
	w, err := Create(t.TempDir(), WithClock(tickingClock()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// readAll closes w and reads its file, failing the test on any error.
func readAll(t *testing.T, w *Writer) []Event {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	events, err := ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestScalarsRoundTrip(t *testing.T) {
	w := create(t)
	if err := w.Scalar("loss", 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Scalar("loss", 10, -1.25); err != nil {
		t.Fatal(err)
	}
	tags := map[string]float64{"val/kl": 3.5, "lr": 1e-4, "val/elbo": 90.0625}
	if err := w.Scalars(20, tags); err != nil {
		t.Fatal(err)
	}
	if err := w.Scalars(30, nil); err != nil { // writes nothing
		t.Fatal(err)
	}

	got := readAll(t, w)
	want := []Event{
		{WallTime: 1700000000.25, FileVersion: "brain.Event:2"},
		{WallTime: 1700000001.25, Values: []Value{{Tag: "loss", Simple: 0, HasSimple: true}}},
		{WallTime: 1700000002.25, Step: 10,
			Values: []Value{{Tag: "loss", Simple: -1.25, HasSimple: true}}},
		{WallTime: 1700000003.25, Step: 20, Values: []Value{
			{Tag: "lr", Simple: float32(1e-4), HasSimple: true},
			{Tag: "val/elbo", Simple: 90.0625, HasSimple: true},
			{Tag: "val/kl", Simple: 3.5, HasSimple: true},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
}

// gradient fills img with a pattern that differs in every channel, with
// alpha from alpha(x, y).
func gradient(img interface{ Set(x, y int, c color.Color) }, r image.Rectangle,
	alpha func(x, y int) uint8) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := alpha(x, y)
			c := color.NRGBA{uint8(x * 40), uint8(y * 50), uint8(x*y*7 + 3), a}
			img.Set(x, y, c)
		}
	}
}

func opaqueAlpha(x, y int) uint8 { return 0xff }

func TestImageRoundTrip(t *testing.T) {
	r := image.Rect(0, 0, 5, 3)
	gray := image.NewGray(r)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 17)
	}
	nrgba := image.NewNRGBA(r)
	gradient(nrgba, r, opaqueAlpha)
	translucent := image.NewNRGBA(r)
	gradient(translucent, r, func(x, y int) uint8 { return uint8(255 - 20*x - 7*y) })
	rgba := image.NewRGBA(r)
	gradient(rgba, r, func(x, y int) uint8 { return uint8(255 - 30*y) })
	offset := image.NewGray(image.Rect(10, 20, 14, 22)) // bounds not at the origin
	for i := range offset.Pix {
		offset.Pix[i] = uint8(200 - i)
	}
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White,
		color.NRGBA{200, 10, 10, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}

	tests := []struct {
		name       string
		img        image.Image
		colorspace int
	}{
		{"gray", gray, ColorspaceGray},
		{"opaque NRGBA", nrgba, ColorspaceRGB},
		{"translucent NRGBA", translucent, ColorspaceRGBA},
		{"translucent RGBA", rgba, ColorspaceRGBA},
		{"gray off origin", offset, ColorspaceGray},
		{"opaque paletted", pal, ColorspaceRGB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := create(t)
			if err := w.Image("samples/"+tt.name, 7, tt.img); err != nil {
				t.Fatal(err)
			}
			events := readAll(t, w)
			if len(events) != 2 || len(events[1].Values) != 1 {
				t.Fatalf("read %d events (%+v), want the header and one image", len(events), events)
			}
			e, v := events[1], events[1].Values[0]
			if e.Step != 7 || v.Tag != "samples/"+tt.name || v.HasSimple || v.Image == nil {
				t.Fatalf("image event = %+v, value %+v", e, v)
			}
			b := tt.img.Bounds()
			im := v.Image
			if im.Width != b.Dx() || im.Height != b.Dy() || im.Colorspace != tt.colorspace {
				t.Errorf("image %dx%d colorspace %d, want %dx%d colorspace %d",
					im.Width, im.Height, im.Colorspace, b.Dx(), b.Dy(), tt.colorspace)
			}
			checkPNGColorType(t, im)
			checkPixels(t, im.PNG, tt.img)
		})
	}
}

// checkPNGColorType checks that im's colorspace names the channels of its
// PNG, read from the color type byte of the IHDR chunk.
func checkPNGColorType(t *testing.T, im *Image) {
	t.Helper()
	if len(im.PNG) < 26 || string(im.PNG[12:16]) != "IHDR" {
		t.Fatalf("not a PNG with IHDR first: % x", im.PNG[:min(len(im.PNG), 26)])
	}
	hasTRNS := bytes.Contains(im.PNG, []byte("tRNS"))
	var want int
	switch ct := im.PNG[25]; {
	case ct == 0:
		want = ColorspaceGray
	case ct == 2, ct == 3 && !hasTRNS:
		want = ColorspaceRGB
	case ct == 6, ct == 3 && hasTRNS:
		want = ColorspaceRGBA
	default:
		t.Fatalf("unexpected PNG color type %d", ct)
	}
	if im.Colorspace != want {
		t.Errorf("colorspace %d, but the PNG's color type %d means %d",
			im.Colorspace, im.PNG[25], want)
	}
}

// checkPixels decodes enc and compares every pixel with want's, as
// non-premultiplied 8-bit colors.
func checkPixels(t *testing.T, enc []byte, want image.Image) {
	t.Helper()
	got, err := png.Decode(bytes.NewReader(enc))
	if err != nil {
		t.Fatal(err)
	}
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Dx() != wb.Dx() || gb.Dy() != wb.Dy() {
		t.Fatalf("decoded bounds %v, want the size of %v", gb, wb)
	}
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y))
			if g != w {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, w)
			}
		}
	}
}

func TestFileName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "demo", "tb") // missing parents
	w, err := Create(dir, WithClock(func() time.Time { return start }))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("events.out.tfevents.1700000000.%s.%d", sanitizeHost(host), os.Getpid())
	if filepath.Dir(w.Path()) != dir || filepath.Base(w.Path()) != want {
		t.Errorf("Path() = %s, want %s", w.Path(), filepath.Join(dir, want))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("folder %s not created: %v", dir, err)
	}
	if _, err := os.Stat(w.Path()); err != nil {
		t.Errorf("file not created: %v", err)
	}
}

func TestSanitizeHost(t *testing.T) {
	tests := []struct{ host, want string }{
		{"node-1.example_net", "node-1.example_net"},
		{"my host/evil", "my_host_evil"},
		{"h\x00st", "h_st"},
		{"héte", "h__te"}, // é is two bytes
	}
	for _, tt := range tests {
		if got := sanitizeHost(tt.host); got != tt.want {
			t.Errorf("sanitizeHost(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestTwoWritersMakeTwoFiles(t *testing.T) {
	dir := t.TempDir()
	clock := func() time.Time { return start } // both in the same second
	var paths []string
	for i := range 2 {
		w, err := Create(dir, WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Scalar("run", int64(i), float64(i)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, w.Path())
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || paths[0] == paths[1] {
		t.Fatalf("folder holds %d files, writers wrote %q", len(entries), paths)
	}
	if paths[1] != paths[0]+".1" {
		t.Errorf("second file %s, want %s.1", paths[1], paths[0])
	}
	for i, p := range paths {
		events, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || events[1].Step != int64(i) {
			t.Errorf("file %d holds %+v, want the header and step %d", i, events, i)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	w := create(t)
	pixel := image.NewGray(image.Rect(0, 0, 1, 1))
	tests := []struct {
		name string
		call func() error
	}{
		{"empty tag", func() error { return w.Scalar("", 1, 1) }},
		{"tag not UTF-8", func() error { return w.Scalar("a\xffb", 1, 1) }},
		{"empty tag among many", func() error {
			return w.Scalars(1, map[string]float64{"a": 1, "": 2})
		}},
		{"empty image", func() error { return w.Image("img", 1, image.NewGray(image.Rectangle{})) }},
		{"image with empty tag", func() error { return w.Image("", 1, pixel) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.HasPrefix(err.Error(), "tensorboard: ") {
				t.Errorf("error %v, want one starting with %q", err, "tensorboard: ")
			}
		})
	}
	if events := readAll(t, w); len(events) != 1 {
		t.Errorf("invalid calls wrote events: %+v", events[1:])
	}
}

func TestClosedWriter(t *testing.T) {
	w := create(t)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Scalar": func() error { return w.Scalar("a", 1, 1) },
		"Image":  func() error { return w.Image("a", 1, image.NewGray(image.Rect(0, 0, 1, 1))) },
		"Flush":  w.Flush,
		"Close":  w.Close,
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, errClosed) {
			t.Errorf("%s after Close = %v, want %v", name, err, errClosed)
		}
	}
}

func TestWriteErrorIsKept(t *testing.T) {
	w := create(t)
	w.f.Close() // the next write to the file fails

	big := image.NewGray(image.Rect(0, 0, 400, 400)) // more than the buffer
	for i := range big.Pix {
		big.Pix[i] = uint8(i * 7919 >> 3) // poorly compressible
	}
	first := w.Image("big", 1, big)
	if first == nil {
		first = w.Flush()
	}
	if first == nil || !errors.Is(first, os.ErrClosed) {
		t.Fatalf("write to a closed file: %v, want an error wrapping os.ErrClosed", first)
	}
	if err := w.Scalar("after", 2, 1); err != first {
		t.Errorf("Scalar after a failed write = %v, want the first error %v", err, first)
	}
	if err := w.Flush(); err != first {
		t.Errorf("Flush after a failed write = %v, want the first error %v", err, first)
	}
}

func TestConcurrentWrites(t *testing.T) {
	w := create(t)
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if err := w.Scalar(fmt.Sprintf("g%d", g), int64(i), float64(i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if events := readAll(t, w); len(events) != 1+goroutines*each {
		t.Errorf("read %d events, want %d", len(events), 1+goroutines*each)
	}
}
