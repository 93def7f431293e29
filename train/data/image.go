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
	"runtime"
	"sync"
)

// Limits on one image file, so that a corrupt or hostile file (a
// "decompression bomb": a small PNG whose header claims 16384×16384 pixels)
// cannot make a reader allocate without bound. Both image limits are
// checked from the header, before anything is decoded.
const (
	// MaxImageFileBytes is the largest image file read: 256 MiB.
	MaxImageFileBytes = 256 << 20
	// MaxImagePixels is the largest image decoded: 2^26 pixels, 8192×8192,
	// 64 times the largest preset's 1024×1024 (Pillow refuses images
	// above about 179 million pixels).
	MaxImagePixels = 1 << 26
	// MaxDecodeBytes bounds what the decoder holds for one image: its
	// decoded samples (1 byte per pixel for gray, 3 at most for a JPEG, 4
	// for an 8-bit colour PNG, 8 for a 16-bit colour PNG, twice that for
	// an interlaced PNG) and, for a progressive JPEG, its DCT coefficients
	// (4 bytes per sample): 128 MiB, an 8-bit colour PNG of 5792×5792 or a
	// 4:4:4 JPEG of 44 million pixels.
	MaxDecodeBytes = 128 << 20
	// maxDecoding bounds the decode memory of all readers together: an
	// image waits for its share before it is decoded.
	maxDecoding = 2 * MaxDecodeBytes
)

// decoding is the decode memory in use by all readers; see maxDecoding.
var decoding = newBudget(maxDecoding)

// budget is a counting semaphore of bytes.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// take waits until n bytes are free and takes them; n must not exceed the
// budget's size.
func (b *budget) take(n int64) {
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

// give returns n bytes.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// imageKind is how a file's extension classifies it.
type imageKind uint8

const (
	kindOther imageKind = iota
	kindPNG
	kindJPEG
	kindArray
)

// decodeImage decodes a PNG or JPEG held in b. The format is detected from
// the content, not the file name. The size limits are checked from the
// header before decoding, and the decoder's memory is taken from the
// shared budget: the caller calls release once done with the image.
func decodeImage(path string, b []byte) (img image.Image, release func(), err error) {
	if len(b) == 0 {
		return nil, nil, &FormatError{Path: path, Msg: "empty file"}
	}
	var cfg image.Config
	var decode func(io.Reader) (image.Image, error)
	var cost func(image.Config) int64
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
		decode, cost = png.Decode, func(c image.Config) int64 { return pngDecodeBytes(b, c) }
	case bytes.HasPrefix(b, []byte("\xff\xd8")):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
		decode, cost = jpeg.Decode, func(c image.Config) int64 { return jpegDecodeBytes(b, c) }
	default:
		return nil, nil, &FormatError{Path: path, Msg: "not a PNG or JPEG image"}
	}
	if err != nil {
		return nil, nil, &FormatError{Path: path, Msg: "bad image header: " + err.Error()}
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, nil, &FormatError{Path: path, Msg: fmt.Sprintf("image is %dx%d: want 1 to %d pixels "+
			"(8192x8192); shrink it beforehand", cfg.Width, cfg.Height, MaxImagePixels)}
	}
	need := cost(cfg)
	if need > MaxDecodeBytes {
		return nil, nil, &FormatError{Path: path, Msg: fmt.Sprintf("image is %dx%d and would take %d "+
			"MiB to decode, more than the %d MiB allowed: shrink it, or save it with 8 bits per "+
			"sample, not interlaced or progressive", cfg.Width, cfg.Height, need>>20,
			MaxDecodeBytes>>20)}
	}
	decoding.take(need)
	kept := false
	defer func() {
		if !kept { // an error, or a panic in the decoder
			decoding.give(need)
		}
	}()
	img, err = decode(bytes.NewReader(b))
	if err != nil {
		msg := err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			msg = "truncated: " + msg
		}
		return nil, nil, &FormatError{Path: path, Msg: msg}
	}
	kept = true
	return img, func() {
		decoding.give(need)
		if need >= collectAbove {
			runtime.GC()
		}
	}, nil
}

// collectAbove is the decode size past which releasing an image collects
// garbage at once: otherwise the heap may grow to twice what is live before
// the collector runs, and a few images of 100 MB decoded at once would hold
// their size several times over (measured: 890 MB resident instead of 410
// MB for one 5792×5792 PNG in a data set). Only images of more than about
// 8 million pixels pay for it, a collection per read, small beside
// decoding them.
const collectAbove = 32 << 20

// pngDecodeBytes estimates the bytes that image/png allocates for the
// PNG b whose header says cfg: its pixels at the decoded type's size, twice
// for an interlaced image (the passes, then the image).
func pngDecodeBytes(b []byte, cfg image.Config) int64 {
	per := int64(8)
	switch cfg.ColorModel {
	case color.GrayModel:
		per = 1
	case color.Gray16Model:
		per = 2
	case color.RGBAModel, color.NRGBAModel:
		per = 4
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		per = 1
	}
	n := per * int64(cfg.Width) * int64(cfg.Height)
	// The interlace method is the last byte of IHDR, which follows the
	// signature and the chunk's length and type: byte 28.
	if len(b) > 28 && b[28] != 0 {
		n *= 2
	}
	return n
}

// jpegDecodeBytes estimates the bytes that image/jpeg allocates for the
// JPEG b whose header says cfg: 3 bytes per pixel at most for colour (less
// when the chroma is subsampled), 1 for gray, 4 for CMYK; a progressive
// JPEG also keeps every DCT coefficient as 4 bytes, per component at its
// sampling.
func jpegDecodeBytes(b []byte, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	per := int64(3)
	switch cfg.ColorModel {
	case color.GrayModel:
		per = 1
	case color.CMYKModel:
		per = 4
	}
	n := per * px
	if prog, samples := jpegFrame(b); prog {
		n += 4 * int64(float64(px)*samples+0.5)
	}
	return n
}

// jpegFrame finds the JPEG's frame header and reports whether it is
// progressive and how many samples it has per pixel (1 for gray, 1.5 for
// colour with 4:2:0 chroma, 3 for 4:4:4), or 4 when the header is not
// found where expected (the decoder then fails on its own).
func jpegFrame(b []byte) (progressive bool, samples float64) {
	for p := 2; p+4 <= len(b); {
		if b[p] != 0xff {
			return false, 4
		}
		m := b[p+1]
		if m == 0xff { // fill byte
			p++
			continue
		}
		n := int(b[p+2])<<8 | int(b[p+3])
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			prog := m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce
			return prog, frameSamples(b[p+4 : min(len(b), p+2+n)])
		}
		if m == 0xda || n < 2 { // start of scan before any frame: malformed
			return false, 4
		}
		p += 2 + n
	}
	return false, 4
}

// frameSamples reads the components' sampling factors from a frame
// header's body and returns the samples per pixel.
func frameSamples(f []byte) float64 {
	if len(f) < 6 {
		return 4
	}
	nc := int(f[5])
	if nc < 1 || len(f) < 6+3*nc {
		return 4
	}
	var hmax, vmax int
	for c := range nc {
		hv := f[6+3*c+1]
		hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
	}
	if hmax == 0 || vmax == 0 {
		return 4
	}
	var s float64
	for c := range nc {
		hv := f[6+3*c+1]
		s += float64(int(hv>>4)*int(hv&15)) / float64(hmax*vmax)
	}
	return s
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
