#!/usr/bin/env bash
# Runs on the GPU machine, from the bundle tools/gpu/make_bundle.sh wrote (it is copied to the bundle's top):
# checks what it needs, makes random-weight Gemma 3 GGUFs, checks vkgemma's Vulkan tokens against its CPU
# backend, and benchmarks vkgemma against llama.cpp's Vulkan backend. Writes OUT_DIR/results.json,
# OUT_DIR/results.md, OUT_DIR/profiles.txt and OUT_DIR/run.log (four small files: the device tool brings back at
# most eight).
#
# Usage: BUNDLE/run_bundle.sh OUT_DIR   (BUNDLE holds run_bundle.sh, MANIFEST and payload.tar.xz)
# Settings (environment), defaults for the real table; the lavapipe proof shrinks them (tools/gpu/README.md):
#   BUNDLE_SHAPES="1b 4b"  BUNDLE_TYPES="q4_k_m f16"  BENCH_P=512 BENCH_N=128 BENCH_R=3  CHECK_TOKENS=16
#   PROFILE_TOKENS=64  (greedy tokens of each model's per-op profile, vkgemma run --profile; 0: none)
#   BENCH_VARIANTS=decode-rows2,decode-wg64,decode-wg256,tree-sum,int8-dot,coopmat,attention-per-query  (VKGEMMA_KERNELS values timed beside the default; empty: none)
#   BUNDLE_WORK=/tmp/vkgemma-gpu-work  (the unpacked payload and Vulkan loader, the models: a rerun keeps them)
#   ALLOW_CPU_DEVICE=1  (accept a CPU Vulkan device such as lavapipe; otherwise a GPU is required)
#   BUNDLE_LOADER=auto|bundled|system  (auto: this bundle's glibc 2.36 loader only where the machine's is older)
#   BUNDLE_VULKAN=auto|bundled  (bundled: unpack the bundle's libvulkan1 even where the machine has a loader)
#   BUNDLE_CHECK_ONLY=1  (stop after the checks: a cheap first look at a machine)
#   BUNDLE_PYTHON=python3  (needs numpy; gguf-py comes with the bundle)
#   BUNDLE_BUDGET_S=460  (seconds from the start after which no model's turn begins: the whole run stays
#                         under 8 minutes; a skipped model is listed in the results)
set -euo pipefail

out=${1:?usage: run_bundle.sh OUT_DIR}
B=$(cd "$(dirname "$0")" && pwd)
work=${BUNDLE_WORK:-/tmp/vkgemma-gpu-work}
shapes=${BUNDLE_SHAPES:-1b 4b}
types=${BUNDLE_TYPES:-q4_k_m f16}
py=${BUNDLE_PYTHON:-python3}
budget=${BUNDLE_BUDGET_S:-460}
mkdir -p "$out" "$work/models" "$work/bin"
out=$(cd "$out" && pwd)
exec > >(tee "$out/run.log") 2>&1
t_start=$SECONDS
say() { printf '[run_bundle %3ds] %s\n' "$((SECONDS - t_start))" "$*"; }
die() { printf '[run_bundle %3ds] error: %s\n' "$((SECONDS - t_start))" "$*"; exit 1; }

# --- 1. Checks (seconds) ----------------------------------------------------------------------------------
[ -f "$B/payload.tar.xz" ] && [ -f "$B/MANIFEST" ] || die "$B lacks payload.tar.xz or MANIFEST: rebuild it with tools/gpu/make_bundle.sh"
say "bundle: $(tr '\n' ' ' <"$B/MANIFEST")"
# The payload, unpacked afresh (a second of work; a stale copy could mix two builds). Python's tarfile where
# tar has no xz.
P="$work/bundle"
rm -rf "$P" && mkdir -p "$P"
tar -xJf "$B/payload.tar.xz" -C "$P" 2>/dev/null \
  || "$py" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$B/payload.tar.xz" "$P" \
  || die "cannot unpack $B/payload.tar.xz (neither tar -J nor $py's tarfile)"
for f in bin/vkgemma llama/llama-bench tools/make_random_model.py tools/gpu/gpu_bench.py python/gguf/__init__.py \
         tokenizer/gemma3-tokenizer.gguf sysroot/ld-linux-x86-64.so.2; do
  [ -e "$P/$f" ] || die "the bundle's payload lacks $f: rebuild it with tools/gpu/make_bundle.sh"
done

# The C library: the bundle's own loader and glibc 2.36 where the machine's is older than the one it was
# built against (a newer one runs our binaries as they are).
built_glibc=$(sed -n 's/^glibc=//p' "$B/MANIFEST")
here_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}') || here_glibc=""
[ -n "$here_glibc" ] || here_glibc=$(ldd --version 2>/dev/null | head -1 | grep -o '[0-9][0-9.]*$') || here_glibc=0
loader=${BUNDLE_LOADER:-auto}
if [ "$loader" = auto ]; then
  if [ "$(printf '%s\n%s\n' "$built_glibc" "$here_glibc" | sort -V | head -1)" = "$built_glibc" ]; then
    loader=system
  else
    loader=bundled
  fi
fi
say "glibc here $here_glibc, bundle built with $built_glibc: $loader loader"

# The Vulkan loader: the machine's if it has one, else the bundle's Debian package unpacked under $work
# (never into /: the device README warns that other packages can break it).
libpath="$P/lib"
if [ "$loader" = bundled ]; then libpath="$P/sysroot:$libpath"; fi
if [ "${BUNDLE_VULKAN:-auto}" != bundled ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  say "Vulkan loader: the machine's ($(ldconfig -p | grep -m1 'libvulkan\.so\.1 ' | sed 's/.*=> //'))"
else
  deb=$(ls "$P"/debs/libvulkan1_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || die "no Vulkan loader on this machine and none in the bundle (debs/libvulkan1_*.deb)"
  if [ ! -e "$work/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1" ]; then
    rm -rf "$work/vulkan" && mkdir -p "$work/vulkan"
    if command -v dpkg >/dev/null; then
      dpkg -x "$deb" "$work/vulkan"
    else  # a .deb is an ar archive holding data.tar.*
      (cd "$work/vulkan" && ar x "$deb" && tar -xf data.tar.* && rm -f data.tar.* control.tar.* debian-binary) \
        || die "cannot unpack $deb: neither dpkg nor ar/tar worked"
    fi
  fi
  [ -e "$work/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1" ] || die "unpacking $deb gave no libvulkan.so.1"
  libpath="$libpath:$work/vulkan/usr/lib/x86_64-linux-gnu"
  say "Vulkan loader: $(basename "$deb"), unpacked under $work/vulkan"
fi

# Wrappers, so that Python and the steps below run the binaries with these libraries, whichever loader.
for prog in bin/vkgemma llama/llama-bench llama/llama-quantize; do
  [ -x "$P/$prog" ] || continue
  w="$work/bin/$(basename "$prog")"
  if [ "$loader" = bundled ]; then
    printf '#!/bin/sh\nexec "%s/sysroot/ld-linux-x86-64.so.2" --library-path "%s" "%s" "$@"\n' "$P" "$libpath" "$P/$prog" >"$w"
  else
    printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' "$libpath" "$P/$prog" >"$w"
  fi
  chmod +x "$w"
done
vkgemma="$work/bin/vkgemma"
"$vkgemma" --version >/dev/null 2>&1 || die "vkgemma does not start with the $loader loader: $("$vkgemma" --version 2>&1 | tail -1)"

# A Vulkan device: NVIDIA's driver may only be found through its ICD file (the device README).
devices() { "$vkgemma" info 2>&1 | sed -n 's/^  \(#[0-9].*\)/\1/p'; }
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if ! devices | grep -qv '(cpu,' && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES=$nvidia_icd
  say "no GPU through the default driver search; trying VK_DRIVER_FILES=$nvidia_icd"
fi
device_list=$(devices)
[ -n "$device_list" ] || die "vkgemma finds no Vulkan device: $("$vkgemma" info 2>&1 | tail -3)"
device=$(printf '%s\n' "$device_list" | grep -v '(cpu,' | head -1) || true
if [ -z "$device" ]; then
  [ "${ALLOW_CPU_DEVICE:-0}" = 1 ] || die "only a CPU Vulkan device (set ALLOW_CPU_DEVICE=1 to accept it): $device_list"
  device=$(printf '%s\n' "$device_list" | head -1)
fi
say "Vulkan device: $device"

# llama.cpp's Vulkan backend sees a device too (it prints them as it starts, even with no model to load). It
# leaves CPU devices out unless named (GGML_VK_VISIBLE_DEVICES): lavapipe is the only device where that matters.
if [[ "$device" == *"(cpu,"* ]] && [ -z "${GGML_VK_VISIBLE_DEVICES:-}" ]; then
  export GGML_VK_VISIBLE_DEVICES=${device:1:1}
fi
llama_devices=$("$work/bin/llama-bench" -m /nonexistent.gguf -p 0 -n 1 -r 1 2>&1 | grep 'ggml_vulkan: [0-9]* = ' | head -3) || true
[ -n "$llama_devices" ] || die "llama-bench's Vulkan backend finds no device: $("$work/bin/llama-bench" -m /nonexistent.gguf 2>&1 | tail -3)"
say "llama.cpp: $(printf '%s' "$llama_devices" | tr '\n' ' ')"

export PYTHONPATH="$P/python${PYTHONPATH:+:$PYTHONPATH}"
"$py" -c "import numpy, gguf" 2>/dev/null \
  || die "$py cannot import numpy and gguf: $("$py" -c 'import numpy, gguf' 2>&1 | tail -1) (BUNDLE_PYTHON picks another python)"

# Disk: what the models take (about 1.2 bytes per weight in Q4_K_M, 2 in F16), unless already made.
need_mib=0
for s in $shapes; do for t in $types; do
  [ -s "$work/models/gemma-3-$s-random-$t.gguf" ] && continue
  case "$s-$t" in
    1b-q4_k_m) need_mib=$((need_mib + 800)) ;;  1b-f16) need_mib=$((need_mib + 2000)) ;;
    4b-q4_k_m) need_mib=$((need_mib + 2400)) ;;  4b-f16) need_mib=$((need_mib + 7700)) ;;
    *) die "unknown shape/type $s $t (shapes: 1b 4b; types: q4_k_m f16)" ;;
  esac
done; done
free_mib=$(df -Pm "$work" | awk 'NR==2 {print $4}')
[ "$free_mib" -gt $((need_mib + 1024)) ] || die "$work has $free_mib MiB free; the models need $need_mib MiB"
say "checks passed; $free_mib MiB free, models need $need_mib MiB"
[ "${BUNDLE_CHECK_ONLY:-0}" != 1 ] || exit 0

# --- 2-6. Per model: make it, tokens, bandwidth and speed; the tables after each ------------------------------
models=()
# Types outer: every Q4_K_M row comes before the F16 ones, so a run cut short by its budget keeps them.
for t in $types; do for s in $shapes; do models+=("$s $t=$work/models/gemma-3-$s-random-$t.gguf"); done; done
commit=$(sed -n 's/^commit=//p' "$B/MANIFEST")
llama_version=$(sed -n 's/^llama=//p' "$B/MANIFEST")
rc=0
"$py" "$P/tools/gpu/gpu_bench.py" --vkgemma "$vkgemma" --llama-bench "$work/bin/llama-bench" --out "$out" \
  -p "${BENCH_P:-512}" -n "${BENCH_N:-128}" -r "${BENCH_R:-3}" --check-tokens "${CHECK_TOKENS:-16}" \
  --profile-tokens "${PROFILE_TOKENS:-64}" --variants "${BENCH_VARIANTS-decode-rows2,decode-wg64,decode-wg256,tree-sum,int8-dot,coopmat,attention-per-query}" \
  --tokenizer "$P/tokenizer/gemma3-tokenizer.gguf" --deadline "$(($(date +%s) + budget - (SECONDS - t_start)))" \
  --device-line "$device" --commit "$commit" --llama-version "$llama_version" "${models[@]}" || rc=$?
say "done in $((SECONDS - t_start)) s (exit status $rc)"
cat "$out/results.md" 2>/dev/null || true
exit $rc
