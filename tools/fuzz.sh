#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ for a bounded time each, seeded from the small valid inputs in
# assets/ (tiny models, tiny tokenizer, texts) and from assets/fuzz_corpus/ (earlier crashes).
#
#   tools/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET ...]   (targets: see tests/fuzz/CMakeLists.txt)
#
# Builds with clang into build-fuzz/ (-DVKGEMMA_FUZZ=ON: libFuzzer + AddressSanitizer + UBSan). The growing
# corpus stays in build-fuzz/corpus/<target>/ between runs. Every crash, leak, timeout or out-of-memory input is
# copied to assets/fuzz_corpus/<target>/ (commit it once fixed: the fuzz_regressions test suite replays them),
# and the script exits non-zero. Installs clang and libFuzzer (Debian: clang, libclang-rt-14-dev) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL_TARGETS=(gguf safetensors hf_config tokenizer tokenizer_model image)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
BUILD=build-fuzz
JOBS="${JOBS:-2}"

say() { printf '[fuzz] %s\n' "$*" >&2; }
die() { printf '[fuzz] error: %s\n' "$*" >&2; exit 1; }

# 1. clang with libFuzzer (and the project's own packages: tools/setup.sh).
PACKAGES=(clang libclang-rt-14-dev)
source tools/debian_packages.sh
install_debian_packages "${PACKAGES[@]}"

# 2. Build.
if [ ! -f $BUILD/CMakeCache.txt ]; then
  nice -n 10 cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DVKGEMMA_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null || die "cmake configure failed"
fi
nice -n 10 cmake --build $BUILD -j "$JOBS" --target "${TARGETS[@]/#/fuzz_}" || die "build failed"

# 3. Seeds: small valid inputs of each format (plus a few hand-made ones), and every earlier crash.
make_seeds() {
  local t=$1 dir=$2
  rm -rf "$dir" && mkdir -p "$dir"
  case $t in
    gguf) cp assets/tiny/gemma.gguf assets/tiny/gemma2.gguf assets/tiny/gemma3.gguf assets/tiny/gemma4_*.gguf assets/tiny/gemma4-tokenizer.gguf "$dir/" ;;
    safetensors)
      local i=0
      for f in assets/tiny/*-hf/*.safetensors; do cp "$f" "$dir/seed$((i++)).safetensors"; done
      # A small one: 2x2 F32 and 3 BF16 values behind an 8-byte little-endian header length.
      local h='{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},"__metadata__":{"format":"pt"}}'
      { printf "$(printf '\\x%02x' "${#h}")\\0\\0\\0\\0\\0\\0\\0"; printf '%s' "$h"; head -c 22 /dev/urandom; } > "$dir/small.safetensors" ;;
    hf_config) i=0; for f in assets/tiny/*-hf/config.json assets/tiny/*-hf/*.index.json; do cp "$f" "$dir/seed$((i++)).json"; done ;;
    tokenizer)
      head -c 600 assets/text/gpl-3.0.txt > "$dir/gpl.txt"
      printf '<start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n' > "$dir/turns.txt"
      printf '<bos>caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac 123456 \xf0\x9f\x98\x80 \xff\xfe  tabs\t\tend' > "$dir/utf8.txt" ;;
    tokenizer_model) cp assets/tiny_tokenizer.model "$dir/" ;;
    image)
      # Every committed test image (PNG, palette PNG, ...) plus small files of other formats made from one.
      for f in assets/images/*; do cp "$f" "$dir/"; done
      printf 'P6\n3 2\n255\n%s' "$(head -c 18 /dev/zero | tr '\0' 'A')" > "$dir/tiny.ppm"
      printf 'BM' > "$dir/truncated.bmp" ;;
    *) die "no seeds for target '$t'" ;;
  esac
  if [ -d "assets/fuzz_corpus/$t" ]; then cp assets/fuzz_corpus/"$t"/* "$dir/" 2>/dev/null || true; fi
}

# 4. Run each target.
found=0
summary=()
for t in "${TARGETS[@]}"; do
  seeds=$BUILD/seeds/$t corpus=$BUILD/corpus/$t artifacts=$BUILD/artifacts/$t
  make_seeds "$t" "$seeds"
  mkdir -p "$corpus" "$artifacts"
  log=$BUILD/fuzz-$t.log
  say "$t: ${SECONDS_PER_TARGET}s (log: $log)"
  # -timeout: one input over 10 s is a hang (images: 60 s, since a few bytes of header may legitimately ask for
  # a 64-megapixel decode, ~13 s under ASan, 0.3 s in a release build); -rss_limit_mb / -malloc_limit_mb: a
  # huge allocation is a bug.
  case $t in gguf|safetensors) max_len=2000000 ;; tokenizer) max_len=1024 ;; *) max_len=65536 ;; esac
  case $t in image) timeout=60 ;; *) timeout=10 ;; esac
  set +e
  nice -n 10 "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=$timeout -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len=$max_len -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "$SECONDS_PER_TARGET")
  summary+=("$t: $runs runs in ${secs}s, corpus $(ls "$corpus" | wc -l) inputs, exit $rc")
  for a in "$artifacts"/*; do
    [ -f "$a" ] || continue
    mkdir -p "assets/fuzz_corpus/$t"
    name="$(basename "$a")"
    cp "$a" "assets/fuzz_corpus/$t/$name"
    say "$t: FOUND $name -> assets/fuzz_corpus/$t/$name ($(stat -c %s "$a") bytes); reproduce: $BUILD/tests/fuzz/fuzz_$t $a"
    rm "$a"
    found=1
  done
  [ $rc -eq 0 ] || [ $found -eq 1 ] || { say "$t: fuzzer exited $rc without an artifact; see $log"; found=1; }
done
printf '[fuzz] %s\n' "${summary[@]}" >&2
exit $found
