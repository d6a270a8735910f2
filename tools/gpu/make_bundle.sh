#!/usr/bin/env bash
# Writes the GPU bundle: everything tools/gpu/run_bundle.sh needs on a GPU machine that has a driver but no
# Vulkan loader, no network and no build tools (the device README), in .gpu-bundle/ (git-ignored, at most
# 60 MiB, carried there with the device tool's `carry`). Runs on Debian 12 (this project's build machine).
# The bundle is run_bundle.sh, MANIFEST and payload.tar.xz (xz: llama.cpp's binaries shrink from 17 MB to 2,
# and the tree and the carried paths share 64 MiB), which run_bundle.sh unpacks there. The payload holds:
#
#   bin/vkgemma               Release build of this checkout (build-gpu/, only the vkgemma target)
#   lib/                      the shared libraries it and llama.cpp need that are not glibc or GCC's runtime
#   sysroot/                  glibc 2.36's loader, libc, libm, libstdc++, libgcc_s: for a machine whose C
#                             library is older (run_bundle.sh decides)
#   debs/                     Debian's libvulkan1, unpacked there when the machine has no Vulkan loader
#   llama/                    llama.cpp's llama-bench and llama-quantize, Vulkan backend, static
#                             (tools/gpu/build_llama_vulkan.sh; the build is cached in .cache/gpu-bundle/)
#   python/gguf/              gguf-py from the same llama.cpp source (pure Python; numpy is there)
#   tokenizer/                Gemma 3's tokenizer alone (5 MB GGUF) for make_random_model.py
#   tools/                    make_random_model.py, compare_llama_bench.py, gpu/gpu_bench.py
#   run_bundle.sh, MANIFEST   the entry point; commit, llama.cpp version, glibc
#
# Usage: tools/gpu/make_bundle.sh [OUT_DIR]   (default .gpu-bundle). A rerun rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
out=${1:-.gpu-bundle}
cache=.cache/gpu-bundle
llama_version=${LLAMA_CPP_PYTHON_VERSION:-0.3.16}
max_mib=60
t_start=$SECONDS
say() { printf '[make_bundle %3ds] %s\n' "$((SECONDS - t_start))" "$*" >&2; }
die() { printf '[make_bundle] error: %s\n' "$*" >&2; exit 1; }

# glslc (shaderc) compiles llama.cpp's Vulkan shaders; vkgemma's own need only what tools/setup.sh installs.
source tools/debian_packages.sh
install_debian_packages glslc xz-utils
for tool in cmake ldd apt-get python3 git strip glslc xz; do
  command -v "$tool" >/dev/null || die "$tool not found (run tools/setup.sh first)"
done
[ "$(uname -m)" = x86_64 ] || die "the GPU machine is x86-64: build the bundle on an x86-64 machine"
mkdir -p "$cache"

# 1. vkgemma, Release, in its own build folder (build/ may be a Debug or sanitizer build).
# A build folder configured for another checkout (copied, or a worktree's) would bundle that checkout's binary.
if [ -f build-gpu/CMakeCache.txt ] &&
   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$PWD" build-gpu/CMakeCache.txt; then
  die "build-gpu/ was configured for another source folder ($(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)): remove it"
fi
if [ ! -f build-gpu/CMakeCache.txt ]; then
  say "configuring build-gpu (Release)"
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release >"$cache/build-gpu.configure.log" 2>&1 \
    || die "configuring build-gpu failed: see $cache/build-gpu.configure.log"
fi
say "building vkgemma (nice, -j2)"
nice -n 10 cmake --build build-gpu -j 2 --target vkgemma >"$cache/build-gpu.build.log" 2>&1 \
  || die "building vkgemma failed: see $cache/build-gpu.build.log"

# 2. llama.cpp with the Vulkan backend (cached: a rerun only checks it).
say "llama.cpp $llama_version (Vulkan)"
llama_bin=$(LLAMA_CPP_PYTHON_VERSION=$llama_version tools/gpu/build_llama_vulkan.sh "$cache")
llama_src="$cache/llama_cpp_python-$llama_version/vendor/llama.cpp"

# 3. A Python with numpy for the tokenizer extraction: a venv in the cache (gguf-py comes from llama.cpp).
venv="$cache/venv"
if ! "$venv/bin/python" -c "import numpy, yaml" 2>/dev/null; then
  say "creating $venv with numpy and pyyaml (gguf-py's needs)"
  python3 -m venv "$venv" || die "cannot create $venv (python3-venv missing?)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy pyyaml \
    || die "could not install numpy and pyyaml from PyPI: check the network connection"
fi
tokenizer="$cache/gemma3-tokenizer.gguf"
if [ ! -s "$tokenizer" ]; then
  [ -f models/gemma-3-270m-q4_k_m.gguf ] || die "models/gemma-3-270m-q4_k_m.gguf missing: run tools/setup.sh"
  say "extracting Gemma 3's tokenizer"
  PYTHONPATH="$llama_src/gguf-py" "$venv/bin/python" tools/gpu/extract_tokenizer.py \
    models/gemma-3-270m-q4_k_m.gguf "$tokenizer.tmp" >&2 || die "extracting the tokenizer failed"
  mv "$tokenizer.tmp" "$tokenizer"
fi

# 4. Debian's Vulkan loader package.
deb=$(ls "$cache"/libvulkan1_*.deb 2>/dev/null | head -1) || true
if [ -z "$deb" ]; then
  say "downloading Debian's libvulkan1"
  (cd "$cache" && apt-get download libvulkan1 >/dev/null 2>&1) || die "apt-get download libvulkan1 failed"
  deb=$(ls "$cache"/libvulkan1_*.deb | head -1)
fi

# 5. The payload, staged afresh, then the bundle.
stage="$cache/stage"
say "assembling $stage"
rm -rf "$stage"
mkdir -p "$stage"/{bin,lib,sysroot,debs,llama,python,tokenizer,tools/gpu}
cp build-gpu/vkgemma "$stage/bin/"
cp "$llama_bin/llama-bench" "$llama_bin/llama-quantize" "$stage/llama/"
strip --strip-unneeded "$stage/bin/vkgemma" "$stage/llama/"*  # symbols are megabytes; backtraces don't travel anyway
# The libraries they load, by class: glibc and GCC's runtime go to sysroot/ (used only with the bundled
# loader, since the machine's own are newer otherwise); the Vulkan loader comes from debs/ or the machine;
# everything else (hwy, httplib, OpenSSL, zlib, brotli, OpenMP...) to lib/.
for bin in "$stage/bin/vkgemma" "$stage/llama/"*; do
  ldd "$bin" | awk '/=> \// {print $1, $3} /^\t\/.*ld-linux/ {print "ld-linux", $1}'
done | sort -u | while read -r name path; do
  case "$name" in
    libvulkan.so*) ;;
    ld-linux*) cp -L "$path" "$stage/sysroot/ld-linux-x86-64.so.2" ;;
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libstdc++.so*|libgcc_s.so*) cp -L "$path" "$stage/sysroot/$name" ;;
    *) cp -L "$path" "$stage/lib/$name" ;;
  esac
done
[ -x "$stage/sysroot/ld-linux-x86-64.so.2" ] || die "ldd named no ld-linux-x86-64.so.2"
cp "$deb" "$stage/debs/"
cp -r "$llama_src/gguf-py/gguf" "$stage/python/"
find "$stage/python" -name __pycache__ -prune -exec rm -rf {} +
cp "$tokenizer" "$stage/tokenizer/gemma3-tokenizer.gguf"
cp tools/make_random_model.py tools/compare_llama_bench.py "$stage/tools/"
cp tools/gpu/gpu_bench.py "$stage/tools/gpu/"
commit=$(git rev-parse --short=12 HEAD)
[ -z "$(git status --porcelain)" ] || commit="$commit+uncommitted"  # ignored paths (the bundle) aside
{
  echo "commit=$commit"
  echo "llama=llama.cpp $(head -c 12 "$cache/llama_cpp_python-$llama_version/LLAMA_COMMIT") (llama-cpp-python $llama_version's), Vulkan, static"
  echo "glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
  echo "built=$(date -u +%Y-%m-%dT%H:%MZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
} >"$stage/MANIFEST"
# Replaced only if it is a bundle or empty: OUT_DIR is the caller's path, and rm -rf is unforgiving.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/payload.tar.xz" ]; then
  die "$out exists and holds no bundle (payload.tar.xz): not replacing it"
fi
rm -rf "$out" && mkdir -p "$out"
cp tools/gpu/run_bundle.sh "$stage/MANIFEST" "$out/"
say "compressing the payload (xz)"
XZ_OPT=-6 nice -n 10 tar -cJf "$out/payload.tar.xz" -C "$stage" .

# 6. The size the device tool will carry.
mib=$(du -sm "$out" | cut -f1)
[ "$mib" -le "$max_mib" ] || die "$out is $mib MiB, over the $max_mib MiB the device tool's carry allows beside the tree"
"$stage/bin/vkgemma" --version >/dev/null || die "the bundled vkgemma does not start here"
say "$out: $mib MiB (payload $(du -sm "$stage" | cut -f1) MiB unpacked), $commit"
echo "$repo/$out"
