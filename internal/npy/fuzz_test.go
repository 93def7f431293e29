package npy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"vdvae/internal/npy"
)

// FuzzReadNPY checks the reader never panics and that whatever it accepts
// is consistent: as many values as the shape says, and writable again.
func FuzzReadNPY(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := npy.ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := npy.WriteNPY(&bytes.Buffer{}, a); err != nil {
			t.Fatalf("read an array it cannot write: %v", err)
		}
	})
}
