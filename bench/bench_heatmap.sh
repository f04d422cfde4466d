#!/bin/sh
# Heatmap binning: ours against numpy.histogram2d on the same 10 million positions, same run.
#   sh bench/bench_heatmap.sh BUILD_DIR        (after `make`; part of `make bench`)
# A 40 x 25 m plan in 0.25 m cells (160 x 100); positions from a fixed seed (float64, 1 % out
# of the plan, ignored by both). Times are the best of REPEATS runs (the machine is shared);
# the script also reports how many cells of the two grids differ. Goal: faster than numpy,
# well under a second.
set -e
build=${1:-build}
here=$(dirname "$0")
py=/usr/bin/python3
N=10000000 W=40 H=25 CELL=0.25 REPEATS=${REPEATS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -I"$here/../src" "$here/bench_heatmap.c" \
    "$build/src/analytics/heatmap.o" "$build/src/core/log.o" "$build/src/core/xalloc.o" -lm \
    -o "$tmp/bench_heatmap"
$py "$here/heatmap_numpy.py" gen "$tmp/x.f64" "$tmp/y.f64" $N $W $H
"$tmp/bench_heatmap" "$tmp/x.f64" "$tmp/y.f64" $N $W $H $CELL $REPEATS "$tmp/g.f64" \
    > "$tmp/ours.txt"
$py "$here/heatmap_numpy.py" hist "$tmp/x.f64" "$tmp/y.f64" $N $W $H $CELL $REPEATS \
    "$tmp/g.f64" > "$tmp/np.txt"
get() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/ours.txt" "$tmp/np.txt"; }
echo "heatmap: $N positions, ${W}x${H} m, ${CELL} m cells, best of $REPEATS"
awk -v o="$(get ours_seconds)" -v s="$(get numpy_seconds)" -v oi="$(get ours_inside)" \
    -v si="$(get numpy_inside)" -v cd="$(get cells_differing)" 'BEGIN {
    printf "  ours                %8.4f s   %d in the plan\n", o, oi
    printf "  numpy.histogram2d   %8.4f s   %d in the plan\n", s, si
    printf "  speed-up %.1fx (goal > 1x, under 1 s)   cells differing: %d\n", s / o, cd
}'
