#!/usr/bin/env bash
# Runs the cross-built Windows binaries (tools/windows_cross_build.sh) under Wine (Debian's wine64) and checks
# them against the Linux build:
#   1. the unit tests that need no Vulkan (vkgemma_unit_tests.exe);
#   2. `vkgemma.exe run` on the default model with the CPU backend: the same greedy text as build/vkgemma;
#   3. without vulkan-1.dll, and with it but no Vulkan driver, --backend auto falls back to the CPU with its notice;
#   4. the C API test (vkgemma_c_api_test.exe through vkgemma.dll): transformers' greedy tokens.
# Exits non-zero on the first failure. Usage: tools/windows_wine_test.sh [BUILD_DIR] (default build-windows).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build-windows}
CACHE=${VKG_WINDOWS_CACHE:-$ROOT/.cache/windows}
MODEL=$ROOT/models/gemma-3-270m-q4_k_m.gguf
PROMPT="The capital of France is"
N_TOKENS=16

say() { printf '[windows-wine] %s\n' "$*" >&2; }
die() { printf '[windows-wine] FAILED: %s\n' "$*" >&2; exit 1; }

[ -f "$BUILD/vkgemma.exe" ] || die "$BUILD/vkgemma.exe missing: run tools/windows_cross_build.sh first"
[ -f "$MODEL" ] || die "$MODEL missing: run tools/setup.sh first"
if ! command -v wine >/dev/null; then
  say "installing wine64 (Debian)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends wine wine64 >/dev/null \
    || die "apt-get install wine wine64 failed"
fi
# The Linux build gives the reference output.
if [ ! -x build/vkgemma ]; then
  [ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target vkgemma -j "$(nproc)" >/dev/null || die "Linux build of vkgemma failed"
fi

mkdir -p "$CACHE"
export WINEPREFIX
WINEPREFIX=$(cd "$CACHE" && pwd)/wineprefix
export WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono/Gecko installer prompts
BUILD_ABS=$(cd "$BUILD" && pwd)  # BUILD may be relative to the repository or absolute
export WINEPATH="Z:${BUILD_ABS//\//\\}"   # vkgemma.dll for the test programs in $BUILD/tests
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  t=$SECONDS
  wine wineboot --init >/dev/null 2>&1 || die "wineboot --init failed"
  wineserver -w
  say "Wine prefix created in $((SECONDS - t)) s: $WINEPREFIX"
fi

# 1. Unit tests (CPU only).
t=$SECONDS
suites=cpu_ops,gguf,quant,tokenizer,tiny_models,hf_models,generator,shader_registry
wine "$BUILD/tests/vkgemma_unit_tests.exe" --test-suite="$suites" --no-version >"$CACHE/wine-unit.log" 2>&1 \
  || { tail -n 30 "$CACHE/wine-unit.log" >&2; die "unit tests ($suites) under Wine, see $CACHE/wine-unit.log"; }
say "unit tests ($suites): $(grep -E '^\[doctest\] (test cases|assertions)' "$CACHE/wine-unit.log" | tr -s ' ' | tr '\n' ' ')($((SECONDS - t)) s)"

# 2. Greedy generation, CPU backend: identical text to the Linux build (Windows' stdout writes \r\n).
t=$SECONDS
linux_out=$(build/vkgemma run -m "$MODEL" -p "$PROMPT" -n $N_TOKENS --backend cpu 2>/dev/null) || die "Linux vkgemma run failed"
wine_out=$(wine "$BUILD/vkgemma.exe" run -m "$MODEL" -p "$PROMPT" -n $N_TOKENS --backend cpu 2>"$CACHE/wine-run.log" | tr -d '\r') \
  || { cat "$CACHE/wine-run.log" >&2; die "vkgemma.exe run under Wine"; }
say "Linux: $PROMPT|$linux_out"
say "Wine:  $PROMPT|$wine_out"
say "Wine run: $(grep -E '^prompt:' "$CACHE/wine-run.log" || true)"
[ "$linux_out" = "$wine_out" ] || die "vkgemma.exe's greedy output differs from the Linux build's"
say "greedy generation ($N_TOKENS tokens, CPU) matches the Linux build ($((SECONDS - t)) s)"

# 2b. Perplexity (CPU) on 2 x 64 tokens of the GPL: a summary of the logits, not only their argmax. The exact
#     path (--exact: fp32 matmuls) must give the same PPL as on Linux. So must the fast path (8-bit activations),
#     within 1e-3 relative: it is the more sensitive one, since a last-bit difference anywhere upstream can flip
#     an activation's 8-bit rounding, and the flips spread through the layers (expf in attention, whose last bit
#     differs between glibc and mingw-w64, once moved it from 19.74 to 19.36; the CPU backend now computes e^x
#     and tanh itself, runtime/cpu/fp32_math.h).
ppl_args=(perplexity -m "$MODEL" -f "$ROOT/assets/text/gpl-3.0.txt" --ctx 64 --chunks 2 --backend cpu)
linux_ppl=$(build/vkgemma "${ppl_args[@]}" --exact 2>/dev/null | grep -E '^PPL' || true)
wine_ppl=$(wine "$BUILD/vkgemma.exe" "${ppl_args[@]}" --exact 2>/dev/null | tr -d '\r' | grep -E '^PPL' || true)
say "perplexity (--exact), Linux: ${linux_ppl:-none}; Wine: ${wine_ppl:-none}"
[ -n "$wine_ppl" ] || die "vkgemma.exe perplexity printed no PPL"
[ "$linux_ppl" = "$wine_ppl" ] || die "vkgemma.exe's exact-path perplexity differs from the Linux build's"
linux_fast=$(build/vkgemma "${ppl_args[@]}" 2>/dev/null | grep -E '^PPL' || true)
wine_fast=$(wine "$BUILD/vkgemma.exe" "${ppl_args[@]}" 2>/dev/null | tr -d '\r' | grep -E '^PPL' || true)
say "perplexity (fast path), Linux: ${linux_fast:-none}; Wine: ${wine_fast:-none}"
[ -n "$linux_fast" ] && [ -n "$wine_fast" ] || die "no fast-path PPL from the Linux build or from vkgemma.exe"
awk -v a="${linux_fast##* }" -v b="${wine_fast##* }" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 1e-3 * a) }' \
  || die "vkgemma.exe's fast-path perplexity differs from the Linux build's by more than 1e-3 relative"

# 2c. A model path and a prompt outside ASCII (UTF-8 arguments: vkgemma.exe's manifest asks Windows for the
#     UTF-8 code page; the file is opened through the UTF-16 API): the same token ids as on Linux.
mkdir -p "$CACHE/tëst-ü"
ln -sf "$MODEL" "$CACHE/tëst-ü/modèle.gguf"
linux_ids=$(build/vkgemma tokenize -m "$MODEL" -p "Café crème, naïve façade" 2>/dev/null) || die "Linux tokenize failed"
wine_ids=$(wine "$BUILD/vkgemma.exe" tokenize -m "$CACHE/tëst-ü/modèle.gguf" -p "Café crème, naïve façade" 2>&1 | tr -d '\r') \
  || { echo "$wine_ids" >&2; die "vkgemma.exe tokenize with a non-ASCII model path"; }
[ "$linux_ids" = "$wine_ids" ] || { echo "Linux: $linux_ids"; echo "Wine: $wine_ids"; die "token ids of a non-ASCII prompt differ"; } >&2
say "non-ASCII model path and prompt: same token ids as Linux ($(tr '\n' ' ' <<<"$wine_ids"))"

# 3. No Vulkan: (a) no vulkan-1.dll at all (Wine's switched off), as on a Windows PC without GPU drivers;
#    (b) Wine's vulkan-1.dll (winevulkan, forwarding to the host's loader) with no driver behind it, where
#    instance creation fails. Either way (with -v, which prints notices): one line naming the reason, then the
#    CPU backend.
fallback_check() {  # NAME NOTICE_REGEX, then environment assignments for wine
  local name=$1 regex=$2; shift 2
  local t=$SECONDS out notice
  out=$(env "$@" wine "$BUILD/vkgemma.exe" run -m "$MODEL" -p "Hello" -n 1 --backend auto -v 2>&1 >/dev/null | tr -d '\r') \
    || { echo "$out" >&2; die "vkgemma.exe $name exited with an error"; }
  notice=$(grep -E "$regex" <<<"$out") || { echo "$out" >&2; die "vkgemma.exe $name: no CPU fallback notice"; }
  grep -q "backend cpu" <<<"$out" || { echo "$out" >&2; die "vkgemma.exe $name: not on the CPU backend"; }
  say "$name: $notice ($((SECONDS - t)) s)"
}
fallback_check "without vulkan-1.dll" "^vulkan: no Vulkan loader found .*; using the CPU backend$" \
  WINEDLLOVERRIDES="$WINEDLLOVERRIDES;vulkan-1,winevulkan=d"
fallback_check "without a Vulkan driver" "^vulkan: .*(VK_ERROR_INITIALIZATION_FAILED|VK_ERROR_INCOMPATIBLE_DRIVER).*; using the CPU backend$" \
  VK_DRIVER_FILES=/nonexistent/icd.json VK_ICD_FILENAMES=/nonexistent/icd.json

# 4. The C API through vkgemma.dll.
t=$SECONDS
wine "$BUILD/tests/vkgemma_c_api_test.exe" "$MODEL" "$ROOT/assets/reference/gemma3_270m_reference.txt" \
  >"$CACHE/wine-capi.log" 2>&1 || { tail -n 20 "$CACHE/wine-capi.log" >&2; die "C API test under Wine"; }
grep -q "all C API checks passed" "$CACHE/wine-capi.log" || die "C API test: no success line, see $CACHE/wine-capi.log"
say "C API test through vkgemma.dll passed ($((SECONDS - t)) s)"

say "all Windows checks passed under $(wine --version)"
