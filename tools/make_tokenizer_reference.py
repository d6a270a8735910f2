#!/usr/bin/env python3
"""Writes assets/reference/tokenizer_gemma3.txt: token ids for a set of varied strings, produced by an
independent tokenizer (Hugging Face transformers' own GGUF tokenizer loading:
AutoTokenizer.from_pretrained(dir, gguf_file=name), which converts the GGUF vocabulary into a HF
`tokenizers` BPE - no SentencePiece involved). tests/model/test_tokenizer_gemma3.cpp checks that
vkg::Tokenizer (libsentencepiece on a ModelProto rebuilt from the same GGUF) gives the same ids.

Usage: .venv/bin/python tools/make_tokenizer_reference.py [model.gguf]

File format: '#' lines are comments; every other line is
    <UTF-8 text as lowercase hex> TAB <ids with BOS, space separated>

Strings left out: long whitespace runs. The Gemma 3 vocabulary has user-defined pieces for runs of
up to 31 spaces / newlines / tabs. For "x" + 40 spaces + "y", SentencePiece takes the longest piece first
(31 + 9 spaces: ids 167 145) while HF's tokenizer gives 16 + 24 (ids 152 160); the runs of 40 newlines and
35 tabs in the list agree. This matches llama.cpp's experience (HF and SentencePiece differ on long
whitespace runs; llama.cpp follows SentencePiece, as vkg::Tokenizer does). The script compares every
candidate with a SentencePiece model rebuilt the same way as vkg::Tokenizer, keeps only the strings where
HF and SentencePiece agree, and lists the left-out ones (with both id lists) in the file header.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CANDIDATES = [
    "Hello, my dog is cute",
    "<start_of_turn>user\nTest<end_of_turn>\n<start_of_turn>model\n",
    "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\nParis.<end_of_turn>\n",
    "The quick brown fox jumps over the lazy dog. 1234567890 + 3.14159 = ?",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber Stra\u00dfe \u0151\u0171",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u4e2d\u6587\u6587\u672c\uff0c\ud55c\uad6d\uc5b4 \u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea \u0939\u093f\u0928\u094d\u0926\u0940",
    "emoji \U0001F642\U0001F436\U0001F680 flags \U0001F1EB\U0001F1F7 family \U0001F468\u200d\U0001F469\u200d\U0001F467 rare \U0001FAE0\U00013000",
    "def f(x):\n    return x * 2  # comment\n\n\tindented\ttab\n",
    "  two spaces,   three, a\n\nb\n\n\n\nc   ",
    "<b>bold</b> <start_of_image> [multimodal] <unused0> <mask> <start_of_turn",
    "Numbers: 2024-05-17, 1,000,000.00, 0x1F, 1e-9",
    " leading space and trailing space ",
    "x" + " " * 40 + "y",          # long space run (see module docstring)
    "x" + "\n" * 40 + "y",         # long newline run
    "x" + "\t" * 35 + "y",         # long tab run
]


def rebuilt_spm(path):
    """A SentencePiece model rebuilt from the GGUF exactly as vkg::Tokenizer does (for the cross-check)."""
    import gguf
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    r = gguf.GGUFReader(path)
    f = lambda k: r.fields[k].contents()
    toks, scores, types = f("tokenizer.ggml.tokens"), f("tokenizer.ggml.scores"), f("tokenizer.ggml.token_type")
    unk = f("tokenizer.ggml.unknown_token_id")
    mp = pb.ModelProto()
    for i, (t, s, ty) in enumerate(zip(toks, scores, types)):
        p = mp.pieces.add()
        p.piece = t.replace(" ", "\u2581") if ty == 4 else t
        p.score = s
        p.type = 2 if (i == unk and 2 not in types) else ty
    ts = mp.trainer_spec
    ts.model_type, ts.vocab_size, ts.byte_fallback, ts.split_digits = 2, len(toks), True, True
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = unk, f("tokenizer.ggml.bos_token_id"), f("tokenizer.ggml.eos_token_id"), f("tokenizer.ggml.padding_token_id")
    ts.unk_piece, ts.bos_piece, ts.eos_piece, ts.pad_piece = toks[ts.unk_id], toks[ts.bos_id], toks[ts.eos_id], toks[ts.pad_id]
    ns = mp.normalizer_spec
    ns.name, ns.add_dummy_prefix, ns.remove_extra_whitespaces, ns.escape_whitespaces = "identity", False, False, True
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(mp.SerializeToString())
    specials = sorted((toks[i] for i in range(len(toks)) if sp.IsControl(i) or sp.IsUnknown(i)), key=len, reverse=True)
    return sp, specials


def spm_encode(sp, specials, text):
    ids, i, start = [sp.bos_id()], 0, 0
    while i < len(text):
        m = next((s for s in specials if text.startswith(s, i)), None)
        if m is None:
            i += 1
            continue
        ids += sp.encode(text[start:i]) + [sp.piece_to_id(m)]
        i += len(m)
        start = i
    return ids + sp.encode(text[start:])


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
    sp, specials = rebuilt_spm(path)
    kept, dropped = [], []
    for text in CANDIDATES:
        hf_ids = hf.encode(text)  # adds BOS
        sp_ids = spm_encode(sp, specials, text)
        if hf_ids == sp_ids:
            kept.append((text, hf_ids))
        else:
            dropped.append((text, hf_ids, sp_ids))
            print(f"HF and SentencePiece disagree on {text!r}:\n  HF  {hf_ids}\n  SPM {sp_ids}", file=sys.stderr)
    out = os.path.join(ROOT, "assets", "reference", "tokenizer_gemma3.txt")
    import transformers

    with open(out, "w", encoding="utf-8") as fo:
        fo.write(f"# Gemma 3 token ids (with BOS) from transformers {transformers.__version__} GGUF tokenizer "
                 f"loading of {os.path.basename(path)}. Made by tools/make_tokenizer_reference.py.\n")
        fo.write("# Format: <UTF-8 text as hex> TAB <ids>.\n")
        for text, hf_ids, sp_ids in dropped:
            fo.write(f"# left out (HF and SentencePiece disagree): {text!r}\n#   HF  {hf_ids}\n#   SPM {sp_ids}\n")
        for text, ids in kept:
            fo.write(f"# {text!r}\n{text.encode('utf-8').hex()}\t{' '.join(map(str, ids))}\n")
    print(f"wrote {out}: {len(kept)} strings, {len(dropped)} left out")


if __name__ == "__main__":
    main()
