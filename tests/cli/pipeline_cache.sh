#!/bin/sh
# The pipeline cache as a user meets it (runtime/vulkan/pipeline_cache.h), through `vkgemma run` on Vulkan:
# the first run writes the file, the second loads it (-v says so) and leaves it as it was, a truncated file
# is one warning naming it while the output stays the same and the file is replaced, and
# VKGEMMA_PIPELINE_CACHE=0 keeps no file. Usage: pipeline_cache.sh VKGEMMA MODEL
set -eu
vkgemma=$1 model=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export VKGEMMA_PIPELINE_CACHE="$dir/cache"
run() { "$vkgemma" run -m "$model" --backend vulkan -p "Paris is the capital of" -n 3 --temp 0 -v 2>"$dir/stderr"; }
fail() { echo "FAIL: $*"; cat "$dir/stderr"; exit 1; }

cold=$(run)
set -- "$dir"/cache/pipelines-*.bin
[ $# -eq 1 ] && [ -f "$1" ] || fail "the first run wrote no single pipelines-*.bin in $dir/cache"
file=$1
grep -q "^pipeline cache: $file (nothing usable there yet)" "$dir/stderr" || fail "the first run did not name the file"
cp "$file" "$dir/written"

warm=$(run)
[ "$warm" = "$cold" ] || fail "the warm run's text differs: '$warm' vs '$cold'"
grep -q "^pipeline cache: $file (loaded " "$dir/stderr" || fail "the warm run did not load $file"
cmp -s "$file" "$dir/written" || fail "the warm run rewrote $file though no pipeline was new"
! grep -q warning "$dir/stderr" || fail "a warning on a good cache"

head -c 40 "$dir/written" >"$file"
after=$(run)
[ "$after" = "$cold" ] || fail "the text after a corrupt cache differs"
[ "$(grep -c "^vkgemma: warning: pipeline cache $file: truncated: 40 bytes" "$dir/stderr")" -eq 1 ] ||
  fail "no single warning naming the truncated file"
cmp -s "$file" "$dir/written" || fail "the truncated file was not replaced by a good one"

rm -rf "$dir/cache"
VKGEMMA_PIPELINE_CACHE=0 run >/dev/null
grep -q "^pipeline cache: off" "$dir/stderr" || fail "VKGEMMA_PIPELINE_CACHE=0 did not switch it off"
[ ! -e "$dir/cache" ] || fail "VKGEMMA_PIPELINE_CACHE=0 still wrote $dir/cache"
echo "pipeline cache checks passed"
