#!/usr/bin/env bash
# The dependencies of the Windows cross-build, all from Debian 12 (nothing is downloaded from elsewhere):
#   - header-only libraries (Vulkan headers, volk, nlohmann-json, doctest, RenderDoc's API; stb and CLI11 when
#     installed) copied as they are from the Debian packages into the prefix; cpp-httplib's header-only form
#     from its Debian source package;
#   - compiled libraries (sentencepiece, Highway) built from Debian's source packages (apt-get source) with
#     cmake/mingw-w64-x86_64.cmake, static, installed into the prefix.
# The Vulkan loader is not needed: volk loads vulkan-1.dll at run time.
#
# Usage: tools/windows_deps.sh [CACHE_DIR]   (default: $VKG_WINDOWS_CACHE or .cache/windows in the repository)
# Prints nothing but progress; the prefix is CACHE_DIR/prefix. A second run rebuilds nothing (stamps carry the
# Debian source version, so a new version is rebuilt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${1:-${VKG_WINDOWS_CACHE:-$ROOT/.cache/windows}}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
PREFIX=$CACHE/prefix
TOOLCHAIN=$ROOT/cmake/mingw-w64-x86_64.cmake
JOBS=${JOBS:-$(nproc)}

say() { printf '[windows-deps] %s\n' "$*" >&2; }
die() { printf '[windows-deps] error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  else command -v sudo >/dev/null || die "need root (or sudo) for: $*"; sudo "$@"; fi
}

# 1. Debian packages: the cross compiler, the source-package tools, the header-only libraries, the host tools.
PACKAGES=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix mingw-w64-x86-64-dev
          cmake make pkg-config dpkg-dev patch xz-utils
          libvulkan-dev libvulkan-volk-dev nlohmann-json3-dev doctest-dev librenderdoc-dev libcli11-dev
          glslang-tools spirv-tools spirv-cross)
source tools/debian_packages.sh
install_debian_packages "${PACKAGES[@]}"

# 2. deb-src entries (apt-get source needs them; Debian 12's default sources have only binary entries).
if [ -z "$(apt-cache showsrc sentencepiece 2>/dev/null)" ]; then
  say "enabling deb-src entries (/etc/apt/sources.list.d/vkgemma-deb-src.sources)"
  as_root tee /etc/apt/sources.list.d/vkgemma-deb-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  as_root apt-get update || die "apt-get update failed"
  [ -n "$(apt-cache showsrc sentencepiece 2>/dev/null)" ] || die "no source package for sentencepiece after enabling deb-src"
fi

# 3. Header-only libraries, copied as they are. CMake package files come along where the project uses
#    find_package (doctest's hard-codes /usr: made relative to its own location, as nlohmann-json's is).
say "staging header-only libraries in $PREFIX/include"
mkdir -p "$PREFIX/include" "$PREFIX/lib/cmake" "$PREFIX/share/cmake" "$PREFIX/lib/pkgconfig"
for h in vulkan vk_video volk.h volk.c nlohmann doctest renderdoc_app.h \
         stb CLI; do  # the last two: only when their Debian packages are installed
  if [ -e "/usr/include/$h" ]; then
    rm -rf "${PREFIX:?}/include/$h"
    cp -a "/usr/include/$h" "$PREFIX/include/$h"  # -a keeps the times: no rebuild of the project after a re-run
  fi
done
rm -rf "$PREFIX/share/cmake/nlohmann_json"
cp -a /usr/share/cmake/nlohmann_json "$PREFIX/share/cmake/"
# Rewritten only when Debian's changed: CMake re-configures when a package file it read is newer.
if ! cmp -s /usr/lib/cmake/doctest/doctestConfigVersion.cmake "$PREFIX/lib/cmake/doctest/doctestConfigVersion.cmake"; then
  rm -rf "$PREFIX/lib/cmake/doctest"
  cp -a /usr/lib/cmake/doctest "$PREFIX/lib/cmake/"
  sed -i 's|^set(_IMPORT_PREFIX "/usr")|get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)|' \
    "$PREFIX/lib/cmake/doctest/doctestTargets.cmake"
fi

# source_version PACKAGE: the version of Debian's source package that apt-get source fetches.
source_version() {
  apt-cache showsrc "$1" | sed -n 's/^Version: //p' | head -n1
}

# fetch_source PACKAGE VERSION: Debian's source package, patches applied, extracted into (and printed)
# $CACHE/src/PACKAGE-VERSION. Reuses an earlier extraction.
fetch_source() {
  local pkg=$1 version=$2 src dsc
  src=$CACHE/src/$pkg-$version
  if [ ! -f "$src/.extracted" ]; then
    rm -rf "$src" "$CACHE/src/download-$pkg"
    mkdir -p "$CACHE/src/download-$pkg"
    say "$pkg $version: apt-get source"
    (cd "$CACHE/src/download-$pkg" && apt-get source --download-only "$pkg=$version" >/dev/null 2>&1) \
      || die "apt-get source $pkg=$version failed"
    dsc=$(ls "$CACHE/src/download-$pkg/${pkg}_"*.dsc | head -n1)
    dpkg-source --no-check -x "$dsc" "$src" >/dev/null || die "dpkg-source -x $dsc failed"
    touch "$src/.extracted"
  fi
  printf '%s\n' "$src"
}

# cpp-httplib: Debian's binary package has the split form (httplib.h declares, libcpp-httplib.so defines), so the
# Windows build takes the header-only httplib.h of the source package (with Debian's patches), and a .pc file
# that adds Winsock.
version=$(source_version cpp-httplib)
[ -n "$version" ] || die "no source package for cpp-httplib"
src=$(fetch_source cpp-httplib "$version")
cp -p "$src/httplib.h" "$PREFIX/include/httplib.h"
cat > "$PREFIX/lib/pkgconfig/cpp-httplib.pc" <<EOF
prefix=$PREFIX
includedir=\${prefix}/include

Name: cpp-httplib
Description: A C++ HTTP server and client library (header-only, from Debian's source package $version)
Version: ${version%%+*}
Libs: -lws2_32
Cflags: -I\${includedir}
EOF

# 4. Compiled libraries from Debian source packages.
#    build_source PACKAGE CMAKE_ARGS...: apt-get source, Debian's patches applied (dpkg-source), then
#    patch_<package> (below) for what Debian's packaging changes that a static Windows build cannot use.
build_source() {
  local pkg=$1; shift
  local version src
  version=$(source_version "$pkg")
  [ -n "$version" ] || die "no source package for $pkg"
  local stamp  # the source version and the toolchain file: a change of either rebuilds
  stamp=$PREFIX/stamps/$pkg-$version-$(sha256sum "$TOOLCHAIN" | cut -c1-12)
  if [ -f "$stamp" ]; then say "$pkg $version: already built"; return; fi
  local t0=$SECONDS
  src=$(fetch_source "$pkg" "$version")
  local build=$CACHE/build/$pkg-$version
  rm -rf "$build"
  mkdir -p "$CACHE/build"
  if declare -F "patch_$pkg" >/dev/null; then
    [ -f "$src/.patched" ] || { (cd "$src" && "patch_$pkg") && touch "$src/.patched"; }
  fi
  say "$pkg $version: building with mingw-w64"
  cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DVKG_WINDOWS_DEPS="$PREFIX" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF "$@" >"$build.log" 2>&1 || die "$pkg: configure failed, see $build.log"
  cmake --build "$build" -j "$JOBS" >>"$build.log" 2>&1 || die "$pkg: build failed, see $build.log"
  cmake --install "$build" >>"$build.log" 2>&1 || die "$pkg: install failed, see $build.log"
  mkdir -p "$PREFIX/stamps"
  touch "$stamp"
  say "$pkg $version: done in $((SECONDS - t0)) s"
}

# Debian ships sentencepiece as a shared library only (disable-static-library.patch); the Windows build links
# it statically, so that one packaging patch is reverted.
patch_sentencepiece() {
  patch -R -p1 --quiet < debian/patches/disable-static-library.patch || die "cannot revert disable-static-library.patch"
}

# sentencepiece: its own protobuf-lite (in the source package) instead of Debian's libprotobuf.
build_source sentencepiece -DCMAKE_INSTALL_INCLUDEDIR=include \
  -DSPM_ENABLE_SHARED=OFF -DSPM_ENABLE_TCMALLOC=OFF -DSPM_USE_BUILTIN_PROTOBUF=ON
# Highway: the library without contrib/ (its compiled parts, sort and image, are not used by vkgemma and take
# long to build; the header-only ones are copied below).
build_source highway \
  -DHWY_ENABLE_TESTS=OFF -DHWY_ENABLE_EXAMPLES=OFF -DHWY_ENABLE_CONTRIB=OFF -DHWY_WARNINGS_ARE_ERRORS=OFF

# Highway's header-only contrib parts (hwy/contrib/math/math-inl.h, ...): the library is built without contrib/,
# whose install would bring them, so they are copied from the source package.
hwy_src=$(fetch_source highway "$(source_version highway)")
(cd "$hwy_src" && find hwy/contrib -name '*.h' -exec cp -p --parents {} "$PREFIX/include/" \;)

# 5. The desktop app (vkgemma-chat): GLFW and Dear ImGui from Debian's source packages, static, and an import
#    library for vulkan-1.dll, through which the app's window calls Vulkan (the model's backend loads the loader
#    at run time with volk instead; the window cannot draw without it anyway).
build_source glfw3 -DGLFW_BUILD_EXAMPLES=OFF -DGLFW_BUILD_TESTS=OFF -DGLFW_BUILD_DOCS=OFF -DGLFW_INSTALL=ON

# ImGui's source package builds with a Makefile for Linux (system stb, SDL, FreeType); this CMake project takes
# what the app uses: the core with its bundled stb parts, imgui_stdlib, and the GLFW and Vulkan backends. It
# installs the headers as Debian's libimgui-dev lays them out (include/imgui/, backends/) and an imgui.pc.
patch_imgui() {
  cat > CMakeLists.txt <<'EOF_CMAKE'
cmake_minimum_required(VERSION 3.16)
project(imgui CXX)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GLFW REQUIRED glfw3)
add_library(imgui STATIC imgui.cpp imgui_draw.cpp imgui_tables.cpp imgui_widgets.cpp imgui_demo.cpp
            misc/cpp/imgui_stdlib.cpp backends/imgui_impl_glfw.cpp backends/imgui_impl_vulkan.cpp)
target_include_directories(imgui PRIVATE . ${GLFW_INCLUDE_DIRS} ${VKG_WINDOWS_DEPS}/include)
install(TARGETS imgui ARCHIVE DESTINATION lib)
install(FILES imgui.h imconfig.h imgui_internal.h imstb_rectpack.h imstb_textedit.h imstb_truetype.h
        misc/cpp/imgui_stdlib.h DESTINATION include/imgui)
install(FILES backends/imgui_impl_glfw.h backends/imgui_impl_vulkan.h DESTINATION include/imgui/backends)
file(WRITE ${CMAKE_BINARY_DIR}/imgui.pc "prefix=${CMAKE_INSTALL_PREFIX}
includedir=\${prefix}/include/imgui
libdir=\${prefix}/lib

Name: imgui
Description: Dear ImGui with its GLFW and Vulkan backends (Debian's source package, tools/windows_deps.sh)
Version: 1.86
Requires: glfw3
Libs: -L\${libdir} -limgui
Cflags: -I\${includedir}
")
install(FILES ${CMAKE_BINARY_DIR}/imgui.pc DESTINATION lib/pkgconfig)
EOF_CMAKE
}
build_source imgui

# vulkan-1.dll's import library, from the Vulkan headers' prototypes (an import library only names what the
# DLL exports; the app references the core functions the loader exports, and fetches extensions' through
# vkGetInstanceProcAddr).
if [ ! -f "$PREFIX/lib/libvulkan-1.a" ] || [ /usr/include/vulkan/vulkan_core.h -nt "$PREFIX/lib/libvulkan-1.a" ]; then
  say "vulkan-1.dll import library"
  { echo "LIBRARY vulkan-1.dll"; echo "EXPORTS"
    sed -n 's/^VKAPI_ATTR [^(]* VKAPI_CALL \(vk[A-Za-z0-9]*\)(.*/    \1/p' \
      /usr/include/vulkan/vulkan_core.h /usr/include/vulkan/vulkan_win32.h | sort -u
  } > "$PREFIX/lib/vulkan-1.def"
  x86_64-w64-mingw32-dlltool -d "$PREFIX/lib/vulkan-1.def" -l "$PREFIX/lib/libvulkan-1.a" -D vulkan-1.dll \
    || die "dlltool: cannot make the vulkan-1.dll import library"
fi

say "prefix ready: $PREFIX"
