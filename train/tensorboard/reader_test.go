package tensorboard

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallFile writes a file of a header and three events and returns its
// bytes and the offset where each record starts, plus the file's length.
func smallFile(t *testing.T) (data []byte, starts []int) {
	t.Helper()
	w := create(t)
	for step := range int64(3) {
		if err := w.Scalars(step, map[string]float64{"a": 1, "b": float64(step)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}

	// Walk the lengths to find the record boundaries.
	for off := 0; off < len(data); {
		starts = append(starts, off)
		n := int(data[off]) | int(data[off+1])<<8 // records here are short
		off += recordHeaderSize + n + recordFooterSize
	}
	return data, append(starts, len(data))
}

// writeTemp writes data to a new file and returns its path.
func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.out.tfevents.test")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordAt returns the index of the record holding byte off.
func recordAt(starts []int, off int) int {
	for i := len(starts) - 2; i >= 0; i-- {
		if off >= starts[i] {
			return i
		}
	}
	return -1
}

func TestReadFileDetectsEveryCorruptByte(t *testing.T) {
	data, starts := smallFile(t)
	if len(starts) != 5 {
		t.Fatalf("file has %d records, want 4", len(starts)-1)
	}
	for off := range data {
		bad := append([]byte(nil), data...)
		bad[off] ^= 0x10
		events, err := ReadFile(writeTemp(t, bad))

		rec := recordAt(starts, off)
		var fe *FileError
		if !errors.As(err, &fe) || !errors.Is(err, ErrCorrupt) || fe.Record != rec {
			t.Fatalf("byte %d flipped: error %v, want ErrCorrupt at record %d", off, err, rec)
		}
		if len(events) != rec {
			t.Fatalf("byte %d flipped: %d events returned, want the %d before it",
				off, len(events), rec)
		}
		if want := fmt.Sprintf("corrupt record %d: ", rec); !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not contain %q", err, want)
		}
	}
}

func TestReadFileTruncated(t *testing.T) {
	data, starts := smallFile(t)
	for cut := 0; cut <= len(data); cut++ {
		events, err := ReadFile(writeTemp(t, data[:cut]))

		// The events before the cut are complete; a cut on a boundary
		// leaves a valid file.
		complete := recordAt(starts, cut)
		if cut == len(data) {
			complete = len(starts) - 1
		}
		if len(events) != complete {
			t.Fatalf("cut at %d: %d events, want %d", cut, len(events), complete)
		}
		if cut == starts[complete] {
			if err != nil {
				t.Fatalf("cut at record boundary %d: %v", cut, err)
			}
			continue
		}
		if !errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: error %v, want ErrTruncated", cut, err)
		}
		want := fmt.Sprintf("truncated after %d complete events", complete)
		if !strings.HasPrefix(err.Error(), "tensorboard: ") || !strings.Contains(err.Error(), want) {
			t.Fatalf("cut at %d: error %q does not say %q", cut, err, want)
		}
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "none"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "tensorboard: ") {
		t.Errorf("ReadFile of a missing file = %v", err)
	}
}

// TestWriteSample writes a small training-like run and reads it back. With
// VDVAE_TB_OUT=DIR it writes into DIR, so that TensorBoard's own reader can
// check the output (scripts/check_tensorboard.py); the assertions run either
// way.
func TestWriteSample(t *testing.T) {
	dir := os.Getenv("VDVAE_TB_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	w, err := Create(dir, WithClock(tickingClock()))
	if err != nil {
		t.Fatal(err)
	}
	const steps = 50
	for step := range int64(steps) {
		loss := 100 * math.Exp(-float64(step)/20)
		if err := w.Scalar("train/loss", step, loss); err != nil {
			t.Fatal(err)
		}
		if step%10 == 0 {
			err := w.Scalars(step, map[string]float64{"val/elbo": loss + 3, "val/kl": loss / 4})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Image("samples/gray", step, sampleGray(int(step))); err != nil {
				t.Fatal(err)
			}
			if err := w.Image("samples/rgba", step, sampleRGBA(int(step))); err != nil {
				t.Fatal(err)
			}
		}
	}
	events := readAll(t, w)

	counts := map[string]int{}
	for _, e := range events[1:] {
		for _, v := range e.Values {
			counts[v.Tag]++
		}
	}
	want := map[string]int{"train/loss": steps, "val/elbo": 5, "val/kl": 5,
		"samples/gray": 5, "samples/rgba": 5}
	if fmt.Sprint(counts) != fmt.Sprint(want) || events[0].FileVersion != FileVersion {
		t.Errorf("tags %v, want %v; first event %+v", counts, want, events[0])
	}
	t.Logf("wrote %s: %d events", w.Path(), len(events))
}

func sampleGray(seed int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range img.Pix {
		img.Pix[i] = uint8((i%28)*9 + seed)
	}
	return img
}

func sampleRGBA(seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 8), uint8(y * 10), uint8(seed * 5), 255 - uint8(x)})
		}
	}
	return img
}
