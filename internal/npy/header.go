package npy

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

const (
	magic      = "\x93NUMPY"
	align      = 64 // the data starts at a multiple of this many bytes
	growSpaces = 21 // numpy's spare room after the dict, less the digits of shape[0]
	maxHeader  = math.MaxUint32
)

// formatHeader returns the header dict exactly as np.save writes it, with
// the spare spaces numpy adds so the shape can grow in place.
func formatHeader(d dtype, shape []int) string {
	var b strings.Builder
	b.WriteString("{'descr': '" + d.descr() + "', 'fortran_order': False, 'shape': ")
	b.WriteString(tuple(shape))
	b.WriteString(", }")
	if len(shape) > 0 {
		b.WriteString(strings.Repeat(" ", max(0, growSpaces-len(strconv.Itoa(shape[0])))))
	}
	return b.String()
}

// wrapHeader returns magic, version, length and the padded header: version
// 1.0 when the padded length fits in 16 bits, else 2.0. Like numpy, it pads
// with 1 to 64 spaces before the final newline.
func wrapHeader(h string) []byte {
	for _, v := range [][2]byte{{1, 0}, {2, 0}} {
		lenSize := 2
		if v[0] == 2 {
			lenSize = 4
		}
		hlen := len(h) + 1
		pad := align - (len(magic)+2+lenSize+hlen)%align
		total := hlen + pad
		if v[0] == 1 && total > math.MaxUint16 {
			continue
		}
		out := append([]byte(magic), v[0], v[1])
		if lenSize == 2 {
			out = binary.LittleEndian.AppendUint16(out, uint16(total))
		} else {
			out = binary.LittleEndian.AppendUint32(out, uint32(total))
		}
		out = append(out, h...)
		out = append(out, strings.Repeat(" ", pad)...)
		return append(out, '\n')
	}
	panic("npy: header too large") // unreachable: callers bound the header
}

// tuple formats a shape as Python writes a tuple: (), (3,) or (2, 3).
func tuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = strconv.Itoa(n)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// header is what a .npy header says about its array.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

// count returns the number of elements and data bytes the header implies,
// or an error when they overflow.
func (h header) count(d dtype) (n, size int64, err error) {
	n = 1
	for _, dim := range h.shape {
		hi, lo := bits.Mul64(uint64(n), uint64(dim))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, 0, invalidf("shape %s has more elements than fit in 64 bits", tuple(h.shape))
		}
		n = int64(lo)
	}
	hi, lo := bits.Mul64(uint64(n), uint64(d.size))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, 0, invalidf("shape %s of %s is more bytes than fit in 64 bits",
			tuple(h.shape), d.descr())
	}
	return n, int64(lo), nil
}
