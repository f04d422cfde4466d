#!/bin/sh
# The C face pipeline's speed: a 640x480 crop of the demo photo models/samples/sample1.jpg
# with one frontal face -> detector + 68 landmarks + descriptor + expression + age/gender.
# Per detector (tiny at 416, SSD, then SSD with BF16 pointwise convs as login runs it): model
# load, first frame (runtimes built), the warm-up call and the frame after it, per-frame time
# on one thread pinned to one core (wall and CPU, per network), throughput with 2 worker
# threads, peak RSS, then the profile: each layer of each network run alone (CPU time),
# summed per kind of layer, and the slowest.
#   sh bench/bench_vision_c.sh BUILD_DIR      ($SHOPPER_MODELS overrides ./models)
build=${1:-build}
models=${SHOPPER_MODELS:-models}
img=$models/samples/sample1.jpg
frames=${FRAMES:-30}
if [ ! -f "$img" ]; then
    echo "bench_vision_c: no $img (run make models); skipped"
    exit 0
fi
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
for det in tiny ssd ssd-bf16; do
    bf=""
    [ "$det" = ssd-bf16 ] && det=ssd && bf=--bf16
    echo "== C pipeline, detector $det${bf:+ with BF16 pointwise convs (login's)}, 640x480, one face"
    # one core: per-frame time (the throughput line of this run is 1 thread on 1 core)
    $pin "$build/shopper" bench-faces "$img" --models "$models" --detector "$det" $bf \
        --crop 620,250,640,480 --frames "$frames" --threads 1 --profile | grep -v throughput ||
        exit 1
    # two worker threads, each with its own workspace
    "$build/shopper" bench-faces "$img" --models "$models" --detector "$det" $bf \
        --crop 620,250,640,480 --frames "$frames" --threads 2 | grep -E "throughput|peak" || exit 1
done
