#!/usr/bin/env python3
"""Converts an official gemma_pytorch checkpoint (`model.ckpt`: torch.save({"model_state_dict": ...}) with
fused qkv projections) into a Hugging Face directory that vkgemma loads (`-m DIR`):

    .venv/bin/python tools/convert_gemma_pytorch.py --ckpt model.ckpt --config config.json \\
        --tokenizer tokenizer.model --out gemma-dir

`--config` is the Hugging Face config.json of the same model (gemma_pytorch keeps its config in code, not in
the checkpoint); it gives the head counts that split the fused qkv_proj [(nh + 2 nkv) * hd, H] into
q | k | v. Int8 checkpoints (weight int8 + weight_scaler [out]) are dequantized to fp32 (w * scaler[row]);
vkgemma can quantize again on load with --quant q8_0. Norm weights are raw in both formats (no +1).

`--self-test` checks the converter on a tiny checkpoint it makes from assets/tiny/<gen>-hf (fusing its
q/k/v the way gemma_pytorch does, int8 variant included): the converted tensors must equal the originals.
Needs torch (the project's .venv), which CI does not install: run it by hand.
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent


def hf_name(name: str) -> str | None:
    """gemma_pytorch tensor name -> HF name (None: the fused qkv, split separately)."""
    if name in ("embedder.weight", "text_token_embedder.weight"):
        return "model.embed_tokens.weight"
    if name == "model.norm.weight":
        return "model.norm.weight"
    if not name.startswith("model.layers."):
        return None
    layer, rest = name[len("model.layers."):].split(".", 1)
    renames = {
        "self_attn.o_proj.weight": "self_attn.o_proj.weight",
        "self_attn.query_norm.weight": "self_attn.q_norm.weight",
        "self_attn.key_norm.weight": "self_attn.k_norm.weight",
        "mlp.gate_proj.weight": "mlp.gate_proj.weight",
        "mlp.up_proj.weight": "mlp.up_proj.weight",
        "mlp.down_proj.weight": "mlp.down_proj.weight",
        "input_layernorm.weight": "input_layernorm.weight",
        "post_attention_layernorm.weight": "post_attention_layernorm.weight",
        "pre_feedforward_layernorm.weight": "pre_feedforward_layernorm.weight",
        "post_feedforward_layernorm.weight": "post_feedforward_layernorm.weight",
    }
    if rest == "self_attn.qkv_proj.weight":
        return None
    if rest not in renames:
        raise SystemExit(f"unexpected tensor '{name}' in the checkpoint")
    return f"model.layers.{layer}.{renames[rest]}"


def text_config(config: dict) -> dict:
    return config.get("text_config", config)


def convert(ckpt: Path, config_path: Path, tokenizer: Path, out: Path) -> None:
    config = json.loads(config_path.read_text())
    tc = text_config(config)
    nh, nkv = tc["num_attention_heads"], tc.get("num_key_value_heads", tc["num_attention_heads"])
    hd = tc.get("head_dim", tc["hidden_size"] // nh)
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    state = state.get("model_state_dict", state)
    scalers = {k[: -len("_scaler")]: v for k, v in state.items() if k.endswith("weight_scaler")}
    tensors = {}
    for name, w in state.items():
        if name.endswith("weight_scaler"):
            continue
        if name in scalers:  # int8 checkpoint: per-row scale
            w = w.to(torch.float32) * scalers[name].to(torch.float32).reshape(-1, 1)
        if name.endswith("self_attn.qkv_proj.weight"):
            layer = name[len("model.layers."):].split(".", 1)[0]
            if w.shape[0] != (nh + 2 * nkv) * hd:
                raise SystemExit(f"{name}: {tuple(w.shape)} rows, expected (nh + 2 nkv) * hd = {(nh + 2 * nkv) * hd}")
            q, k, v = torch.split(w, [nh * hd, nkv * hd, nkv * hd], dim=0)
            for part, t in (("q_proj", q), ("k_proj", k), ("v_proj", v)):
                tensors[f"model.layers.{layer}.self_attn.{part}.weight"] = t.contiguous()
            continue
        target = hf_name(name)
        if target is None:
            print(f"skipping {name}", file=sys.stderr)
            continue
        tensors[target] = w.contiguous()
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "model.safetensors"))
    shutil.copy(config_path, out / "config.json")
    shutil.copy(tokenizer, out / "tokenizer.model")
    print(f"{out}: {len(tensors)} tensors")


def make_tiny_ckpt(hf_dir: Path, path: Path, int8: bool) -> None:
    """The inverse mapping, as gemma_pytorch lays a checkpoint out (fused q|k|v, its own names)."""
    sd = {}
    for f in sorted(hf_dir.glob("*.safetensors")):  # one file or shards
        sd.update(load_file(str(f)))
    out = {}
    layers = sorted({int(k.split(".")[2]) for k in sd if k.startswith("model.layers.")})
    for i in layers:
        p = f"model.layers.{i}."
        out[p + "self_attn.qkv_proj.weight"] = torch.cat(
            [sd[p + f"self_attn.{x}_proj.weight"] for x in ("q", "k", "v")], dim=0)
        for k, v in sd.items():
            if k.startswith(p) and ".q_proj." not in k and ".k_proj." not in k and ".v_proj." not in k:
                rest = k[len(p):].replace("self_attn.q_norm", "self_attn.query_norm").replace("self_attn.k_norm",
                                                                                               "self_attn.key_norm")
                out[p + rest] = v
    out["embedder.weight"] = sd["model.embed_tokens.weight"]
    out["model.norm.weight"] = sd["model.norm.weight"]
    if int8:  # per-row symmetric int8, as gemma_pytorch's quantized checkpoints
        for k in [k for k in out if k.endswith("proj.weight")]:
            w = out[k]
            scale = w.abs().amax(dim=1) / 127
            out[k] = torch.round(w / scale.reshape(-1, 1)).to(torch.int8)
            out[k + "_scaler"] = scale
    torch.save({"model_state_dict": out}, path)


def self_test() -> None:
    for gen in ("gemma", "gemma2", "gemma3"):
        hf = ROOT / "assets/tiny" / f"{gen}-hf"
        with tempfile.TemporaryDirectory() as tmp:
            for int8 in (False, True):
                ckpt = Path(tmp) / "model.ckpt"
                make_tiny_ckpt(hf, ckpt, int8)
                out = Path(tmp) / "out"
                convert(ckpt, hf / "config.json", hf / "tokenizer.model", out)
                a = load_file(str(out / "model.safetensors"))
                b = {}
                for f in sorted(hf.glob("*.safetensors")):
                    b.update(load_file(str(f)))
                assert set(a) == set(b), set(a) ^ set(b)
                for k in b:
                    tol = 0 if not int8 or not k.endswith("proj.weight") else float(b[k].abs().max()) / 127 * 0.51
                    diff = float((a[k].float() - b[k].float()).abs().max())
                    assert diff <= tol, (gen, int8, k, diff, tol)
                print(f"{gen} {'int8' if int8 else 'fp32'}: {len(a)} tensors equal to the HF form"
                      f"{' within half an int8 step' if int8 else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path)
    ap.add_argument("--config", type=Path)
    ap.add_argument("--tokenizer", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        self_test()
        return
    if not (args.ckpt and args.config and args.tokenizer and args.out):
        ap.error("--ckpt, --config, --tokenizer and --out are required")
    convert(args.ckpt, args.config, args.tokenizer, args.out)


if __name__ == "__main__":
    main()
