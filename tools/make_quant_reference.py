#!/usr/bin/env python3
"""Writes assets/quant_reference/quant_reference.bin: raw GGUF blocks and their dequantized values as
computed by gguf-py (the PyPI `gguf` package, gguf.quants), an implementation independent of ours.
tests/unit/test_quant.cpp reads it and requires our dequantize_row to reproduce every value exactly.

    .venv/bin/python tools/make_quant_reference.py

Blocks:
  * Q4_0 / Q5_0 / Q8_0: random fp32 data quantized with gguf.quants.quantize (realistic blocks), plus a few
    blocks of random raw bytes with a chosen valid fp16 d (covers every quant value, negative d, subnormal d).
  * Q4_K / Q5_K / Q6_K (gguf-py has no quantizer for them): random raw block bytes, with d/dmin overwritten
    by valid finite fp16 values (a few typical magnitudes, a negative one, a subnormal one).
  * F16 / BF16: values including subnormals, infinities and (quiet) NaN.

File format (all little-endian):
  char[8]  magic "VKGQREF1"
  uint32   number of entries
  per entry:
    uint32   GGML type id (0 F32, 1 F16, 2 Q4_0, 6 Q5_0, 8 Q8_0, 12 Q4_K, 13 Q5_K, 14 Q6_K, 30 BF16)
    uint32   number of values n (a multiple of the block size)
    uint32   number of raw bytes b
    uint8[b] raw row bytes as stored in GGUF
    float32[n] gguf-py's dequantized values
"""

import struct
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "quant_reference" / "quant_reference.bin"

BLOCK = {  # (values, bytes) per block, as in ggml-common.h
    T.F16: (1, 2),
    T.BF16: (1, 2),
    T.Q4_0: (32, 18),
    T.Q5_0: (32, 22),
    T.Q8_0: (32, 34),
    T.Q4_K: (256, 144),
    T.Q5_K: (256, 176),
    T.Q6_K: (256, 210),
}


def f16_bytes(v: float) -> np.ndarray:
    return np.array([v], dtype=np.float16).view(np.uint8)


def dequant(raw: np.ndarray, t: T) -> np.ndarray:
    out = quants.dequantize(raw, t).astype(np.float32, copy=False).reshape(-1)
    assert out.size == raw.size // BLOCK[t][1] * BLOCK[t][0]
    return out


def main() -> int:
    rng = np.random.default_rng(20240607)
    entries: list[tuple[T, np.ndarray, np.ndarray]] = []

    # Legacy 32-value types: quantized from data, then random raw bytes with chosen scales.
    for t in (T.Q4_0, T.Q5_0, T.Q8_0):
        qk, nb = BLOCK[t]
        data = (rng.standard_normal((1, 4 * qk)) * 0.05).astype(np.float32)
        data[0, :qk] *= 40.0  # one block with a large scale
        raw = quants.quantize(data, t).reshape(-1).astype(np.uint8)
        entries.append((t, raw, dequant(raw, t)))

        scales = [0.013671875, -0.7, 3.0e-6, 1234.0]  # 3e-6 is an fp16 subnormal
        blocks = rng.integers(0, 256, size=(len(scales), nb), dtype=np.uint8)
        for i, s in enumerate(scales):
            blocks[i, 0:2] = f16_bytes(s)
        raw = blocks.reshape(-1)
        entries.append((t, raw, dequant(raw, t)))

    # K-quants: random raw bytes, valid d (and dmin).
    for t in (T.Q4_K, T.Q5_K, T.Q6_K):
        _, nb = BLOCK[t]
        ds = [(0.0021, 0.0007), (-0.03, 0.011), (1.2e-6, -4.0e-5)]  # negative, subnormal included
        blocks = rng.integers(0, 256, size=(len(ds), nb), dtype=np.uint8)
        for i, (d, dmin) in enumerate(ds):
            if t == T.Q6_K:
                blocks[i, nb - 2 : nb] = f16_bytes(d)  # d is the last field of block_q6_K
            else:
                blocks[i, 0:2] = f16_bytes(d)
                blocks[i, 2:4] = f16_bytes(dmin)
        raw = blocks.reshape(-1)
        entries.append((t, raw, dequant(raw, t)))

    # F16 / BF16 element types.
    specials = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.0e-8, -6.0e-5, np.inf, -np.inf, np.nan], np.float32)
    vals = np.concatenate([specials, (rng.standard_normal(22) * 10).astype(np.float32)])
    raw = vals.astype(np.float16).view(np.uint8)
    entries.append((T.F16, raw, dequant(raw, T.F16)))
    bf_bits = np.concatenate([
        np.array([0x0000, 0x8000, 0x3F80, 0xC020, 0x7F7F, 0x0001, 0x8080, 0x7F80, 0xFF80, 0x7FC0], np.uint16),
        rng.integers(0, 0x10000, size=22, dtype=np.uint16),
    ])
    # no random inf/nan (the specials are put back below)
    bf_bits = np.where((bf_bits & 0x7F80) == 0x7F80, np.uint16(0x4049), bf_bits).astype(np.uint16)
    bf_bits[7:10] = [0x7F80, 0xFF80, 0x7FC0]
    raw = bf_bits.view(np.uint8)
    entries.append((T.BF16, raw, dequant(raw, T.BF16)))

    out = bytearray(b"VKGQREF1")
    out += struct.pack("<I", len(entries))
    for t, raw, vals in entries:
        raw = np.ascontiguousarray(raw, dtype=np.uint8)
        vals = np.ascontiguousarray(vals, dtype="<f4")
        assert raw.size % BLOCK[t][1] == 0 and vals.size == raw.size // BLOCK[t][1] * BLOCK[t][0]
        out += struct.pack("<III", int(t), vals.size, raw.size)
        out += raw.tobytes()
        out += vals.tobytes()

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(bytes(out))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(entries)} entries, {len(out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
