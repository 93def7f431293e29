package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Array is one named n-dimensional array in C (row-major) order.
type Array struct {
	// Name is the array's key in an .npz archive (without ".npy"); a .npy
	// file read from disk gets its base name.
	Name string

	// Shape lists the dimensions; empty for a 0-d array, which holds one
	// value.
	Shape []int

	// Data is a []float32, []uint8, []int64 or []string holding the
	// product of Shape elements.
	Data any
}

// DType returns the array's numpy dtype as a header spells it, e.g. '<f4',
// '|u1', '<i8' or '<U7', or "" when Data is not one of the four slice types.
func (a Array) DType() string {
	d, _, err := dtypeOf(a.Data)
	if err != nil {
		return ""
	}
	return d.descr()
}

// check validates a for writing and returns its dtype and element count.
func (a Array) check() (dtype, int, error) {
	d, n, err := dtypeOf(a.Data)
	if err != nil {
		return d, 0, fmt.Errorf("npy: array %q: %w", a.Name, err)
	}
	want := 1
	for _, dim := range a.Shape {
		if dim < 0 {
			return d, 0, fmt.Errorf("npy: array %q: negative dimension in shape %v", a.Name, a.Shape)
		}
		if dim > 0 && want > math.MaxInt/dim {
			return d, 0, fmt.Errorf("npy: array %q: shape %v overflows", a.Name, a.Shape)
		}
		want *= dim
	}
	if want != n {
		return d, 0, fmt.Errorf("npy: array %q: shape %v holds %d values, Data has %d",
			a.Name, a.Shape, want, n)
	}
	if s, ok := a.Data.([]string); ok {
		for i, v := range s {
			if strings.HasSuffix(v, "\x00") {
				return d, 0, fmt.Errorf("npy: array %q: string %d ends in NUL, "+
					"which numpy drops on load", a.Name, i)
			}
		}
	}
	return d, n, nil
}

// WriteNPY writes a as a .npy file: the bytes np.save writes for the same
// array.
func WriteNPY(w io.Writer, a Array) error {
	d, n, err := a.check()
	if err != nil {
		return err
	}
	h := formatHeader(d, a.Shape)
	if len(h) > maxHeader-2*align {
		return fmt.Errorf("npy: array %q: %d dimensions make the header too long", a.Name, len(a.Shape))
	}
	if _, err := w.Write(wrapHeader(h)); err != nil {
		return fmt.Errorf("npy: write array %q: %w", a.Name, err)
	}
	if err := writeData(w, d, a.Data, n); err != nil {
		return fmt.Errorf("npy: write array %q: %w", a.Name, err)
	}
	return nil
}

// writeData writes n elements in chunks, so memory stays small whatever
// the array's size.
func writeData(w io.Writer, d dtype, data any, n int) error {
	const step = 1 << 14
	var buf []byte
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		buf = encode(buf[:0], d, slice(data, lo, hi))
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// slice returns data[lo:hi] for any of the four slice types.
func slice(data any, lo, hi int) any {
	switch v := data.(type) {
	case []float32:
		return v[lo:hi]
	case []uint8:
		return v[lo:hi]
	case []int64:
		return v[lo:hi]
	case []string:
		return v[lo:hi]
	}
	return nil
}

// ReadNPY reads one .npy array from r. The Name of the result is empty.
func ReadNPY(r io.Reader) (Array, error) {
	return readNPY(r, -1)
}

// readNPY reads a .npy array. size is the number of bytes r holds, or -1
// when unknown; when known, a header that claims more data is refused
// before anything is allocated.
func readNPY(r io.Reader, size int64) (Array, error) {
	h, hsize, err := readHeader(r)
	if err != nil {
		return Array{}, err
	}
	d, err := h.dtype()
	if err != nil {
		return Array{}, err
	}
	n, need, err := h.count(d)
	if err != nil {
		return Array{}, err
	}
	if size >= 0 && need > size-hsize {
		return Array{}, invalidf("shape %s of %s needs %d bytes of data, the file has %d "+
			"after the header (truncated?)", tuple(h.shape), d.descr(), need, size-hsize)
	}
	raw, err := readData(r, need, size >= 0)
	if err != nil {
		return Array{}, err
	}
	if int64(len(raw)) < need {
		return Array{}, invalidf("shape %s of %s needs %d bytes of data, the file has %d "+
			"(truncated?)", tuple(h.shape), d.descr(), need, len(raw))
	}
	data, err := decode(raw, d, int(n))
	if err != nil {
		return Array{}, err
	}
	return Array{Shape: h.shape, Data: data}, nil
}

// dtype checks the header's descr and memory order.
func (h header) dtype() (dtype, error) {
	d, err := parseDescr(h.descr)
	if err != nil {
		return d, err
	}
	if h.fortran && len(h.shape) > 1 {
		return d, unsupportedf("fortran_order is True; save a C-ordered array " +
			"(np.ascontiguousarray(arr))")
	}
	return d, nil
}

// readHeader reads the magic, version and header; it returns the parsed
// header and the number of bytes read.
func readHeader(r io.Reader) (header, int64, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return header{}, 0, shortRead(err, "the magic string and version")
	}
	if string(pre[:6]) != magic {
		return header{}, 0, invalidf("bad magic %q, want %q: not a .npy file", pre[:6], magic)
	}
	major, minor := pre[6], pre[7]
	lenSize := 4
	switch {
	case major == 1 && minor == 0:
		lenSize = 2
	case (major == 2 || major == 3) && minor == 0:
	default:
		return header{}, 0, unsupportedf("format version %d.%d; supported are 1.0, 2.0 and 3.0",
			major, minor)
	}
	hlen, err := readLen(r, lenSize)
	if err != nil {
		return header{}, 0, err
	}
	text, err := readData(r, hlen, false)
	if err == nil && int64(len(text)) < hlen {
		err = invalidf("header of %d bytes is cut short at %d (truncated?)", hlen, len(text))
	}
	if err != nil {
		return header{}, 0, err
	}
	h, err := parseHeader(string(text))
	return h, 6 + 2 + int64(lenSize) + hlen, err
}

// readLen reads the little-endian header length of n (2 or 4) bytes.
func readLen(r io.Reader, n int) (int64, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:n]); err != nil {
		return 0, shortRead(err, "the header length")
	}
	if n == 2 {
		return int64(binary.LittleEndian.Uint16(b[:])), nil
	}
	return int64(binary.LittleEndian.Uint32(b[:])), nil
}

// readData reads up to n bytes. When trusted (the size of r is known and
// covers n) it allocates n bytes at once; otherwise the buffer grows only
// as data arrives, so a lying header cannot force a huge allocation.
func readData(r io.Reader, n int64, trusted bool) ([]byte, error) {
	if n > math.MaxInt {
		return nil, invalidf("%d bytes of data do not fit in memory", n)
	}
	if trusted {
		buf := make([]byte, n)
		k, err := io.ReadFull(r, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		return buf[:k], err
	}
	var b bytes.Buffer
	_, err := b.ReadFrom(io.LimitReader(r, n))
	return b.Bytes(), err
}

// shortRead turns an end of input while reading what into an invalid-file
// error and passes other errors through.
func shortRead(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidf("file ends before %s (empty or truncated)", what)
	}
	return err
}
