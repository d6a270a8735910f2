#!/usr/bin/env bash
# Cross-builds vkgemma for 64-bit Windows on Debian 12 with mingw-w64: every target of the project (vkgemma.exe,
# the C API's vkgemma.dll with its import library libvkgemma.dll.a, the desktop app vkgemma-chat.exe, the test
# executables), statically linked against the C++ runtime, so the .exe and .dll need no MinGW DLLs beside them.
# The dependencies come from tools/windows_deps.sh (Debian packages and source packages, cached).
#
# Usage: tools/windows_cross_build.sh [BUILD_DIR]   (default: build-windows; the cache: $VKG_WINDOWS_CACHE or
# .cache/windows). tools/windows_wine_test.sh then runs the result under Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build-windows}
CACHE=${VKG_WINDOWS_CACHE:-$ROOT/.cache/windows}
JOBS=${JOBS:-$(nproc)}

say() { printf '[windows-build] %s\n' "$*" >&2; }
die() { printf '[windows-build] error: %s\n' "$*" >&2; exit 1; }

t0=$SECONDS
tools/windows_deps.sh "$CACHE"
t_deps=$((SECONDS - t0))
mkdir -p "$CACHE"
PREFIX=$(cd "$CACHE" && pwd)/prefix

t1=$SECONDS
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  say "configuring $BUILD"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/mingw-w64-x86_64.cmake" \
    -DVKG_WINDOWS_DEPS="$PREFIX" >/dev/null || die "cmake configure failed"
fi
say "building $BUILD (all targets)"
cmake --build "$BUILD" -j "$JOBS" || die "build failed"
t_build=$((SECONDS - t1))

for f in vkgemma.exe vkgemma.dll libvkgemma.dll.a tests/vkgemma_unit_tests.exe; do
  [ -f "$BUILD/$f" ] || die "$BUILD/$f was not built"
done
# Only Windows' own DLLs may be imported (KERNEL32, msvcrt, ...): no libstdc++/libgcc/winpthread, no Vulkan.
for f in "$BUILD/vkgemma.exe" "$BUILD/vkgemma.dll"; do
  imports=$(x86_64-w64-mingw32-objdump -p "$f" | sed -n 's/^\s*DLL Name: //p' | tr '\n' ' ')
  say "$(basename "$f") imports: $imports"
  if grep -qiE 'libstdc|libgcc|libwinpthread|vulkan' <<<"$imports"; then die "$f imports a DLL it must not need"; fi
done
# The desktop app: vulkan-1.dll (its window draws through the Vulkan loader) is the one import beyond Windows'
# own DLLs; no MinGW DLLs either.
[ -f "$BUILD/vkgemma-chat.exe" ] || die "$BUILD/vkgemma-chat.exe was not built (GLFW or ImGui missing from $PREFIX?)"
imports=$(x86_64-w64-mingw32-objdump -p "$BUILD/vkgemma-chat.exe" | sed -n 's/^\s*DLL Name: //p' | tr '\n' ' ')
say "vkgemma-chat.exe imports: $imports"
if grep -qiE 'libstdc|libgcc|libwinpthread|glfw|imgui' <<<"$imports"; then die "vkgemma-chat.exe imports a DLL it must not need"; fi
say "done: $BUILD/vkgemma.exe, $BUILD/vkgemma.dll, $BUILD/vkgemma-chat.exe (dependencies ${t_deps} s, project ${t_build} s)"
