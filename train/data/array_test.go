package data

import (
	"errors"
	"path/filepath"
	"testing"
)

// arrayPixel is the stored value of channel ch, pixel (y, x) of image i in
// the array tests.
func arrayPixel(i, ch, y, x int) uint8 { return uint8(50*i + 20*ch + 4*y + x) }

// chwRows returns n images of c×r×r pixels as rows of C×H×W values.
func chwRows(first, n, c, r int) []byte {
	var out []byte
	for i := first; i < first+n; i++ {
		for ch := range c {
			for y := range r {
				for x := range r {
					out = append(out, arrayPixel(i, ch, y, x))
				}
			}
		}
	}
	return out
}

// hwcRows returns the same images stored H×W×C.
func hwcRows(first, n, c, r int) []byte {
	var out []byte
	for i := first; i < first+n; i++ {
		for y := range r {
			for x := range r {
				for ch := range c {
					out = append(out, arrayPixel(i, ch, y, x))
				}
			}
		}
	}
	return out
}

func TestArraysEndToEnd(t *testing.T) {
	const c, r = 3, 2
	sz := c * r * r
	root := t.TempDir()
	tr := mkdir(t, root, "train_data")
	// Files are read in name order: a (2 images, downsampled-ImageNet
	// rows, stored npz), b (1 image, NCHW .npy), c (2 images, NHWC .npy),
	// d (1 image, compressed npz with extra arrays).
	writeBytes(t, filepath.Join(tr, "a.npz"), npzBytes(t, false, map[string][]byte{
		"data":   npyBytes("|u1", []int{2, sz}, false, chwRows(0, 2, c, r)),
		"labels": npyBytes("<i8", []int{2}, false, make([]byte, 16)),
	}))
	writeBytes(t, filepath.Join(tr, "b.npy"), npyBytes("|u1", []int{1, c, r, r}, false, chwRows(2, 1, c, r)))
	writeBytes(t, filepath.Join(tr, "c.npy"), npyBytes("|u1", []int{2, r, r, c}, false, hwcRows(3, 2, c, r)))
	writeBytes(t, filepath.Join(tr, "d.npz"), npzBytes(t, true, map[string][]byte{
		"data": npyBytes("|u1", []int{1, sz}, false, chwRows(5, 1, c, r)),
		"mean": npyBytes("|u1", []int{1}, false, []byte{0}),
	}))
	writeBytes(t, filepath.Join(root, "val_data", "v.npy"), npyBytes("|u1", []int{3, sz}, false, chwRows(0, 3, c, r)))

	var notes []string
	s := Spec{Source: "imagenet", Dir: root, Channels: c, Res: r, NumBits: 8,
		Note: func(m string) { notes = append(notes, m) }}
	sp := openSpec(t, s)
	if sp.Train.Len() != 6 || sp.Val.Len() != 3 || sp.Test != sp.Val {
		t.Fatalf("sizes %d %d, test is val %v", sp.Train.Len(), sp.Val.Len(), sp.Test == sp.Val)
	}
	got := evalAll(t, sp.Train, 4)
	for i := range 6 {
		for ch := range c {
			for y := range r {
				for x := range r {
					k := i*sz + ch*r*r + y*r + x
					if w := centered(arrayPixel(i, ch, y, x), 8); got[k] != w {
						t.Fatalf("image %d channel %d (%d,%d): got %v, want %v", i, ch, y, x, got[k], w)
					}
				}
			}
		}
	}
	if len(notes) != 1 {
		t.Errorf("notes %q, want one about inflating d.npz", notes)
	}
}

func TestArrayErrorsNameTheFile(t *testing.T) {
	good := npyBytes("|u1", []int{1, 12}, false, make([]byte, 12))
	for _, tc := range []struct {
		name  string
		file  string
		data  []byte
		want  []string
		unsup bool
	}{
		{"float32", "x.npy", npyBytes("<f4", []int{1, 12}, false, make([]byte, 48)),
			[]string{"x.npy", `dtype "<f4"`, "uint8"}, true},
		{"wrong shape", "x.npy", npyBytes("|u1", []int{1, 3, 4, 4}, false, make([]byte, 48)),
			[]string{"x.npy", "shape [1 3 4 4]", "(N, 12), (N, 3, 2, 2) or (N, 2, 2, 3)"}, false},
		{"truncated", "x.npy", good[:len(good)-3], []string{"x.npy", "truncated"}, false},
		{"extra bytes", "x.npy", append(good, 1, 2), []string{"x.npy", "2 extra"}, false},
		{"fortran", "x.npy", npyBytes("|u1", []int{1, 12}, true, make([]byte, 12)),
			[]string{"Fortran"}, true},
		{"not npy", "x.npy", []byte("hello world, not an array"), []string{"x.npy", "magic"}, false},
		{"bad header", "x.npy", []byte("\x93NUMPY\x01\x00\x05\x00{'a'"), []string{"x.npy", "header"}, false},
		{"negative dimension", "x.npy", npyBytes("|u1", []int{-1, 12}, false, nil),
			[]string{"x.npy", "negative dimension -1"}, false},
		{"npz without data", "x.npz", npzBytes(t, false, map[string][]byte{"a": good, "b": good}),
			[]string{"x.npz", "no array named data"}, false},
		{"npz not zip", "x.npz", []byte("PK junk"), []string{"x.npz", "not an .npz"}, false},
		{"npz wrong dtype", "x.npz", npzBytes(t, true, map[string][]byte{
			"data": npyBytes("<i8", []int{1, 12}, false, make([]byte, 96))}), []string{"x.npz:data.npy", "<i8"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeBytes(t, filepath.Join(root, "train", tc.file), tc.data)
			writeBytes(t, filepath.Join(root, "val", "v.npy"), good)
			_, err := OpenSpec(Spec{Source: "custom", Dir: root, Channels: 3, Res: 2, NumBits: 8})
			wantErr(t, err, tc.want...)
			var ue *UnsupportedError
			if errors.As(err, &ue) != tc.unsup {
				t.Errorf("unsupported: %v, want %v (%T)", !tc.unsup, tc.unsup, err)
			}
		})
	}
}

func FuzzNPYHeader(f *testing.F) {
	f.Add(npyBytes("|u1", []int{2, 12}, false, nil))
	f.Add(npyBytes("|u1", []int{2, 3, 2, 2}, true, nil))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (1,)}  "))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := readNPYHeader("fuzz.npy", bytesReader(b))
		if err == nil {
			var af arrayFile
			checkArray("fuzz.npy", h, 3, 2, &af)
		}
	})
}
