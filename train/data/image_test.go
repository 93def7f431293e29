package data

import (
	"image"
	"image/color"
	"slices"
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
		img, err := decodeImage("fuzz", b)
		if err != nil {
			return
		}
		planes, _ := toPlanes(img, 3, nil)
		bd := img.Bounds()
		if len(planes) != 3*bd.Dx()*bd.Dy() {
			t.Fatalf("%d values for a %v image", len(planes), bd)
		}
	})
}
