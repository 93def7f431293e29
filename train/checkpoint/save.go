package checkpoint

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"
)

// tempInfix marks the temporary file Save writes before the rename:
// "<name>.tmp-<random>".
const tempInfix = ".tmp-"

// Save writes ck to path atomically: readers see the old file or the new
// one, never a mixture, and after Save returns the new file survives a
// crash.
func Save(path string, ck *Checkpoint) error {
	hdr, err := buildHeader(ck)
	if err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	if err := writeAtomic(path, func(w io.Writer) error { return encode(w, hdr, ck) }); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	return nil
}

// buildHeader checks ck and lays out its tensors.
func buildHeader(ck *Checkpoint) (*header, error) {
	hdr := &header{Tensors: make([]tensorEntry, len(ck.Tensors))}
	if len(ck.Meta) > 0 {
		if !json.Valid(ck.Meta) {
			return nil, errors.New("metadata is not valid JSON")
		}
		hdr.Meta = ck.Meta
	}
	seen := make(map[string]bool, len(ck.Tensors))
	for i, t := range ck.Tensors {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("tensor %d: empty or repeated name %q", i, t.Name)
		}
		seen[t.Name] = true
		n, err := shapeCount(t.Shape, math.MaxInt64/4)
		if err != nil || n != int64(len(t.Data)) {
			return nil, fmt.Errorf("tensor %q: shape %v does not hold its %d values",
				t.Name, t.Shape, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		hdr.Tensors[i] = tensorEntry{Name: t.Name, Shape: shape, Offset: hdr.DataSize, Count: n}
		hdr.DataSize += 4 * n
	}
	return hdr, nil
}

// encode writes the whole file format to w.
func encode(w io.Writer, hdr *header, ck *Checkpoint) error {
	// The data offset depends on the header's length, which depends on the
	// offset's digits: settle it by marshaling until it stops moving.
	var js []byte
	for {
		var err error
		if js, err = json.Marshal(hdr); err != nil {
			return fmt.Errorf("encode header: %w", err)
		}
		if off := alignUp(prefixSize + int64(len(js))); off != hdr.DataOffset {
			hdr.DataOffset = off
			continue
		}
		break
	}
	if len(js) > math.MaxUint32 {
		return fmt.Errorf("header of %d bytes is too large", len(js))
	}

	sum := sha256.New()
	bw := bufio.NewWriterSize(w, 1<<20)
	hw := io.MultiWriter(bw, sum)
	var prefix [prefixSize]byte
	copy(prefix[:], Magic)
	binary.LittleEndian.PutUint32(prefix[8:], Version)
	binary.LittleEndian.PutUint32(prefix[12:], uint32(len(js)))
	hw.Write(prefix[:])
	hw.Write(js)
	hw.Write(make([]byte, hdr.DataOffset-prefixSize-int64(len(js))))
	buf := make([]byte, 1<<16)
	for _, t := range ck.Tensors {
		writeFloats(hw, buf, t.Data)
	}
	bw.Write(sum.Sum(nil))
	return bw.Flush() // a bufio.Writer keeps its first error until Flush
}

// writeFloats writes vals as little-endian float32 through buf.
func writeFloats(w io.Writer, buf []byte, vals []float32) {
	for len(vals) > 0 {
		n := min(len(vals), len(buf)/4)
		for i, v := range vals[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		w.Write(buf[:4*n])
		vals = vals[n:]
	}
}

// writeAtomic writes a temporary file next to path with write, syncs it,
// renames it to path and syncs the folder. The temporary file is removed on
// failure.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+tempInfix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. File systems that cannot sync a
// folder say so with EINVAL or ENOTSUP, which is not an error here.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) &&
		!errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
