#!/usr/bin/env bash
# Writes, for every embedded pipeline (or the ones named), its SPIR-V, the SPIR-V disassembly and the GLSL
# that SPIRV-Cross reconstructs: the shader as the driver sees it.
#   tools/dump_shaders.sh OUT_DIR [NAME...]      e.g. tools/dump_shaders.sh /tmp/spv matmul_q4_k
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/dump_shaders.sh OUT_DIR [NAME...]}
shift
command -v spirv-dis >/dev/null || { echo "spirv-dis missing (Debian: spirv-tools)" >&2; exit 1; }
command -v spirv-cross >/dev/null || { echo "spirv-cross missing (Debian: spirv-cross)" >&2; exit 1; }
mkdir -p "$out"
./build/vkgemma shaders --dump "$out" >/dev/null
for spv in "$out"/*.spv; do
  name=$(basename "$spv" .spv)
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then rm "$spv"; continue; fi
  spirv-dis "$spv" -o "$out/$name.spvasm"
  spirv-cross "$spv" --vulkan-semantics --output "$out/$name.glsl"
  echo "$out/$name.{spv,spvasm,glsl}"
done
