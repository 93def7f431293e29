package tensorboard

import (
	"encoding/hex"
	"reflect"
	"testing"
)

// The serialized events below were produced by TensorBoard 2.21's protobuf
// classes (tensorboard.compat.proto.event_pb2), not by this package:
//
//	event_pb2.Event(wall_time=1.5, step=3, file_version="brain.Event:2")
//
//	e = event_pb2.Event(wall_time=1700000000.25, step=-2)
//	e.summary.value.add(tag="loss", simple_value=0.0)
//	v = e.summary.value.add(tag="img")
//	v.image.height, v.image.width, v.image.colorspace = 2, 3, 1
//	v.image.encoded_image_string = b"PNG"
//
//	e = event_pb2.Event(wall_time=0, step=0)  # proto3 leaves zeros out
//	e.summary.value.add(tag="zero", simple_value=0.0)
//
// each printed with e.SerializeToString().hex().
var protoGoldens = []struct {
	name  string
	event Event
	hex   string
}{
	{
		name:  "file version",
		event: Event{WallTime: 1.5, Step: 3, FileVersion: "brain.Event:2"},
		hex:   "09000000000000f83f10031a0d627261696e2e4576656e743a32",
	},
	{
		name: "zero scalar, image, negative step",
		event: Event{WallTime: 1700000000.25, Step: -2, Values: []Value{
			{Tag: "loss", Simple: 0, HasSimple: true},
			{Tag: "img", Image: &Image{Height: 2, Width: 3, Colorspace: 1, PNG: []byte("PNG")}},
		}},
		hex: "0900001040fc54d94110feffffffffffffffff012a210a0b0a046c6f737315000000000a120a" +
			"03696d67220b0802100318012203504e47",
	},
	{
		name:  "zero wall time and step",
		event: Event{Values: []Value{{Tag: "zero", HasSimple: true}}},
		hex:   "2a0d0a0b0a047a65726f1500000000",
	},
}

func TestEncodeEventMatchesProtobuf(t *testing.T) {
	for _, tt := range protoGoldens {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.event.appendProto(nil)); got != tt.hex {
				t.Errorf("encoded:\n got %s\nwant %s", got, tt.hex)
			}
		})
	}
}

func TestDecodeEventFromProtobuf(t *testing.T) {
	for _, tt := range protoGoldens {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			got, err := decodeEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.event) {
				t.Errorf("decoded %+v, want %+v", got, tt.event)
			}
		})
	}
}

func TestDecodeEventSkipsUnknownFields(t *testing.T) {
	var b []byte
	b = appendBytes(b, 4, []byte("graph_def bytes"))                  // Event.graph_def
	b = appendVarint(b, 99, 7)                                        // unknown varint
	b = append(appendKey(b, 98, wireFixed32), 1, 2, 3, 4)             // unknown fixed32
	b = append(appendKey(b, 97, wireFixed64), 1, 2, 3, 4, 5, 6, 7, 8) // unknown fixed64
	b = appendVarint(b, eventStep, 12)
	value := appendBytes(nil, valueTag, []byte("t"))
	value = appendBytes(value, 8, []byte("tensor")) // Summary.Value.tensor
	b = appendBytes(b, eventSummary, appendBytes(nil, summaryValue, value))

	got, err := decodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Event{Step: 12, Values: []Value{{Tag: "t"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
	}{
		{"key cut short", "80"},
		{"varint cut short", "10ff"},
		{"double cut short", "090000"},
		{"length beyond message", "1a05414243"},
		{"field number zero", "0001"},
		{"group wire type", "1b"},
		{"step with wrong wire type", "15000000"},
		{"bad value inside summary", "2a030a0180"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			if e, err := decodeEvent(b); err == nil {
				t.Errorf("decodeEvent(%s) = %+v, want an error", tt.hex, e)
			}
		})
	}
}
