package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an IDX file of unsigned bytes.
func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUbyte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadIDXRoundTrip(t *testing.T) {
	dims := []int{3, 2, 4}
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i * 10)
	}
	raw := idxBytes(dims, data)
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"plain", raw},
		{"gzip", gzipBytes(t, raw)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The name says nothing: compression is detected from content.
			path := writeFile(t, t.TempDir(), "images.bin", tc.content)
			idx, err := ReadIDX(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(idx.Dims, dims) || !bytes.Equal(idx.Data, data) {
				t.Errorf("got dims %v data %v, want %v %v", idx.Dims, idx.Data, dims, data)
			}
		})
	}
}

func TestReadIDXLabels(t *testing.T) {
	path := writeFile(t, t.TempDir(), "labels", idxBytes([]int{5}, []byte{7, 2, 1, 0, 4}))
	idx, err := ReadIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idx.Dims, []int{5}) || !bytes.Equal(idx.Data, []byte{7, 2, 1, 0, 4}) {
		t.Errorf("got %v %v", idx.Dims, idx.Data)
	}
}

func TestReadIDXRejectsMalformed(t *testing.T) {
	good := idxBytes([]int{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	huge := idxBytes([]int{1 << 20, 1 << 20, 1 << 20}, nil)
	corruptGzip := gzipBytes(t, good)
	corruptGzip[len(corruptGzip)-6] ^= 0xff // inside the CRC-32 trailer
	for _, tc := range []struct {
		name        string
		content     []byte
		unsupported bool
		want        string
	}{
		{"empty", nil, false, "truncated while reading the magic"},
		{"short magic", []byte{0, 0, 8}, false, "truncated while reading the magic"},
		{"bad magic", []byte("PK\x03\x04rest of a zip"), false, "bad magic"},
		{"unknown type", []byte{0, 0, 0x42, 1, 0, 0, 0, 0}, false, "unknown IDX element type"},
		{"float32 type", []byte{0, 0, 0x0d, 1, 0, 0, 0, 0}, true, "float32"},
		{"zero dims", []byte{0, 0, 8, 0}, false, "zero dimensions"},
		{"short dims", []byte{0, 0, 8, 3, 0, 0, 0, 2}, false, "truncated while reading the dimensions"},
		{"truncated data", good[:len(good)-3], false, "truncated: dimensions [2 2 2] need 24 bytes, the file has 21"},
		{"trailing data", append(slices.Clone(good), 9), false, "(1 extra)"},
		{"absurd size", huge, false, "absurd size"},
		{"gzip truncated data", gzipBytes(t, good[:len(good)-3]), false, "truncated"},
		{"gzip cut stream", gzipBytes(t, good)[:20], false, "truncated"},
		{"gzip trailing data", gzipBytes(t, append(slices.Clone(good), 9)), false, "longer than"},
		{"gzip absurd size", gzipBytes(t, huge), false, "absurd size"},
		{"gzip bad checksum", corruptGzip, false, "corrupt gzip"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0}, false, "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "bad-idx", tc.content)
			_, err := ReadIDX(path)
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FormatError
			var ue *UnsupportedError
			if tc.unsupported && !errors.As(err, &ue) || !tc.unsupported && !errors.As(err, &fe) {
				t.Errorf("error %v has type %T", err, err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name the file or contain %q", msg, tc.want)
			}
		})
	}
}

func TestReadIDXMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope")
	_, err := ReadIDX(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want a not-exist error naming %s", err, path)
	}
}

func FuzzReadIDX(f *testing.F) {
	good := idxBytes([]int{2, 3, 2}, []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255})
	f.Add(good)
	f.Add(gzipBytes(f, good))
	f.Add(idxBytes([]int{4}, []byte{1, 2, 3, 4}))
	f.Add([]byte{0, 0, 8, 3, 255, 255, 255, 255})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		path := writeFile(t, dir, "fuzz-idx", content)
		idx, err := ReadIDX(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if n != len(idx.Data) {
			t.Errorf("dims %v but %d bytes of data", idx.Dims, len(idx.Data))
		}
	})
}
