package tensorboard

import (
	"errors"
	"fmt"
	"os"
)

// Colorspace values of [Image], as TensorBoard defines them: the channels of
// the encoded image.
const (
	ColorspaceGray = 1
	ColorspaceRGB  = 3
	ColorspaceRGBA = 4
)

// Event is one record of an event file.
type Event struct {
	WallTime    float64 // seconds since the Unix epoch
	Step        int64
	FileVersion string  // "brain.Event:2" in a file's first event, empty after it
	Values      []Value // the summary values, in file order
}

// Value is one tagged value of an event's summary: a scalar or an image.
type Value struct {
	Tag       string
	Simple    float32 // the scalar, valid when HasSimple
	HasSimple bool
	Image     *Image // nil unless the value is an image
}

// Image is an encoded image of a summary value.
type Image struct {
	Height, Width int
	Colorspace    int    // ColorspaceGray, ColorspaceRGB or ColorspaceRGBA
	PNG           []byte // the encoded image
}

// Errors of ReadFile; test for them with errors.Is.
var (
	// ErrCorrupt marks a record whose checksum does not match or whose data
	// is not a valid Event.
	ErrCorrupt = errors.New("tensorboard: corrupt event file")
	// ErrTruncated marks a file that ends inside a record, as a file does
	// while it is being written or after its writer was killed.
	ErrTruncated = errors.New("tensorboard: truncated event file")
)

// FileError reports an event file that cannot be read to its end. It wraps
// ErrCorrupt or ErrTruncated.
type FileError struct {
	Path   string
	Record int    // index of the bad record, from 0; equal to the events read
	Msg    string // what is wrong
	Kind   error  // ErrCorrupt or ErrTruncated
}

func (e *FileError) Error() string {
	if e.Kind == ErrTruncated {
		return fmt.Sprintf("tensorboard: %s: truncated after %d complete events: %s",
			e.Path, e.Record, e.Msg)
	}
	return fmt.Sprintf("tensorboard: %s: corrupt record %d: %s", e.Path, e.Record, e.Msg)
}

// Unwrap returns the error's kind.
func (e *FileError) Unwrap() error { return e.Kind }

// ReadFile reads every event of an event file, checking both checksums of
// every record. When a record is bad it returns the events before it with a
// [*FileError] that wraps [ErrCorrupt] or [ErrTruncated].
func ReadFile(path string) ([]Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tensorboard: read events: %w", err)
	}
	return readEvents(path, data)
}

// readEvents decodes the records of an event file held in b; path names the
// file in errors.
func readEvents(path string, b []byte) ([]Event, error) {
	var events []Event
	for len(b) > 0 {
		data, rest, rerr := nextRecord(b)
		if rerr != nil {
			kind := ErrCorrupt
			if rerr.truncated {
				kind = ErrTruncated
			}
			return events, &FileError{Path: path, Record: len(events), Msg: rerr.msg, Kind: kind}
		}
		e, err := decodeEvent(data)
		if err != nil {
			return events, &FileError{Path: path, Record: len(events),
				Msg: "bad event: " + err.Error(), Kind: ErrCorrupt}
		}
		events = append(events, e)
		b = rest
	}
	return events, nil
}
