package imageio

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// WritePNG encodes img as a PNG file at path, atomically.
func WritePNG(path string, img image.Image) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("imageio: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = encode(f, img); err != nil {
		return fmt.Errorf("imageio: write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("imageio: write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// encode writes img to f, sets the usual file mode, syncs and closes f.
func encode(f *os.File, img image.Image) error {
	bw := bufio.NewWriter(f)
	if err := png.Encode(bw, img); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable. It is best effort: some file
// systems cannot sync a directory, and the file itself is complete anyway.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
