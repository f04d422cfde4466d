#!/bin/sh
# The C face pipeline against the reference, face-api 1.7.15 on tfjs 4.22.0 (WASM SIMD
# backend, one thread), both pinned to one core, on the same pixels: a 640x480 crop of the
# demo photo with one frontal face, made lossless by our decoder (decode excluded on both
# sides). Per detector (tiny at 416, then SSD) + 68 landmarks + expression + age/gender +
# descriptor: per-frame wall and CPU time and per-network CPU time, the median of RUNS runs
# that alternate reference and C, with the ratio, the spread (min-max of each side and of the
# per-run ratios) and the load average before and after. C runs twice in each run: exact
# (face-api's numbers, the reference tests' pipeline) and with the detector's pointwise convs
# in BF16 (--bf16, what login uses; on a CPU without AVX512-BF16 the same as exact), each
# with its own table. Then the C side in detail
# (bench/bench_vision_c.sh: first frame, warm-up, 2 threads, memory, per-layer profile).
#   sh bench/bench_vision.sh BUILD_DIR       (RUNS=3 FRAMES=20 by default; $SHOPPER_MODELS)
# The machine may be shared: wall time includes the time other processes hold the core,
# CPU time does not; compare ratios taken in the same run.
set -u
build=${1:-build}
models=${SHOPPER_MODELS:-models}
frames=${FRAMES:-20}
runs=${RUNS:-3}
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
# the 1-minute load average (other processes on a shared machine), before and after each chain
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }
for det in tiny ssd; do
    before=$(load)
    : > "$tmp/ref_$det"
    : > "$tmp/c_$det"
    : > "$tmp/cb_$det"
    i=1
    while [ "$i" -le "$runs" ]; do
        $pin node tests/vision/reference.mjs --models "$models" --bench "$frames" \
            --detector "$det" "$tmp/frame640.png" >> "$tmp/ref_$det" 2> "$tmp/err" ||
            { cat "$tmp/err"; exit 1; }
        $pin "$build/shopper" bench-faces "$tmp/frame640.png" --models "$models" \
            --detector "$det" --frames "$frames" --threads 1 --json >> "$tmp/c_$det" || exit 1
        $pin "$build/shopper" bench-faces "$tmp/frame640.png" --models "$models" \
            --detector "$det" --frames "$frames" --threads 1 --bf16 --json >> "$tmp/cb_$det" ||
            exit 1
        i=$((i + 1))
    done
    after="$before / $(load) on $(nproc 2>/dev/null || echo ?) cores"
    python3 bench/vision_table.py "$det" "$tmp/ref_$det" "$tmp/c_$det" "$after" \
        " (C exact)" || exit 1
    bf=" (C with a BF16 detector, login's)"
    grep -q '"bf16_detector":true' "$tmp/cb_$det" || bf=" (C asked for BF16: this CPU has no AVX512-BF16, so exact)"
    python3 bench/vision_table.py "$det" "$tmp/ref_$det" "$tmp/cb_$det" "$after" "$bf" || exit 1
done
if [ -f bench/bench_vision_c.sh ]; then
    sh bench/bench_vision_c.sh "$build" || exit 1
fi
