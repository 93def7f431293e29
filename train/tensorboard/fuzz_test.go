package tensorboard

import (
	"errors"
	"testing"
)

// FuzzReadEvents checks that any bytes decode without panicking, and that
// an error is always a FileError whose record index is the number of events
// returned.
func FuzzReadEvents(f *testing.F) {
	valid := appendRecord(nil, (&Event{WallTime: 1, FileVersion: FileVersion}).appendProto(nil))
	for _, g := range protoGoldens {
		valid = appendRecord(valid, g.event.appendProto(nil))
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := readEvents("fuzz", data)
		if err == nil {
			return
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Record != len(events) {
			t.Fatalf("error %v (%T) with %d events", err, err, len(events))
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
			t.Fatalf("error %v is neither corrupt nor truncated", err)
		}
	})
}
