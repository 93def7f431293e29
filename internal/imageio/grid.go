package imageio

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Grid tiles equal-sized images into rows of cols images, row by row, with
// pad pixels of bg (black when nil) between the images and around the edge.
// The grid has min(cols, len(images)) columns and as many rows as needed; a
// last row that is not full is left bg. The result is an *image.Gray when
// every image is gray, else an *image.RGBA.
func Grid(images []image.Image, cols, pad int, bg color.Color) (image.Image, error) {
	if err := checkGrid(images, cols, pad); err != nil {
		return nil, err
	}
	size := images[0].Bounds().Size()
	cols = min(cols, len(images))
	rows := (len(images) + cols - 1) / cols
	bounds := image.Rect(0, 0, cols*(size.X+pad)+pad, rows*(size.Y+pad)+pad)

	var dst draw.Image
	if isGray(images) {
		dst = image.NewGray(bounds)
	} else {
		dst = image.NewRGBA(bounds)
	}
	if bg == nil {
		bg = color.Black
	}
	draw.Draw(dst, bounds, image.NewUniform(bg), image.Point{}, draw.Src)
	for i, img := range images {
		at := image.Pt(pad+(i%cols)*(size.X+pad), pad+(i/cols)*(size.Y+pad))
		draw.Draw(dst, image.Rectangle{at, at.Add(size)}, img, img.Bounds().Min, draw.Src)
	}
	return dst, nil
}

// checkGrid checks Grid's arguments: some images, all of one size, at least
// one column, no negative padding.
func checkGrid(images []image.Image, cols, pad int) error {
	if len(images) == 0 {
		return fmt.Errorf("imageio: grid of no images")
	}
	if cols < 1 || pad < 0 {
		return fmt.Errorf("imageio: grid of %d columns with padding %d; want cols >= 1, pad >= 0",
			cols, pad)
	}
	size := images[0].Bounds().Size()
	for i, img := range images {
		if s := img.Bounds().Size(); s != size {
			return fmt.Errorf("imageio: grid image %d is %dx%d, image 0 is %dx%d",
				i, s.X, s.Y, size.X, size.Y)
		}
	}
	return nil
}
