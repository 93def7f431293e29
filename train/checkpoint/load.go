package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
)

// Load reads and verifies the checkpoint at path. It checks the magic, the
// version, the header against the file size and the checksum before
// returning anything, and allocates no more than the file's size justifies.
func Load(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load: %w", err)
	}
	d := &decoder{path: path, size: st.Size(), sum: sha256.New()}
	d.r = io.TeeReader(bufio.NewReaderSize(f, 1<<20), d.sum)
	return d.decode(f)
}

// decoder reads one file front to back, hashing everything it reads.
type decoder struct {
	path string
	size int64
	r    io.Reader
	sum  hash.Hash
}

func (d *decoder) decode(f *os.File) (*Checkpoint, error) {
	if d.size < prefixSize+checksumSize {
		return nil, corrupt(d.path, "truncated: %d bytes, shorter than any checkpoint", d.size)
	}
	var prefix [prefixSize]byte
	if err := d.read(prefix[:]); err != nil {
		return nil, err
	}
	if string(prefix[:8]) != Magic {
		return nil, corrupt(d.path, "bad magic %q: not a vdvae checkpoint", prefix[:8])
	}
	if v := binary.LittleEndian.Uint32(prefix[8:]); v != Version {
		return nil, d.versionError(f, v)
	}

	hlen := int64(binary.LittleEndian.Uint32(prefix[12:]))
	hdr, err := d.readHeader(hlen)
	if err != nil {
		return nil, err
	}
	// The padding is covered by the checksum like everything else.
	if err := d.read(make([]byte, hdr.DataOffset-prefixSize-hlen)); err != nil {
		return nil, err
	}
	ck := &Checkpoint{Tensors: make([]Tensor, len(hdr.Tensors)), Meta: hdr.Meta}
	buf := make([]byte, 1<<16)
	for i, e := range hdr.Tensors {
		ck.Tensors[i] = Tensor{Name: e.Name, Shape: e.Shape, Data: make([]float32, e.Count)}
		if err := d.readFloats(buf, ck.Tensors[i].Data); err != nil {
			return nil, err
		}
	}
	return ck, d.verifySum()
}

// read fills buf, reporting a short read as truncation.
func (d *decoder) read(buf []byte) error {
	_, err := io.ReadFull(d.r, buf)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return corrupt(d.path, "truncated while reading")
	case err != nil:
		return fmt.Errorf("checkpoint: load %s: %w", d.path, err)
	}
	return nil
}

// readHeader reads and checks the JSON header of length n.
func (d *decoder) readHeader(n int64) (*header, error) {
	if n > d.size-prefixSize-checksumSize {
		return nil, corrupt(d.path, "truncated: header of %d bytes does not fit in a file of %d",
			n, d.size)
	}
	js := make([]byte, n)
	if err := d.read(js); err != nil {
		return nil, err
	}
	var hdr header
	if err := json.Unmarshal(js, &hdr); err != nil {
		return nil, corrupt(d.path, "bad header: %v", err)
	}
	if err := d.checkLayout(&hdr, n); err != nil {
		return nil, err
	}
	return &hdr, nil
}

// checkLayout checks that the header describes exactly this file: tensors
// back to back from offset 0, sizes that add up, and the file's length.
func (d *decoder) checkLayout(hdr *header, n int64) error {
	if want := alignUp(prefixSize + n); hdr.DataOffset != want {
		return corrupt(d.path, "bad header: data offset %d, want %d", hdr.DataOffset, want)
	}
	if want := hdr.DataOffset + hdr.DataSize + checksumSize; hdr.DataSize < 0 || want != d.size {
		if hdr.DataSize >= 0 && want > d.size {
			return corrupt(d.path, "truncated: the header describes %d bytes, the file has %d",
				want, d.size)
		}
		return corrupt(d.path, "bad size: the header describes %d bytes, the file has %d",
			want, d.size)
	}
	var off int64
	seen := make(map[string]bool, len(hdr.Tensors))
	for _, e := range hdr.Tensors {
		n, err := shapeCount(e.Shape, hdr.DataSize/4)
		switch {
		case err != nil:
			return corrupt(d.path, "bad header: tensor %q: %v", e.Name, err)
		case e.Name == "" || seen[e.Name]:
			return corrupt(d.path, "bad header: empty or repeated tensor name %q", e.Name)
		case n != e.Count || e.Offset != off || off+4*n > hdr.DataSize:
			return corrupt(d.path, "bad header: tensor %q: shape %v, count %d, offset %d "+
				"do not follow the previous tensor", e.Name, e.Shape, e.Count, e.Offset)
		}
		seen[e.Name] = true
		off += 4 * n
	}
	if off != hdr.DataSize {
		return corrupt(d.path, "bad header: tensors hold %d bytes, data size is %d", off, hdr.DataSize)
	}
	return nil
}

// readFloats fills vals with little-endian float32 values read through buf.
func (d *decoder) readFloats(buf []byte, vals []float32) error {
	for len(vals) > 0 {
		n := min(len(vals), len(buf)/4)
		if err := d.read(buf[:4*n]); err != nil {
			return err
		}
		for i := range vals[:n] {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		vals = vals[n:]
	}
	return nil
}

// verifySum reads the stored checksum and compares it with the one computed
// over everything read so far.
func (d *decoder) verifySum() error {
	got := d.sum.Sum(nil)
	var stored [checksumSize]byte
	if _, err := io.ReadFull(d.r, stored[:]); err != nil {
		return corrupt(d.path, "truncated while reading the checksum")
	}
	if !bytes.Equal(got, stored[:]) {
		return corrupt(d.path, "checksum mismatch: stored %x, computed %x", stored[:8], got[:8])
	}
	return nil
}

// versionError tells an intact file of another version, whose trailer still
// matches, from a corrupt one, by hashing the whole file.
func (d *decoder) versionError(f *os.File, v uint32) error {
	sum := sha256.New()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("checkpoint: load %s: %w", d.path, err)
	}
	if _, err := io.CopyN(sum, f, d.size-checksumSize); err != nil {
		return fmt.Errorf("checkpoint: load %s: %w", d.path, err)
	}
	var stored [checksumSize]byte
	if _, err := io.ReadFull(f, stored[:]); err != nil || !bytes.Equal(sum.Sum(nil), stored[:]) {
		return corrupt(d.path, "format version %d and checksum mismatch", v)
	}
	return &FileError{Path: d.path, Kind: ErrUnsupportedVersion,
		Msg: fmt.Sprintf("format version %d; this build reads version %d, use a newer vdvae", v, Version)}
}
