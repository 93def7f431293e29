// Package tensorboard writes TensorBoard event files (scalars and images)
// without TensorFlow or a protobuf library, and reads them back for tests.
//
// # File format
//
// An event file is a sequence of TFRecord records. Each record is, with all
// integers little-endian:
//
//	size  field
//	8     length N of the data, uint64
//	4     masked CRC-32C of the 8 length bytes, uint32
//	N     data: one serialized tensorflow.Event protocol buffer
//	4     masked CRC-32C of the data, uint32
//
// where the mask of a CRC-32C (Castagnoli) value c is
// ((c>>15) | (c<<17)) + 0xa282ead8, computed modulo 2³².
//
// The messages are encoded by hand with the protobuf wire format; only the
// fields below are written, and the reader skips any others:
//
//	Event         { double wall_time = 1; int64 step = 2;
//	                string file_version = 3; Summary summary = 5; }
//	Summary       { repeated Value value = 1; }
//	Summary.Value { string tag = 1; float simple_value = 2; Image image = 4; }
//	Summary.Image { int32 height = 1; int32 width = 2; int32 colorspace = 3;
//	                bytes encoded_image_string = 4; }
//
// As proto3 does, zero wall times, steps and image sizes are left out;
// simple_value belongs to a oneof, so it is always written, zero included.
// The first record of a file is an Event whose file_version is
// "brain.Event:2".
//
// # Files
//
// [Create] makes a new file named events.out.tfevents.<unix seconds>.<host>.<pid>
// in a folder, adding ".1", ".2"... when that name is taken. Every Writer
// starts a new file and never appends to an old one: a resumed training run
// adds a file to its folder, and TensorBoard reads every event file of a
// folder, in name order.
//
// # Writing
//
// A [Writer] buffers its records; they reach the file on [Writer.Flush] and
// [Writer.Close]. A reader (TensorBoard included) may see a partial last
// record while a file is being written or after a crash; TensorBoard ignores
// it, and [ReadFile] reports it as [ErrTruncated] with the events before it.
// The first write error is kept and returned by every later call.
//
// # Errors
//
// Every error text starts with "tensorboard: ". A caller's mistake (an empty
// tag, an empty image) is an error, not a panic. [ReadFile] returns a
// [*FileError] that wraps [ErrCorrupt] for a checksum mismatch or an
// undecodable record, naming the record index, and [ErrTruncated] for a file
// that ends inside a record, saying how many complete events were read.
package tensorboard
