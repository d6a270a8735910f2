#!/bin/sh
# The desktop app (vkgemma-chat) driven by a script under Xvfb, its window drawn by lavapipe with the validation
# layer on (VKGEMMA_VALIDATION=1: any validation error fails the script), the model on the CPU backend:
#   1. the tiny vision model answers an image and a question with the same greedy reply as `vkgemma chat`, from
#      the Hugging Face directory and from the GGUF + mmproj;
#   2. a missing model file and an unreadable image are errors shown in the window, not crashes;
#   3. a screenshot of the conversation is a drawn window (its size, colours, the image's thumbnail);
#   4. the default model generates 48 tokens while the window keeps presenting frames (the frame rate is printed,
#      not asserted: only that frames were presented during generation); Regenerate at temperature 0 gives the
#      same reply; Stop cancels a long one.
# Usage: desktop_app.sh VKGEMMA_CHAT VKGEMMA CHECK_SCREENSHOT SOURCE_DIR   (run in a scratch directory)
set -u
CHAT=$1 CLI=$2 CHECK=$3 SRC=$4
TINY=$SRC/assets/tiny/gemma3-vision
IMAGE=$SRC/assets/images/test.png
MODEL=$SRC/models/gemma-3-270m-q4_k_m.gguf
fail() { echo "FAIL desktop_app: $*"; exit 1; }

command -v xvfb-run >/dev/null || fail "xvfb-run not found: the window needs an X server (Debian: apt-get install xvfb xauth)"
[ -f "$MODEL" ] || fail "$MODEL missing: run tools/setup.sh first"

printf '/image %s\nDescribe it.\n/exit\n' "$IMAGE" |
  "$CLI" chat -m "$TINY-hf" -n 8 --temp 0 --backend cpu --no-pack-cache > cli_reply.txt || fail "vkgemma chat failed"

cat > chat.script <<EOF_SCRIPT
backend cpu
load /nonexistent/model.gguf
expect-error /nonexistent/model.gguf: cannot open file
load $TINY-hf
temp 0
max-tokens 8
image /nonexistent/photo.png
expect-error /nonexistent/photo.png
image $IMAGE
send Describe it.
wait-reply
save-reply reply_hf.txt
screenshot window.png
new-chat
load $TINY.gguf $TINY-mmproj.gguf
image $IMAGE
send Describe it.
wait-reply
save-reply reply_gguf.txt
new-chat
load $MODEL
temp 0
max-tokens 48
send Write a short poem about the sea.
wait-reply
save-reply poem.txt
regenerate
wait-reply
save-reply poem_again.txt
max-tokens 400
send Tell me a long story.
wait-frames 5
stop
wait-reply
quit
EOF_SCRIPT
VKGEMMA_VALIDATION=1 xvfb-run -a -s "-screen 0 1280x800x24" "$CHAT" --script chat.script > chat_output.txt 2>&1
rc=$?
cat chat_output.txt
[ $rc -eq 0 ] || fail "vkgemma-chat --script exited with $rc"

for f in reply_hf.txt reply_gguf.txt; do
  # The CLI's chat ends each reply with a newline.
  printf '\n' | cat "$f" - | cmp -s - cli_reply.txt || fail "$f differs from vkgemma chat's reply"
done
echo "replies (HF directory, GGUF + mmproj) equal vkgemma chat's"
grep -q "^error shown: /nonexistent/model.gguf: cannot open file" chat_output.txt || fail "the missing model's error was not shown"
grep -q "^error shown: /nonexistent/photo.png" chat_output.txt || fail "the unreadable image's error was not shown"
"$CHECK" window.png 1180 760 || fail "the screenshot is not a drawn window"
grep -q "^startup: first frame presented [0-9.]* s after start" chat_output.txt || fail "no startup time printed"
cmp -s poem.txt poem_again.txt || fail "Regenerate at temperature 0 gave another reply"
grep -q "^reply figures: .* finished: cancelled" chat_output.txt || fail "Stop did not cancel the reply"
frames=$(sed -n 's/^frames during generation: \([0-9]*\) in .*/\1/p' chat_output.txt | tail -n 1)
[ -n "$frames" ] && [ "$frames" -gt 0 ] || fail "no frames were presented while the default model generated"
echo "desktop app checks passed"
