#!/usr/bin/env python3
r"""Gemma 3's pan and scan as transformers does it (Gemma3ImageProcessorPil with do_pan_and_scan=True and the
Gemma3Processor defaults: min crop 256, at most 4 crops, from an aspect ratio of 1.2), for a wide and a tall
image.

Writes (small, committed):
  assets/images/test_wide.png, test_tall.png   synthetic 800 x 300 and 400 x 700 images (smooth gradients and
                                               bars: small PNGs whose crops differ)
  assets/images/pan_and_scan_896.txt          per image its crop count, then per processed image (the original,
                                               then each crop, in transformers' order) the uint8 pixel values
                                               recovered from pixel_values at 896 x 896, as preprocess_896.txt
                                               (FNV-1a hash and channel sums)

Needs pillow, numpy and transformers (a venv with them); run from the repository root:
  /path/to/venv/bin/python tools/make_pan_and_scan_reference.py
"""
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tiny_vision import IMAGES, check_resize_order, fnv1a, processor  # noqa: E402

PAS = dict(do_pan_and_scan=True, pan_and_scan_min_crop_size=256, pan_and_scan_max_num_crops=4,
           pan_and_scan_min_ratio_to_activate=1.2)


def synthetic(width, height):
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(1, width - 1)).astype(np.uint8)
    g = (y * 255 // max(1, height - 1)).astype(np.uint8)
    b = (((x // 37) + (y // 23)) % 4 * 60).astype(np.uint8)
    return Image.fromarray(np.stack([r, g, b], axis=2), "RGB")


def crop_boxes(size, n):
    w, h = size
    if n == 0:
        return []
    if w >= h:
        cw = -(-w // n)
        return [(cw * i, 0, min(cw, w - cw * i), h) for i in range(n)]
    ch = -(-h // n)
    return [(0, ch * i, w, min(ch, h - ch * i)) for i in range(n)]


def main():
    lines = ["# made by tools/make_pan_and_scan_reference.py: transformers' Gemma3ImageProcessorPil at 896 x 896 "
             "with do_pan_and_scan (min crop 256, at most 4 crops, ratio 1.2)"]
    for name, (w, h) in (("test_wide.png", (800, 300)), ("test_tall.png", (400, 700))):
        img = synthetic(w, h)
        img.save(os.path.join(IMAGES, name), optimize=True)
        img = Image.open(os.path.join(IMAGES, name))
        out = processor(896)(images=[img], return_tensors="np", **PAS)
        n = int(np.asarray(out["num_crops"]).reshape(-1)[0])
        values = out["pixel_values"]
        assert values.shape[0] == 1 + n, values.shape
        lines.append(f"image {name}")
        lines.append(f"crops {n}")
        for k in range(1 + n):
            u = np.rint((values[k].astype(np.float64) + 1.0) * 127.5).astype(np.uint8)
            lines.append(f"hash {fnv1a(u.tobytes()):016x}")
            lines.append("sums " + " ".join(str(int(u[c].astype(np.int64).sum())) for c in range(3)))
        # The resize order our port keeps (model/image.h), at 896 and at the tiny model's 64, for the original
        # and its crops (tools/make_pan_and_scan_tiny_reference.py uses test_tall.png at 64).
        for part in [img] + [img.crop((x, y, x + cw, y + ch)) for x, y, cw, ch in crop_boxes(img.size, n)]:
            check_resize_order(part, 896)
            check_resize_order(part, 64)
    with open(os.path.join(IMAGES, "pan_and_scan_896.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
