package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxIDXBytes is the largest payload ReadIDX accepts: 1 GiB, about twenty
// times MNIST's training images. A header that claims more is reported as
// invalid instead of being allocated.
const MaxIDXBytes = 1 << 30

// idxUbyte is the IDX element type code of unsigned bytes.
const idxUbyte = 0x08

// idxTypeNames names the IDX element types other than unsigned bytes, which
// are valid IDX but unsupported here.
var idxTypeNames = map[byte]string{
	0x09: "signed byte",
	0x0b: "int16",
	0x0c: "int32",
	0x0d: "float32",
	0x0e: "float64",
}

// IDX is the content of an IDX file of unsigned bytes: images (magic
// 0x00000803, dims [N, rows, cols]) or labels (magic 0x00000801, dims [N]).
type IDX struct {
	// Dims lists the dimensions from the header, outermost first.
	Dims []int
	// Data holds the values in row-major order; len(Data) is the product of
	// Dims.
	Data []byte
}

// FormatError reports a file that is not a valid IDX file: a bad magic
// number, a truncated file, or dimensions that do not match its size.
type FormatError struct {
	Path string // the file
	Msg  string // what is wrong
}

func (e *FormatError) Error() string { return "data: " + e.Path + ": " + e.Msg }

// UnsupportedError reports a valid file that this package cannot read, such
// as an IDX file of float32 elements.
type UnsupportedError struct {
	Path string // the file
	Msg  string // what is not supported
}

func (e *UnsupportedError) Error() string {
	return "data: " + e.Path + ": unsupported: " + e.Msg
}

func formatErr(path, format string, args ...any) error {
	return &FormatError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// ReadIDX reads an IDX file of unsigned bytes, plain or gzip-compressed. The
// compression is detected from the first two bytes, not from the file name.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: read IDX: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: read IDX: %w", err)
	}

	br := bufio.NewReaderSize(f, 1<<16)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErr(path, "bad gzip stream: %v", err)
		}
		defer zr.Close()
		return decodeIDX(path, zr, -1)
	}
	return decodeIDX(path, br, st.Size())
}

// decodeIDX parses IDX from r. size is the byte count of a plain file, which
// is checked against the header before anything is allocated, or -1 for a
// compressed stream, whose payload is read incrementally so that a short
// stream claiming huge dimensions allocates only what it holds.
func decodeIDX(path string, r io.Reader, size int64) (*IDX, error) {
	var magic [4]byte
	if err := readFull(path, r, magic[:], "magic number"); err != nil {
		return nil, err
	}
	ndims := int(magic[3])
	if err := checkMagic(path, magic); err != nil {
		return nil, err
	}

	raw := make([]byte, 4*ndims)
	if err := readFull(path, r, raw, "dimensions"); err != nil {
		return nil, err
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
	}
	total, err := payloadSize(path, dims)
	if err != nil {
		return nil, err
	}

	if size >= 0 {
		if want := int64(4+4*ndims) + total; size != want {
			return nil, sizeMismatch(path, dims, want, size)
		}
	}
	data, err := readPayload(path, r, dims, total, size < 0)
	if err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func checkMagic(path string, m [4]byte) error {
	switch {
	case m[0] != 0 || m[1] != 0:
		return formatErr(path, "bad magic %#08x: not an IDX file", binary.BigEndian.Uint32(m[:]))
	case m[2] != idxUbyte:
		if name, ok := idxTypeNames[m[2]]; ok {
			msg := fmt.Sprintf("IDX element type %#02x (%s); only unsigned bytes (0x08) are read",
				m[2], name)
			return &UnsupportedError{Path: path, Msg: msg}
		}
		return formatErr(path, "bad magic %#08x: unknown IDX element type %#02x",
			binary.BigEndian.Uint32(m[:]), m[2])
	case m[3] == 0:
		return formatErr(path, "bad magic %#08x: zero dimensions", binary.BigEndian.Uint32(m[:]))
	}
	return nil
}

// payloadSize multiplies the dimensions, refusing products above MaxIDXBytes
// before they can overflow.
func payloadSize(path string, dims []int) (int64, error) {
	total := int64(1)
	for _, d := range dims {
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range dims {
		if int64(d) > MaxIDXBytes/total {
			return 0, formatErr(path, "dimensions %v would need more than %d bytes: absurd size, "+
				"corrupt header?", dims, MaxIDXBytes)
		}
		total *= int64(d)
	}
	return total, nil
}

func sizeMismatch(path string, dims []int, want, have int64) error {
	if have < want {
		return formatErr(path, "truncated: dimensions %v need %d bytes, the file has %d",
			dims, want, have)
	}
	return formatErr(path, "dimensions %v need %d bytes, the file has %d (%d extra)",
		dims, want, have, have-want)
}

// readPayload reads exactly total bytes. For a compressed stream it then
// reads to the end, which makes gzip verify its checksum, and rejects
// trailing data.
func readPayload(path string, r io.Reader, dims []int, total int64,
	compressed bool) ([]byte, error) {
	if !compressed {
		data := make([]byte, total)
		return data, readFull(path, r, data, "pixel data")
	}
	data, err := io.ReadAll(io.LimitReader(r, total))
	if err != nil {
		return nil, streamErr(path, err, "pixel data")
	}
	if int64(len(data)) < total {
		return nil, formatErr(path, "truncated: dimensions %v need %d data bytes, "+
			"the decompressed stream has %d", dims, total, len(data))
	}
	var extra [1]byte
	n, err := io.ReadFull(r, extra[:])
	switch {
	case n > 0:
		return nil, formatErr(path, "decompressed data is longer than dimensions %v say (%d bytes)",
			dims, total)
	case err != io.EOF:
		return nil, streamErr(path, err, "end of stream")
	}
	return data, nil
}

func readFull(path string, r io.Reader, buf []byte, what string) error {
	if _, err := io.ReadFull(r, buf); err != nil {
		return streamErr(path, err, what)
	}
	return nil
}

// streamErr turns a read error into a FormatError when the data is at fault
// (a short file, corrupt gzip) and wraps it otherwise (an I/O error).
func streamErr(path string, err error, what string) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return formatErr(path, "truncated while reading the %s", what)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader),
		errors.As(err, &corrupt):
		return formatErr(path, "corrupt gzip data while reading the %s: %v", what, err)
	}
	return fmt.Errorf("data: read IDX %s: %w", path, err)
}
