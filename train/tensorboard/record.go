package tensorboard

import (
	"encoding/binary"
	"hash/crc32"
)

// Sizes of the parts of a TFRecord around its data.
const (
	recordHeaderSize = 12 // length, masked CRC of the length
	recordFooterSize = 4  // masked CRC of the data
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC returns the masked CRC-32C of b, as TFRecord stores it: the CRC
// rotated right by 15 bits plus 0xa282ead8, so that a CRC of data that
// itself holds CRCs does not checksum to a trivial value.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + 0xa282ead8
}

// appendRecord appends data framed as one TFRecord to dst.
func appendRecord(dst, data []byte) []byte {
	var head [recordHeaderSize]byte
	binary.LittleEndian.PutUint64(head[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(head[8:], maskedCRC(head[:8]))
	dst = append(dst, head[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC(data))
}

// recordError says what is wrong with the record at the front of a buffer.
type recordError struct {
	truncated bool // the buffer ends inside the record
	msg       string
}

// nextRecord splits the first TFRecord off b and checks both its CRCs. It
// returns the record's data and the bytes after it.
func nextRecord(b []byte) (data, rest []byte, rerr *recordError) {
	if len(b) < recordHeaderSize {
		return nil, nil, &recordError{true, "file ends inside a record header"}
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if got, want := maskedCRC(b[:8]), binary.LittleEndian.Uint32(b[8:12]); got != want {
		return nil, nil, &recordError{false, "length checksum mismatch"}
	}

	// Compare in uint64 so that a huge length cannot overflow int.
	b = b[recordHeaderSize:]
	if n > uint64(len(b)) || uint64(len(b))-n < recordFooterSize {
		return nil, nil, &recordError{true, "file ends inside the data of a record"}
	}
	data, rest = b[:n], b[n+recordFooterSize:]
	if got, want := maskedCRC(data), binary.LittleEndian.Uint32(b[n:]); got != want {
		return nil, nil, &recordError{false, "data checksum mismatch"}
	}
	return data, rest, nil
}
