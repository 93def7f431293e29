package infer

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"

	"vdvae/configs"
	"vdvae/internal/imageio"
	"vdvae/train"
)

// ToImages converts a batch to 8-bit images the way the reference writes
// them: binarized data as 0/255, other data as round(x*127.5 + 127.5).
func ToImages(h *configs.Hparams, b *train.Images) ([]image.Image, error) {
	r := imageio.Signed
	if h.Data.IsBinarized() {
		r = imageio.Unit
	}
	return imageio.FromNCHW(b.Pix, [4]int{b.N, b.C, b.H, b.W}, r)
}

// WritePNGs writes images as dir/prefix-NNNNN.png, numbered from first.
func WritePNGs(dir, prefix string, first int, imgs []image.Image) error {
	for i, im := range imgs {
		p := filepath.Join(dir, fmt.Sprintf("%s-%05d.png", prefix, first+i))
		if err := imageio.WritePNG(p, im); err != nil {
			return err
		}
	}
	return nil
}

// WriteGrid writes images tiled in a near-square grid with a 2-pixel
// gray border.
func WriteGrid(path string, imgs []image.Image) error {
	if len(imgs) == 0 {
		return nil
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(imgs)))))
	g, err := imageio.Grid(imgs, cols, 2, color.Gray{Y: 128})
	if err != nil {
		return err
	}
	return imageio.WritePNG(path, g)
}
