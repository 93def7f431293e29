"""Regenerates the golden files of internal/npy/testdata with numpy itself.

Run from this folder:  python3 gen.py (any Python with numpy)
(numpy 2.4.6 made the committed files). npy_test.go rebuilds the same values
in Go and checks the reader returns them exactly, and that the writer
reproduces the bytes of every .npy file written by np.save.
"""
import numpy as np

f32, u8, i64 = np.float32, np.uint8, np.int64

# Files the reader must read, and the writer must reproduce byte for byte.
np.save("f32_3d.npy", (np.arange(24, dtype=f32) / f32(7) - f32(1)).reshape(2, 3, 4))
np.save("f32_scalar.npy", np.array(-2.5, dtype=f32))
np.save("f32_empty.npy", np.zeros((0, 3), dtype=f32))
np.save("f32_special.npy", np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38], dtype=f32))
np.save("u8.npy", np.arange(0, 256, 17, dtype=u8))
np.save("i64.npy", np.array([[-2**63, -1, 0], [1, 2**62 + 3, 2**63 - 1]], dtype=i64))
np.save("str.npy", np.array([["a", "h\u00e9llo", ""], ["\u65e5\u672c\u8a9e", "\U0001f642x", "tab\tq"]]))

# Format version 2.0, which np.save only picks for huge headers.
with open("v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(5, dtype=u8), version=(2, 0))

# Archives: stored (np.savez) and deflated (np.savez_compressed).
np.savez("arrays.npz",
         weights=np.array([[0.5, -1.25], [3.0, 1e-3]], dtype=f32),
         steps=np.array([1, 500, 1500], dtype=i64),
         labels=np.array(["cat", "dog", "\u00e9t\u00e9"]))
np.savez_compressed("compressed.npz", image=np.arange(16, dtype=u8).reshape(1, 4, 4))

# Files the reader must refuse.
np.save("bad_bigendian.npy", np.arange(3, dtype=">f4"))
np.save("bad_fortran.npy", np.asfortranarray(np.arange(6, dtype=f32).reshape(2, 3)))
np.save("bad_object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
np.save("bad_float64.npy", np.arange(3, dtype=np.float64))
