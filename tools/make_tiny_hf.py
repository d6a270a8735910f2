#!/usr/bin/env python3
r"""Hugging Face directories of the tiny test models: assets/tiny/<gen>-hf/ for gemma, gemma2, gemma3.

Reads assets/tiny/<gen>.gguf (written by tools/make_tiny_models.py), dequantizes every tensor, maps the
llama.cpp names back to transformers' names, turns the GGUF norm weights (1 + w) back into the HF offset
form ((1 + w) - 1 in float32, exactly what make_tiny_models.py fed to transformers for the reference), loads
them into the same transformers model class and saves it with save_pretrained:

  assets/tiny/<gen>-hf/config.json, generation_config.json   as transformers writes them
  assets/tiny/<gen>-hf/model.safetensors                      float32, tied lm_head not stored
  assets/tiny/gemma2-hf/model-0000k-of-00002.safetensors      gemma2 only: 2 shards + model.safetensors.index.json
  assets/tiny/<gen>-hf/tokenizer.model                        copy of assets/tiny_tokenizer.model

So the HF directory and the GGUF hold the same values, and both give assets/tiny/<gen>_reference.bin.
The script checks that: the saved directory, reloaded by transformers, reproduces the reference logits.

Usage (from the repository root):  .venv/bin/python tools/make_tiny_hf.py
"""
import os
import shutil
import sys

import numpy as np
import torch

import gguf
from gguf import GGMLQuantizationType as QT
from gguf import quants

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_models as tiny  # noqa: E402


def gguf_values(path):
    """GGUF tensor name -> dequantized float32 array in [rows, cols] (row-major) order."""
    out = {}
    for t in gguf.GGUFReader(path).tensors:
        shape = tuple(int(d) for d in reversed(t.shape))
        if t.tensor_type in (QT.F32, QT.F16):
            a = np.asarray(t.data).astype(np.float32).reshape(shape)
        else:
            a = quants.dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(shape)
        out[t.name] = a
    return out


def make(gen):
    g = gguf_values(os.path.join(tiny.OUT_GGUF, f"{gen}.gguf"))
    cfg = tiny.make_config(gen)
    model = tiny.build_model(gen, cfg)
    weights = {}
    for hf_name in model.state_dict():
        if hf_name == "lm_head.weight":
            continue
        a = g.pop(tiny.gguf_name(gen, hf_name))
        if hf_name.endswith("norm.weight"):
            a = (a - np.float32(1.0)).astype(np.float32)
        weights[hf_name] = torch.from_numpy(a)
    assert not g, f"GGUF tensors without an HF name: {sorted(g)}"
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    model.tie_weights()

    out = os.path.join(tiny.OUT_GGUF, f"{gen}-hf")
    shutil.rmtree(out, ignore_errors=True)
    total = sum(v.numel() * 4 for v in weights.values())
    # gemma2: two shards (covers model.safetensors.index.json); the others: one model.safetensors.
    shard = f"{total // 2 // 1000 + 20}KB" if gen == "gemma2" else "1GB"
    model.save_pretrained(out, max_shard_size=shard)
    shutil.copyfile(tiny.TOKENIZER, os.path.join(out, "tokenizer.model"))

    ref = tiny.load_vocab()  # asserts the tokenizer is the expected one
    del ref
    tokens = None
    with open(os.path.join(tiny.OUT_GGUF, f"{gen}_reference.txt")) as f:
        for line in f:
            if line.startswith("tokens "):
                tokens = [int(x) for x in line.split()[2:]]
    expected = np.fromfile(os.path.join(tiny.OUT_GGUF, f"{gen}_reference.bin"), dtype="<f4").reshape(len(tokens), -1)
    re = tiny.model_class(gen).from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
    got = tiny.logits_of(re, tokens)
    diff = float(np.abs(got - expected).max())
    assert diff < 1e-5, f"{gen}: reloaded HF directory differs from the reference by {diff}"
    files = sorted(os.listdir(out))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in files)
    print(f"{gen}: {out}: {', '.join(files)}; {size} bytes; max |logit diff| vs reference {diff:.2e}", flush=True)


def main():
    torch.set_num_threads(1)
    for gen in tiny.GENS:
        make(gen)


if __name__ == "__main__":
    main()
