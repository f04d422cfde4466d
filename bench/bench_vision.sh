#!/bin/sh
# The reference's speed: face-api 1.7.15 on tfjs 4.22.0, WASM backend, one thread, pinned to
# one core, per frame on a 640x480 crop of the demo photo with one frontal face: detector
# (tiny at 416, then SSD) + 68 landmarks + descriptor + expression + age/gender. Then the C
# pipeline on the same pixels (bench/bench_vision_c.sh), when it is there.
#   sh bench/bench_vision.sh BUILD_DIR       (FRAMES=20 by default; $SHOPPER_MODELS)
# Prints "reference tiny-frame ms: X" and "reference ssd-frame ms: Y".
set -u
build=${1:-build}
models=${SHOPPER_MODELS:-models}
frames=${FRAMES:-20}
src=$models/samples/sample1.jpg
if [ ! -f "$src" ] || [ ! -d tests/vision/node_modules/@vladmandic/face-api ]; then
    echo "bench_vision: needs make models and the reference (make bench installs both); skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the same crop as bench_vision_c.sh, decoded by our decoder, so both time the same pixels
"$build/vision_topng" "$src" "$tmp/frame640.png" crop 620 250 640 480 || exit 1
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
echo "== reference: face-api 1.7.15, tfjs 4.22.0 wasm, 1 thread, 640x480, one face, $frames frames"
for det in tiny ssd; do
    $pin node tests/vision/reference.mjs --models "$models" --bench "$frames" --detector "$det" \
        "$tmp/frame640.png" || exit 1
done
if [ -f bench/bench_vision_c.sh ]; then
    sh bench/bench_vision_c.sh "$build" || exit 1
fi
