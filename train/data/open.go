package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Splits holds the training, validation and test sets of a data set.
type Splits struct {
	Train, Val, Test *Dataset
}

// Spec says which data set to open and how to prepare its images; the
// training loop and the inference commands fill it from the hparams and
// --data-dir.
type Spec struct {
	// Source is data.dataset_source.
	Source string
	// Dir is --data-dir, or for MNIST-like data and CIFAR-10 the folder
	// found by the default search. For the other sources it holds the
	// splits as sub-folders or names them in a split file; empty means
	// the three paths below.
	Dir string
	// TrainPath, ValPath and TestPath are data.train_data_path,
	// data.val_data_path and data.synthesis_data_path: folders of images
	// or arrays, relative to the working directory. An empty TestPath
	// means ValPath.
	TrainPath, ValPath, TestPath string
	// Channels, Res and NumBits are data.channels, data.target_res and
	// data.num_bits: images are converted to Channels channels, resized
	// to Res×Res and reduced to NumBits bits.
	Channels, Res, NumBits int
	// Workers is how many images a streamed dataset reads at once (0:
	// GOMAXPROCS); Ahead is how many batches an iterator reads ahead of
	// the one it serves (0: DefaultAhead).
	Workers, Ahead int
	// Note, when set, receives one-line notes about how the images are
	// prepared (resizing, colour conversion, replaced images), each kind
	// once. It may be called from any goroutine.
	Note func(msg string)
}

// Sub-folder names of a --data-dir folder for each split, in the order
// they are looked for: this project's names, then the reference's.
var splitFolders = [3][]string{
	{"train", "train_data"},
	{"val", "val_data", "validation"},
	{"test", "test_data", "synthesis_data"},
}

// fileSources are the dataset_source values read from image folders or
// array files.
var fileSources = map[string]bool{"imagenet": true, "celebA": true, "celebAHQ": true,
	"ffhq": true, "custom": true}

// HasLoader reports whether OpenSpec can load a dataset_source.
func HasLoader(source string) bool {
	switch source {
	case "binarized_mnist", "mnist", "fashion_mnist", "cifar-10":
		return true
	}
	return fileSources[source]
}

// Open loads the splits of MNIST-like data: "binarized_mnist" (MNIST
// files, binarized), "mnist" (MNIST as 8-bit grayscale) or
// "fashion_mnist", from the IDX files in dir. numBits is data.num_bits,
// used by the grayscale sources. OpenSpec opens every source.
func Open(dir, source string, numBits int) (*Splits, error) {
	switch source {
	case "binarized_mnist":
		s, err := LoadMNIST(dir, "mnist")
		if err != nil {
			return nil, err
		}
		return s.Binarized(), nil
	case "mnist", "fashion_mnist":
		s, err := LoadMNIST(dir, source)
		if err != nil {
			return nil, err
		}
		return s.WithEncoding(CenteredBits(numBits))
	}
	return nil, fmt.Errorf("data: Open reads MNIST-like data only, not %q; use OpenSpec", source)
}

// OpenSpec opens the three splits of the data set that s describes. MNIST
// and CIFAR-10 are read into memory; image folders and array files are
// listed and checked, and their images read when batches need them.
func OpenSpec(s Spec) (*Splits, error) {
	switch {
	case s.Source == "cifar-10":
		if s.Channels != 3 || s.Res != 32 {
			return nil, fmt.Errorf("data: CIFAR-10 images are 3x32x32, the config asks for "+
				"%dx%dx%d: set data.channels 3 and data.target_res 32", s.Channels, s.Res, s.Res)
		}
		sp, err := LoadCIFAR10(s.Dir)
		if err != nil {
			return nil, err
		}
		return sp.WithEncoding(CenteredBits(s.NumBits))
	case fileSources[s.Source]:
		return openFiles(s)
	case HasLoader(s.Source):
		return Open(s.Dir, s.Source, s.NumBits)
	}
	return nil, fmt.Errorf("data: unknown dataset_source %q", s.Source)
}

// openFiles opens image folders or array files, split as the package
// documentation describes.
func openFiles(s Spec) (*Splits, error) {
	if s.Channels != 1 && s.Channels != 3 {
		return nil, fmt.Errorf("data: data.channels %d: images have 1 or 3 channels", s.Channels)
	}
	if s.Res < 1 {
		return nil, fmt.Errorf("data: data.target_res %d: want at least 1", s.Res)
	}
	lists, err := splitListings(s)
	if err != nil {
		return nil, err
	}
	var out [3]*Dataset
	noted := new(noteSet)
	for k, l := range lists {
		if k == 2 && l == nil {
			out[2] = out[1]
			continue
		}
		if err := l.check(); err != nil {
			closeAll(out[:k])
			return nil, err
		}
		if out[k], err = openListing(l, s, noted); err != nil {
			closeAll(out[:k])
			return nil, err
		}
	}
	return &Splits{Train: out[0], Val: out[1], Test: out[2]}, nil
}

// splitListings finds the files of each split. The test listing is nil
// when the test split is the validation split.
func splitListings(s Spec) ([3]*listing, error) {
	var out [3]*listing
	if s.Dir == "" {
		return pathListings(s)
	}
	if st, err := os.Stat(s.Dir); err != nil {
		return out, fmt.Errorf("data: --data-dir: %w", err)
	} else if !st.IsDir() {
		return splitFileListings(s.Dir)
	}
	for _, name := range SplitFileNames {
		p := filepath.Join(s.Dir, name)
		if _, err := os.Stat(p); err == nil {
			return splitFileListings(p)
		}
	}
	for k, names := range splitFolders {
		dir, err := findFolder(s.Dir, names)
		switch {
		case err != nil:
			return out, err
		case dir == "" && k == 2:
			continue
		case dir == "":
			return out, fmt.Errorf("data: %s has no %s/ sub-folder (or %s/) and no split file (%s): "+
				"see the Data section of the README for the layouts", s.Dir, names[0], names[1],
				SplitFileNames[0])
		}
		l, err := listFolder(dir)
		if err != nil {
			return out, err
		}
		out[k] = l
	}
	return out, nil
}

// splitFileListings reads the split file p; a test split it leaves empty
// is the validation split.
func splitFileListings(p string) ([3]*listing, error) {
	out, err := readSplitFile(p)
	if err == nil && len(out[2].images)+len(out[2].arrays)+len(out[2].skipped) == 0 {
		out[2] = nil
	}
	return out, err
}

// findFolder returns the one of dir/names that is a folder, "" when none
// is, and an error when several are: the split would be ambiguous.
func findFolder(dir string, names []string) (string, error) {
	var found []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			found = append(found, p)
		}
	}
	if len(found) > 1 {
		return "", fmt.Errorf("data: %s has both %s/ and %s/, which name the same split: keep one "+
			"(rename or move the other)", dir, filepath.Base(found[0]), filepath.Base(found[1]))
	}
	if len(found) == 0 {
		return "", nil
	}
	return found[0], nil
}

// pathListings lists the folders named by the hparams' data paths.
func pathListings(s Spec) ([3]*listing, error) {
	var out [3]*listing
	keys := [3]string{"data.train_data_path", "data.val_data_path", "data.synthesis_data_path"}
	paths := [3]string{s.TrainPath, s.ValPath, s.TestPath}
	if paths[2] == "" || filepath.Clean(paths[2]) == filepath.Clean(paths[1]) {
		paths[2] = ""
	}
	for k, p := range paths {
		if p == "" && k == 2 {
			continue
		}
		if p == "" {
			return out, fmt.Errorf("data: %s is empty: set it to a folder of images or arrays, "+
				"or pass --data-dir", keys[k])
		}
		l, err := listFolder(p)
		if err != nil {
			return out, fmt.Errorf("%w (%s; or pass --data-dir)", err, keys[k])
		}
		out[k] = l
	}
	return out, nil
}

// openListing opens one split's files as a streamed dataset.
func openListing(l *listing, s Spec, noted *noteSet) (*Dataset, error) {
	enc := CenteredBits(s.NumBits)
	if err := enc.validate(); err != nil {
		return nil, err
	}
	var r reader
	var n int
	var ir *imageReader
	if len(l.arrays) > 0 {
		ar, err := openArrays(l.arrays, s.Channels, s.Res, s.Note)
		if err != nil {
			return nil, err
		}
		r, n = ar, ar.start[len(ar.start)-1]
		if n == 0 {
			ar.close()
			return nil, fmt.Errorf("data: the arrays in %s hold no images", l.where)
		}
	} else {
		ir = &imageReader{paths: l.images, root: l.root, c: s.Channels, res: s.Res}
		r, n = ir, len(l.images)
	}
	st := newStream(r, n, s, l.skipped, noted)
	st.where = l.where
	if ir != nil {
		ir.st = st
	}
	return &Dataset{st: st, shape: [4]int{n, s.Channels, s.Res, s.Res}, enc: enc,
		table: enc.table(), origin: l.where}, nil
}

// closeAll closes the streams of ds.
func closeAll(ds []*Dataset) error {
	var errs []error
	seen := map[*stream]bool{}
	for _, d := range ds {
		if d == nil || d.st == nil || seen[d.st] {
			continue
		}
		seen[d.st] = true
		errs = append(errs, d.st.r.close())
	}
	return errors.Join(errs...)
}

// Close closes the files that streamed splits keep open.
func (s *Splits) Close() error { return closeAll([]*Dataset{s.Train, s.Val, s.Test}) }

// Skipped lists, for each split, the files that were left out when the
// splits were opened and the images that could not be read since.
func (s *Splits) Skipped() (train, val, test []Skip) {
	return s.Train.Skipped(), s.Val.Skipped(), s.Test.Skipped()
}

// Skipped lists the files of d's stream that were left out when it was
// opened and the images that could not be read since, in path order; nil
// for an in-memory dataset.
func (d *Dataset) Skipped() []Skip {
	if d == nil || d.st == nil {
		return nil
	}
	return d.st.skipped()
}
