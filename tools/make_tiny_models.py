#!/usr/bin/env python3
r"""Tiny random Gemma 1 / 2 / 3 models and their transformers reference outputs.

For each generation (gemma, gemma2, gemma3) this script, with a fixed seed:

1. builds a tiny model with transformers' own classes (GemmaForCausalLM, Gemma2ForCausalLM,
   Gemma3ForCausalLM + Gemma3TextConfig; eager attention, fp32) and re-initialises every weight
   with "realistic" scales so that every path matters (norm offsets, post-norms, softcaps,
   sliding windows, dual RoPE bases, QK-norm, GQA/MQA, head_dim * heads != hidden);
2. chooses the GGUF storage type of every tensor, quantizes with gguf.quants, dequantizes back and
   loads exactly those values into the HF model (so the reference sees the same weights as a
   GGUF reader);
3. saves the HF model to models/tiny/<gen>-hf/ (git-ignored, for later use);
4. writes assets/tiny/<gen>.gguf with gguf.GGUFWriter (llama.cpp names, norm weights stored as 1 + w,
   the vocabulary of assets/tiny_tokenizer.model);
5. runs the HF model (torch.no_grad, fp32) on 24 fixed token ids and writes
   assets/tiny/<gen>_reference.bin   raw little-endian float32 logits [24, 400]
   assets/tiny/<gen>_reference.txt   tokens / vocab / positions / greedy 8 (manual argmax loop,
                                     full recomputation each step)
6. checks that the features are exercised: the sliding window changes logits at positions >= 8
   (asserted), Gemma 2's attention / final softcaps change logits (asserted) and prints how many
   scores / logits they affected.

Usage (from the repository root):  .venv/bin/python tools/make_tiny_models.py [--only gemma2]
Then run tools/make_tiny_hf.py: it writes assets/tiny/<gen>-hf/ (HF directories) from these GGUFs.

Model dimensions (all generations): vocab 400 (tiny tokenizer), hidden 64, intermediate 128, 4 query
heads of head_dim 32 (q width 128 != hidden 64), max_position_embeddings 128, rms eps 1e-6,
gelu_pytorch_tanh, query_pre_attn_scalar = head_dim (the scale our loader and llama.cpp hard-code).
  gemma : 2 layers, 1 kv head (MQA), RoPE 1e4, no window, no softcaps
  gemma2: 4 layers, 2 kv heads (GQA), RoPE 1e4, sliding window 8 on layers 0 and 2,
          attn softcap 50, final softcap 30
  gemma3: 6 layers, 2 kv heads (GQA), sliding window 8 on layers 0-4, layer 5 global,
          RoPE local 1e4 / global 1e6 (gemma3.rope.freq_base), no scaling, QK-norm

GGUF tensor types (the dequantized values are exactly what the HF reference uses):
  norms (incl. q/k norms)      F32 (stored as 1 + w)
  ffn_gate                     Q8_0 (row length 64)
  ffn_up                       F16
  token_embd                   gemma F32, gemma2 / gemma3 Q8_0 (tied output projection uses the same)
  attn_q, attn_output          gemma F32,  gemma2 Q4_0, gemma3 Q5_0
  attn_k, attn_v, ffn_down     gemma Q8_0, gemma2 Q4_0, gemma3 Q5_0
F32 for every other matrix would make the three files ~2.1 MB with these dimensions; this mix keeps
them at ~0.8 MB and exercises F32, F16, Q8_0, Q5_0 and Q4_0 matmuls and F32 / Q8_0 embedding rows.
"""
import argparse
import hashlib
import importlib.metadata
import math
import os
import sys

import numpy as np
import torch

import gguf
from gguf import GGMLQuantizationType as QT
from gguf import quants
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZER = os.path.join(ROOT, "assets", "tiny_tokenizer.model")
OUT_GGUF = os.path.join(ROOT, "assets", "tiny")
OUT_HF = os.path.join(ROOT, "models", "tiny")

SEED = 1234
N_PROMPT = 24
N_GREEDY = 8
VOCAB, HIDDEN, FFN, N_HEAD, HEAD_DIM, MAX_POS, WINDOW = 400, 64, 128, 4, 32, 128, 8

GENS = {
    # n_layers, n_kv, extra knobs for the re-initialisation
    # out_gain scales o_proj / down_proj (Gemma 1, no post-norms) and post_mean is the mean of the sandwich
    # post-norm offsets (Gemma 2/3): both keep the layers' contributions comparable to sqrt(H) * embedding,
    # so that the output is not just "repeat the last token" through the tied embedding.
    "gemma": dict(layers=2, kv=1, embed_std=0.5, qk_gain=1.5, final_norm_mean=0.0, out_gain=3.0, post_mean=0.0),
    # Larger q/k gain and final norm so that softcaps (50 on scores, 30 on logits) really bite.
    "gemma2": dict(layers=4, kv=2, embed_std=0.5, qk_gain=2.5, final_norm_mean=1.0, out_gain=1.0, post_mean=2.0),
    "gemma3": dict(layers=6, kv=2, embed_std=0.5, qk_gain=1.0, final_norm_mean=0.0, out_gain=1.0, post_mean=2.0,
                   qk_norm_mean=1.0),
}


# ---- tokenizer ------------------------------------------------------------------------------------

def load_vocab():
    from sentencepiece import sentencepiece_model_pb2 as pb

    m = pb.ModelProto()
    with open(TOKENIZER, "rb") as f:
        m.ParseFromString(f.read())
    tokens = [p.piece for p in m.pieces]
    scores = [p.score for p in m.pieces]
    # ModelProto piece types: NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6 = GGUF types.
    types = [int(p.type) for p in m.pieces]
    ids = {p: i for i, p in enumerate(tokens)}
    spec = m.trainer_spec
    vocab = dict(tokens=tokens, scores=scores, types=types, bos=spec.bos_id, eos=spec.eos_id, unk=spec.unk_id,
                 pad=spec.pad_id)
    assert len(tokens) == VOCAB, len(tokens)
    assert tokens[vocab["bos"]] == "<bos>" and tokens[vocab["eos"]] == "<eos>", (vocab["bos"], vocab["eos"])
    assert types[vocab["unk"]] == 2 and set(types) <= {1, 2, 3, 4, 5, 6}
    del ids
    return vocab


# ---- HF model --------------------------------------------------------------------------------------

def make_config(gen, sliding_window=WINDOW, attn_softcap=50.0, final_softcap=30.0):
    k = GENS[gen]
    common = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=FFN, num_hidden_layers=k["layers"],
                  num_attention_heads=N_HEAD, num_key_value_heads=k["kv"], head_dim=HEAD_DIM,
                  max_position_embeddings=MAX_POS, rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh",
                  hidden_act="gelu_pytorch_tanh", attention_bias=False, attention_dropout=0.0,
                  tie_word_embeddings=True, bos_token_id=2, eos_token_id=1, pad_token_id=0, use_cache=False,
                  dtype="float32")
    if gen == "gemma":
        cfg = transformers.GemmaConfig(**common, rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    elif gen == "gemma2":
        cfg = transformers.Gemma2Config(
            **common, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
            query_pre_attn_scalar=HEAD_DIM, sliding_window=sliding_window,
            layer_types=["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(k["layers"])],
            attn_logit_softcapping=attn_softcap, final_logit_softcapping=final_softcap)
    else:
        cfg = transformers.Gemma3TextConfig(
            **common, query_pre_attn_scalar=HEAD_DIM, sliding_window=sliding_window,
            layer_types=["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(k["layers"])],
            rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                             "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}},
            attn_logit_softcapping=None, final_logit_softcapping=None)
    cfg._attn_implementation = "eager"
    return cfg


def model_class(gen):
    return {"gemma": transformers.GemmaForCausalLM, "gemma2": transformers.Gemma2ForCausalLM,
            "gemma3": transformers.Gemma3ForCausalLM}[gen]


def build_model(gen, cfg):
    torch.manual_seed(0)  # the initial weights are all overwritten below
    m = model_class(gen)(cfg).to(torch.float32).eval()
    m.config._attn_implementation = "eager"
    return m


def random_hf_weights(gen, model, rng):
    """Fresh weights (HF names, HF offset form for norms) with realistic scales, as float32 numpy."""
    k = GENS[gen]
    w = {}
    for name, p in model.state_dict().items():
        if name == "lm_head.weight":
            continue
        shape = tuple(p.shape)
        if name.endswith("embed_tokens.weight"):
            a = rng.normal(0.0, k["embed_std"], shape)
        elif name == "model.norm.weight":
            a = rng.normal(k["final_norm_mean"], 0.3, shape)
        elif name.endswith(("post_attention_layernorm.weight", "post_feedforward_layernorm.weight")) and gen != "gemma":
            a = rng.normal(k["post_mean"], 0.5, shape)  # sandwich post-norms: a clearly non-trivial scale
        elif name.endswith(("q_norm.weight", "k_norm.weight")):
            a = rng.normal(k["qk_norm_mean"], 0.3, shape)  # QK-norm scale sets the attention sharpness
        elif name.endswith("norm.weight"):
            a = rng.normal(0.0, 0.3, shape)  # input / pre-ffn / gemma1 post_attention (pre-MLP) / q,k norms
        elif p.dim() == 2:
            a = rng.normal(0.0, 1.0 / math.sqrt(shape[1]), shape)
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                a *= k["qk_gain"]
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                a *= k["out_gain"]
        else:
            raise AssertionError(f"unexpected parameter {name} {shape}")
        w[name] = a.astype(np.float32)
    return w


# ---- GGUF naming and types -------------------------------------------------------------------------

def gguf_name(gen, hf):
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    parts = hf.split(".")
    assert parts[0] == "model" and parts[1] == "layers", hf
    n, rest = parts[2], ".".join(parts[3:])
    table = {
        "input_layernorm.weight": "attn_norm",
        "self_attn.q_proj.weight": "attn_q",
        "self_attn.k_proj.weight": "attn_k",
        "self_attn.v_proj.weight": "attn_v",
        "self_attn.o_proj.weight": "attn_output",
        "self_attn.q_norm.weight": "attn_q_norm",
        "self_attn.k_norm.weight": "attn_k_norm",
        "pre_feedforward_layernorm.weight": "ffn_norm",
        "post_feedforward_layernorm.weight": "post_ffw_norm",
        "mlp.gate_proj.weight": "ffn_gate",
        "mlp.up_proj.weight": "ffn_up",
        "mlp.down_proj.weight": "ffn_down",
        # Gemma 1's post_attention_layernorm is the pre-MLP norm; Gemma 2/3's is the attention-output norm.
        "post_attention_layernorm.weight": "ffn_norm" if gen == "gemma" else "post_attention_norm",
    }
    return f"blk.{n}.{table[rest]}.weight"


def gguf_type(gen, name, shape):
    if len(shape) == 1:
        return QT.F32
    kind = name.split(".")[-2]
    if kind == "ffn_gate":
        t = QT.Q8_0
    elif kind == "ffn_up":
        t = QT.F16
    elif kind == "token_embd":
        t = QT.F32 if gen == "gemma" else QT.Q8_0
    elif gen == "gemma":
        t = QT.F32 if kind in ("attn_q", "attn_output") else QT.Q8_0
    else:  # attn_q/k/v/output, ffn_down
        t = QT.Q4_0 if gen == "gemma2" else QT.Q5_0
    assert t in (QT.F32, QT.F16) or shape[-1] % 32 == 0, (name, shape)
    return t


def encode(arr, qtype):
    """(bytes-or-array to write, dequantized float32 values) for one GGUF tensor."""
    if qtype == QT.F32:
        a = np.ascontiguousarray(arr, dtype=np.float32)
        return a, a
    if qtype == QT.F16:
        a = np.ascontiguousarray(arr, dtype=np.float16)
        return a, a.astype(np.float32)
    q = quants.quantize(np.ascontiguousarray(arr, dtype=np.float32), qtype)
    d = quants.dequantize(q, qtype).astype(np.float32).reshape(arr.shape)
    return q, d


# ---- GGUF writing ----------------------------------------------------------------------------------

def write_tensors_and_close(w, tensors):
    """tensors: (name, data, qtype); F32/F16 as arrays, quantized ones as their raw blocks."""
    for name, data, qtype in tensors:
        if qtype in (QT.F32, QT.F16):
            w.add_tensor(name, data)
        else:
            w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def add_vocab(w, vocab):
    """The tiny SentencePiece vocabulary as llama.cpp's converter writes a Gemma one."""
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(vocab["tokens"])
    w.add_token_scores(vocab["scores"])
    w.add_token_types(vocab["types"])
    w.add_bos_token_id(vocab["bos"])
    w.add_eos_token_id(vocab["eos"])
    w.add_unk_token_id(vocab["unk"])
    w.add_pad_token_id(vocab["pad"])
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)


def write_gguf(gen, path, cfg, tensors, vocab):
    """tensors: list of (gguf name, data to write, qtype)."""
    w = gguf.GGUFWriter(path, gen)
    w.add_name(f"tiny-{gen}")
    w.add_description(f"tiny random {gen} test model made by tools/make_tiny_models.py (seed {SEED})")
    w.add_context_length(MAX_POS)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(FFN)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_key_length(HEAD_DIM)
    w.add_value_length(HEAD_DIM)
    w.add_layer_norm_rms_eps(1e-6)
    if gen == "gemma2":
        w.add_sliding_window(WINDOW)
        w.add_attn_logit_softcapping(50.0)
        w.add_final_logit_softcapping(30.0)
    if gen == "gemma3":
        w.add_sliding_window(WINDOW)
        w.add_rope_freq_base(1000000.0)
    w.add_file_type({"gemma": gguf.LlamaFileType.ALL_F32, "gemma2": gguf.LlamaFileType.MOSTLY_Q4_0,
                     "gemma3": gguf.LlamaFileType.MOSTLY_Q5_0}[gen])

    add_vocab(w, vocab)

    write_tensors_and_close(w, tensors)


# ---- running ---------------------------------------------------------------------------------------

class ScoreRecorder:
    """Wraps a modeling module's eager_attention_forward to record pre-softcap scores on visible keys."""

    def __init__(self, module):
        self.module = module
        self.orig = module.eager_attention_forward
        self.scores = []

    def __enter__(self):
        orig, rec = self.orig, self.scores

        def wrapped(mod, query, key, value, attention_mask, **kw):
            keys = self.module.repeat_kv(key, mod.num_key_value_groups)
            s = torch.matmul(query, keys.transpose(2, 3)) * kw.get("scaling", mod.head_dim ** -0.5)
            visible = torch.ones_like(s, dtype=torch.bool)
            if attention_mask is not None:
                visible = (attention_mask[:, :, :, : keys.shape[-2]] == 0).expand_as(s)
            rec.append(s[visible].detach().clone())
            return orig(mod, query, key, value, attention_mask, **kw)

        self.module.eager_attention_forward = wrapped
        return self

    def __exit__(self, *exc):
        self.module.eager_attention_forward = self.orig


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids], dtype=torch.long)).logits[0].float().numpy()


def top2_gap(logits):
    """Per row: largest minus second largest logit (how robust the argmax is)."""
    t = np.sort(logits, axis=-1)
    return t[..., -1] - t[..., -2]


def greedy(model, ids, n):
    """Greedy continuation (full recomputation per step) and the top-2 gap of each step."""
    ids = list(ids)
    out, gaps = [], []
    for _ in range(n):
        last = logits_of(model, ids)[-1]
        nxt = int(np.argmax(last))
        out.append(nxt)
        gaps.append(float(top2_gap(last)))
        ids.append(nxt)
    return out, gaps


def variant(gen, weights, **cfg_kw):
    cfg = make_config(gen, **cfg_kw)
    m = build_model(gen, cfg)
    m.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    m.tie_weights()
    return m


def make(gen, vocab):
    rng = np.random.default_rng(SEED + sum(map(ord, gen)))
    cfg = make_config(gen)
    model = build_model(gen, cfg)
    hf_w = random_hf_weights(gen, model, rng)

    # GGUF types; the HF model gets the dequantized values.
    tensors, deq = [], {}
    for hf_name, a in hf_w.items():
        name = gguf_name(gen, hf_name)
        if hf_name.endswith("norm.weight"):
            a = (a + 1.0).astype(np.float32)  # GGUF stores 1 + w
        qtype = gguf_type(gen, name, a.shape)
        data, d = encode(a, qtype)
        tensors.append((name, data, qtype))
        deq[hf_name] = (d - 1.0).astype(np.float32) if hf_name.endswith("norm.weight") else d
    # The HF offset form exactly as a GGUF reader sees it: (1 + w) in f32, minus 1, is exact for |w| < 1 and
    # within one ulp of (1 + w) otherwise, i.e. 1 + (w_gguf - 1) == w_gguf.
    for hf_name in deq:
        if hf_name.endswith("norm.weight"):
            g = [d for n, d, _ in tensors if n == gguf_name(gen, hf_name)][0]
            assert np.array_equal((np.float32(1.0) + deq[hf_name]).astype(np.float32), g), hf_name

    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in deq.items()}, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    model.tie_weights()
    assert torch.equal(model.lm_head.weight, model.model.embed_tokens.weight)

    os.makedirs(OUT_GGUF, exist_ok=True)
    gguf_path = os.path.join(OUT_GGUF, f"{gen}.gguf")
    write_gguf(gen, gguf_path, cfg, tensors, vocab)
    hf_dir = os.path.join(OUT_HF, f"{gen}-hf")
    model.save_pretrained(hf_dir)

    # Reference tokens: BOS then normal pieces.
    trng = np.random.default_rng(SEED)
    normal = [i for i, t in enumerate(vocab["types"]) if t == 1]
    ids = [vocab["bos"]] + [int(x) for x in trng.choice(normal, N_PROMPT - 1)]

    mod = sys.modules[type(model).__module__]
    raw_final = []
    hook = model.lm_head.register_forward_hook(lambda m, i, o: raw_final.append(o.detach().clone()))
    with ScoreRecorder(mod) as rec:
        logits = logits_of(model, ids)
    hook.remove()
    scores = torch.cat(rec.scores)
    raw = raw_final[0][0].float()
    assert logits.shape == (N_PROMPT, VOCAB)
    cont, gaps = greedy(model, ids, N_GREEDY)
    # A runtime differing from fp32 transformers by ~1e-5 must reproduce the greedy tokens exactly.
    assert min(gaps) > 1e-2, f"greedy continuation has a near tie: top-2 gaps {gaps}"

    # Reload from disk: the saved HF directory reproduces the logits.
    re = model_class(gen).from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager").eval()
    assert np.array_equal(logits_of(re, ids), logits), "saved HF model differs"

    # Feature checks.
    stats = [f"{gen}: layers {cfg.num_hidden_layers}, kv heads {cfg.num_key_value_heads}, "
             f"max |logit| {np.abs(logits).max():.3f}, max |attention score| {scores.abs().max():.2f}",
             f"  argmax top-2 gap: prompt positions min {top2_gap(logits).min():.4f}, greedy steps min {min(gaps):.4f}; "
             f"distinct argmaxes over the prompt: {len(set(np.argmax(logits, axis=1)))}"]
    if gen != "gemma":
        wide = variant(gen, deq, sliding_window=MAX_POS)
        lw = logits_of(wide, ids)
        d_early = np.abs(lw[:WINDOW] - logits[:WINDOW]).max()
        d_late = np.abs(lw[WINDOW:] - logits[WINDOW:]).max(axis=1)
        assert d_early < 1e-5, f"window 128 changed positions < {WINDOW}: {d_early}"
        assert (d_late > 1e-3).all(), f"sliding window does not matter at some position >= {WINDOW}: {d_late}"
        stats.append(f"  sliding window {WINDOW} vs 128: positions < {WINDOW} diff {d_early:.2e}, "
                     f"positions >= {WINDOW} min/max diff {d_late.min():.3f} / {d_late.max():.3f}")
    if gen == "gemma2":
        capped = 50.0 * torch.tanh(scores / 50.0)
        ch = (scores - capped).abs()
        stats.append(f"  attention scores (visible): {scores.numel()}, |s| > 20: {(scores.abs() > 20).float().mean():.1%}, "
                     f"softcap changed by > 0.1: {(ch > 0.1).float().mean():.1%}, by > 1: {(ch > 1).float().mean():.1%}, "
                     f"max |s| {scores.abs().max():.1f} -> {capped.abs().max():.1f}")
        fch = (raw - 30.0 * torch.tanh(raw / 30.0)).abs()
        stats.append(f"  final logits: {raw.numel()}, |l| > 15: {(raw.abs() > 15).float().mean():.1%}, "
                     f"softcap changed by > 0.1: {(fch > 0.1).float().mean():.1%}, by > 1: {(fch > 1).float().mean():.1%}, "
                     f"max |raw| {raw.abs().max():.1f} -> {np.abs(logits).max():.1f}")
        assert np.allclose(logits, (30.0 * torch.tanh(raw / 30.0)).numpy(), atol=1e-5)
        nocap = logits_of(variant(gen, deq, attn_softcap=None), ids)
        da = np.abs(nocap - logits).max()
        assert da > 1e-2, f"attention softcap does not matter: {da}"
        stats.append(f"  logits without attention softcap differ by up to {da:.3f}")
        assert (fch > 1).any(), "final softcap does not matter"
    else:
        assert torch.equal(raw, torch.from_numpy(logits))

    # Outputs.
    bin_path = os.path.join(OUT_GGUF, f"{gen}_reference.bin")
    logits.astype("<f4").tofile(bin_path)
    cls = type(model).__name__ + (" + Gemma3TextConfig" if gen == "gemma3" else f" + {type(cfg).__name__}")
    with open(os.path.join(OUT_GGUF, f"{gen}_reference.txt"), "w") as f:
        f.write(f"# tiny {gen} reference made by tools/make_tiny_models.py (seed {SEED})\n")
        f.write(f"# transformers {transformers.__version__}, torch {torch.__version__}, gguf {importlib.metadata.version('gguf')}, "
                f"numpy {np.__version__}\n")
        f.write(f"# {cls}, eager attention, fp32, CPU, torch.no_grad; weights = dequantized values of {gen}.gguf\n")
        f.write(f"# {gen}_reference.bin: little-endian float32 logits [{N_PROMPT}, {VOCAB}] (position-major), "
                f"sha256 {hashlib.sha256(logits.astype('<f4').tobytes()).hexdigest()[:16]}\n")
        f.write(f"# greedy: argmax continuation of the {N_PROMPT} tokens, full recomputation per step\n")
        f.write(f"tokens {len(ids)} " + " ".join(map(str, ids)) + "\n")
        f.write(f"vocab {VOCAB}\n")
        f.write(f"positions {N_PROMPT}\n")
        f.write(f"greedy {N_GREEDY} " + " ".join(map(str, cont)) + "\n")

    types = {}
    for n, _, q in tensors:
        types.setdefault(n.split(".")[-2] if n.startswith("blk.") else n.split(".")[0], set()).add(q.name)
    stats.append("  types: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in types.items()))
    stats.append(f"  {gguf_path}: {os.path.getsize(gguf_path)} bytes; tokens {ids}; greedy {cont}")
    print("\n".join(stats), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=list(GENS), action="append")
    args = ap.parse_args()
    torch.set_num_threads(1)
    vocab = load_vocab()
    for gen in args.only or list(GENS):
        make(gen, vocab)


if __name__ == "__main__":
    main()
