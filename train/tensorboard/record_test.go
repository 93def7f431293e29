package tensorboard

import (
	"encoding/hex"
	"testing"
)

// The expected values in this file were computed with TensorBoard 2.21's own
// Python code, not with this package:
//
//	from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
//	hex(masked_crc32c(b"hello"))
//
//	from tensorboard.summary.writer.record_writer import RecordWriter
//	b = io.BytesIO(); w = RecordWriter(b); w.write(b"hello"); w.flush()
//	b.getvalue().hex()

func TestMaskedCRC(t *testing.T) {
	tests := []struct {
		name string
		data string
		want uint32
	}{
		{"empty", "", 0xa282ead8}, // the CRC of nothing is 0, so only the mask is left
		{"hello", "hello", 0x191c1fbb},
		{"check string", "123456789", 0xc78ab0e5},
		{"length 24", "\x18\x00\x00\x00\x00\x00\x00\x00", 0x224b7fa3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskedCRC([]byte(tt.data)); got != tt.want {
				t.Errorf("maskedCRC(%q) = %#08x, want %#08x", tt.data, got, tt.want)
			}
		})
	}
}

func TestAppendRecordMatchesTensorBoard(t *testing.T) {
	const want = "0500000000000000" + "eab2043e" + "68656c6c6f" + "bb1f1c19"
	got := hex.EncodeToString(appendRecord(nil, []byte("hello")))
	if got != want {
		t.Fatalf("record of %q:\n got %s\nwant %s", "hello", got, want)
	}
}

func TestNextRecord(t *testing.T) {
	rec := appendRecord(nil, []byte("hello"))
	two := appendRecord(append([]byte(nil), rec...), []byte("world!"))

	data, rest, rerr := nextRecord(two)
	if rerr != nil || string(data) != "hello" || len(rest) != len(rec)+1 {
		t.Fatalf("first record: data %q, %d bytes left, err %v", data, len(rest), rerr)
	}
	data, rest, rerr = nextRecord(rest)
	if rerr != nil || string(data) != "world!" || len(rest) != 0 {
		t.Fatalf("second record: data %q, %d bytes left, err %v", data, len(rest), rerr)
	}
}

func TestNextRecordHugeLength(t *testing.T) {
	// A length near 2⁶⁴ with a valid checksum must read as truncated, not
	// wrap around in the bounds check.
	head := make([]byte, 8, 16)
	for i := range head {
		head[i] = 0xff
	}
	b := appendUint32LE(head, maskedCRC(head))
	b = append(b, "data"...)
	_, _, rerr := nextRecord(b)
	if rerr == nil || !rerr.truncated {
		t.Fatalf("nextRecord with length 2⁶⁴-1 = %+v, want truncated", rerr)
	}
}

func appendUint32LE(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
