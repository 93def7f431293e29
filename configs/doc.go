// Package configs holds the hyper-parameters of a vdvae run: the Hparams
// struct, the presets built into the binary, strict YAML loading, command-line
// overrides, validation, saving and comparison.
//
// # Presets
//
// Each YAML file of this folder is a preset, embedded in the binary and named
// after its file (Presets lists them). One preset per example config of the
// reference implementation (egs/*.cfg) carries the same numbers with the same
// sections and keys, its Python list expressions written out in full. The
// *_cpu presets are small models of our own for a 2-core CPU. Every preset
// sets every key.
//
// # Files and defaults
//
// Load reads a preset or a YAML file. A file must set every key, as a preset
// does, unless its first-level key "base" names a preset: then the keys it
// omits take that preset's values, and the keys it sets replace them (a list
// replaces the whole list). Defaults are thus always explicit and always a
// complete, validated configuration; there is no built-in default hidden in
// code. A run directory stores the full hparams it used (Save), never a base.
//
// # Overrides
//
// Overrides are "section.key=value" strings, the value read as YAML, applied
// after the file and before validation (Hparams.Set).
//
// # Validation
//
// Validate checks names, ranges and the architecture: per-level lists of one
// length, down_strides equal to up_strides reversed, target_res divisible by
// the strides, and the channel widths that the reference's PyTorch modules
// need to agree (see Model.checkWidths in validate.go for each rule).
//
// # Errors
//
// Decoding, override and validation problems are all collected and returned
// together, joined with errors.Join. Each is a *FieldError naming the file,
// line (where known) and dotted key, and saying what to change; each matches
// ErrInvalid under errors.Is. Errors reading a file from disk are returned as
// they are, wrapped with the action.
package configs
