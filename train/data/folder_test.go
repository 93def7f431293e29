package data

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestFolderPixelsEndToEnd(t *testing.T) {
	root := t.TempDir()
	tr := mkdir(t, root, "train")
	mkdir(t, root, "val")
	// a: RGB, pixel (x, y) = (10x + y, 100 + x, 200 + y).
	writePNG(t, filepath.Join(tr, "a.png"), rgbImage(4, 4, func(x, y int) [3]uint8 {
		return [3]uint8{uint8(10*x + y), uint8(100 + x), uint8(200 + y)}
	}))
	// b: gray, repeated in the three channels.
	writePNG(t, filepath.Join(tr, "b.png"), grayImage(4, 4, func(x, y int) uint8 { return uint8(16*y + x) }))
	// c: transparent pixels keep their colour.
	c := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		c.SetNRGBA(i%4, i/4, color.NRGBA{uint8(i), 50, 60, uint8(17 * i)})
	}
	writePNG(t, filepath.Join(tr, "c.png"), c)
	// d: one uniform 8x8 JPEG block decodes exactly and resizes to itself.
	writeJPEG(t, filepath.Join(tr, "d.jpg"), grayImage(8, 8, func(x, y int) uint8 { return 77 }), 100)
	// e: 8x4, not square, one colour: squeezed to 4x4 of that colour.
	writePNG(t, filepath.Join(tr, "e.png"), rgbImage(8, 4, func(x, y int) [3]uint8 { return [3]uint8{9, 99, 199} }))
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(4, 4, func(x, y int) uint8 { return 1 }))

	var mu sync.Mutex
	var notes []string
	spec := folderSpec(root, 3, 4, 8)
	spec.Note = func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
	sp := openSpec(t, spec)
	if sp.Train.Len() != 5 || sp.Val.Len() != 1 || sp.Test != sp.Val {
		t.Fatalf("splits of %d, %d images, test is val: %v", sp.Train.Len(), sp.Val.Len(), sp.Test == sp.Val)
	}
	got := evalAll(t, sp.Train, 2)
	want := make([]float32, 0, 5*48)
	add := func(f func(ch, x, y int) uint8) {
		for ch := range 3 {
			for y := range 4 {
				for x := range 4 {
					want = append(want, centered(f(ch, x, y), 8))
				}
			}
		}
	}
	add(func(ch, x, y int) uint8 { return [3]uint8{uint8(10*x + y), uint8(100 + x), uint8(200 + y)}[ch] })
	add(func(ch, x, y int) uint8 { return uint8(16*y + x) })
	add(func(ch, x, y int) uint8 { return [3]uint8{uint8(4*y + x), 50, 60}[ch] })
	add(func(ch, x, y int) uint8 { return 77 })
	add(func(ch, x, y int) uint8 { return [3]uint8{9, 99, 199}[ch] })
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("image %d value %d: got %v, want %v", i/48, i%48, got[i], want[i])
		}
	}
	joined := strings.Join(notes, "\n")
	for _, w := range []string{"e.png is 8x4, not square", "without keeping their aspect ratio",
		"is grayscale", "transparent pixels", "resized to 4x4"} {
		if !strings.Contains(joined, w) {
			t.Errorf("notes %q lack %q", notes, w)
		}
	}
}

func TestFolderOneChannelAndBits(t *testing.T) {
	root := t.TempDir()
	// Every stored value 0..255 once, and the primaries in colour.
	writePNG(t, filepath.Join(root, "train", "all.png"),
		grayImage(16, 16, func(x, y int) uint8 { return uint8(16*y + x) }))
	writePNG(t, filepath.Join(root, "train", "rgb.png"), rgbImage(16, 16, func(x, y int) [3]uint8 {
		return [4][3]uint8{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}}[x%4]
	}))
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(16, 16, func(x, y int) uint8 { return 0 }))
	for _, bits := range []int{8, 5, 3} {
		sp := openSpec(t, folderSpec(root, 1, 16, bits))
		got := evalAll(t, sp.Train, 2)
		for p := range 256 {
			// 5 bits keep floor(x/8)*8: x = 77 reads as 72.
			if w := centered(uint8(p), bits); got[p] != w {
				t.Fatalf("%d bits, value %d: got %v, want %v", bits, p, got[p], w)
			}
		}
		// Pillow's luma: red 76, green 150, blue 29, white 255.
		for p := range 256 {
			if w := centered([4]uint8{76, 150, 29, 255}[p%4], bits); got[256+p] != w {
				t.Fatalf("%d bits, colour pixel %d: got %v, want %v", bits, p, got[256+p], w)
			}
		}
	}
}

func TestFolderFlipsTrainingOnly(t *testing.T) {
	root := t.TempDir()
	const n = 40
	for i := range n {
		// Each row is i, then 0, 1, 2: the first column identifies the image.
		writePNG(t, filepath.Join(root, "train", "img"+string(rune('A'+i))+".png"),
			grayImage(4, 2, func(x, y int) uint8 { return uint8(10*i + x) }))
	}
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(4, 2, func(x, y int) uint8 { return uint8(x) }))
	// Not square on purpose: the 4x2 images are squeezed to 4x4, rows repeat.
	sp := openSpec(t, folderSpec(root, 1, 4, 8))
	batches := func(seed uint64, flip bool) [][]float32 {
		it, err := NewTrainIter(sp.Train, 8, seed, WithFlip(flip))
		if err != nil {
			t.Fatal(err)
		}
		return nextBatches(it, 10, 8*16)
	}
	a, b, c := batches(3, true), batches(3, true), batches(4, true)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("the same seed flipped differently")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Error("different seeds gave the same batches")
	}
	plain := batches(3, false)
	flipped := 0
	for bi := range a {
		for k := range 8 {
			img, ref := a[bi][k*16:(k+1)*16], plain[bi][k*16:(k+1)*16]
			mirror := make([]float32, 16)
			for r := range 4 {
				for x := range 4 {
					mirror[r*4+3-x] = ref[r*4+x]
				}
			}
			switch {
			case slices.Equal(img, mirror):
				flipped++
			case !slices.Equal(img, ref):
				t.Fatalf("batch %d image %d is neither the image nor its mirror", bi, k)
			}
		}
	}
	if flipped < 20 || flipped > 60 {
		t.Errorf("%d of 80 images flipped, want about half", flipped)
	}
	val := evalAll(t, sp.Val, 1)
	for r := range 4 {
		if val[r*4] != centered(0, 8) {
			t.Fatalf("validation image is flipped: %v", val)
		}
	}
}

// brokenFolder writes n good 2x2 gray images g00.png ... and the bad files
// listed, and returns the folder holding train/ and val/.
func brokenFolder(t *testing.T, n int, bad map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for i := range n {
		writePNG(t, filepath.Join(root, "train", "g"+string(rune('a'+i/26))+string(rune('a'+i%26))+".png"),
			grayImage(2, 2, func(x, y int) uint8 { return uint8(i) }))
	}
	for name, b := range bad {
		writeBytes(t, filepath.Join(root, "train", name), b)
	}
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(2, 2, func(x, y int) uint8 { return 0 }))
	return root
}

// pngBytes encodes a small gray image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.png")
	writePNG(t, p, grayImage(2, 2, func(x, y int) uint8 { return 200 }))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFolderBadFilesAreSkippedOrReplaced(t *testing.T) {
	good := pngBytes(t)
	bad := map[string][]byte{
		".DS_Store":  []byte("\x00\x00\x00\x01Bud1"),
		"README.txt": []byte("faces\n"),
		"empty.png":  nil,
		"gb.png":     good[:len(good)/2], // truncated, sorts after ga*
		"gz.jpg":     []byte("not a jpeg at all"),
	}
	t.Run("training replaces", func(t *testing.T) {
		sp := openSpec(t, folderSpec(brokenFolder(t, 4, bad), 1, 2, 8))
		if sp.Train.Len() != 6 {
			t.Fatalf("%d training images, want 6 (4 good, 2 that fail when read)", sp.Train.Len())
		}
		if listed := sp.Train.Skipped(); len(listed) != 3 {
			t.Fatalf("skipped at listing: %v, want .DS_Store, README.txt, empty.png", listed)
		}
		// Sorted: gaa gab gac gad gb.png gz.jpg; gb.png and gz.jpg fail and
		// are replaced by the next readable image, wrapping around to gaa.
		got := make([]float32, 6*4)
		if err := sp.Train.Fill(got, []int{0, 1, 2, 3, 4, 5}, nil); err != nil {
			t.Fatal(err)
		}
		for k, v := range []uint8{0, 1, 2, 3, 0, 0} {
			if got[k*4] != centered(v, 8) {
				t.Errorf("image %d reads %v, want stored value %d", k, got[k*4], v)
			}
		}
		wantSkips(t, sp.Train, ".DS_Store: hidden", "README.txt: not a .png", "empty.png: empty file",
			"gb.png: truncated", "gz.jpg: not a PNG or JPEG image", "replaced by the next readable image")
	})
	t.Run("evaluation skips", func(t *testing.T) {
		sp := openSpec(t, folderSpec(brokenFolder(t, 4, bad), 1, 2, 8))
		it, err := NewEvalIter(sp.Train, 4, 0)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]float32, 4*4)
		var values []float32
		var idx []int
		for n := it.Next(buf); n > 0; n = it.Next(buf) {
			for k := range n {
				values = append(values, buf[k*4])
			}
			idx = append(idx, it.Indices()...)
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		// No image twice: the two that fail are left out, not replaced.
		want := []float32{centered(0, 8), centered(1, 8), centered(2, 8), centered(3, 8)}
		if !slices.Equal(values, want) || !slices.Equal(idx, []int{0, 1, 2, 3}) {
			t.Errorf("served values %v at %v, want %v at [0 1 2 3]", values, idx, want)
		}
		wantSkips(t, sp.Train, "gb.png: truncated", "; skipped")
	})
}

// wantSkips checks that d's skip list mentions every one of parts.
func wantSkips(t *testing.T, d *Dataset, parts ...string) {
	t.Helper()
	var text []string
	for _, s := range d.Skipped() {
		text = append(text, s.String())
	}
	joined := strings.Join(text, "\n")
	for _, w := range parts {
		if !strings.Contains(joined, w) {
			t.Errorf("skip list lacks %q:\n%s", w, joined)
		}
	}
}

// TestEvaluationSkipsUnreadableImages: an evaluation pass leaves out the
// images that cannot be read, in batches that shrink, says which images
// it served, and stops only past the limit of failures.
func TestEvaluationSkipsUnreadableImages(t *testing.T) {
	bad := map[string][]byte{}
	for _, name := range []string{"gab.png", "gae.png", "gaf.png"} {
		bad[name] = []byte("\x89PNG\r\n\x1a\ngarbage")
	}
	// Good images gaa gac gad gag ... hold their index among the good ones.
	root := t.TempDir()
	good := 0
	for i := range 10 {
		name := "ga" + string(rune('a'+i)) + ".png"
		p := filepath.Join(root, "val", name)
		if b, ok := bad[name]; ok {
			writeBytes(t, p, b)
			continue
		}
		v := uint8(good)
		writePNG(t, p, grayImage(2, 2, func(x, y int) uint8 { return v }))
		good++
	}
	writePNG(t, filepath.Join(root, "train", "t.png"), grayImage(2, 2, func(x, y int) uint8 { return 0 }))
	sp := openSpec(t, folderSpec(root, 1, 2, 8))
	it, err := NewEvalIter(sp.Val, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 3*4)
	var sizes, idx []int
	var values []float32
	for n := it.Next(buf); n > 0; n = it.Next(buf) {
		sizes = append(sizes, n)
		idx = append(idx, it.Indices()...)
		for k := range n {
			values = append(values, buf[k*4])
		}
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if !slices.Equal(sizes, []int{2, 1, 3, 1}) || !slices.Equal(idx, []int{0, 2, 3, 6, 7, 8, 9}) {
		t.Errorf("batch sizes %v, indices %v", sizes, idx)
	}
	for k, v := range values {
		if v != centered(uint8(k), 8) {
			t.Errorf("served image %d reads %v, want %v", k, v, centered(uint8(k), 8))
		}
	}
	if sk := sp.Val.Skipped(); len(sk) != 3 || !strings.HasSuffix(sk[0].Reason, "; skipped") {
		t.Errorf("skip list %v", sk)
	}
	if got := sp.Val.ImageName(idx[1]); got != "gac.png" {
		t.Errorf("ImageName = %q, want gac.png", got)
	}
	// A second pass serves the same images without reading the bad ones again.
	it.Reset()
	if n := it.Next(buf); n != 2 || !slices.Equal(it.Indices(), []int{0, 2}) {
		t.Errorf("after Reset: %d images at %v", n, it.Indices())
	}
}

func TestEvaluationOfUnreadableSplitFails(t *testing.T) {
	bad := map[string][]byte{}
	for i := range 4 {
		bad["x"+string(rune('a'+i))+".png"] = []byte("\x89PNG\r\n\x1a\ngarbage")
	}
	root := brokenFolder(t, 0, bad)
	sp := openSpec(t, folderSpec(root, 1, 2, 8))
	it, _ := NewEvalIter(sp.Train, 2, 0)
	if n := it.Next(make([]float32, 2*4)); n != 0 {
		t.Fatalf("served %d images", n)
	}
	wantErr(t, it.Err(), "none of the 4 images in ", "train could be read")
}

func TestFolderTooManyBadImagesStop(t *testing.T) {
	bad := map[string][]byte{}
	for i := range 11 {
		bad["x"+string(rune('a'+i))+".png"] = []byte("\x89PNG\r\n\x1a\ngarbage")
	}
	root := brokenFolder(t, 5, bad)
	sp := openSpec(t, folderSpec(root, 1, 2, 8))
	it, err := NewTrainIter(sp.Train, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 16*4)
	// Batches are read ahead in parallel: the one whose reading passes the
	// limit reports it, which may be a later one than the first.
	for range DefaultAhead + 1 {
		if err = it.Next(buf); err != nil {
			break
		}
	}
	wantErr(t, err, "11 of 16 images in ", "could not be read", "more than the 10 a split may lose",
		"the data looks broken")
	if again := it.Next(buf); again != err {
		t.Errorf("the next call returned %v, want the same error", again)
	}
	ev, _ := NewEvalIter(sp.Train, 16, 0)
	if n := ev.Next(buf); n != 0 || ev.Err() == nil {
		t.Errorf("EvalIter served %d images, error %v", n, ev.Err())
	}
}

// panicReader panics on every read, like a decoder with a bug.
type panicReader struct{}

func (panicReader) read(i int, dst []uint8, s *scratch) error { panic("decoder bug") }
func (panicReader) name(i int) string                         { return fmt.Sprintf("img%d.png", i) }
func (panicReader) close() error                              { return nil }

func TestDecoderPanicBecomesAnError(t *testing.T) {
	st := newStream(panicReader{}, 3, Spec{Workers: 2}, nil, nil)
	d := &Dataset{st: st, shape: [4]int{3, 1, 1, 1}, enc: CenteredBits(8), table: CenteredBits(8).table()}
	it, _ := NewEvalIter(d, 2, 0)
	if n := it.Next(make([]float32, 2)); n != 0 {
		t.Fatalf("served %d images", n)
	}
	wantErr(t, it.Err(), "none of the 3 images could be read")
	if sk := d.Skipped(); len(sk) != 3 || !strings.Contains(sk[0].Reason, "decoder panicked: decoder bug") {
		t.Errorf("skip list %v", sk)
	}
}

func TestSplitLayouts(t *testing.T) {
	img := func(root string, parts ...string) {
		writePNG(t, filepath.Join(append([]string{root}, parts...)...),
			grayImage(2, 2, func(x, y int) uint8 { return uint8(len(parts[len(parts)-1])) }))
	}
	t.Run("reference folder names", func(t *testing.T) {
		root := t.TempDir()
		img(root, "train_data", "a.png")
		img(root, "train_data", "sub", "b.png")
		img(root, "val_data", "c.png")
		img(root, "synthesis_data", "d.png")
		img(root, "synthesis_data", "e.png")
		sp := openSpec(t, folderSpec(root, 1, 2, 8))
		if sp.Train.Len() != 2 || sp.Val.Len() != 1 || sp.Test.Len() != 2 {
			t.Errorf("sizes %d %d %d", sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
		}
	})
	t.Run("split file", func(t *testing.T) {
		root := t.TempDir()
		for _, n := range []string{"a.png", "b.png", "c.png", "d.png", "e.jpg.txt"} {
			img(root, "imgs", n)
		}
		writeBytes(t, filepath.Join(root, "splits.txt"), []byte("# CelebA style\n"+
			"imgs/a.png 0\nimgs/b.png train\n\nimgs/c.png 1\nimgs/d.png test\nimgs/e.jpg.txt val\n"))
		sp := openSpec(t, folderSpec(root, 1, 2, 8))
		if sp.Train.Len() != 2 || sp.Val.Len() != 1 || sp.Test.Len() != 1 {
			t.Errorf("sizes %d %d %d", sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
		}
		if sk := sp.Val.Skipped(); len(sk) != 1 || !strings.HasSuffix(sk[0].Path, "e.jpg.txt") {
			t.Errorf("val skipped %v", sk)
		}
		// --data-dir may also name the split file itself.
		sp2 := openSpec(t, folderSpec(filepath.Join(root, "splits.txt"), 1, 2, 8))
		if sp2.Train.Len() != 2 {
			t.Errorf("split file named directly: %d training images", sp2.Train.Len())
		}
	})
	t.Run("CelebA partition file", func(t *testing.T) {
		root := t.TempDir()
		for _, n := range []string{"000001.jpg", "000002.jpg", "000003.jpg"} {
			img(root, "img_align_celeba", n)
		}
		// A byte order mark, bare names as in CelebA's own file, CRLF ends.
		writeBytes(t, filepath.Join(root, "list_eval_partition.txt"),
			[]byte("\ufeff000001.jpg 0\r\n000002.jpg 1\r\nimg_align_celeba/000003.jpg 2\r\n"))
		sp := openSpec(t, folderSpec(root, 1, 2, 8))
		if sp.Train.Len() != 1 || sp.Val.Len() != 1 || sp.Test.Len() != 1 {
			t.Errorf("sizes %d %d %d", sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
		}
		if got := sp.Train.ImageName(0); got != "img_align_celeba/000001.jpg" {
			t.Errorf("ImageName = %q", got)
		}
	})
	t.Run("hparams paths", func(t *testing.T) {
		root := t.TempDir()
		img(root, "tr", "a.png")
		img(root, "va", "b.png")
		s := Spec{Source: "celebA", TrainPath: filepath.Join(root, "tr"), ValPath: filepath.Join(root, "va"),
			TestPath: filepath.Join(root, "va") + "/", Channels: 3, Res: 2, NumBits: 8}
		sp := openSpec(t, s)
		if sp.Test != sp.Val || sp.Train.Channels() != 3 {
			t.Errorf("test is not val, or %d channels", sp.Train.Channels())
		}
		s.TrainPath = ""
		_, err := OpenSpec(s)
		wantErr(t, err, "data.train_data_path is empty", "--data-dir")
		s.TrainPath = filepath.Join(root, "nope")
		_, err = OpenSpec(s)
		wantErr(t, err, "nope", "data.train_data_path")
	})
	for _, tc := range []struct {
		name  string
		setup func(root string)
		want  []string
	}{
		{"no train folder", func(root string) { img(root, "val", "a.png") },
			[]string{"no train/ sub-folder", "splits.txt"}},
		{"no images", func(root string) {
			writeBytes(t, filepath.Join(root, "train", "notes.md"), []byte("x"))
			img(root, "val", "a.png")
		}, []string{"no PNG or JPEG images", "notes.md"}},
		{"images and arrays", func(root string) {
			img(root, "train", "a.png")
			writeBytes(t, filepath.Join(root, "train", "b.npy"), npyBytes("|u1", []int{1, 4}, false, make([]byte, 4)))
			img(root, "val", "a.png")
		}, []string{"both images", "b.npy"}},
		{"unknown split", func(root string) {
			img(root, "a.png")
			writeBytes(t, filepath.Join(root, "splits.txt"), []byte("a.png training\n"))
		}, []string{"splits.txt line 1", `unknown split "training"`}},
		{"missing listed file", func(root string) {
			writeBytes(t, filepath.Join(root, "splits.txt"), []byte("\ngone.png 0\n"))
		}, []string{"splits.txt line 2", "gone.png"}},
		{"listed twice", func(root string) {
			img(root, "a.png")
			writeBytes(t, filepath.Join(root, "splits.txt"), []byte("a.png 0\na.png 2\n"))
		}, []string{"line 2", "already listed on line 1"}},
		{"absolute path", func(root string) {
			img(root, "a.png")
			writeBytes(t, filepath.Join(root, "splits.txt"), []byte(filepath.Join(root, "a.png")+" 0\n"))
		}, []string{"splits.txt line 1", "not inside the split file's folder"}},
		{"path leaving the folder", func(root string) {
			img(root, "a.png")
			writeBytes(t, filepath.Join(root, "sub", "splits.txt"), []byte("x/../../a.png 0\n"))
		}, []string{"splits.txt line 1", `"x/../../a.png" is not inside`}},
		{"both train and train_data", func(root string) {
			img(root, "train", "a.png")
			img(root, "train_data", "a.png")
			img(root, "val", "a.png")
		}, []string{"both train/ and train_data/", "keep one"}},
		{"data-dir names an image", func(root string) {
			img(root, "x.png")
		}, []string{"x.png is an image or array file, not a split file"}},
		{"data-dir names a binary file", func(root string) {
			writeBytes(t, filepath.Join(root, "x.bin"), []byte("\x89PNG\r\n\x1a\n\x00\x00"))
		}, []string{"x.bin line 1 is not text", "not a split file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(root)
			dir := root
			switch tc.name {
			case "data-dir names an image":
				dir = filepath.Join(root, "x.png")
			case "data-dir names a binary file":
				dir = filepath.Join(root, "x.bin")
			case "path leaving the folder":
				dir = filepath.Join(root, "sub")
			}
			_, err := OpenSpec(folderSpec(dir, 1, 2, 8))
			wantErr(t, err, tc.want...)
		})
	}
}

// TestFolderFollowsLinks: split folders and sub-folders that are links are
// read; a folder reached twice, or a loop of links, is read once.
func TestFolderFollowsLinks(t *testing.T) {
	real := t.TempDir()
	for _, p := range []string{"train/a.png", "train/sub/b.png", "val/c.png", "more/d.png"} {
		writePNG(t, filepath.Join(real, p), grayImage(2, 2, func(x, y int) uint8 { return 9 }))
	}
	root := t.TempDir()
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, name); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	link(filepath.Join(real, "train"), filepath.Join(root, "train"))
	link(filepath.Join(real, "val"), filepath.Join(root, "val"))
	link(filepath.Join(real, "more"), filepath.Join(real, "train", "more"))       // a linked sub-folder
	link(filepath.Join(real, "train"), filepath.Join(real, "train", "sub", "up")) // a loop
	link(filepath.Join(real, "more"), filepath.Join(real, "train", "zz"))         // the same folder again
	link(filepath.Join(real, "gone"), filepath.Join(real, "train", "dangling.png"))
	sp := openSpec(t, folderSpec(root, 1, 2, 8))
	if sp.Train.Len() != 3 || sp.Val.Len() != 1 {
		t.Fatalf("%d training and %d validation images, want 3 and 1", sp.Train.Len(), sp.Val.Len())
	}
	var names []string
	for i := range sp.Train.Len() {
		names = append(names, sp.Train.ImageName(i))
	}
	if !slices.Equal(names, []string{"a.png", "more/d.png", "sub/b.png"}) {
		t.Errorf("training images %q", names)
	}
	wantSkips(t, sp.Train, "dangling.png: link to a missing file or folder",
		"up: the same folder as", "zz: the same folder as")
	// A linked --data-dir is followed too.
	linked := filepath.Join(t.TempDir(), "ds")
	link(root, linked)
	if sp := openSpec(t, folderSpec(linked, 1, 2, 8)); sp.Train.Len() != 3 {
		t.Errorf("through a linked --data-dir: %d training images", sp.Train.Len())
	}
}

// TestMacOSMetadataIsSkipped: a folder copied from a Mac or unzipped from
// its archive holds ._* AppleDouble files and a __MACOSX folder; they are
// skipped and listed, not read as broken images.
func TestMacOSMetadataIsSkipped(t *testing.T) {
	root := t.TempDir()
	apple := []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
	for i := range 12 {
		name := fmt.Sprintf("%02d.png", i)
		writePNG(t, filepath.Join(root, "train", name), grayImage(2, 2, func(x, y int) uint8 { return 1 }))
		writeBytes(t, filepath.Join(root, "train", "._"+name), apple)
		writeBytes(t, filepath.Join(root, "train", "__MACOSX", "train", "._"+name), apple)
	}
	writePNG(t, filepath.Join(root, "val", "v.png"), grayImage(2, 2, func(x, y int) uint8 { return 1 }))
	sp := openSpec(t, folderSpec(root, 1, 2, 8))
	if sp.Train.Len() != 12 {
		t.Fatalf("%d training images, want 12", sp.Train.Len())
	}
	if sk := sp.Train.Skipped(); len(sk) != 13 {
		t.Errorf("%d files skipped, want 12 ._ files and __MACOSX: %v", len(sk), sk)
	}
	wantSkips(t, sp.Train, "._00.png: hidden", "__MACOSX: macOS archive metadata")
	it, err := NewTrainIter(sp.Train, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.Next(make([]float32, 12*4)); err != nil {
		t.Fatal(err)
	}
}
