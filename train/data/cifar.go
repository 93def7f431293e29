package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// CIFAR-10's binary format: each record is one label byte and the 3072
// bytes of a 32×32 image, the red plane, then green, then blue.
const (
	cifarRecord = 1 + cifarImage
	cifarImage  = 3 * 32 * 32
	// cifarBatchDir is the folder that the binary version's tarball
	// extracts to.
	cifarBatchDir = "cifar-10-batches-bin"
)

// cifarHint tells the user how to get CIFAR-10.
const cifarHint = "download the binary version of CIFAR-10 (cifar-10-binary.tar.gz), extract it " +
	"and pass --data-dir with the folder holding data_batch_1.bin ... test_batch.bin " +
	"(or set $VDVAE_CIFAR10_DIR)"

// LoadCIFAR10 reads CIFAR-10's binary batches from dir (or from its
// cifar-10-batches-bin sub-folder): data_batch_1.bin to data_batch_5.bin,
// in that order, are the training set; test_batch.bin is put in the order
// numpy's RandomState(101).shuffle gives and halved into validation and
// test, as the reference does (as for MNIST). Labels are ignored. The
// images are kept in memory (184 MB), encoded Centered at 8 bits.
func LoadCIFAR10(dir string) (*Splits, error) {
	if st, err := os.Stat(filepath.Join(dir, cifarBatchDir)); err == nil && st.IsDir() {
		dir = filepath.Join(dir, cifarBatchDir)
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data: CIFAR-10 data directory: %w; %s", err, cifarHint)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("data: CIFAR-10 data directory %s is not a directory; %s", dir, cifarHint)
	}
	var train []uint8
	for b := 1; b <= 5; b++ {
		pix, err := readCIFARBatch(filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", b)), train)
		if err != nil {
			return nil, err
		}
		train = pix
	}
	test, err := readCIFARBatch(filepath.Join(dir, "test_batch.bin"), nil)
	if err != nil {
		return nil, err
	}
	if len(test)/cifarImage < 2 {
		return nil, fmt.Errorf("data: CIFAR-10 in %s: %d test images cannot be split into "+
			"validation and test", dir, len(test)/cifarImage)
	}
	enc := CenteredBits(8)
	mk := func(pix []uint8) *Dataset {
		return &Dataset{pix: pix, shape: [4]int{len(pix) / cifarImage, 3, 32, 32}, enc: enc,
			table: enc.table(), origin: dir}
	}
	return splitReference(mk(train), mk(test)), nil
}

// readCIFARBatch appends the images of one batch file to pix.
func readCIFARBatch(path string, pix []uint8) ([]uint8, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("data: no %s; %s", path, cifarHint)
	}
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if len(b) == 0 || len(b)%cifarRecord != 0 {
		return nil, formatErr(path, "%d bytes is not a whole number of %d-byte records (a label "+
			"byte and 3072 pixels): truncated or not a CIFAR-10 binary batch", len(b), cifarRecord)
	}
	for r := 0; r < len(b); r += cifarRecord {
		if b[r] > 9 {
			return nil, formatErr(path, "record %d has label %d: not a CIFAR-10 binary batch "+
				"(CIFAR-100's files have two label bytes)", r/cifarRecord, b[r])
		}
		pix = append(pix, b[r+1:r+cifarRecord]...)
	}
	return pix, nil
}
