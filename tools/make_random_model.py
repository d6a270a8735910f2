#!/usr/bin/env python3
"""Writes a GGUF with random weights in the exact shape of Gemma 3 1B or 4B (text), for speed work at a
realistic size: the tensor names, shapes and metadata of the real models, the tokenizer of the default
270M GGUF (so it loads and tokenizes), and per-tensor types chosen as llama.cpp's Q4_K_M does.

Usage: .venv/bin/python tools/make_random_model.py --size 1b [--type q4_k_m|f16] [--out /tmp/gemma-3-1b-random-q4_k_m.gguf]
       [--tokenizer-from GGUF]  (the 270M model by default; tools/gpu/extract_tokenizer.py writes a 5 MB one)

Weights are random bytes with the scale fields set so that dequantized values have a standard deviation
of about 0.02 (like trained Gemma weights); norms are ~1. The model says nothing sensible: it is for
`vkgemma bench` and llama-bench only. Types (llama.cpp's Q4_K_M rule): Q4_K everywhere, Q6_K for the
token embedding and for attn_v / ffn_down of the "more bits" layers; a K-quant whose row length is not a
multiple of 256 falls back as llama.cpp does (Q4_K -> Q5_0, Q6_K -> Q8_0). Gemma 3 1B's hidden size 1152
is not a multiple of 256, so its attn_q/k/v, ffn_gate/up and embedding are Q5_0/Q8_0, as in real files.
With --type f16 every matrix is F16 (values drawn from a table of normal samples, std 0.02) and norms F32,
as llama.cpp's convert_hf_to_gguf.py --outtype f16 writes them.
Needs ~1 GiB (1b) or ~3 GiB (4b) of memory and disk; write it to /tmp or models/ (never commit it).
"""
import argparse
import os
import sys

import numpy as np
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType as Q

# Gemma 3 text configurations (transformers' Gemma3TextConfig of google/gemma-3-1b-it, gemma-3-4b-it).
SHAPES = {
    "1b": dict(hidden=1152, layers=26, ffn=6912, heads=4, kv_heads=1, head_dim=256, context=32768,
               sliding_window=512, rope_scaling=None, name="Gemma 3 1b (random weights)", size="1B"),
    "4b": dict(hidden=2560, layers=34, ffn=10240, heads=8, kv_heads=4, head_dim=256, context=131072,
               sliding_window=1024, rope_scaling=8.0, name="Gemma 3 4b (random weights)", size="4B"),
}

# Bytes per block, values per block, and the fp16 scale fields: (byte offset, value) per block.
STD = 0.02
BLOCKS = {
    Q.Q8_0: (34, 32, [(0, STD / 74.0)]),            # q uniform in [-128, 127]: std ~74
    Q.Q5_0: (22, 32, [(0, STD / 9.2)]),             # q - 16, q in [0, 31]: std ~9.2
    Q.Q4_K: (144, 256, [(0, STD / 143.0), (2, 7.5 * STD / 143.0)]),  # d * sc * q - dmin * m, sc, m ~ U[0, 63]
    Q.Q6_K: (210, 256, [(208, STD / (64 * 18.5))]),  # d * sc * (q - 32), sc ~ U[-128, 127], q ~ U[0, 63]
}
FALLBACK = {Q.Q4_K: Q.Q5_0, Q.Q6_K: Q.Q8_0}  # llama.cpp, when a row is not a multiple of 256
FILE_TYPES = {"q4_k_m": 15, "f16": 1}  # general.file_type: MOSTLY_Q4_K_M, MOSTLY_F16


def more_bits(i, n):  # llama.cpp's use_more_bits for Q4_K_M
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def random_quant(rng, qtype, rows, cols):
    block_bytes, block_elems, scales = BLOCKS[qtype]
    if cols % block_elems:
        sys.exit(f"{qtype.name}: row length {cols} is not a multiple of {block_elems}")
    nb = rows * cols // block_elems
    data = rng.integers(0, 256, size=(nb, block_bytes), dtype=np.uint8)
    for off, value in scales:
        # Scales vary by +-50 % around the target so that blocks differ, as in real files.
        s = (value * rng.uniform(0.5, 1.5, size=nb)).astype(np.float16)
        data[:, off:off + 2] = s.view(np.uint8).reshape(nb, 2)
    return data.reshape(rows, cols // block_elems * block_bytes)


def random_f16(rng, table, rows, cols):
    # Indices into a table of 65536 normal samples: a tenth of the time of drawing billions of normals
    # (the 4B model has 3.9 billion values), and as good for timing and for comparing backends.
    return table[rng.integers(0, len(table), size=(rows, cols), dtype=np.uint16)]


def copy_tokenizer(w, src):
    """The tokenizer fields of GGUFReader `src` into writer `w`; returns the vocabulary size."""
    f = src.fields
    w.add_tokenizer_model(f["tokenizer.ggml.model"].contents())
    w.add_tokenizer_pre(f["tokenizer.ggml.pre"].contents())
    w.add_token_list(f["tokenizer.ggml.tokens"].contents())
    w.add_token_scores(f["tokenizer.ggml.scores"].contents())
    w.add_token_types(f["tokenizer.ggml.token_type"].contents())
    for key in ("bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id"):
        w.add_uint32("tokenizer.ggml." + key, f["tokenizer.ggml." + key].contents())
    for key in ("add_bos_token", "add_sep_token", "add_eos_token", "add_space_prefix"):
        if "tokenizer.ggml." + key in f:
            w.add_bool("tokenizer.ggml." + key, f["tokenizer.ggml." + key].contents())
    return len(f["tokenizer.ggml.tokens"].data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(SHAPES), default="1b")
    ap.add_argument("--type", choices=sorted(FILE_TYPES), default="q4_k_m",
                    help="q4_k_m: llama.cpp's Q4_K_M mix (default); f16: every matrix F16")
    ap.add_argument("--out", help="output GGUF (default /tmp/gemma-3-SIZE-random-TYPE.gguf)")
    ap.add_argument("--tokenizer-from", default=os.path.join(os.path.dirname(__file__), "..", "models",
                                                             "gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    s = SHAPES[a.size]
    out = a.out or f"/tmp/gemma-3-{a.size}-random-{a.type}.gguf"
    rng = np.random.default_rng(a.seed)
    # Its own generator, so that a Q4_K_M file stays byte for byte what earlier versions wrote.
    f16_table = np.random.default_rng(a.seed + 1).normal(0.0, STD, size=65536).astype(np.float16)

    src = GGUFReader(a.tokenizer_from)
    w = GGUFWriter(out, "gemma3")
    w.add_name(s["name"])
    w.add_string("general.size_label", s["size"])
    w.add_context_length(s["context"])
    w.add_embedding_length(s["hidden"])
    w.add_block_count(s["layers"])
    w.add_feed_forward_length(s["ffn"])
    w.add_head_count(s["heads"])
    w.add_head_count_kv(s["kv_heads"])
    w.add_key_length(s["head_dim"])
    w.add_value_length(s["head_dim"])
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1e6)
    w.add_sliding_window(s["sliding_window"])
    if s["rope_scaling"]:
        w.add_string("gemma3.rope.scaling.type", "linear")
        w.add_float32("gemma3.rope.scaling.factor", s["rope_scaling"])
    w.add_file_type(FILE_TYPES[a.type])
    w.add_quantization_version(2)
    # The tokenizer, field by field, from the 270M file (same vocabulary for all Gemma 3 sizes).
    vocab = copy_tokenizer(w, src)

    H, F, D = s["hidden"], s["ffn"], s["head_dim"]
    total = 0

    def quant(name, qtype, rows, cols):
        nonlocal total
        if a.type == "f16":
            data = random_f16(rng, f16_table, rows, cols)
            total += data.nbytes
            w.add_tensor(name, data)
            return
        if cols % 256 and qtype in FALLBACK:
            qtype = FALLBACK[qtype]
        data = random_quant(rng, qtype, rows, cols)
        total += data.nbytes
        w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)

    def norm(name, n):
        nonlocal total
        v = rng.normal(1.0, 0.1, size=n).astype(np.float32)
        total += v.nbytes
        w.add_tensor(name, v)

    quant("token_embd.weight", Q.Q6_K, vocab, H)
    norm("output_norm.weight", H)
    n = s["layers"]
    for i in range(n):
        p = f"blk.{i}."
        big = Q.Q6_K if more_bits(i, n) else Q.Q4_K
        norm(p + "attn_norm.weight", H)
        quant(p + "attn_q.weight", Q.Q4_K, s["heads"] * D, H)
        quant(p + "attn_k.weight", Q.Q4_K, s["kv_heads"] * D, H)
        quant(p + "attn_v.weight", big, s["kv_heads"] * D, H)
        norm(p + "attn_q_norm.weight", D)
        norm(p + "attn_k_norm.weight", D)
        quant(p + "attn_output.weight", Q.Q4_K, H, s["heads"] * D)
        norm(p + "post_attention_norm.weight", H)
        norm(p + "ffn_norm.weight", H)
        quant(p + "ffn_gate.weight", Q.Q4_K, F, H)
        quant(p + "ffn_up.weight", Q.Q4_K, F, H)
        quant(p + "ffn_down.weight", big, H, F)
        norm(p + "post_ffw_norm.weight", H)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{out}: Gemma 3 {a.size} shape, {a.type}, {total / 2**20:.0f} MiB of weights")


if __name__ == "__main__":
    main()
