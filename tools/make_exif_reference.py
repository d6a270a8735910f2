#!/usr/bin/env python3
r"""Photos as phones store them: test.png saved with an EXIF orientation tag, and what transformers makes of
them (its load_image applies PIL.ImageOps.exif_transpose, then Gemma3ImageProcessorPil at 896 x 896).

Writes (small, committed):
  assets/images/test_exif{2..8}.png     test.png with EXIF orientation 2..8 in a PNG eXIf chunk (pixels as
                                        stored, i.e. before the rotation a viewer applies)
  assets/images/test_exif6.jpg          the same with orientation 6 as a JPEG (APP1 Exif), quality 95
  assets/images/preprocess_exif_896.txt per PNG the uint8 pixel values recovered from pixel_values (as
                                        preprocess_896.txt: FNV-1a hash and channel sums), and the size
                                        load_image gives each file (PNGs and the JPEG)

Needs pillow and transformers (e.g. a venv with both); run from the repository root:
  /path/to/venv/bin/python tools/make_exif_reference.py
"""
import os
import sys

import numpy as np
from PIL import Image
from transformers.image_utils import load_image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tiny_vision import IMAGES, fnv1a, pixel_values  # noqa: E402 - the same processor and hash


def with_orientation(img, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def main():
    src = Image.open(os.path.join(IMAGES, "test.png")).convert("RGB")
    lines = ["# made by tools/make_exif_reference.py: transformers' load_image (exif_transpose) + "
             "Gemma3ImageProcessorPil at 896 x 896, as preprocess_896.txt"]
    for o in range(2, 9):
        name = f"test_exif{o}.png"
        path = os.path.join(IMAGES, name)
        src.save(path, exif=with_orientation(src, o))
        img = load_image(path)
        v = pixel_values(img, 896)
        u = np.rint((v.astype(np.float64) + 1.0) * 127.5).astype(np.uint8)
        lines.append(f"image {name}")
        lines.append(f"size {img.size[0]} {img.size[1]}")
        lines.append(f"hash {fnv1a(u.tobytes()):016x}")
        lines.append("sums " + " ".join(str(int(u[c].astype(np.int64).sum())) for c in range(3)))
    jpg = os.path.join(IMAGES, "test_exif6.jpg")
    src.save(jpg, quality=95, exif=with_orientation(src, 6))
    img = load_image(jpg)
    lines.append("image test_exif6.jpg")
    lines.append(f"size {img.size[0]} {img.size[1]}")
    with open(os.path.join(IMAGES, "preprocess_exif_896.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
