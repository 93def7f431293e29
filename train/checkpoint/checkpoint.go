package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Magic opens every checkpoint file.
const Magic = "VDVAECKP"

// Version is the format version this package writes and reads.
const Version = 1

const (
	prefixSize   = 16 // magic, version, header length
	checksumSize = 32 // SHA-256
	dataAlign    = 64
)

// Errors reported by Load and Store; test for them with errors.Is.
var (
	// ErrCorrupt marks a file that is truncated, damaged or not a checkpoint.
	ErrCorrupt = errors.New("checkpoint: corrupt file")
	// ErrUnsupportedVersion marks an intact file of a format version this
	// build does not read.
	ErrUnsupportedVersion = errors.New("checkpoint: unsupported format version")
	// ErrNoCheckpoint means a run folder holds no checkpoint at all.
	ErrNoCheckpoint = errors.New("checkpoint: no checkpoint")
)

// FileError reports a checkpoint file that cannot be loaded. It wraps
// ErrCorrupt or ErrUnsupportedVersion.
type FileError struct {
	Path string // the file
	Msg  string // what is wrong
	Kind error  // ErrCorrupt or ErrUnsupportedVersion
}

func (e *FileError) Error() string {
	kind := "corrupt"
	if e.Kind == ErrUnsupportedVersion {
		kind = "unsupported"
	}
	return "checkpoint: " + e.Path + ": " + kind + ": " + e.Msg
}

// Unwrap returns the error's kind.
func (e *FileError) Unwrap() error { return e.Kind }

func corrupt(path, format string, args ...any) error {
	return &FileError{Path: path, Msg: fmt.Sprintf(format, args...), Kind: ErrCorrupt}
}

// Tensor is a named float32 array.
type Tensor struct {
	Name  string
	Shape []int     // row-major; empty for a scalar
	Data  []float32 // len(Data) is the product of Shape
}

// Checkpoint is what a checkpoint file holds.
type Checkpoint struct {
	Tensors []Tensor
	// Meta is the caller's metadata, any JSON value, stored as it is but
	// returned by Load without insignificant white space. Nil means none.
	Meta json.RawMessage
}

// Tensor returns the tensor called name, or nil if there is none.
func (c *Checkpoint) Tensor(name string) *Tensor {
	for i := range c.Tensors {
		if c.Tensors[i].Name == name {
			return &c.Tensors[i]
		}
	}
	return nil
}

// header is the JSON header of the file format.
type header struct {
	DataOffset int64           `json:"data_offset"`
	DataSize   int64           `json:"data_size"`
	Tensors    []tensorEntry   `json:"tensors"`
	Meta       json.RawMessage `json:"meta,omitempty"`
}

type tensorEntry struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Offset int64  `json:"offset"`
	Count  int64  `json:"count"`
}

// alignUp rounds n up to a multiple of dataAlign.
func alignUp(n int64) int64 { return (n + dataAlign - 1) / dataAlign * dataAlign }

// shapeCount returns the product of shape, or an error for a negative
// dimension or a product above limit.
func shapeCount(shape []int, limit int64) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
	}
	for _, d := range shape {
		if d == 0 {
			return 0, nil
		}
		if int64(d) > limit/n {
			return 0, fmt.Errorf("shape %v holds more than %d values", shape, limit)
		}
		n *= int64(d)
	}
	return n, nil
}
