#!/usr/bin/env bash
# Builds llama.cpp's llama-bench and llama-quantize with the Vulkan backend, statically linked, for the GPU
# bundle (tools/gpu/make_bundle.sh). The source is the copy vendored in PyPI's llama-cpp-python sdist (the
# one place this project fetches llama.cpp from); 0.3.16 is the newest whose ggml-vulkan.cpp compiles
# against Debian 12's Vulkan headers 1.3.239 (0.3.17 and later use vk::PipelineCreateFlags2CreateInfo and
# VK_EXT_layer_settings, which are newer).
#
# Usage: tools/gpu/build_llama_vulkan.sh CACHE_DIR
# Prints the folder holding the two binaries. A second run with the same version rebuilds nothing: the
# build folder under CACHE_DIR is kept, and make only relinks what changed.
set -euo pipefail

cache=${1:?usage: build_llama_vulkan.sh CACHE_DIR}
version=${LLAMA_CPP_PYTHON_VERSION:-0.3.16}
jobs=${BUNDLE_JOBS:-2}
say() { printf '[llama-vulkan] %s\n' "$*" >&2; }
die() { printf '[llama-vulkan] error: %s\n' "$*" >&2; exit 1; }

command -v glslc >/dev/null || die "glslc not found: install Debian's glslc package (sudo apt-get install glslc)"
command -v cmake >/dev/null || die "cmake not found"
[ -f /usr/include/vulkan/vulkan.hpp ] || die "Vulkan headers not found: install libvulkan-dev"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
sdist="$cache/llama_cpp_python-$version.tar.gz"
src="$cache/llama_cpp_python-$version/vendor/llama.cpp"
build="$cache/llama-vulkan-$version"

if [ ! -d "$src" ]; then
  if [ ! -f "$sdist" ]; then
    say "fetching llama-cpp-python==$version's sdist from PyPI"
    python3 -m pip download --quiet --no-binary :all: --no-deps -d "$cache" "llama-cpp-python==$version" \
      || die "could not download llama-cpp-python==$version's sdist from PyPI: check the network connection"
  fi
  say "unpacking $sdist"
  tar -xzf "$sdist" -C "$cache" "llama_cpp_python-$version/vendor/llama.cpp"
fi
# The llama.cpp commit the sdist vendors (its submodule's HEAD), for the results' provenance.
if [ ! -s "$cache/llama_cpp_python-$version/LLAMA_COMMIT" ]; then
  tar -xzOf "$sdist" "llama_cpp_python-$version/.git/modules/vendor/llama.cpp/HEAD" \
    >"$cache/llama_cpp_python-$version/LLAMA_COMMIT" 2>/dev/null || echo unknown >"$cache/llama_cpp_python-$version/LLAMA_COMMIT"
fi

# A build directory copied from another checkout keeps that checkout's paths in its cache, and cmake refuses it.
if [ -f "$build/CMakeCache.txt" ]; then
  configured=$(sed -n 's/^CMAKE_CACHEFILE_DIR:INTERNAL=//p' "$build/CMakeCache.txt")
  if [ "$(cd "$build" && pwd -P)" != "$(cd "$configured" 2>/dev/null && pwd -P || echo "$configured")" ]; then
    say "the cached build was configured in $configured: starting it afresh"
    rm -rf "$build"
  fi
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  say "configuring llama.cpp (Vulkan, static, generic x86-64) in $build"
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_VULKAN=ON -DGGML_NATIVE=OFF \
    -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF >"$cache/llama-vulkan-$version.configure.log" 2>&1 \
    || die "configuring llama.cpp failed: see $cache/llama-vulkan-$version.configure.log"
fi
if [ -x "$build/bin/llama-bench" ]; then
  say "checking the cached build in $build"
else
  say "building llama-bench and llama-quantize (nice, -j$jobs; about 10 minutes on 2 vCPUs)"
fi
nice -n 10 cmake --build "$build" -j "$jobs" --target llama-bench llama-quantize \
  >"$cache/llama-vulkan-$version.build.log" 2>&1 \
  || die "building llama.cpp failed: see $cache/llama-vulkan-$version.build.log"
for b in llama-bench llama-quantize; do
  [ -x "$build/bin/$b" ] || die "$build/bin/$b was not built"
done
echo "$build/bin"
