#!/usr/bin/env python3
r"""Independent reference outputs for the default model (Gemma 3 270M, Q4_K_M GGUF).

Everything here comes from Hugging Face transformers' own Gemma 3 code
(Gemma3ForCausalLM, eager attention, fp32, CPU) and from the `gguf` Python package;
nothing comes from vkgemma's C++ code.  No network access is needed: weights,
config and tokenizer are all read from the local GGUF.

Usage (from the repository root):

    .venv/bin/python tools/make_reference.py \
        [--gguf models/gemma-3-270m-q4_k_m.gguf] \
        [--out assets/reference/gemma3_270m_reference.txt]

Weights
-------
* gguf.GGUFReader reads the file; every tensor is dequantized to fp32 with
  gguf.quants.dequantize (types present: F32, Q5_0, Q4_K, Q8_0, Q6_K).  ggml lists
  dims innermost-first, so the numpy array the reader returns is already the HF
  row-major [out, in] matrix (shapes are asserted against the HF model).
* GGUF -> HF names: token_embd -> model.embed_tokens, output_norm -> model.norm,
  blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, attn_q_norm, attn_k_norm,
  post_attention_norm, ffn_norm, ffn_gate, ffn_up, ffn_down, post_ffw_norm} ->
  model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj, self_attn.{q,k}_norm,
  post_attention_layernorm, pre_feedforward_layernorm, mlp.{gate,up,down}_proj,
  post_feedforward_layernorm}.  lm_head is tied to the embedding (absent from GGUF).
* llama.cpp's converter stores 1 + w for every *norm weight; HF applies (1 + w) at
  run time, so 1.0 is subtracted from every norm weight before loading.
* The state dict is loaded with strict=True (lm_head.weight is tied, so it is the
  only key allowed to be "missing").
* Config (Gemma3TextConfig) from the GGUF metadata plus the values llama.cpp
  hard-codes: query_pre_attn_scalar 256 (= head_dim), local RoPE base 1e4, global
  RoPE base 1e6 (gemma3.rope.freq_base), no RoPE scaling, sliding window 512,
  layer i global iff (i+1) % 6 == 0, gelu_pytorch_tanh, no softcaps,
  attn_implementation "eager", fp32.

Tokenizer
---------
transformers' own GGUF tokenizer support:
AutoTokenizer.from_pretrained(<dir>, gguf_file=<name>) builds a GemmaTokenizer
(SentencePiece-style BPE with byte fallback) from tokenizer.ggml.tokens/scores/
token_type; it works offline.  BOS (id 2) is added exactly once by the tokenizer
(add_bos_token = true in the GGUF) and asserted.  As an extra, independent check
the script also rebuilds a SentencePiece ModelProto from the GGUF vocabulary
(sentencepiece_model_pb2) and asserts that libsentencepiece produces the same
ids for every text used here (skip with --no-sp-check).

Perplexity (mirrors llama.cpp tools/perplexity/perplexity.cpp, perplexity())
------------------------------------------------------------------------------
1. Text = the file read whole; like llama.cpp's `-f` option, ONE trailing '\n'
   is removed if present (common/arg.cpp: `if (prompt.back() == '\n')
   prompt.pop_back()`).
2. tokens = tokenize(text) with BOS added once at the front (common_tokenize(ctx,
   prompt, add_special=true)); ppl_text_tokens = len(tokens) (BOS included).
3. n_ctx = 256; n_chunk_max = len(tokens) // n_ctx; chunks are the
   non-overlapping windows tokens[c*n_ctx : (c+1)*n_ctx], c = 0..n_chunk-1, with
   n_chunk = min(4, n_chunk_max).  The remainder is dropped.
4. For each chunk, the first token is replaced by BOS (id 2) before evaluation
   (for chunk 0 it already is BOS); positions restart at 0 (fresh KV cache).
5. first = n_ctx/2 = 128.  The logits at positions j = first .. n_ctx-2 score the
   token at position j+1, i.e. targets are positions first+1 .. n_ctx-1:
   n_ctx - 1 - first = 127 scored tokens per chunk (llama.cpp:
   process_logits(logits + first*n_vocab, tokens + start + first,
   n_ctx - 1 - first) with log_softmax(logits[i], tokens[i+1])).
6. nll = -log_softmax(logits[j])[token[j+1]] summed over all scored tokens of all
   chunks (double precision); PPL = exp(sum_nll / count), count = 4 * 127 = 508.

Output format (assets/reference/gemma3_270m_reference.txt)
----------------------------------------------------------
Plain text, one record per line, space-separated fields, first field = key.
Lines starting with '#' are comments.  Unknown keys should be skipped by readers.
  prompt_text <text; escaped: '\' -> '\\', newline -> '\n', CR -> '\r'>  (informational)
  prompt_tokens N id_0 ... id_{N-1}                            (id_0 = BOS = 2)
  pos p argmax A top K id:logit ... (K pairs, logit descending, "%.6f")
                                                                (p = 0 .. N-1)
  greedy_prompt_text <escaped text>                             (informational)
  greedy_prompt_tokens N ids...                                 (with BOS)
  greedy_tokens 32 ids...       (argmax loop, full recomputation every step)
  greedy_text <decoded continuation, escaped like prompt_text>
  ppl_ctx 256
  ppl_chunks 4
  ppl_text_tokens N             (token count of the whole file, BOS included)
  ppl_count 508                 (number of scored tokens)
  ppl_chunk_nll c mean_nll      (per chunk, mean NLL of its 127 tokens, "%.6f")
  ppl_value X                   ("%.6f")
"""

import argparse
import math
import os
import shutil
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import gguf  # noqa: E402
from gguf import quants  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BOS_ID = 2
N_CTX = 256
N_CHUNKS = 4
TOP_K = 20
N_GREEDY = 32

PROMPT = (
    "The Pacific Ocean is the largest and deepest of Earth's five oceanic divisions. "
    "It extends from the Arctic Ocean in the north to the Southern Ocean in the south, "
    "and is bounded by Asia and Australia in the west and the Americas in the east. "
    "It covers about 165 million square kilometres, which is roughly one third of the "
    "planet's total surface area. Its name was given by the explorer Ferdinand Magellan, "
    "who found its waters calm."
)
GREEDY_PROMPT = "The capital of France is"

LAYER_MAP = {
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
    "post_attention_norm": "post_attention_layernorm",
    "ffn_norm": "pre_feedforward_layernorm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "post_ffw_norm": "post_feedforward_layernorm",
}


def hf_name(gguf_name: str) -> str:
    if gguf_name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if gguf_name == "output_norm.weight":
        return "model.norm.weight"
    parts = gguf_name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[3] == "weight" and parts[2] in LAYER_MAP:
        return f"model.layers.{int(parts[1])}.{LAYER_MAP[parts[2]]}.weight"
    raise KeyError(f"unmapped GGUF tensor {gguf_name}")


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def build_config(reader):
    from transformers import Gemma3TextConfig

    arch = field(reader, "general.architecture")
    assert arch == "gemma3", arch
    a = arch + "."
    n_layer = int(field(reader, a + "block_count"))
    head_dim = int(field(reader, a + "attention.key_length"))
    assert int(field(reader, a + "attention.value_length")) == head_dim
    assert field(reader, a + "rope.scaling.type") is None, "no RoPE scaling expected for 270M"
    n_vocab = len(reader.fields["tokenizer.ggml.tokens"].data)
    cfg = Gemma3TextConfig(
        vocab_size=n_vocab,
        hidden_size=int(field(reader, a + "embedding_length")),
        intermediate_size=int(field(reader, a + "feed_forward_length")),
        num_hidden_layers=n_layer,
        num_attention_heads=int(field(reader, a + "attention.head_count")),
        num_key_value_heads=int(field(reader, a + "attention.head_count_kv")),
        head_dim=head_dim,
        hidden_activation="gelu_pytorch_tanh",
        max_position_embeddings=int(field(reader, a + "context_length")),
        rms_norm_eps=float(np.float32(field(reader, a + "attention.layer_norm_rms_epsilon"))),
        query_pre_attn_scalar=head_dim,  # 256; llama.cpp uses 1/sqrt(head_dim) except for 27B
        sliding_window=int(field(reader, a + "attention.sliding_window")),
        layer_types=[
            "full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(n_layer)
        ],
        rope_parameters={
            "full_attention": {
                "rope_type": "default",
                "rope_theta": float(field(reader, a + "rope.freq_base")),
            },
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        },
        final_logit_softcapping=None,
        attn_logit_softcapping=None,
        tie_word_embeddings=True,
        bos_token_id=BOS_ID,
        eos_token_id=1,
        pad_token_id=0,
        use_cache=True,
    )
    cfg._attn_implementation = "eager"
    cfg.dtype = torch.float32
    return cfg


def load_model(reader):
    from transformers import Gemma3ForCausalLM

    cfg = build_config(reader)
    print("config:", {k: getattr(cfg, k) for k in (
        "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps",
        "sliding_window", "query_pre_attn_scalar", "max_position_embeddings")})
    print("layer_types:", cfg.layer_types)
    print("rope_parameters:", cfg.rope_parameters)
    torch.manual_seed(0)
    model = Gemma3ForCausalLM(cfg).to(torch.float32)
    model.config._attn_implementation = "eager"
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}

    sd = {}
    types = {}
    for t in reader.tensors:
        name = hf_name(t.name)
        arr = quants.dequantize(t.data, t.tensor_type)
        arr = np.asarray(arr, dtype=np.float32).reshape(tuple(int(x) for x in reversed(t.shape)))
        if name.endswith("norm.weight"):
            arr = arr - np.float32(1.0)  # undo llama.cpp's +1 fold: HF applies (1 + w)
        assert name in expected, f"{t.name} -> {name} not in HF model"
        assert tuple(arr.shape) == expected[name], (name, arr.shape, expected[name])
        sd[name] = torch.from_numpy(np.ascontiguousarray(arr))
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
    print("GGUF tensors:", len(reader.tensors), "types:", types)

    missing = set(expected) - set(sd)
    assert missing <= {"lm_head.weight"}, f"missing weights: {sorted(missing)}"
    if "lm_head.weight" in missing:
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    model.load_state_dict(sd, strict=True)
    model.tie_weights()
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr() or torch.equal(
        model.lm_head.weight, model.model.embed_tokens.weight)
    es = float(model.model.embed_tokens.embed_scale)
    assert abs(es - math.sqrt(cfg.hidden_size)) < 1e-4, es
    model.eval()
    return model


def sp_processor_from_gguf(reader):
    """Independent cross-check tokenizer: a SentencePiece ModelProto rebuilt from the GGUF vocab."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    toks = field(reader, "tokenizer.ggml.tokens")
    scores = field(reader, "tokenizer.ggml.scores")
    ttypes = field(reader, "tokenizer.ggml.token_type")
    m = pb.ModelProto()
    for tok, sc, ty in zip(toks, scores, ttypes):
        p = m.pieces.add()
        # llama.cpp's converter writes USER_DEFINED pieces with plain spaces; undo that.
        p.piece = tok.replace(" ", "\u2581") if ty == 4 else tok
        p.score = float(sc)
        p.type = int(ty)
    ts = m.trainer_spec
    ts.model_type = pb.TrainerSpec.BPE
    ts.vocab_size = len(toks)
    ts.byte_fallback = True
    ts.split_digits = True
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = 3, 2, 1, 0
    ts.unk_piece, ts.bos_piece, ts.eos_piece, ts.pad_piece = "<unk>", "<bos>", "<eos>", "<pad>"
    ns = m.normalizer_spec
    ns.name = "identity"
    ns.add_dummy_prefix = False
    ns.remove_extra_whitespaces = False
    ns.escape_whitespaces = True
    return spm.SentencePieceProcessor(model_proto=m.SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", default=os.path.join(REPO, "models", "gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--out", default=os.path.join(REPO, "assets", "reference", "gemma3_270m_reference.txt"))
    ap.add_argument("--license-src", default="/usr/share/common-licenses/GPL-3")
    ap.add_argument("--license-dst", default=os.path.join(REPO, "assets", "text", "gpl-3.0.txt"))
    ap.add_argument("--no-sp-check", action="store_true", help="skip the SentencePiece cross-check")
    args = ap.parse_args()

    t0 = time.time()
    torch.set_grad_enabled(False)
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    import transformers
    from transformers import AutoTokenizer

    print("transformers", transformers.__version__)

    # ---- text for perplexity -------------------------------------------------------
    os.makedirs(os.path.dirname(args.license_dst), exist_ok=True)
    if not os.path.exists(args.license_dst):
        shutil.copyfile(args.license_src, args.license_dst)
    with open(args.license_dst, "rb") as f:
        ppl_text = f.read().decode("utf-8")
    if ppl_text.endswith("\n"):  # llama.cpp -f: pop exactly one trailing newline
        ppl_text = ppl_text[:-1]

    # ---- tokenizer ------------------------------------------------------------------
    gdir, gname = os.path.split(os.path.abspath(args.gguf))
    tok = AutoTokenizer.from_pretrained(gdir, gguf_file=gname)
    print("tokenizer:", type(tok).__name__, "bos", tok.bos_token_id, "len", len(tok))
    assert tok.bos_token_id == BOS_ID

    def encode(text):
        ids = tok(text, add_special_tokens=True).input_ids
        assert ids[0] == BOS_ID and BOS_ID not in ids[1:], "BOS must appear exactly once"
        return list(ids)

    prompt_ids = encode(PROMPT)
    greedy_ids = encode(GREEDY_PROMPT)
    ppl_ids = encode(ppl_text)
    print(f"prompt tokens {len(prompt_ids)}, greedy prompt tokens {len(greedy_ids)}, "
          f"ppl text tokens {len(ppl_ids)} ({time.time() - t0:.1f}s)")
    assert len(prompt_ids) >= 64

    reader = gguf.GGUFReader(args.gguf)
    if not args.no_sp_check:
        sp = sp_processor_from_gguf(reader)
        for name, text, ids in (("prompt", PROMPT, prompt_ids), ("greedy", GREEDY_PROMPT, greedy_ids),
                                ("ppl", ppl_text, ppl_ids)):
            sp_ids = [BOS_ID] + sp.encode(text)
            assert sp_ids == ids, f"HF and SentencePiece tokenizations differ for {name}"
        print("SentencePiece cross-check: identical ids")

    # ---- model ------------------------------------------------------------------------
    model = load_model(reader)
    del reader
    print(f"model loaded ({time.time() - t0:.1f}s)")

    def logits_of(ids):
        x = torch.tensor([ids], dtype=torch.long)
        out = model(input_ids=x, use_cache=False)
        return out.logits[0].float()

    lines = []
    lines.append("# vkgemma reference for models/gemma-3-270m-q4_k_m.gguf, generated by tools/make_reference.py")
    lines.append(f"# HF transformers {transformers.__version__} Gemma3ForCausalLM, eager attention, fp32, CPU, "
                 f"torch {torch.__version__}; weights dequantized from the GGUF (norm weights minus 1)")
    lines.append("# tokens: transformers' GGUF tokenizer (AutoTokenizer gguf_file=...), BOS=2 once; "
                 "cross-checked with a SentencePiece model rebuilt from the GGUF vocab")
    lines.append("# records (space separated, first field is the key; skip unknown keys):")
    lines.append("#   prompt_text <text; escaped: backslash -> \\\\, newline -> \\n, CR -> \\r>   (informational)")
    lines.append("#   prompt_tokens N id...                     (id[0] = BOS)")
    lines.append(f"#   pos p argmax A top {TOP_K} id:logit ...      (one line per prompt position p, "
                 "logits descending, %.6f)")
    lines.append("#   greedy_prompt_text <escaped text>  /  greedy_prompt_tokens N id...")
    lines.append(f"#   greedy_tokens {N_GREEDY} id...   (argmax, full recomputation each step; "
                 "EOS not treated specially)")
    lines.append("#   greedy_text <decoded continuation, escaped as above>")
    lines.append("#   ppl_ctx / ppl_chunks / ppl_text_tokens / ppl_count / ppl_chunk_nll c mean / ppl_value")
    lines.append("# perplexity = llama-perplexity procedure on assets/text/gpl-3.0.txt: one trailing newline "
                 "dropped, tokenized whole with BOS (ppl_text_tokens),")
    lines.append(f"#   chunks tokens[c*{N_CTX}:(c+1)*{N_CTX}] for c < ppl_chunks, first token of each chunk "
                 "replaced by BOS, positions from 0;")
    lines.append(f"#   logits at positions {N_CTX // 2}..{N_CTX - 2} score the next token "
                 f"({N_CTX - 1 - N_CTX // 2} per chunk); ppl = exp(mean nll)")

    # ---- 1. prompt logits --------------------------------------------------------------
    t1 = time.time()
    lg = logits_of(prompt_ids)
    assert lg.shape == (len(prompt_ids), model.config.vocab_size)
    lines.append("prompt_text " + escape(PROMPT))
    lines.append(f"prompt_tokens {len(prompt_ids)} " + " ".join(map(str, prompt_ids)))
    print("prompt: position -> argmax (next actual token)")
    for p in range(len(prompt_ids)):
        row = lg[p]
        vals, idx = torch.sort(row, descending=True, stable=True)
        top = [(int(i), float(v)) for i, v in zip(idx[:TOP_K], vals[:TOP_K])]
        am = int(torch.argmax(row))
        assert am == top[0][0]
        lines.append(f"pos {p} argmax {am} top {TOP_K} " + " ".join(f"{i}:{v:.6f}" for i, v in top))
        nxt = prompt_ids[p + 1] if p + 1 < len(prompt_ids) else None
        print(f"  {p:3d} {tok.convert_ids_to_tokens(prompt_ids[p])!r:>16} -> "
              f"{tok.convert_ids_to_tokens(am)!r:<16} {top[0][1]:9.4f}"
              + ("" if nxt is None else f"   (actual {tok.convert_ids_to_tokens(nxt)!r}"
                 f"{' HIT' if nxt == am else ''})"))
    hits = sum(int(torch.argmax(lg[p])) == prompt_ids[p + 1] for p in range(len(prompt_ids) - 1))
    print(f"prompt top-1 next-token accuracy {hits}/{len(prompt_ids) - 1} ({time.time() - t1:.1f}s)")

    # ---- 2. greedy continuation ------------------------------------------------------
    t1 = time.time()
    seq = list(greedy_ids)
    gen = []
    for _ in range(N_GREEDY):
        # full recomputation of the whole sequence (no KV cache); only the last row of logits is needed
        last = model(input_ids=torch.tensor([seq], dtype=torch.long), use_cache=False, logits_to_keep=1).logits
        nxt = int(torch.argmax(last[0, -1]))
        gen.append(nxt)
        seq.append(nxt)
    gtext = tok.decode(gen, skip_special_tokens=False)
    print(f"greedy ({time.time() - t1:.1f}s): {GREEDY_PROMPT!r} -> {gtext!r}")
    print("greedy ids:", gen)
    try:  # cross-check with HF generate (KV cache path); informational only
        g2 = model.generate(torch.tensor([greedy_ids]), do_sample=False, max_new_tokens=N_GREEDY,
                            min_new_tokens=N_GREEDY, eos_token_id=None, pad_token_id=0)
        g2 = g2[0, len(greedy_ids):].tolist()
        print("model.generate agrees:" if g2 == gen else "WARNING: model.generate differs:", g2 == gen)
    except Exception as e:  # pragma: no cover
        print("model.generate cross-check skipped:", e)
    lines.append("greedy_prompt_text " + escape(GREEDY_PROMPT))
    lines.append(f"greedy_prompt_tokens {len(greedy_ids)} " + " ".join(map(str, greedy_ids)))
    lines.append(f"greedy_tokens {len(gen)} " + " ".join(map(str, gen)))
    lines.append("greedy_text " + escape(gtext))

    # ---- 3. perplexity ---------------------------------------------------------------
    t1 = time.time()
    n_chunk_max = len(ppl_ids) // N_CTX
    assert len(ppl_ids) >= 2 * N_CTX
    n_chunk = min(N_CHUNKS, n_chunk_max)
    first = N_CTX // 2
    nll_sum = 0.0
    count = 0
    chunk_nll = []
    for c in range(n_chunk):
        chunk = list(ppl_ids[c * N_CTX:(c + 1) * N_CTX])
        chunk[0] = BOS_ID
        logp = torch.log_softmax(logits_of(chunk).double(), dim=-1)
        s = 0.0
        for j in range(first, N_CTX - 1):
            s += -float(logp[j, chunk[j + 1]])
        n = N_CTX - 1 - first
        nll_sum += s
        count += n
        chunk_nll.append(s / n)
        print(f"  chunk {c}: mean nll {s / n:.6f}  running ppl [{c + 1}]{math.exp(nll_sum / count):.4f}")
    ppl = math.exp(nll_sum / count)
    print(f"PPL = {ppl:.6f} over {n_chunk} chunks x {N_CTX - 1 - first} tokens ({time.time() - t1:.1f}s)")
    lines.append(f"ppl_ctx {N_CTX}")
    lines.append(f"ppl_chunks {n_chunk}")
    lines.append(f"ppl_text_tokens {len(ppl_ids)}")
    lines.append(f"ppl_count {count}")
    for c, v in enumerate(chunk_nll):
        lines.append(f"ppl_chunk_nll {c} {v:.6f}")
    lines.append(f"ppl_value {ppl:.6f}")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    print(f"elapsed {time.time() - t0:.1f}s")


if __name__ == "__main__":
    sys.exit(main())
