#!/usr/bin/env bash
# The test suite under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer.
#
#   tools/sanitize.sh [ctest arguments, e.g. -R 'gguf|tiny']   (VKG_SANITIZE_EXCLUDE='regex': tests left out)
#
# Builds into build-asan/ with -DVKGEMMA_SANITIZE=ON (the compiler cmake picks; GCC's ASan/UBSan runtimes
# come with build-essential) and runs ctest there. Any ASan report or UB aborts the test that caused it.
# Leaks inside libraries we do not build (sentencepiece's and the Vulkan loader's, when named) are
# suppressed by tools/lsan.supp; processes that load a Vulkan driver run without leak detection (below).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-asan
JOBS="${JOBS:-$(nproc)}"

[ -f models/gemma-3-270m-q4_k_m.gguf ] || { echo "[sanitize] run tools/setup.sh first (the default model)" >&2; exit 1; }
if [ ! -f $BUILD/CMakeCache.txt ]; then
  cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKGEMMA_SANITIZE=ON >/dev/null
fi
start=$(date +%s)
nice -n 10 cmake --build $BUILD -j "$JOBS"
built=$(date +%s)

ASAN="abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Processes that load a Vulkan driver run without leak detection: the loader unloads lavapipe and the
# validation layer before LeakSanitizer reports, so their allocations show as "<unknown module>" and no
# suppression can name them. Everything else runs with it. The ops suite runs every op on Vulkan too;
# c_api_example opens its model with the default backend (auto), which enumerates the Vulkan devices even when
# it then picks the CPU; desktop_app draws its window with lavapipe.
VULKAN='vulkan_|cli_|c_api_example|^ops$|desktop_app'
# VKG_SANITIZE_EXCLUDE: a ctest regex of tests to leave out of both groups (CI leaves out the slowest).
EXCLUDE="${VKG_SANITIZE_EXCLUDE:-}"
set +e
ASAN_OPTIONS="$ASAN:detect_leaks=1" ctest --test-dir $BUILD --output-on-failure -E "$VULKAN${EXCLUDE:+|$EXCLUDE}" "$@"
rc1=$?
ASAN_OPTIONS="$ASAN:detect_leaks=0" ctest --test-dir $BUILD --output-on-failure -R "$VULKAN" ${EXCLUDE:+-E "$EXCLUDE"} "$@"
rc=$?
set -e
[ $rc1 -eq 0 ] || rc=$rc1
end=$(date +%s)
echo "[sanitize] build $((built - start)) s, tests $((end - built)) s, ctest exit $rc" >&2
exit $rc
