#!/bin/sh
# make bench: runs every bench/bench_*.sh with the build directory; each prints its results.
build=${1:-build}
for b in bench/bench_*.sh; do
    [ -f "$b" ] || continue
    # bench_vision.sh runs the C side (bench_vision_c.sh) itself, on the same pixels
    [ "$b" = bench/bench_vision_c.sh ] && continue
    echo "== $(basename "$b" .sh)"
    sh "$b" "$build" || echo "($b failed)"
done
