package infer

import (
	"fmt"
	"math/rand/v2"

	"vdvae/configs"
	"vdvae/train"
	"vdvae/train/data"
)

// Splits that the inference modes read.
var splitNames = []string{"train", "val", "test"}

// LoadSplit loads one split ("train", "val" or "test") of the run's data
// set from dir (empty: the default search of train.FindDataDir). Every
// split comes with fixed pixels: the training set of binarized MNIST is
// binarized once with a fixed seed, as the validation and test sets are.
func LoadSplit(h *configs.Hparams, dir, split string) (*data.Dataset, string, error) {
	spec := train.DataSpec(h, dir)
	s, err := data.OpenSpec(spec)
	if err != nil {
		return nil, spec.Dir, inputError{err}
	}
	var d *data.Dataset
	switch split {
	case "train":
		d = s.Train
		if h.Data.IsBinarized() {
			d = d.Binarize(rand.NewPCG(data.BinarizeSeed, 3))
		}
	case "val":
		d = s.Val
	case "test":
		d = s.Test
	default:
		return nil, dir, badInput("unknown split %q: want one of %v", split, splitNames)
	}
	dir = d.Origin()
	sh := d.Shape()
	if want := [3]int{h.Data.Channels, h.Data.TargetRes, h.Data.TargetRes}; [3]int{sh[1], sh[2], sh[3]} != want {
		return nil, dir, badInput("images in %s are %dx%dx%d, the model wants %dx%dx%d", dir,
			sh[1], sh[2], sh[3], want[0], want[1], want[2])
	}
	return d, dir, nil
}

// ImageID names image i of a split, e.g. "test-00042"; encodings carry it.
func ImageID(split string, i int) string { return fmt.Sprintf("%s-%05d", split, i) }
