#!/usr/bin/env python3
r"""Tiny random Gemma 4 text models and transformers' reference outputs (the outside judge for Gemma 4).

Three models, built with transformers' own Gemma4TextConfig + Gemma4ForCausalLM (eager attention, fp32), after
../shared/docs/gemma4.md section 8:

  gemma4_ple    E2B-like: 10 layers (4 sliding + 1 full) x 2, per-layer embeddings (width 16), the last 4 layers
                read layers 4 and 5's KV caches (KV sharing), double-wide MLP on those, 1 KV head
  gemma4_moe    26B-A4B-like: 6 layers (5:1), 2 KV heads (1 on the full layer), K = V on the full layer, a routed
                block of 8 experts (top 2, width 32) beside the dense MLP
  gemma4_dense  31B-like: 6 layers (2 sliding + 1 full) x 2, K = V on full layers, 2 / 1 KV heads

Common: vocab 400 (assets/tiny_tokenizer.model), hidden 64, 4 query heads, head_dim 32 (sliding) / 64 (full,
p-RoPE over a quarter of the pairs), sliding window 8, final softcap 30. Every weight is re-drawn so that every
path matters: norm weights away from 1 (Gemma 4 multiplies by w itself), layer scalars, router scales.

For each model the script
1. chooses a GGUF type per tensor (F32 / F16 / Q8_0 / Q5_0 / Q4_0), quantizes with gguf.quants and loads the
   dequantized values into the HF model, so the GGUF and the reference see the same numbers;
2. writes assets/tiny/<name>.gguf (llama.cpp's gemma4 keys and tensor names, gemma4.md section 5) and
   assets/tiny/<name>-hf/ (save_pretrained + tokenizer.model);
3. runs the model on 24 fixed token ids and writes assets/tiny/<name>_reference.{bin,txt}: fp32 logits
   [24, 400] and a greedy continuation of 24 tokens (full recomputation per step), so prompt + continuation
   (48 positions) cross the window of 8 many times;
4. asserts that the features matter (sliding window, softcap, layer scalars; KV sharing and the experts by
   construction) and that the greedy steps have no near ties.

Usage (from the repository root): python tools/make_tiny_gemma4.py  (needs torch, transformers 5.23.0, gguf)
"""
import hashlib
import importlib.metadata
import math
import os
import shutil
import sys

import numpy as np
import torch

import gguf
from gguf import GGMLQuantizationType as QT
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_models as tiny  # noqa: E402  (vocabulary, quantization, greedy helpers)

SEED = 4004
N_PROMPT, N_GREEDY = 24, 24
VOCAB, HIDDEN, N_HEAD, HEAD_DIM, GLOBAL_HEAD_DIM, WINDOW, MAX_POS = 400, 64, 4, 32, 64, 8, 256
ROPE = {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25, "rope_theta": 1000000.0}}

MODELS = {
    "gemma4_ple": dict(num_hidden_layers=10, intermediate_size=128, num_key_value_heads=1,
                       layer_types=(["sliding_attention"] * 4 + ["full_attention"]) * 2,
                       hidden_size_per_layer_input=16, vocab_size_per_layer_input=VOCAB, num_kv_shared_layers=4,
                       use_double_wide_mlp=True),
    "gemma4_moe": dict(num_hidden_layers=6, intermediate_size=96, num_key_value_heads=2,
                       layer_types=["sliding_attention"] * 5 + ["full_attention"],
                       hidden_size_per_layer_input=0, vocab_size_per_layer_input=0, attention_k_eq_v=True,
                       num_global_key_value_heads=1, enable_moe_block=True, num_experts=8, top_k_experts=2,
                       moe_intermediate_size=32),
    "gemma4_dense": dict(num_hidden_layers=6, intermediate_size=128, num_key_value_heads=2,
                         layer_types=(["sliding_attention"] * 2 + ["full_attention"]) * 2,
                         hidden_size_per_layer_input=0, vocab_size_per_layer_input=0, attention_k_eq_v=True,
                         num_global_key_value_heads=1),
}


def make_config(name, **override):
    kw = dict(vocab_size=VOCAB, hidden_size=HIDDEN, num_attention_heads=N_HEAD, head_dim=HEAD_DIM,
              global_head_dim=GLOBAL_HEAD_DIM, max_position_embeddings=MAX_POS, sliding_window=WINDOW,
              final_logit_softcapping=30.0, rope_parameters=ROPE, rms_norm_eps=1e-6,
              hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, bos_token_id=2, eos_token_id=1,
              pad_token_id=0, attention_bias=False, attention_dropout=0.0, use_cache=True, dtype="float32")
    kw.update(MODELS[name])
    kw.update(override)
    cfg = transformers.Gemma4TextConfig(**kw)
    cfg._attn_implementation = "eager"
    return cfg


def build(cfg):
    torch.manual_seed(0)  # every weight is overwritten
    m = transformers.Gemma4ForCausalLM(cfg).to(torch.float32).eval()
    m.config._attn_implementation = "eager"
    return m


def random_weights(model, rng):
    """HF name -> float32 array with scales that make every path matter."""
    w = {}
    for name, p in model.state_dict().items():
        if name == "lm_head.weight":
            continue
        shape = tuple(p.shape)
        if name.endswith(("embed_tokens.weight", "embed_tokens_per_layer.weight")):
            a = rng.normal(0.0, 0.3, shape)
        elif name.endswith("layer_scalar"):
            a = rng.uniform(0.6, 1.4, shape)
        elif name.endswith("router.scale"):
            a = rng.normal(1.0, 0.3, shape)
        elif name.endswith("router.per_expert_scale"):
            a = rng.uniform(0.5, 1.5, shape)
        elif name.endswith(("post_attention_layernorm.weight", "post_feedforward_layernorm.weight")):
            a = rng.normal(2.0, 0.5, shape)
        elif "norm" in name and p.dim() == 1:
            a = rng.normal(1.0, 0.3, shape)  # Gemma 4 multiplies by w: around 1, never 1
        elif p.dim() >= 2:
            a = rng.normal(0.0, 1.0 / math.sqrt(shape[-1]), shape)
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                a *= 1.5
        else:
            raise AssertionError(f"unexpected parameter {name} {shape}")
        w[name] = a.astype(np.float32)
    return w


# ---- GGUF -----------------------------------------------------------------------------------------

LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight",
    "self_attn.k_norm.weight": "attn_k_norm.weight",
    "post_attention_layernorm.weight": "post_attention_norm.weight",
    "pre_feedforward_layernorm.weight": "ffn_norm.weight",
    "post_feedforward_layernorm.weight": "post_ffw_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
    "layer_scalar": "layer_output_scale.weight",
    "per_layer_input_gate.weight": "inp_gate.weight",
    "per_layer_projection.weight": "proj.weight",
    "post_per_layer_input_norm.weight": "post_norm.weight",
    "router.proj.weight": "ffn_gate_inp.weight",
    "router.scale": "ffn_gate_inp.scale",
    "router.per_expert_scale": "ffn_down_exps.scale",
    "experts.gate_up_proj": "ffn_gate_up_exps.weight",
    "experts.down_proj": "ffn_down_exps.weight",
    "pre_feedforward_layernorm_2.weight": "pre_ffw_norm_2.weight",
    "post_feedforward_layernorm_1.weight": "post_ffw_norm_1.weight",
    "post_feedforward_layernorm_2.weight": "post_ffw_norm_2.weight",
}
GLOBAL_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "model.embed_tokens_per_layer.weight": "per_layer_token_embd.weight",
    "model.per_layer_model_projection.weight": "per_layer_model_proj.weight",
    "model.per_layer_projection_norm.weight": "per_layer_proj_norm.weight",
}


def gguf_name(hf):
    if hf in GLOBAL_NAMES:
        return GLOBAL_NAMES[hf]
    parts = hf.split(".")
    assert parts[:2] == ["model", "layers"], hf
    return f"blk.{parts[2]}.{LAYER_NAMES['.'.join(parts[3:])]}"


F32_ONLY = False  # --f32 DIR: every tensor F32 (for a fp32 comparison with another runtime, e.g. llama.cpp)


def gguf_type(name, shape):
    """A mix that covers F32, F16, Q8_0, Q5_0 and Q4_0 in dense, per-layer-embedding and expert products."""
    if F32_ONLY or len(shape) == 1 or shape[-1] % 32:
        return QT.F32
    kind = name.split(".")[-2]
    return {"token_embd": QT.Q8_0, "per_layer_token_embd": QT.Q8_0, "per_layer_model_proj": QT.F16,
            "attn_q": QT.Q5_0, "attn_k": QT.Q8_0, "attn_v": QT.Q8_0, "attn_output": QT.Q5_0,
            "ffn_gate": QT.Q8_0, "ffn_up": QT.F16, "ffn_down": QT.Q4_0, "inp_gate": QT.Q8_0,
            "ffn_gate_inp": QT.F16, "ffn_gate_up_exps": QT.Q8_0, "ffn_down_exps": QT.Q4_0}[kind]


def write_gguf(path, name, cfg, tensors, vocab):
    arch = "gemma4"
    w = gguf.GGUFWriter(path, arch)
    w.add_name(f"tiny-{name}")
    w.add_description(f"tiny random Gemma 4 test model made by tools/make_tiny_gemma4.py (seed {SEED})")
    L = cfg.num_hidden_layers
    sliding = [t == "sliding_attention" for t in cfg.layer_types]
    w.add_context_length(MAX_POS)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(L)
    w.add_head_count(N_HEAD)
    kv = [cfg.per_layer_config[i].num_key_value_heads for i in range(L)]
    w.add_head_count_kv(kv if len(set(kv)) > 1 else kv[0])
    ffn = [cfg.per_layer_config[i].intermediate_size * (2 if cfg.use_double_wide_mlp and i >= L - cfg.num_kv_shared_layers else 1)
           for i in range(L)]
    w.add_feed_forward_length(ffn if len(set(ffn)) > 1 else ffn[0])
    w.add_key_length(GLOBAL_HEAD_DIM)
    w.add_value_length(GLOBAL_HEAD_DIM)
    w.add_uint32(f"{arch}.attention.key_length_swa", HEAD_DIM)
    w.add_uint32(f"{arch}.attention.value_length_swa", HEAD_DIM)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_sliding_window(WINDOW)
    w.add_array(f"{arch}.attention.sliding_window_pattern", sliding)
    w.add_uint32(f"{arch}.attention.shared_kv_layers", cfg.num_kv_shared_layers)
    w.add_uint32(f"{arch}.embedding_length_per_layer_input", cfg.hidden_size_per_layer_input or 0)
    w.add_rope_freq_base(ROPE["full_attention"]["rope_theta"])
    w.add_float32(f"{arch}.rope.freq_base_swa", ROPE["sliding_attention"]["rope_theta"])
    w.add_rope_dimension_count(GLOBAL_HEAD_DIM)
    w.add_uint32(f"{arch}.rope.dimension_count_swa", HEAD_DIM)
    w.add_final_logit_softcapping(30.0)
    if cfg.enable_moe_block:
        w.add_expert_count(cfg.num_experts)
        w.add_expert_used_count(cfg.top_k_experts)
        w.add_expert_feed_forward_length(cfg.moe_intermediate_size)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)

    tiny.add_vocab(w, vocab)

    # p-RoPE as llama.cpp's converter writes it: factor 1 for the rotated pairs, 1e30 (angle ~0) for the rest.
    n_rot = int(ROPE["full_attention"]["partial_rotary_factor"] * GLOBAL_HEAD_DIM // 2)
    freqs = np.array([1.0] * n_rot + [1e30] * (GLOBAL_HEAD_DIM // 2 - n_rot), dtype=np.float32)
    w.add_tensor("rope_freqs.weight", freqs)
    tiny.write_tensors_and_close(w, tensors)


# ---- running --------------------------------------------------------------------------------------

def with_weights(name, weights, **override):
    m = build(make_config(name, **override))
    missing, unexpected = m.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    m.tie_weights()
    return m


def make(name, vocab):
    for attempt in range(20):  # the first seed whose greedy continuation has no near tie
        rng = np.random.default_rng(SEED + attempt + sum(map(ord, name)))
        cfg = make_config(name)
        hf_w = random_weights(build(cfg), rng)
        tensors, deq = [], {}
        for hf_name, a in hf_w.items():
            gname = gguf_name(hf_name)
            qtype = gguf_type(gname, a.shape)
            data, d = tiny.encode(a, qtype)
            tensors.append((gname, data, qtype))
            deq[hf_name] = d.reshape(a.shape)
        model = with_weights(name, deq)
        trng = np.random.default_rng(SEED)
        normal = [i for i, t in enumerate(vocab["types"]) if t == 1]
        ids = [vocab["bos"]] + [int(x) for x in trng.choice(normal, N_PROMPT - 1)]
        logits = tiny.logits_of(model, ids)
        cont, gaps = tiny.greedy(model, ids, N_GREEDY)
        # No near ties (a runtime within ~1e-4 of fp32 transformers must reproduce every token), and a
        # continuation that moves (not one token repeated: that would test little).
        if min(gaps) > 2e-2 and tiny.top2_gap(logits).min() > 1e-3 and len(set(cont)) >= 6:
            break
        print(f"{name}: seed attempt {attempt}: min gap {min(gaps):.4f}, {len(set(cont))} distinct, next seed",
              flush=True)
    else:
        raise AssertionError(f"{name}: no seed without near ties")

    # The cached generate() agrees with the full recomputation (transformers' own KV sharing and windows).
    with torch.no_grad():
        gen = model.generate(torch.tensor([ids]), max_new_tokens=N_GREEDY, do_sample=False)[0, N_PROMPT:].tolist()
    assert gen == cont, (gen, cont)

    # Feature checks: each one changes the logits.
    full = ids + cont
    lf = tiny.logits_of(model, full)
    wide = tiny.logits_of(with_weights(name, deq, sliding_window=MAX_POS), full)
    d_late = np.abs(wide[WINDOW:] - lf[WINDOW:]).max(axis=1)
    assert np.abs(wide[:WINDOW] - lf[:WINDOW]).max() < 1e-5 and (d_late > 1e-3).all(), "sliding window"
    nocap = tiny.logits_of(with_weights(name, deq, final_logit_softcapping=None), ids)
    assert np.abs(nocap - logits).max() > 1e-2, "final softcap does not matter"
    ones = {k: (np.ones_like(v) if k.endswith("layer_scalar") else v) for k, v in deq.items()}
    assert np.abs(tiny.logits_of(with_weights(name, ones), ids) - logits).max() > 1e-2, "layer scalars"

    gguf_path = os.path.join(tiny.OUT_GGUF, f"{name}.gguf")
    write_gguf(gguf_path, name, cfg, tensors, vocab)
    hf_dir = os.path.join(tiny.OUT_GGUF, f"{name}-hf")
    shutil.rmtree(hf_dir, ignore_errors=True)
    model.save_pretrained(hf_dir)
    shutil.copyfile(tiny.TOKENIZER, os.path.join(hf_dir, "tokenizer.model"))
    re = transformers.Gemma4ForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager")
    assert np.array_equal(tiny.logits_of(re.eval(), ids), logits), "saved HF model differs"

    logits.astype("<f4").tofile(os.path.join(tiny.OUT_GGUF, f"{name}_reference.bin"))
    with open(os.path.join(tiny.OUT_GGUF, f"{name}_reference.txt"), "w") as f:
        f.write(f"# tiny {name} reference made by tools/make_tiny_gemma4.py (seed {SEED}, attempt {attempt})\n")
        f.write(f"# transformers {transformers.__version__}, torch {torch.__version__}, "
                f"gguf {importlib.metadata.version('gguf')}, numpy {np.__version__}\n")
        f.write(f"# Gemma4ForCausalLM + Gemma4TextConfig, eager attention, fp32, CPU, torch.no_grad; "
                f"weights = dequantized values of {name}.gguf\n")
        f.write(f"# {name}_reference.bin: little-endian float32 logits [{N_PROMPT}, {VOCAB}], sha256 "
                f"{hashlib.sha256(logits.astype('<f4').tobytes()).hexdigest()[:16]}\n")
        f.write(f"# greedy: argmax continuation, full recomputation per step (generate() with its cache agrees); "
                f"min top-2 gap {min(gaps):.4f}\n")
        f.write(f"tokens {len(ids)} " + " ".join(map(str, ids)) + "\n")
        f.write(f"vocab {VOCAB}\n")
        f.write(f"positions {N_PROMPT}\n")
        f.write(f"greedy {N_GREEDY} " + " ".join(map(str, cont)) + "\n")
    size = os.path.getsize(gguf_path)
    print(f"{name}: {sum(v.size for v in deq.values())} parameters, gguf {size} bytes, max |logit| "
          f"{np.abs(logits).max():.2f}, min greedy gap {min(gaps):.4f}, window effect min {d_late.min():.3f}; "
          f"greedy {cont}", flush=True)


def main():
    global F32_ONLY
    torch.set_num_threads(1)
    vocab = tiny.load_vocab()
    args = sys.argv[1:]
    if args[:1] == ["--f32"]:  # --f32 DIR [names]: all-F32 GGUFs and their references in DIR, nothing else
        F32_ONLY, tiny.OUT_GGUF, args = True, args[1], args[2:]
    for name in (args or list(MODELS)):
        make(name, vocab)


if __name__ == "__main__":
    main()
