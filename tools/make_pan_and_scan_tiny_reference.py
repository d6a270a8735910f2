#!/usr/bin/env python3
r"""The tiny Gemma 3 vision model (assets/tiny/gemma3-vision-hf, from tools/make_tiny_vision.py) on a tall image
with pan and scan, as transformers runs it: Gemma3ImageProcessorPil with do_pan_and_scan (the Gemma3Processor
defaults: min crop 256, at most 4 crops, ratio 1.2) gives the original and its crops, Gemma3Processor's own
replace_image_token writes the prompt text for them, and Gemma3ForConditionalGeneration (fp32, eager, the
bidirectional image mask) gives the logits.

Writes (small, committed):
  assets/tiny/gemma3_vision_pan_and_scan.txt  the prompt, the crop count, the token ids
  assets/tiny/gemma3_vision_pan_and_scan.bin  float32 logits of the last 16 positions [16, 400]

Needs torch, transformers, pillow, numpy, sentencepiece, gguf (the venv of make_tiny_vision.py); run from the
repository root after tools/make_pan_and_scan_reference.py (which writes assets/images/test_tall.png):
  /path/to/venv/bin/python tools/make_pan_and_scan_tiny_reference.py
"""
import os
import sys

import numpy as np
import torch
import transformers
from PIL import Image
from transformers.models.gemma3.processing_gemma3 import Gemma3Processor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tiny_vision import (BOI, EOI, HF_DIR, IMAGE, IMAGES, MM_TOKENS, SOFT, TINY, TOKENIZER,  # noqa: E402
                              processor, tokenize_specials)

PROMPT = "<start_of_image>"  # the tiny model has 128 positions: the crops and their text take most
PAS = dict(do_pan_and_scan=True, pan_and_scan_min_crop_size=256, pan_and_scan_max_num_crops=4,
           pan_and_scan_min_ratio_to_activate=1.2)
LAST = 16


class FullImageSequence:  # what Gemma3Processor.replace_image_token reads of the processor
    full_image_sequence = f"\n\n<start_of_image>{'<image_soft_token>' * MM_TOKENS}<end_of_image>\n\n"


def tokenize(sp, text):
    return tokenize_specials(sp, text, {"<start_of_image>": BOI, "<image_soft_token>": SOFT, "<end_of_image>": EOI})


def main():
    import sentencepiece

    torch.set_num_threads(1)
    sp = sentencepiece.SentencePieceProcessor(model_file=TOKENIZER)
    img = Image.open(os.path.join(IMAGES, "test_tall.png"))
    out = processor(IMAGE)(images=[img], return_tensors="np", **PAS)
    n = int(np.asarray(out["num_crops"]).reshape(-1)[0])
    assert n == 2, n
    pv = torch.from_numpy(out["pixel_values"].astype(np.float32))  # [1 + n, 3, 64, 64]
    expansion = Gemma3Processor.replace_image_token(FullImageSequence(), {"num_crops": [n]}, 0)
    text = PROMPT.replace("<start_of_image>", expansion, 1)
    ids = tokenize(sp, text)
    assert ids.count(SOFT) == (1 + n) * MM_TOKENS
    model = transformers.Gemma3ForConditionalGeneration.from_pretrained(HF_DIR, dtype=torch.float32,
                                                                        attn_implementation="eager").eval()
    input_ids = torch.tensor([ids])
    with torch.no_grad():
        logits = model(input_ids=input_ids, pixel_values=pv,
                       token_type_ids=(input_ids == SOFT).long()).logits[0].float().numpy()
        # The crops must matter: the same prompt with the crops' pixels swapped around gives other logits.
        swapped = torch.cat([pv[:1], pv[1:].flip(0)])
        other = model(input_ids=input_ids, pixel_values=swapped,
                      token_type_ids=(input_ids == SOFT).long()).logits[0].float().numpy()
    assert np.abs(other[-LAST:] - logits[-LAST:]).max() > 1e-2, "the crops do not matter"
    logits[-LAST:].astype("<f4").tofile(os.path.join(TINY, "gemma3_vision_pan_and_scan.bin"))
    with open(os.path.join(TINY, "gemma3_vision_pan_and_scan.txt"), "w") as f:
        f.write(f"# made by tools/make_pan_and_scan_tiny_reference.py (transformers {transformers.__version__}, "
                f"torch {torch.__version__}): assets/images/test_tall.png with do_pan_and_scan\n")
        f.write(f"# gemma3_vision_pan_and_scan.bin: float32 logits of the last {LAST} positions [{LAST}, 400]\n")
        f.write(f"prompt {PROMPT}\n")
        f.write(f"crops {n}\n")
        f.write(f"tokens {len(ids)} " + " ".join(map(str, ids)) + "\n")
    print(f"{len(ids)} tokens, {n} crops, max |logit| {np.abs(logits).max():.2f}")


if __name__ == "__main__":
    main()
