#!/usr/bin/env python3
"""Writes a GGUF with random weights in the shape of Gemma 4 E4B or 26B-A4B (text decoder), optionally with
fewer layers, for speed work: llama.cpp's gemma4 keys and tensor names (gemma4.md 5), the tokenizer of the
default 270M GGUF (Gemma 3's 262144 pieces, Gemma 4's vocabulary size), Q4_K_M-like types
(tools/make_random_model.py: Q4_K, Q6_K on the "more bits" layers' attn_v / ffn_down, Q5_0 / Q8_0 where a
row is not a multiple of 256).

Shapes (gemma4.md 1.2, third-party copies of the released config.json files, unverified):
  e4b     hidden 2560, 42 layers (5 sliding : 1 full), ffn 10240, 8 heads, 2 KV heads, head_dim 256 / 512,
          window 512, per-layer embeddings of 256, the last 18 layers read layers 22 / 23's caches
  26b-a4b hidden 2816, 30 layers (5 : 1), dense ffn 2112, 16 heads, 8 KV heads sliding / 2 full (K = V),
          head_dim 256 / 512, window 1024, 128 experts of width 704, 8 per token

--layers N keeps the first N layers' pattern (N a multiple of 6); e4b then shares the second half of the layers
(the last owning layer full, the one before it sliding, as llama.cpp assumes). Bytes per layer are what a
decode step reads, so a truncated model measures the per-layer speed at the real width.

Usage (python with numpy and gguf from PyPI): tools/make_random_gemma4.py --shape 26b-a4b --layers 6 --out /tmp/g4-26b-6l.gguf
Needs several GiB of disk (26b-a4b: ~0.5 GiB per layer); never commit the output.
"""
import argparse
import os
import sys

import numpy as np
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType as Q

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_random_model import FALLBACK, copy_tokenizer, more_bits, random_quant  # noqa: E402

SHAPES = {
    "e4b": dict(hidden=2560, layers=42, ffn=10240, heads=8, kv=2, kv_full=2, hd=256, hd_full=512, window=512,
                ple=256, shared=18, experts=0, used=0, expert_ffn=0, k_eq_v=False, name="Gemma 4 E4B"),
    "26b-a4b": dict(hidden=2816, layers=30, ffn=2112, heads=16, kv=8, kv_full=2, hd=256, hd_full=512, window=1024,
                    ple=0, shared=0, experts=128, used=8, expert_ffn=704, k_eq_v=True, name="Gemma 4 26B-A4B"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", choices=sorted(SHAPES), required=True)
    ap.add_argument("--layers", type=int, default=0, help="keep this many layers (a multiple of 6)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-from", default=os.path.join(os.path.dirname(__file__), "..", "models",
                                                             "gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    s = dict(SHAPES[a.shape])
    if a.layers:
        if a.layers % 6 or a.layers > s["layers"]:
            sys.exit("--layers must be a multiple of 6 up to " + str(s["layers"]))
        if s["shared"]:
            s["shared"] = a.layers // 2 if (a.layers // 2) % 6 == 0 else a.layers - (a.layers // 12 * 6 or 6)
        s["layers"] = a.layers
    L, H = s["layers"], s["hidden"]
    sliding = [(i + 1) % 6 != 0 for i in range(L)]
    rng = np.random.default_rng(a.seed)

    src = GGUFReader(a.tokenizer_from)
    w = GGUFWriter(a.out, "gemma4")
    w.add_name(f"{s['name']} (random weights, {L} layers)")
    w.add_context_length(131072)
    w.add_embedding_length(H)
    w.add_block_count(L)
    w.add_feed_forward_length(s["ffn"])
    w.add_head_count(s["heads"])
    w.add_head_count_kv([s["kv"] if sl else s["kv_full"] for sl in sliding])
    w.add_key_length(s["hd_full"])
    w.add_value_length(s["hd_full"])
    w.add_uint32("gemma4.attention.key_length_swa", s["hd"])
    w.add_uint32("gemma4.attention.value_length_swa", s["hd"])
    w.add_layer_norm_rms_eps(1e-6)
    w.add_sliding_window(s["window"])
    w.add_array("gemma4.attention.sliding_window_pattern", sliding)
    w.add_uint32("gemma4.attention.shared_kv_layers", s["shared"])
    w.add_uint32("gemma4.embedding_length_per_layer_input", s["ple"])
    w.add_rope_freq_base(1e6)
    w.add_float32("gemma4.rope.freq_base_swa", 1e4)
    w.add_rope_dimension_count(s["hd_full"])
    w.add_uint32("gemma4.rope.dimension_count_swa", s["hd"])
    w.add_final_logit_softcapping(30.0)
    if s["experts"]:
        w.add_expert_count(s["experts"])
        w.add_expert_used_count(s["used"])
        w.add_expert_feed_forward_length(s["expert_ffn"])
    w.add_file_type(15)  # MOSTLY_Q4_K_M
    w.add_quantization_version(2)
    vocab = copy_tokenizer(w, src)
    total = 0

    def quant(name, qtype, rows, cols, experts=0):
        nonlocal total
        if cols % 256 and qtype in FALLBACK:
            qtype = FALLBACK[qtype]
        data = random_quant(rng, qtype, rows * max(experts, 1), cols)
        if experts:
            data = data.reshape(experts, rows, data.shape[1])
        total += data.nbytes
        w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)

    def vector(name, n, mean=1.0, std=0.1):
        nonlocal total
        v = rng.normal(mean, std, size=n).astype(np.float32)
        total += v.nbytes
        w.add_tensor(name, v)

    n_rot = s["hd_full"] // 8  # p-RoPE: a quarter of the pairs
    w.add_tensor("rope_freqs.weight", np.array([1.0] * n_rot + [1e30] * (s["hd_full"] // 2 - n_rot), dtype=np.float32))
    quant("token_embd.weight", Q.Q6_K, vocab, H)
    vector("output_norm.weight", H)
    P = s["ple"]
    if P:
        quant("per_layer_token_embd.weight", Q.Q4_K, vocab, L * P)
        quant("per_layer_model_proj.weight", Q.Q4_K, L * P, H)
        vector("per_layer_proj_norm.weight", P)
    for i in range(L):
        p = f"blk.{i}."
        big = Q.Q6_K if more_bits(i, L) else Q.Q4_K
        hd, kv = (s["hd"], s["kv"]) if sliding[i] else (s["hd_full"], s["kv_full"])
        owns = i < L - s["shared"]
        vector(p + "attn_norm.weight", H)
        quant(p + "attn_q.weight", Q.Q4_K, s["heads"] * hd, H)
        vector(p + "attn_q_norm.weight", hd)
        if owns:
            quant(p + "attn_k.weight", Q.Q4_K, kv * hd, H)
            vector(p + "attn_k_norm.weight", hd)
            if sliding[i] or not s["k_eq_v"]:
                quant(p + "attn_v.weight", big, kv * hd, H)
        quant(p + "attn_output.weight", Q.Q4_K, H, s["heads"] * hd)
        vector(p + "post_attention_norm.weight", H)
        vector(p + "ffn_norm.weight", H)
        quant(p + "ffn_gate.weight", Q.Q4_K, s["ffn"], H)
        quant(p + "ffn_up.weight", Q.Q4_K, s["ffn"], H)
        quant(p + "ffn_down.weight", big, H, s["ffn"])
        vector(p + "post_ffw_norm.weight", H)
        vector(p + "layer_output_scale.weight", 1, 1.0, 0.0)
        if s["experts"]:
            E, X = s["experts"], s["expert_ffn"]
            quant(p + "ffn_gate_inp.weight", Q.Q4_K, E, H)
            vector(p + "ffn_gate_inp.scale", H)
            vector(p + "ffn_down_exps.scale", E)
            vector(p + "pre_ffw_norm_2.weight", H)
            vector(p + "post_ffw_norm_1.weight", H)
            vector(p + "post_ffw_norm_2.weight", H)
            quant(p + "ffn_gate_up_exps.weight", Q.Q4_K, 2 * X, H, experts=E)
            quant(p + "ffn_down_exps.weight", big, H, X, experts=E)
        if P:
            quant(p + "inp_gate.weight", Q.Q4_K, P, H)
            quant(p + "proj.weight", Q.Q4_K, H, P)
            vector(p + "post_norm.weight", H)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{a.out}: {s['name']} shape, {L} layers ({s['shared']} KV-shared), {total / 2**20:.0f} MiB of weights")


if __name__ == "__main__":
    main()
