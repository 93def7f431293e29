package infer

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vdvae/graph"
	"vdvae/train/data"
)

// TestEvaluationSkipsUnreadableFiles: reconstruct and encode leave out an
// image folder's unreadable files (none is replaced by another image, which
// would count twice), the dataset lists them for the CLI's note, and
// encodings name each image by its path in the split folder.
func TestEvaluationSkipsUnreadableFiles(t *testing.T) {
	f := newFixture(t, "cifar-10", 3)
	root := t.TempDir()
	for i, name := range []string{"train/t.png", "val/a.png", "val/bad.png", "val/dogs/b.png",
		"val/dogs/c.png"} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
		for q := range 64 {
			img.Set(q%8, q/8, color.NRGBA{uint8(40 * i), uint8(q), 9, 255})
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		if strings.Contains(name, "bad") {
			b.Truncate(b.Len() / 2)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open := func() *data.Dataset {
		sp, err := data.OpenSpec(data.Spec{Source: "custom", Dir: root, Channels: 3, Res: 8, NumBits: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sp.Close() })
		return sp.Val
	}

	m, ex := f.model(t, graph.Options{Mode: graph.ModeEval})
	ds := open()
	res, err := Reconstruct(context.Background(), m, ex, ds, ReconOptions{Batch: 2, Seed: 1,
		OutputTemperature: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Images != 3 {
		t.Errorf("reconstructed %d images, want the 3 readable ones", res.Images)
	}
	if sk := ds.Skipped(); len(sk) != 1 || !strings.HasSuffix(sk[0].Path, "bad.png") {
		t.Errorf("skip list %v", sk)
	}

	me, ee := f.model(t, graph.Options{Mode: graph.ModeEval, Masked: true})
	ds = open()
	arrays, err := Encode(context.Background(), me, ee, ds, EncodeOptions{Batch: 2, Seed: 1,
		Quantile: 0.5, Masks: allMasks(me, 1), Split: "val"})
	if err != nil {
		t.Fatal(err)
	}
	ids := arrays[0].Data.([]string)
	if want := []string{"a.png", "dogs__b.png", "dogs__c.png"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	if err := checkIDs("enc.npz", ids); err != nil {
		t.Error(err)
	}
}
