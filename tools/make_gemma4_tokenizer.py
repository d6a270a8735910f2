#!/usr/bin/env python3
r"""A small Gemma-4-style tokenizer and Hugging Face tokenizers' own encodings of test strings.

Gemma 4 replaced SentencePiece scores by a byte-fallback BPE with ranked merges (tokenizer.json; llama.cpp's
"gemma4" GGUF vocabulary: gemma4.md 4, llama.cpp src/llama-vocab.cpp LLAMA_VOCAB_PRE_TYPE_GEMMA4): spaces become
U+2581, text is split only into runs of newlines and runs of other characters, merges apply by rank, and
characters outside the vocabulary fall back to <0xNN> byte tokens. No real Gemma 4 vocabulary can be fetched
here, so this script trains one of the same shape with the `tokenizers` library on assets/text/gpl-3.0.txt:

  ids 0-3 <pad> <eos> <bos> <unk>; then Gemma 4's control tokens (<|turn> <turn|> <|think|> <|channel>
  <channel|> tool and image markers); 256 byte tokens; learned pieces up to 1200 in all.

Writes
  assets/tiny/gemma4-tokenizer/tokenizer.json   the tokenizer (as an HF checkpoint ships it)
  assets/tiny/gemma4-tokenizer.gguf             the same vocabulary as llama.cpp's converter writes it
                                                (tokenizer.ggml.model "gemma4", tokens, scores, types, merges)
  assets/tiny/gemma4-tokenizer_reference.txt    per test string: its escaped text and the ids tokenizers gives

Usage (from the repository root): python tools/make_gemma4_tokenizer.py  (needs tokenizers, gguf)
"""
import json
import os

import gguf
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers, Regex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "tiny")
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|turn>", "<turn|>", "<|think|>", "<|channel>",
            "<channel|>", "<|tool_call>", "<tool_call|>", "<|tool_response>", "<tool_response|>", '<|"|>',
            "<|image>", "<image|>", "<|image|>"]
BYTES = [f"<0x{b:02X}>" for b in range(256)]
# Gemma 4's converter renders these (USER_DEFINED) so a chat parser can read them; the rest are CONTROL.
VISIBLE = {"<|channel>", "<channel|>", "<|tool_call>", "<tool_call|>", "<|tool_response>", "<tool_response|>", '<|"|>'}

TESTS = [
    "Hello world", " leading space", "trailing space ", "two  spaces and   three", "",
    "The GNU General Public License is a free, copyleft license for software.",
    "line one\nline two\n\nafter a blank line\n\n\n\nfour newlines", "\n", "\n\n\n\n\n\n\n",
    "tabs\tand\ttabs", "digits 1234567890 and 3.14159", "UPPER lower MiXeD",
    "caf\u00e9 na\u00efve \u00fcber", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "emoji \U0001F600\U0001F680!",
    "<|turn>user\nHi<turn|>", "not <special> tokens", "a<|think|>b",
    "copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>",
    "   ", "x", "\u2581already a visible space",
]
# One long line (only newlines split Gemma 4's text, so a pasted paragraph is one run of merges).
with open(os.path.join(ROOT, "assets", "text", "gpl-3.0.txt"), encoding="utf-8") as _f:
    TESTS.append(" ".join(_f.read()[:4000].split()))


def train():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("\n+"), behavior="isolated")
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=SPECIALS + BYTES, show_progress=False)
    with open(os.path.join(ROOT, "assets", "text", "gpl-3.0.txt"), encoding="utf-8") as f:
        text = f.read()
    tok.train_from_iterator([text], trainer)
    j = json.loads(tok.to_str())
    # Special tokens as tokenizer.json lists them (ids from the trainer, in SPECIALS order); bytes stay in the
    # model vocabulary (byte fallback looks them up there).
    j["added_tokens"] = [dict(id=j["model"]["vocab"][s], content=s, single_word=False, lstrip=False, rstrip=False,
                              normalized=False, special=True) for s in SPECIALS]
    j["decoder"] = json.loads(decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                                 decoders.Fuse()]).__getstate__())
    return Tokenizer.from_str(json.dumps(j)), j


def write_gguf(path, j):
    vocab = j["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    types = []
    for t in tokens:
        if t in VISIBLE:
            types.append(gguf.TokenType.USER_DEFINED)
        elif t in SPECIALS:
            types.append(gguf.TokenType.UNKNOWN if t == "<unk>" else gguf.TokenType.CONTROL)
        elif t in BYTES:
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
    w = gguf.GGUFWriter(path, "gemma4")
    w.add_name("tiny gemma4 tokenizer")
    w.add_tokenizer_model("gemma4")
    w.add_token_list(tokens)
    w.add_token_scores([-1000.0] * len(tokens))  # LlamaHfVocab's placeholder: merges carry the order
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(vocab["<bos>"])
    w.add_eos_token_id(vocab["<eos>"])
    w.add_unk_token_id(vocab["<unk>"])
    w.add_pad_token_id(vocab["<pad>"])
    w.add_add_space_prefix(False)
    w.add_add_bos_token(True)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    tok, j = train()
    d = os.path.join(OUT, "gemma4-tokenizer")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    write_gguf(os.path.join(OUT, "gemma4-tokenizer.gguf"), j)
    with open(os.path.join(OUT, "gemma4-tokenizer_reference.txt"), "w", encoding="utf-8") as f:
        f.write("# made by tools/make_gemma4_tokenizer.py: HF tokenizers' ids (no BOS) for each escaped text\n")
        for t in TESTS:
            ids = tok.encode(t, add_special_tokens=False).ids
            assert tok.decode(ids, skip_special_tokens=False) == t or "<" in t or "\u2581" in t, (t, tok.decode(ids))
            f.write(json.dumps(t, ensure_ascii=True) + "\t" + " ".join(map(str, ids)) + "\n")
    print(f"vocab {tok.get_vocab_size()}, merges {len(j['model']['merges'])}; {len(TESTS)} test strings")


if __name__ == "__main__":
    main()
