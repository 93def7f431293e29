package npy

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"testing"
)

// An entry whose zip header and .npy header both claim terabytes must be
// refused from the archive's real size, without allocating what it claims.
func TestReadNPZRefusesSizeClaims(t *testing.T) {
	header := "{'descr': '|u1', 'fortran_order': False, 'shape': (8796093022208,), }"
	for len(header)%64 != 64-11 {
		header += " "
	}
	npy := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)+1), 0)
	npy = append(append(npy, header...), '\n')
	npy = append(npy, make([]byte, 1000)...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bomb.npy", Method: zip.Store,
		CRC32: crc32.ChecksumIEEE(npy), CompressedSize64: uint64(len(npy)),
		UncompressedSize64: 1 << 45})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(npy)
	zw.Close()
	_, err = ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want an invalid-file error", err)
	}
}
