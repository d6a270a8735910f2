#!/usr/bin/env python3
"""Writes a small GGUF holding only the tokenizer of a Gemma 3 GGUF (no tensors), for
tools/make_random_model.py --tokenizer-from where the 241 MB 270M model cannot go (the GPU bundle).

Usage: python3 tools/gpu/extract_tokenizer.py SRC.gguf OUT.gguf

The fields are those make_random_model.py copies (its copy_tokenizer), so a model made from OUT is the
model made from SRC. Needs numpy and gguf-py.
"""
import os
import sys

from gguf import GGUFReader, GGUFWriter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_random_model import copy_tokenizer  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().split("\n\n")[1])
    src, out = sys.argv[1:]
    w = GGUFWriter(out, "gemma3")
    vocab = copy_tokenizer(w, GGUFReader(src))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{out}: tokenizer of {os.path.basename(src)}, {vocab} tokens, {os.path.getsize(out) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
