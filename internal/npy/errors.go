package npy

import (
	"archive/zip"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalid is the Kind of an *Error for input that is not a
	// well-formed .npy or .npz file.
	ErrInvalid = errors.New("npy: invalid file")

	// ErrUnsupported is the Kind of an *Error for a well-formed file that
	// holds something this package does not read.
	ErrUnsupported = errors.New("npy: unsupported array")
)

// Error reports why a file cannot be read. errors.Is(err, ErrInvalid) and
// errors.Is(err, ErrUnsupported) test its kind.
type Error struct {
	Kind  error  // ErrInvalid or ErrUnsupported
	File  string // path of the file, when known
	Entry string // entry inside an .npz archive, when there is one
	Msg   string // what is wrong, and what to do where that helps
}

// Error formats the error as "npy: FILE: entry NAME: KIND: MSG".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("npy: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Entry != "" {
		fmt.Fprintf(&b, "entry %q: ", e.Entry)
	}
	if e.Kind == ErrUnsupported {
		b.WriteString("unsupported: ")
	} else {
		b.WriteString("invalid: ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the kind, so that errors.Is matches ErrInvalid or
// ErrUnsupported.
func (e *Error) Unwrap() error { return e.Kind }

// invalidf returns an *Error of kind ErrInvalid.
func invalidf(format string, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// unsupportedf returns an *Error of kind ErrUnsupported.
func unsupportedf(format string, args ...any) *Error {
	return &Error{Kind: ErrUnsupported, Msg: fmt.Sprintf(format, args...)}
}

// locate names the file an error came from. An *Error gets the name in
// its File field; any other error (an I/O error) is wrapped.
func locate(err error, file string) error {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("npy: %s: %w", file, err)
	}
	c := *e
	c.File = file
	return &c
}

// inEntry names the .npz entry an error came from. Errors of the zip
// reader (a bad checksum, corrupt compressed data) become *Error values:
// an unknown compression method is unsupported, anything else invalid.
func inEntry(err error, entry string) *Error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Entry = entry
		return &c
	}
	kind := ErrInvalid
	if errors.Is(err, zip.ErrAlgorithm) {
		kind = ErrUnsupported
	}
	return &Error{Kind: kind, Entry: entry, Msg: err.Error()}
}
