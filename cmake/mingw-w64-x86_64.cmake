# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix: the posix thread
# model, which std::thread needs with GCC 12). Used for vkgemma and for the dependencies built from Debian's
# source packages (tools/windows_deps.sh), so both agree on compiler and runtime.
#
# VKG_WINDOWS_DEPS (cache or environment): the prefix holding the Windows builds of the dependencies and the
# header-only libraries; CMake and pkg-config look for target packages there and nowhere else.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(VKG_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${VKG_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${VKG_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${VKG_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${VKG_MINGW_TRIPLE}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${VKG_MINGW_TRIPLE}-gcc-ranlib-posix CACHE FILEPATH "")

if(NOT VKG_WINDOWS_DEPS AND DEFINED ENV{VKG_WINDOWS_DEPS})
  set(VKG_WINDOWS_DEPS "$ENV{VKG_WINDOWS_DEPS}")
endif()
set(VKG_WINDOWS_DEPS "${VKG_WINDOWS_DEPS}" CACHE PATH "Prefix of the Windows dependencies")
# try_compile projects see the toolchain file again; pass the prefix on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VKG_WINDOWS_DEPS)

set(CMAKE_FIND_ROOT_PATH /usr/${VKG_MINGW_TRIPLE} ${VKG_WINDOWS_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # host tools: glslangValidator, spirv-cross
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: the target's .pc files only (never the host's /usr/lib/.../pkgconfig).
set(ENV{PKG_CONFIG_LIBDIR} "${VKG_WINDOWS_DEPS}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# GCC cannot align the Win64 stack to 32 bytes, so AVX spills with aligned moves can fault (GCC bug 54412);
# the assembler turns them into unaligned moves (binutils >= 2.38). Matters for run-time-dispatched AVX2/AVX-512
# code such as Highway's.
set(CMAKE_C_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
set(CMAKE_CXX_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")

# The C++ runtime, libgcc and winpthread linked in statically: the .exe and .dll need no MinGW DLLs beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static")

# Running target programs at build or test time (CMAKE_CROSSCOMPILING_EMULATOR): Wine, when installed.
find_program(VKG_WINE NAMES wine wine64)
if(VKG_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VKG_WINE})
endif()
