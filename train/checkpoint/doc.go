// Package checkpoint saves and loads training state: named float32 tensors
// (weights, EMA weights, optimizer moments) and an opaque JSON metadata blob
// (step, schedule and iterator state, hparams hash...).
//
// # File format, version 1
//
// A checkpoint file (extension .vdck) is, with all integers little-endian:
//
//	offset   size  field
//	0        8     magic "VDVAECKP"
//	8        4     format version, uint32 (1)
//	12       4     header length H, uint32
//	16       H     header, UTF-8 JSON (below)
//	16+H     P     zero bytes, so that the data starts at a multiple of 64
//	D        S     tensor data: the float32 values (IEEE 754, little-endian) of
//	               every tensor in header order, row-major, back to back
//	D+S      32    SHA-256 of bytes [0, D+S)
//
// The header is one JSON object:
//
//	{
//	  "data_offset": D,   // where tensor data starts, = 16+H rounded up to 64
//	  "data_size": S,     // bytes of tensor data, = 4 × total values
//	  "tensors": [{"name": "...", "shape": [64, 32, 3, 3], "offset": 0, "count": 18432}, ...],
//	  "meta": ...         // the caller's metadata, any JSON value; absent when empty
//	}
//
// A tensor's offset is in bytes from D; its count is the product of its
// shape (1 for a scalar, shape []). Names are unique and non-empty.
//
// A reader that wants one tensor can read the 16-byte prefix and the header,
// then seek to D+offset and read 4×count bytes; only a full read can verify
// the checksum. Every later version keeps the magic, the version field at
// offset 8 and the SHA-256 trailer over everything before it, so that a file
// of an unknown version can still be told apart from a corrupt one.
//
// # Writing
//
// [Save] writes to a temporary file in the destination folder, syncs it,
// renames it over the destination and syncs the folder, so a crash leaves
// either the old file or the new one, plus at worst a stray temporary file,
// never a partial checkpoint under the final name. [Store] manages a run's
// folder of checkpoints named by step, prunes old ones and removes stray
// temporary files when it saves.
//
// # Errors
//
// A file that fails any check (magic, sizes, header, checksum) gives an error
// for which errors.Is(err, [ErrCorrupt]) holds; a well-formed file of another
// format version gives [ErrUnsupportedVersion]. Both are [*FileError]s naming
// the file. [Store.LoadLatest] skips corrupt checkpoints and falls back to
// older ones; it returns [ErrNoCheckpoint] when the folder holds none.
package checkpoint
