package data

import (
	"encoding/json"
	"image"
	"os"
	"testing"
)

// pilGolden is testdata/pil_bilinear.json, written by
// scripts/pil_resize_golden.py with Pillow.
type pilGolden struct {
	Pillow string `json:"pillow"`
	Resize []struct {
		Width, Height, Channels int
		Src                     []int
		OutWidth                int `json:"out_width"`
		OutHeight               int `json:"out_height"`
		Out                     []int
	} `json:"resize"`
	Luma struct {
		RGB  []int `json:"rgb"`
		Gray []int `json:"gray"`
	} `json:"luma"`
}

func loadPILGolden(t *testing.T) *pilGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/pil_bilinear.json")
	if err != nil {
		t.Fatal(err)
	}
	var g pilGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// planar turns interleaved H×W×C values into C planes.
func planar(v []int, c int) []uint8 {
	n := len(v) / c
	out := make([]uint8, len(v))
	for p := range n {
		for ch := range c {
			out[ch*n+p] = uint8(v[p*c+ch])
		}
	}
	return out
}

func TestResizeMatchesPillowBilinear(t *testing.T) {
	g := loadPILGolden(t)
	for _, tc := range g.Resize {
		name := image.Rect(0, 0, tc.Width, tc.Height).Size().String() + "->" +
			image.Rect(0, 0, tc.OutWidth, tc.OutHeight).Size().String()
		t.Run(name, func(t *testing.T) {
			c, sw, sh, dw, dh := tc.Channels, tc.Width, tc.Height, tc.OutWidth, tc.OutHeight
			src, want := planar(tc.Src, c), planar(tc.Out, c)
			hw, vw := bilinearWeights(sw, dw), bilinearWeights(sh, dh)
			got := make([]uint8, c*dw*dh)
			var tmp []uint8
			for ch := range c {
				tmp = resizePlane(got[ch*dw*dh:(ch+1)*dw*dh], src[ch*sw*sh:(ch+1)*sw*sh], sw, sh, dw, dh,
					&hw, &vw, tmp)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("value %d (channel %d, pixel %d): got %d, Pillow %s gives %d", i,
						i/(dw*dh), i%(dw*dh), got[i], g.Pillow, want[i])
				}
			}
		})
	}
}

func TestLumaMatchesPillow(t *testing.T) {
	g := loadPILGolden(t)
	for p, want := range g.Luma.Gray {
		r, gr, b := g.Luma.RGB[3*p], g.Luma.RGB[3*p+1], g.Luma.RGB[3*p+2]
		if got := luma(uint8(r), uint8(gr), uint8(b)); int(got) != want {
			t.Errorf("luma(%d, %d, %d) = %d, Pillow gives %d", r, gr, b, got, want)
		}
	}
}
