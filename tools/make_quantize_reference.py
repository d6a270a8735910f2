#!/usr/bin/env python3
"""Writes assets/quant_reference/quantize_reference.bin: fp32 rows and gguf-py's Q8_0 and Q4_0 blocks for
them (gguf.quants.quantize, bit-exact with ggml's reference quantizers). tests/unit/test_quantize.cpp
requires our quantize_row to produce the same bytes.

    .venv/bin/python tools/make_quantize_reference.py

Format (little-endian): magic "VKGQZ001", uint32 entries; per entry: uint32 GGML type id, uint32 n values,
float32[n] input, uint32 b bytes, uint8[b] blocks.
"""
import struct
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

rng = np.random.default_rng(7)
rows = [
    rng.normal(0, 1, 256).astype(np.float32),
    rng.normal(0, 0.02, 256).astype(np.float32),
    (rng.normal(0, 1, 64) * 1000).astype(np.float32),
    np.concatenate([np.zeros(32), np.full(32, 3.0), np.linspace(-1, 1, 32)]).astype(np.float32),
]
out = bytearray(b"VKGQZ001")
entries = [(t, r) for t in (T.Q8_0, T.Q4_0) for r in rows]
out += struct.pack("<I", len(entries))
for t, r in entries:
    q = quants.quantize(r.reshape(1, -1), t).tobytes()
    out += struct.pack("<II", int(t), r.size) + r.tobytes() + struct.pack("<I", len(q)) + q
path = Path(__file__).resolve().parent.parent / "assets/quant_reference/quantize_reference.bin"
path.write_bytes(bytes(out))
print(path, len(out), "bytes")
