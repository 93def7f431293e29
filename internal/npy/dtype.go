package npy

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dtype is one of the four element types this package handles.
type dtype struct {
	kind byte // 'f' float32, 'u' uint8, 'i' int64, 'U' unicode
	size int  // bytes per element; 4*k for a '<Uk' string
}

// descr returns the dtype as numpy's header spells it, e.g. '<f4' or '<U7'.
func (d dtype) descr() string {
	switch d.kind {
	case 'f':
		return "<f4"
	case 'u':
		return "|u1"
	case 'i':
		return "<i8"
	}
	return "<U" + strconv.Itoa(d.size/4)
}

// supportedList names the dtypes the reader accepts, for error messages.
const supportedList = "'<f4' (float32), '|u1' (uint8), '<i8' (int64) and '<Uk' (unicode)"

// parseDescr maps a header's descr to a dtype, or says why it cannot.
func parseDescr(s string) (dtype, error) {
	switch s {
	case "<f4":
		return dtype{'f', 4}, nil
	case "|u1", "<u1", ">u1", "=u1":
		return dtype{'u', 1}, nil
	case "<i8":
		return dtype{'i', 8}, nil
	}
	if strings.HasPrefix(s, "|O") || strings.HasPrefix(s, "<O") || strings.HasPrefix(s, ">O") {
		return dtype{}, unsupportedf("dtype %q is a Python object array, stored pickled; "+
			"this reader never unpickles: save a numeric or string array instead", s)
	}
	if k, ok := strings.CutPrefix(s, "<U"); ok {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || n > math.MaxInt32/4 {
			return dtype{}, invalidf("bad string dtype %q: want a width from 1 to 2^29-1", s)
		}
		return dtype{'U', 4 * n}, nil
	}
	if strings.HasPrefix(s, ">") && len(s) > 2 {
		return dtype{}, unsupportedf("dtype %q is big-endian; save it little-endian "+
			"(arr.astype(arr.dtype.newbyteorder('<')))", s)
	}
	return dtype{}, unsupportedf("dtype %q; supported are %s", s, supportedList)
}

// dtypeOf returns the dtype of a Go slice held in Array.Data.
func dtypeOf(data any) (dtype, int, error) {
	switch v := data.(type) {
	case []float32:
		return dtype{'f', 4}, len(v), nil
	case []uint8:
		return dtype{'u', 1}, len(v), nil
	case []int64:
		return dtype{'i', 8}, len(v), nil
	case []string:
		return dtype{'U', 4 * longest(v)}, len(v), nil
	}
	return dtype{}, 0, fmt.Errorf("field Data is %T; want []float32, []uint8, []int64 or []string",
		data)
}

// longest returns the length in code points of the longest string, at least
// 1 as numpy makes it ('<U1' for an empty array or empty strings).
func longest(ss []string) int {
	k := 1
	for _, s := range ss {
		k = max(k, utf8.RuneCountInString(s))
	}
	return k
}

// encode appends the little-endian bytes of data (whose dtype is d) to buf.
func encode(buf []byte, d dtype, data any) []byte {
	switch v := data.(type) {
	case []float32:
		for _, x := range v {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
	case []uint8:
		buf = append(buf, v...)
	case []int64:
		for _, x := range v {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
		}
	case []string:
		for _, s := range v {
			buf = appendUTF32(buf, s, d.size/4)
		}
	}
	return buf
}

// appendUTF32 appends s as k UTF-32LE code points, padded with zeros.
// Invalid UTF-8 bytes become U+FFFD, one per byte.
func appendUTF32(buf []byte, s string, k int) []byte {
	n := 0
	for _, r := range s {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(r))
		n++
	}
	for ; n < k; n++ {
		buf = binary.LittleEndian.AppendUint32(buf, 0)
	}
	return buf
}

// decode turns count elements of raw little-endian bytes into a Go slice.
func decode(raw []byte, d dtype, count int) (any, error) {
	switch d.kind {
	case 'f':
		out := make([]float32, count)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	case 'u':
		return raw[:count:count], nil
	case 'i':
		out := make([]int64, count)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return out, nil
	}
	return decodeStrings(raw, d.size/4, count)
}

// decodeStrings reads count fixed-width UTF-32LE strings of k code points,
// dropping the trailing NUL padding as numpy does.
func decodeStrings(raw []byte, k, count int) ([]string, error) {
	out := make([]string, count)
	runes := make([]rune, 0, min(k, 256))
	for i := range out {
		runes = runes[:0]
		for j := range k {
			c := binary.LittleEndian.Uint32(raw[4*(i*k+j):])
			if c > utf8.MaxRune {
				return nil, invalidf("string %d holds %#x, which is not a Unicode code point", i, c)
			}
			runes = append(runes, rune(c))
		}
		for len(runes) > 0 && runes[len(runes)-1] == 0 {
			runes = runes[:len(runes)-1]
		}
		out[i] = string(runes)
	}
	return out, nil
}
