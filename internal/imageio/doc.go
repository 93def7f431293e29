// Package imageio turns model images into PNG files, the way the reference
// implementation's write_image_to_disk does, and tiles them into grids.
//
// # Pixel mappings
//
// A model image is a CHW float32 array with C = 1 (gray) or C = 3 (RGB).
// Its values map to 8-bit pixels by one of two explicit ranges:
//
//	Signed  values in [-1, 1]: round-half-to-even(x*127.5 + 127.5), as
//	        np.round in float32; the reference's mapping for 8-bit data
//	Unit    values in [0, 1]:  x*255 truncated toward zero, as
//	        (x*255).astype(np.uint8); the reference's mapping for binarized
//	        MNIST
//
// Both compute in float32 like numpy and clamp to 0..255 (the reference
// casts without clamping, which wraps); NaN maps to 0.
//
// # Files
//
// WritePNG writes atomically: a temporary file in the target's folder,
// fsync, then rename. A failed write leaves any previous file at the path
// as it was and removes the temporary file.
//
// # Errors
//
// Errors start with "imageio: " and name the file or the mismatched shape.
package imageio
