package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// Limits on one image file, so that a corrupt or hostile header cannot make
// a reader allocate without bound.
const (
	// MaxImageFileBytes is the largest image file read: 256 MiB.
	MaxImageFileBytes = 256 << 20
	// MaxImagePixels is the largest image decoded: 2^28 pixels (16384²).
	MaxImagePixels = 1 << 28
)

// imageKind is how a file's extension classifies it.
type imageKind uint8

const (
	kindOther imageKind = iota
	kindPNG
	kindJPEG
	kindArray
)

// decodeImage decodes a PNG or JPEG held in b. The format is detected from
// the content, not the file name.
func decodeImage(path string, b []byte) (image.Image, error) {
	if len(b) == 0 {
		return nil, &FormatError{Path: path, Msg: "empty file"}
	}
	var cfg image.Config
	var err error
	var decode func(io.Reader) (image.Image, error)
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
		decode = png.Decode
	case bytes.HasPrefix(b, []byte("\xff\xd8")):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
		decode = jpeg.Decode
	default:
		return nil, &FormatError{Path: path, Msg: "not a PNG or JPEG image"}
	}
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "bad image header: " + err.Error()}
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("image is %dx%d: want 1 to %d pixels",
			cfg.Width, cfg.Height, MaxImagePixels)}
	}
	img, err := decode(bytes.NewReader(b))
	if err != nil {
		msg := err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			msg = "truncated: " + msg
		}
		return nil, &FormatError{Path: path, Msg: msg}
	}
	return img, nil
}

// readFileInto reads a whole file into buf, grown as needed.
func readFileInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf, fmt.Errorf("data: %w", err)
	}
	if st.Size() > MaxImageFileBytes {
		return buf, &FormatError{Path: path, Msg: fmt.Sprintf("%d bytes: larger than the %d bytes "+
			"an image file may have", st.Size(), MaxImageFileBytes)}
	}
	buf = grow(buf, int(st.Size()))
	if _, err := io.ReadFull(f, buf); err != nil {
		return buf, fmt.Errorf("data: read %s: %w", path, err)
	}
	return buf, nil
}

// colorInfo says what an image holds before conversion.
type colorInfo struct {
	gray  bool // one channel of values
	alpha bool // has an alpha channel that may not be opaque
}

// toPlanes writes img's pixels as c planes of 8-bit values (c is 1 or 3)
// to dst, grown as needed: colour images become gray by the ITU-R 601-2
// luma that Pillow's convert("L") uses, gray ones are repeated in every
// plane, alpha is dropped (the colour values are kept as they are, not
// composited), 16-bit samples keep their top 8 bits.
func toPlanes(img image.Image, c int, dst []uint8) ([]uint8, colorInfo) {
	b := img.Bounds()
	n := b.Dx() * b.Dy()
	if g, ok := img.(*image.Gray); ok {
		dst = grow(dst, c*n)
		grayPlane(dst[:n], g)
		for ch := 1; ch < c; ch++ {
			copy(dst[ch*n:(ch+1)*n], dst[:n])
		}
		return dst, colorInfo{gray: true}
	}
	dst = grow(dst, 3*n)
	info := rgbPlanes(dst, img)
	if c == 1 {
		r, g, bl := dst[:n], dst[n:2*n], dst[2*n:3*n]
		for i := range r {
			r[i] = luma(r[i], g[i], bl[i])
		}
		dst = dst[:n]
	}
	return dst, info
}

// grayPlane copies a gray image's pixels, row after row, to dst.
func grayPlane(dst []uint8, g *image.Gray) {
	w := g.Rect.Dx()
	for y := range g.Rect.Dy() {
		copy(dst[y*w:(y+1)*w], g.Pix[y*g.Stride:y*g.Stride+w])
	}
}

// rgbPlanes writes img's R, G and B planes to dst (3 planes of its size)
// and says what img held.
func rgbPlanes(dst []uint8, img image.Image) colorInfo {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h
	r, g, bl := dst[:n], dst[n:2*n], dst[2*n:3*n]
	var info colorInfo
	switch m := img.(type) {
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				yi, ci := m.YOffset(b.Min.X+x, b.Min.Y+y), m.COffset(b.Min.X+x, b.Min.Y+y)
				i := y*w + x
				r[i], g[i], bl[i] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	case *image.NRGBA:
		info.alpha = !m.Opaque()
		for y := range h {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := range w {
				i := y*w + x
				r[i], g[i], bl[i] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.RGBA:
		if !m.Opaque() {
			info.alpha = true
			anyPlanes(r, g, bl, img)
			break
		}
		for y := range h {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := range w {
				i := y*w + x
				r[i], g[i], bl[i] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.Paletted:
		var pal [256][3]uint8
		for i, col := range m.Palette {
			p := color.NRGBAModel.Convert(col).(color.NRGBA)
			pal[i] = [3]uint8{p.R, p.G, p.B}
			info.alpha = info.alpha || p.A != 255
		}
		for y := range h {
			for x, v := range m.Pix[y*m.Stride : y*m.Stride+w] {
				i := y*w + x
				r[i], g[i], bl[i] = pal[v][0], pal[v][1], pal[v][2]
			}
		}
	default:
		info.gray = img.ColorModel() == color.Gray16Model || img.ColorModel() == color.GrayModel
		info.alpha = hasAlpha(img)
		anyPlanes(r, g, bl, img)
	}
	return info
}

// anyPlanes converts any image through color.NRGBA64, keeping the top 8
// bits of the straight (not premultiplied) colour values.
func anyPlanes(r, g, bl []uint8, img image.Image) {
	b := img.Bounds()
	w := b.Dx()
	for y := range b.Dy() {
		for x := range w {
			p := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			i := y*w + x
			r[i], g[i], bl[i] = uint8(p.R>>8), uint8(p.G>>8), uint8(p.B>>8)
		}
	}
}

// hasAlpha reports whether img is of a colour model with an alpha channel
// and not opaque.
func hasAlpha(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return !o.Opaque()
	}
	return false
}

// luma is Pillow's conversion of RGB to gray ("L"): ITU-R 601-2 weights in
// 16-bit fixed point, rounded.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 0x8000) >> 16)
}
