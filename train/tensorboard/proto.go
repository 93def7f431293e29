package tensorboard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// wireType is the protobuf wire type of a field: how its value is encoded.
type wireType uint8

const (
	wireVarint  wireType = 0 // int32, int64, enums
	wireFixed64 wireType = 1 // double
	wireBytes   wireType = 2 // string, bytes, embedded messages
	wireFixed32 wireType = 5 // float
)

// Field numbers of the messages this package encodes (see the package doc).
const (
	eventWallTime    = 1
	eventStep        = 2
	eventFileVersion = 3
	eventSummary     = 5

	summaryValue = 1

	valueTag    = 1
	valueSimple = 2
	valueImage  = 4

	imageHeight     = 1
	imageWidth      = 2
	imageColorspace = 3
	imageEncoded    = 4
)

func appendKey(b []byte, field int, wt wireType) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wt))
}

// appendVarint appends an integer field; negative values take ten bytes, as
// protobuf encodes int32 and int64. Zero is left out, as proto3 does.
func appendVarint(b []byte, field int, v int64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendKey(b, field, wireVarint), uint64(v))
}

func appendBytes(b []byte, field int, data []byte) []byte {
	b = binary.AppendUvarint(appendKey(b, field, wireBytes), uint64(len(data)))
	return append(b, data...)
}

// appendProto appends e as a serialized tensorflow.Event.
func (e *Event) appendProto(b []byte) []byte {
	if e.WallTime != 0 {
		b = appendKey(b, eventWallTime, wireFixed64)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.WallTime))
	}
	b = appendVarint(b, eventStep, e.Step)
	if e.FileVersion != "" {
		b = appendBytes(b, eventFileVersion, []byte(e.FileVersion))
	}
	if len(e.Values) == 0 {
		return b
	}
	var summary []byte
	for i := range e.Values {
		summary = appendBytes(summary, summaryValue, e.Values[i].appendProto(nil))
	}
	return appendBytes(b, eventSummary, summary)
}

// appendProto appends v as a serialized tensorflow.Summary.Value.
func (v *Value) appendProto(b []byte) []byte {
	b = appendBytes(b, valueTag, []byte(v.Tag))
	if v.HasSimple {
		b = appendKey(b, valueSimple, wireFixed32)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v.Simple))
	}
	if im := v.Image; im != nil {
		var m []byte
		m = appendVarint(m, imageHeight, int64(im.Height))
		m = appendVarint(m, imageWidth, int64(im.Width))
		m = appendVarint(m, imageColorspace, int64(im.Colorspace))
		m = appendBytes(m, imageEncoded, im.PNG)
		b = appendBytes(b, valueImage, m)
	}
	return b
}

// field is one decoded protobuf field: a number for the varint and fixed
// wire types, bytes for the length-delimited one.
type field struct {
	num  int
	wt   wireType
	n    uint64
	data []byte
}

var errShortField = errors.New("message ends inside a field")

// nextField splits the first field off a serialized message.
func nextField(b []byte) (f field, rest []byte, err error) {
	key, k := binary.Uvarint(b)
	if k <= 0 {
		return f, nil, errShortField
	}
	b = b[k:]
	f.num, f.wt = int(key>>3), wireType(key&7)
	if key>>3 == 0 || key>>3 > math.MaxInt32 {
		return f, nil, fmt.Errorf("invalid field number %d", key>>3)
	}

	switch f.wt {
	case wireVarint:
		f.n, k = binary.Uvarint(b)
		if k <= 0 {
			return f, nil, errShortField
		}
		return f, b[k:], nil
	case wireFixed64:
		if len(b) < 8 {
			return f, nil, errShortField
		}
		f.n = binary.LittleEndian.Uint64(b)
		return f, b[8:], nil
	case wireFixed32:
		if len(b) < 4 {
			return f, nil, errShortField
		}
		f.n = uint64(binary.LittleEndian.Uint32(b))
		return f, b[4:], nil
	case wireBytes:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return f, nil, errShortField
		}
		f.data = b[k : k+int(n)]
		return f, b[k+int(n):], nil
	}
	return f, nil, fmt.Errorf("field %d: unsupported wire type %d", f.num, f.wt)
}

// eachField calls fn for every field of a serialized message, in order.
func eachField(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		f, rest, err := nextField(b)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		b = rest
	}
	return nil
}

// want checks that a known field has the wire type its declaration implies.
func (f field) want(wt wireType, name string) error {
	if f.wt != wt {
		return fmt.Errorf("%s has wire type %d, want %d", name, f.wt, wt)
	}
	return nil
}

// decodeEvent parses a serialized tensorflow.Event; unknown fields are
// skipped, and repeated summaries are merged, as protobuf parsers do.
func decodeEvent(b []byte) (Event, error) {
	var e Event
	err := eachField(b, func(f field) error {
		switch f.num {
		case eventWallTime:
			e.WallTime = math.Float64frombits(f.n)
			return f.want(wireFixed64, "wall_time")
		case eventStep:
			e.Step = int64(f.n)
			return f.want(wireVarint, "step")
		case eventFileVersion:
			e.FileVersion = string(f.data)
			return f.want(wireBytes, "file_version")
		case eventSummary:
			if err := f.want(wireBytes, "summary"); err != nil {
				return err
			}
			return e.decodeSummary(f.data)
		}
		return nil
	})
	return e, err
}

func (e *Event) decodeSummary(b []byte) error {
	return eachField(b, func(f field) error {
		if f.num != summaryValue {
			return nil
		}
		if err := f.want(wireBytes, "summary value"); err != nil {
			return err
		}
		v, err := decodeValue(f.data)
		if err != nil {
			return fmt.Errorf("summary value %d: %w", len(e.Values), err)
		}
		e.Values = append(e.Values, v)
		return nil
	})
}

func decodeValue(b []byte) (Value, error) {
	var v Value
	err := eachField(b, func(f field) error {
		switch f.num {
		case valueTag:
			v.Tag = string(f.data)
			return f.want(wireBytes, "tag")
		case valueSimple:
			v.Simple, v.HasSimple = math.Float32frombits(uint32(f.n)), true
			return f.want(wireFixed32, "simple_value")
		case valueImage:
			if err := f.want(wireBytes, "image"); err != nil {
				return err
			}
			im, err := decodeImage(f.data)
			v.Image = im
			return err
		}
		return nil
	})
	return v, err
}

func decodeImage(b []byte) (*Image, error) {
	im := new(Image)
	err := eachField(b, func(f field) error {
		switch f.num {
		case imageHeight:
			im.Height = int(int32(f.n))
			return f.want(wireVarint, "height")
		case imageWidth:
			im.Width = int(int32(f.n))
			return f.want(wireVarint, "width")
		case imageColorspace:
			im.Colorspace = int(int32(f.n))
			return f.want(wireVarint, "colorspace")
		case imageEncoded:
			im.PNG = slices.Clone(f.data)
			return f.want(wireBytes, "encoded_image_string")
		}
		return nil
	})
	return im, err
}
