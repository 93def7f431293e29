package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestToPlanesConversionRules(t *testing.T) {
	rect := image.Rect(0, 0, 2, 1)
	// Premultiplied (100, 50, 0) at alpha 128 is straight 100*255/128 =
	// 199.2 and 99.6, truncated.
	rgba := image.NewRGBA(rect)
	rgba.SetRGBA(0, 0, color.RGBA{100, 50, 0, 128})
	rgba.SetRGBA(1, 0, color.RGBA{1, 2, 3, 255})
	pal := image.NewPaletted(rect, color.Palette{color.NRGBA{10, 20, 30, 0}, color.RGBA{255, 0, 0, 255}})
	pal.SetColorIndex(1, 0, 1)
	g16 := image.NewGray16(rect)
	g16.SetGray16(0, 0, color.Gray16{0x1234})
	g16.SetGray16(1, 0, color.Gray16{0xffff})
	n64 := image.NewNRGBA64(rect)
	n64.SetNRGBA64(0, 0, color.NRGBA64{0x0100, 0x02ff, 0xff00, 0x8000})
	n64.SetNRGBA64(1, 0, color.NRGBA64{0, 0, 0, 0xffff})
	ycc := image.NewYCbCr(rect, image.YCbCrSubsampleRatio444)
	// JFIF red: R = 76 + 1.402*127 = 254.1, G = 76 + 0.344*43 - 0.714*127
	// = 0.1, B = 76 - 1.772*43 = -0.2.
	ycc.Y[0], ycc.Cb[0], ycc.Cr[0] = 76, 85, 255
	ycc.Y[1], ycc.Cb[1], ycc.Cr[1] = 128, 128, 128
	cmyk := image.NewCMYK(rect)
	cmyk.SetCMYK(0, 0, color.CMYK{0, 255, 255, 0})
	for _, tc := range []struct {
		name  string
		img   image.Image
		rgb   []uint8 // R plane, G plane, B plane
		gray  bool
		alpha bool
	}{
		{"RGBA with alpha", rgba, []uint8{199, 1, 99, 2, 0, 3}, false, true},
		{"paletted with transparency", pal, []uint8{10, 255, 20, 0, 30, 0}, false, true},
		{"16-bit gray", g16, []uint8{0x12, 0xff, 0x12, 0xff, 0x12, 0xff}, true, false},
		{"16-bit RGBA", n64, []uint8{1, 0, 2, 0, 255, 0}, false, true},
		{"YCbCr", ycc, []uint8{254, 128, 0, 128, 0, 128}, false, false},
		{"CMYK", cmyk, []uint8{255, 255, 0, 255, 0, 255}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, info := toPlanes(tc.img, 3, nil)
			if !slices.Equal(got, tc.rgb) || info.gray != tc.gray || info.alpha != tc.alpha {
				t.Errorf("got %v gray %v alpha %v, want %v gray %v alpha %v", got, info.gray, info.alpha,
					tc.rgb, tc.gray, tc.alpha)
			}
			one, _ := toPlanes(tc.img, 1, nil)
			for i := range 2 {
				if w := luma(tc.rgb[i], tc.rgb[2+i], tc.rgb[4+i]); one[i] != w {
					t.Errorf("one channel: pixel %d is %d, want luma %d", i, one[i], w)
				}
			}
		})
	}
}

func FuzzDecodeImage(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xdb\x00\x43\x00"))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, release, err := decodeImage("fuzz", b)
		if err != nil {
			return
		}
		defer release()
		planes, _ := toPlanes(img, 3, nil)
		bd := img.Bounds()
		if len(planes) != 3*bd.Dx()*bd.Dy() {
			t.Fatalf("%d values for a %v image", len(planes), bd)
		}
	})
}

// pngHeader returns a PNG signature and IHDR chunk for a w×h image of the
// given bit depth, colour type and interlace method, with no pixel data:
// enough for the header check, which must refuse it before decoding.
func pngHeader(w, h uint32, depth, ctype, interlace byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	body := binary.BigEndian.AppendUint32(nil, w)
	body = binary.BigEndian.AppendUint32(body, h)
	body = append(body, depth, ctype, 0, 0, interlace)
	chunk := append([]byte("IHDR"), body...)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(body))))
	b.Write(chunk)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunk)))
	return b.Bytes()
}

// TestImageSizeLimitsCheckedBeforeDecoding: a decompression bomb (a small
// file whose header claims a huge image) is refused from its header,
// without allocating its pixels; so is an image within the pixel limit
// whose samples would take too much memory.
func TestImageSizeLimitsCheckedBeforeDecoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"16384x16384 gray", pngHeader(16384, 16384, 8, 0, 0), "want 1 to 67108864 pixels"},
		{"8192x8193 colour", pngHeader(8192, 8193, 8, 2, 0), "want 1 to 67108864 pixels"},
		{"6000x6000 8-bit colour", pngHeader(6000, 6000, 8, 2, 0), "137 MiB to decode"},
		{"5000x5000 16-bit colour", pngHeader(5000, 5000, 16, 2, 0), "190 MiB to decode"},
		{"5000x5000 interlaced colour", pngHeader(5000, 5000, 8, 6, 1), "190 MiB to decode"},
		// 3 bytes per pixel decoded and 12 of coefficients: 170.8 MiB.
		{"progressive 3456x3456 JPEG", progressiveJPEGHeader(3456, 3456), "170 MiB to decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := decodeImage("bomb.png", tc.b)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("refusing it allocated %d bytes", grew)
			}
		})
	}
	// Within the limits: the largest gray image and a 5792x5792 colour one
	// pass the check (they then fail for want of pixel data, not for their
	// size), and give their share of the decode budget back.
	for _, b := range [][]byte{pngHeader(8192, 8192, 8, 0, 0), pngHeader(5792, 5792, 8, 6, 0)} {
		_, _, err := decodeImage("ok.png", b)
		if err == nil || strings.Contains(err.Error(), "pixels") || strings.Contains(err.Error(), "MiB") {
			t.Errorf("within the limits: %v", err)
		}
	}
	if decoding.free != maxDecoding {
		t.Errorf("decode budget: %d bytes free, want %d", decoding.free, maxDecoding)
	}
}

// progressiveJPEGHeader returns the start of a progressive 4:4:4 colour
// JPEG of w×h pixels: SOI, a JFIF APP0 segment and an SOF2 frame header.
func progressiveJPEGHeader(w, h int) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xff, 0xc2, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3)
	for c := range 3 {
		b = append(b, byte(c+1), 0x11, 0)
	}
	return b
}

// TestStripConversionEqualsWholeImage: converting and resizing a large
// image strip by strip gives the bytes of converting it whole and then
// resizing it (the rule that TestResizeMatchesPillowBilinear checks).
func TestStripConversionEqualsWholeImage(t *testing.T) {
	const w, h = 97, 203 // several strips, the last one short; odd for 4:2:0
	val := func(x, y, k int) uint8 { return uint8((x*7 + y*13 + k*61 + x*y) % 256) }
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{1, 2, 3, 255},
		color.NRGBA{200, 100, 50, 255}, color.NRGBA{9, 9, 9, 0}})
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			nrgba.SetNRGBA(x, y, color.NRGBA{val(x, y, 0), val(x, y, 1), val(x, y, 2), val(x, y, 3)})
			a := uint8(255)
			if y >= 130 { // transparent in the later strips only
				a = 128
			}
			rgba.SetRGBA(x, y, color.RGBA{val(x, y, 0) / 2, val(x, y, 1) / 2, val(x, y, 2) / 2, a})
			gray.SetGray(x, y, color.Gray{val(x, y, 0)})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			ycc.Y[ycc.YOffset(x, y)] = val(x, y, 0)
			ycc.Cb[ycc.COffset(x, y)] = val(x/2, y/2, 1)
			ycc.Cr[ycc.COffset(x, y)] = val(x/2, y/2, 2)
		}
	}
	for _, img := range []image.Image{nrgba, rgba, gray, pal, ycc} {
		for _, c := range []int{1, 3} {
			for _, res := range []int{32, w} {
				r := &imageReader{c: c, res: res}
				got := make([]uint8, c*res*res)
				info := r.convert(got, img, new(scratch))
				planes, winfo := toPlanes(img, c, nil)
				want := make([]uint8, c*res*res)
				hw, vw := bilinearWeights(w, res), bilinearWeights(h, res)
				for ch := range c {
					resizePlane(want[ch*res*res:(ch+1)*res*res], planes[ch*w*h:(ch+1)*w*h], w, h, res,
						res, &hw, &vw, nil)
				}
				if !slices.Equal(got, want) || info != winfo {
					t.Errorf("%T, %d channels, %d: strips differ from the whole image (info %+v, %+v)",
						img, c, res, info, winfo)
				}
			}
		}
	}
}
