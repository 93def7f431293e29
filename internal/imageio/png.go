package imageio

import (
	"fmt"
	"image"
	"image/png"
	"io"

	"vdvae/internal/atomicfile"
)

// WritePNG encodes img as a PNG file at path, atomically.
func WritePNG(path string, img image.Image) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		if err := png.Encode(w, img); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("imageio: %w", err)
	}
	return nil
}
