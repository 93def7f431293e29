// Package npy writes and reads NumPy's .npy and .npz files, so that the
// inference commands can hand arrays (divergence statistics, latent codes,
// image batches) to Python and take them back.
//
// # Format
//
// A .npy file is a magic string, a format version, a header (a Python dict
// literal giving the dtype, the memory order and the shape) and the raw data.
// The writer emits exactly what numpy's np.save emits for the same array:
// version 1.0, or 2.0 when the header does not fit in 65535 bytes; the header
// padded with spaces and a final newline so the data starts at a multiple of
// 64 bytes; C order always. An .npz file is a zip archive holding one
// NAME.npy entry per array (stored, not compressed).
//
// # Data types
//
// Four dtypes are supported, each held in Array.Data as a Go slice:
//
//	'<f4'  float32, little-endian  []float32
//	'|u1'  uint8                   []uint8
//	'<i8'  int64, little-endian    []int64
//	'<Uk'  unicode, k code points  []string (UTF-32LE, k = longest string)
//
// A string array cannot keep trailing NUL characters (numpy pads with them
// and strips them on load), so the writer refuses strings that end in one.
//
// # Errors
//
// The reader never trusts the header: a shape larger than the data, one
// whose byte size overflows, or data cut short is reported before any large
// allocation. Errors it returns for a file are *Error values whose Kind is
// ErrInvalid (not a well-formed .npy or .npz) or ErrUnsupported (well
// formed but outside what this package reads: other dtypes, big-endian
// data, Fortran order with two or more dimensions, pickled object arrays);
// errors.Is tells them apart. The text starts with "npy: " and names the
// file and the archive entry.
//
// # Files
//
// WriteNPYFile and WriteNPZFile write atomically: a temporary file in the
// target's folder, fsync, then rename. A failed write leaves any previous
// file at the path as it was and removes the temporary file.
package npy
