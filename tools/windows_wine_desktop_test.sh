#!/usr/bin/env bash
# Runs the cross-built desktop app (build-windows/vkgemma-chat.exe, tools/windows_cross_build.sh) under Wine in an
# X server of its own (xvfb-run), driven by the same kind of script as the desktop_app test: the tiny vision
# model's greedy reply to an image on the CPU backend must equal the Linux build's `vkgemma chat`, and the
# screenshot must be a drawn window (build/tests/vkgemma_check_screenshot). The window is drawn through Wine's
# vulkan-1.dll (winevulkan, forwarding to the host's Vulkan driver: lavapipe here).
# Usage: tools/windows_wine_desktop_test.sh [BUILD_DIR] (default build-windows). Writes its screenshot to
# $VKG_SCREENSHOT_DIR (default out-screenshots/) as vkgemma-chat-wine.png.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build-windows}
CACHE=${VKG_WINDOWS_CACHE:-$ROOT/.cache/windows}
OUT=${VKG_SCREENSHOT_DIR:-$ROOT/out-screenshots}
TINY=$ROOT/assets/tiny/gemma3-vision
IMAGE=$ROOT/assets/images/test.png

say() { printf '[windows-wine-desktop] %s\n' "$*" >&2; }
die() { printf '[windows-wine-desktop] FAILED: %s\n' "$*" >&2; exit 1; }

[ -f "$BUILD/vkgemma-chat.exe" ] || die "$BUILD/vkgemma-chat.exe missing: run tools/windows_cross_build.sh first"
command -v wine >/dev/null || die "wine missing: run tools/windows_wine_test.sh once (it installs wine64)"
command -v xvfb-run >/dev/null || die "xvfb-run missing (Debian: apt-get install xvfb xauth)"
[ -x build/vkgemma ] && [ -x build/tests/vkgemma_check_screenshot ] \
  || die "build/vkgemma and build/tests/vkgemma_check_screenshot missing: build the Linux tree first"

export WINEPREFIX
WINEPREFIX=$(mkdir -p "$CACHE" && cd "$CACHE" && pwd)/wineprefix
export WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono/Gecko installer prompts
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wine wineboot --init >/dev/null 2>&1 || die "wineboot --init failed"
  wineserver -w
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
printf '/image %s\nDescribe it.\n/exit\n' "$IMAGE" |
  build/vkgemma chat -m "$TINY-hf" -n 8 --temp 0 --backend cpu --no-pack-cache > "$WORK/cli_reply.txt" 2>/dev/null \
  || die "Linux vkgemma chat failed"
cat > "$WORK/chat.script" <<EOF_SCRIPT
backend cpu
load $TINY-hf
temp 0
max-tokens 8
image $IMAGE
send Describe it.
wait-reply
save-reply $WORK/reply.txt
screenshot $OUT/vkgemma-chat-wine.png
quit
EOF_SCRIPT
t=$SECONDS
(cd "$WORK" && xvfb-run -a -s "-screen 0 1280x800x24" wine "$ROOT/$BUILD/vkgemma-chat.exe" --script chat.script) \
  > "$WORK/output.txt" 2>&1 || { tr -d '\r' < "$WORK/output.txt" >&2; die "vkgemma-chat.exe --script under Wine"; }
tr -d '\r' < "$WORK/output.txt" | sed 's/^/  /' >&2
printf '\n' | cat "$WORK/reply.txt" - | cmp -s - "$WORK/cli_reply.txt" || die "the reply differs from the Linux build's vkgemma chat"
say "reply equals the Linux build's vkgemma chat ($((SECONDS - t)) s)"
build/tests/vkgemma_check_screenshot "$OUT/vkgemma-chat-wine.png" 1180 760 >&2 || die "the screenshot is not a drawn window"
say "all desktop checks passed under $(wine --version)"
