#!/usr/bin/env python3
"""Rewrites a GGUF with every quantized tensor dequantized to F16 or BF16 (F32 tensors stay F32), metadata
kept: a way to get an F16/BF16 model of the same network for speed work (docs/PERFORMANCE.md).

Usage: .venv/bin/python tools/dequantize_gguf.py IN.gguf OUT.gguf [--type f16|bf16]

Uses gguf-py's own dequantizers (numpy); the 270M model takes ~1 minute. Write OUT to /tmp or models/.
"""
import argparse

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter, GGMLQuantizationType as Q
from gguf.quants import dequantize, quantize


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--type", choices=["f16", "bf16"], default="f16")
    a = ap.parse_args()
    src = GGUFReader(a.src)
    arch = src.fields["general.architecture"].contents()
    w = GGUFWriter(a.out, arch)
    add = {GGUFValueType.STRING: w.add_string, GGUFValueType.FLOAT32: w.add_float32,
           GGUFValueType.UINT32: w.add_uint32, GGUFValueType.INT32: w.add_int32,
           GGUFValueType.BOOL: w.add_bool, GGUFValueType.ARRAY: w.add_array,
           GGUFValueType.UINT64: w.add_uint64, GGUFValueType.FLOAT64: w.add_float64}
    for key, field in src.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        if key == "general.file_type":
            w.add_uint32(key, 1 if a.type == "f16" else 32)  # MOSTLY_F16 / MOSTLY_BF16
            continue
        add[field.types[0]](key, field.contents())
    for t in src.tensors:
        shape = [int(x) for x in reversed(t.shape)]  # GGUF lists dimensions fastest first
        if t.tensor_type == Q.F32:
            w.add_tensor(t.name, np.array(t.data).reshape(shape))
            continue
        v = dequantize(t.data, t.tensor_type).reshape(shape)
        if a.type == "f16":
            w.add_tensor(t.name, v.astype(np.float16))
        else:
            b = quantize(v.astype(np.float32), Q.BF16)
            w.add_tensor(t.name, b, raw_shape=b.shape, raw_dtype=Q.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{a.out}: {len(src.tensors)} tensors, quantized ones as {a.type.upper()}")


if __name__ == "__main__":
    main()
