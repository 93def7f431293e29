"""Writes train/data/testdata/pil_bilinear.json: images resized by Pillow's
BILINEAR filter, as the reference's image loader resizes them
(Image.open(f).convert("RGB").resize((res, res), resample=Image.BILINEAR)).

The Go resizer in train/data must give the same bytes. Run with Pillow and
numpy installed: python3 scripts/pil_resize_golden.py. The stored goldens come
from Pillow 9.5.0; Pillow 10.4, 11.3 and 12.0 give the same bytes, Pillow 13.0
differs by one level on a few pixels of images taller than wide.
"""
import json
import os

import numpy as np
from PIL import Image

CASES = [
    # (width, height, mode, out_width, out_height)
    (7, 5, "RGB", 3, 3),
    (5, 5, "RGB", 8, 8),
    (48, 36, "RGB", 16, 16),
    (20, 44, "RGB", 8, 8),
    (16, 16, "RGB", 16, 16),
    (10, 10, "L", 4, 4),
    (3, 9, "L", 6, 6),
    (33, 31, "L", 32, 32),
]


def main():
    rng = np.random.RandomState(7)
    out = []
    for w, h, mode, ow, oh in CASES:
        shape = (h, w, 3) if mode == "RGB" else (h, w)
        src = rng.randint(0, 256, size=shape).astype(np.uint8)
        img = Image.fromarray(src, mode=mode).resize((ow, oh), resample=Image.BILINEAR)
        out.append({
            "width": w, "height": h, "channels": 3 if mode == "RGB" else 1,
            "src": src.reshape(-1).tolist(),
            "out_width": ow, "out_height": oh,
            "out": np.asarray(img).reshape(-1).tolist(),
        })
    # RGB to L as Pillow converts (ITU-R 601-2 luma).
    rgb = rng.randint(0, 256, size=(4, 4, 3)).astype(np.uint8)
    gray = np.asarray(Image.fromarray(rgb, mode="RGB").convert("L"))
    path = os.path.join(os.path.dirname(__file__), "..", "train", "data", "testdata",
                        "pil_bilinear.json")
    with open(path, "w") as f:
        json.dump({"pillow": Image.__version__, "resize": out,
                   "luma": {"rgb": rgb.reshape(-1).tolist(),
                            "gray": gray.reshape(-1).tolist()}}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
