#!/usr/bin/env bash
# Trains the tiny SentencePiece model used by tests/unit/test_tokenizer.cpp and writes
# assets/tiny_tokenizer.model (a few KB, committed). Needs spm_train (Debian: sentencepiece).
# Gemma-like settings: BPE with byte fallback, digits split, identity normalisation, no dummy prefix,
# whitespace kept, ids pad 0 / eos 1 / bos 2 / unk 3, <start_of_turn>/<end_of_turn> as control symbols.
# With --vision it writes assets/tiny_vision_tokenizer.model instead (used by the tiny Gemma 3 vision model,
# tools/make_tiny_vision.py): the same corpus and settings plus <end_of_image> and <image_soft_token>.
set -euo pipefail
user_symbols='<start_of_image>'
out_name=tiny_tokenizer.model
if [ "${1:-}" = "--vision" ]; then
  user_symbols='<start_of_image>,<end_of_image>,<image_soft_token>'
  out_name=tiny_vision_tokenizer.model
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A small fixed corpus (repeated so that BPE finds some merges).
for _ in 1 2 3 4 5 6 7 8; do
cat <<'TXT'
Hello, my dog is cute.
The quick brown fox jumps over the lazy dog.
The weather is nice today, and the dog is happy.
A tokenizer splits text into pieces; the model sees only the pieces.
Numbers like 12345 and 2024 are split into single digits.
Gemma is a family of lightweight open models.
Indentation    matters   in some languages.
She sells sea shells by the sea shore.
To be, or not to be, that is the question.
Ünïcödé text: café, naïve, résumé.
TXT
done >"$tmp/corpus.txt"

spm_train \
  --input="$tmp/corpus.txt" \
  --model_prefix="$tmp/tiny" \
  --model_type=bpe \
  --vocab_size=400 \
  --character_coverage=1.0 \
  --byte_fallback=true \
  --split_digits=true \
  --normalization_rule_name=identity \
  --add_dummy_prefix=false \
  --remove_extra_whitespaces=false \
  --allow_whitespace_only_pieces=true \
  --pad_id=0 --eos_id=1 --bos_id=2 --unk_id=3 \
  --pad_piece='<pad>' --eos_piece='<eos>' --bos_piece='<bos>' --unk_piece='<unk>' \
  --control_symbols='<start_of_turn>,<end_of_turn>' \
  --user_defined_symbols="$user_symbols" \
  --num_threads=1 \
  --minloglevel=2 >"$tmp/log.txt" 2>&1 || { cat "$tmp/log.txt"; exit 1; }

cp "$tmp/tiny.model" "$root/assets/$out_name"
echo "wrote $root/assets/$out_name ($(stat -c %s "$root/assets/$out_name") bytes)"
