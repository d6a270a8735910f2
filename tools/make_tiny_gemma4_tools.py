#!/usr/bin/env python3
"""A tiny random Gemma 4 with Gemma 4's tool tokens, for function-calling tests (assets/tiny/gemma4_tools.gguf).

The tiny Gemma 4 models (tools/make_tiny_gemma4.py) have a 400-token SentencePiece vocabulary without Gemma 4's
markers. This one is assets/tiny/gemma4_dense.gguf's weights with the Gemma-4-shaped vocabulary of
assets/tiny/gemma4-tokenizer.gguf (tools/make_gemma4_tokenizer.py: <|turn>, <|channel>, <|tool_call>,
<tool_call|>, <|tool_response>, <|"|> ... as llama.cpp's converter writes them, merges): the embedding gets
random rows (seeded, the same spread as the trained-at-random ones) up to the vocabulary's 1200 tokens. It has
no reference logits: tests use it only where any model would do (a grammar that must hold whatever is drawn,
the server's request and response plumbing).

Usage (from the repository root): python tools/make_tiny_gemma4_tools.py  (needs gguf, numpy)
"""
import os

import numpy as np
import gguf
from gguf.quants import dequantize, quantize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(ROOT, "assets", "tiny")
SEED = 4242


def field_value(f):
    """A reader field as the writer takes it: (value, GGUFValueType, sub type for arrays)."""
    t = f.types[0]
    if t == gguf.GGUFValueType.ARRAY:
        return f.contents(), t, f.types[1]
    return f.contents(), t, None


def main():
    model = gguf.GGUFReader(os.path.join(TINY, "gemma4_dense.gguf"))
    vocab = gguf.GGUFReader(os.path.join(TINY, "gemma4-tokenizer.gguf"))
    n_vocab = len(vocab.fields["tokenizer.ggml.tokens"].data)

    out = gguf.GGUFWriter(os.path.join(TINY, "gemma4_tools.gguf"), "gemma4")
    for name, f in model.fields.items():
        if name.startswith("GGUF.") or name.startswith("tokenizer.") or name == "general.architecture":
            continue
        value, t, sub = field_value(f)
        if name == "general.name":
            value = "tiny-gemma4_tools"
        if name == "general.description":
            value = ("tiny random Gemma 4 with Gemma 4's tool tokens: gemma4_dense.gguf's weights, the vocabulary of "
                     "gemma4-tokenizer.gguf, made by tools/make_tiny_gemma4_tools.py")
        out.add_key_value(name, value, t, sub_type=sub)
    for name, f in vocab.fields.items():
        if name.startswith("tokenizer."):
            value, t, sub = field_value(f)
            out.add_key_value(name, value, t, sub_type=sub)

    rng = np.random.default_rng(SEED)
    for t in model.tensors:
        data = np.array(t.data)
        if t.name == "token_embd.weight":
            rows = dequantize(data, t.tensor_type)  # [400, hidden]
            extra = rng.normal(0.0, float(rows.std()), size=(n_vocab - rows.shape[0], rows.shape[1])).astype(np.float32)
            data = quantize(np.concatenate([rows, extra]), t.tensor_type)
            out.add_tensor(t.name, data, raw_shape=data.shape, raw_dtype=t.tensor_type)
        else:
            out.add_tensor(t.name, data, raw_shape=data.shape, raw_dtype=t.tensor_type)
    out.write_header_to_file()
    out.write_kv_data_to_file()
    out.write_tensors_to_file()
    out.close()
    print(f"wrote {os.path.join(TINY, 'gemma4_tools.gguf')} ({n_vocab} tokens)")


if __name__ == "__main__":
    main()
