#!/bin/sh
# Identity: the 1:N search over 10,000 / 100,000 / 1,000,000 random templates (one thread,
# brute force, squared L2; mean and best of QUERIES searches - the machine is shared), and
# one enrolment frame end to end (decode, SSD, landmarks, descriptor, expressions, gates)
# on a 640x480 crop of a demo photo with one face.
#   sh bench/bench_identity.sh BUILD_DIR       (after `make` and `make models`)
set -e
build=${1:-build}
models=${SHOPPER_MODELS:-models}
QUERIES=${QUERIES:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=""
if [ -f "$models/samples/sample6.jpg" ]; then
    # sample6's second face (looking straight) in a 640x480 window, like a mirror's camera
    "$build/vision_topng" "$models/samples/sample6.jpg" "$tmp/frame.png" crop 845 200 640 480
    img="--image $tmp/frame.png"
else
    echo "(no $models/samples: enrolment frame not timed; run make models)"
fi
echo "identity: 1:N search, $QUERIES queries per size, one thread; enrolment frame"
"$build/shopper" bench-identity --sizes 10000,100000,1000000 --queries "$QUERIES" \
    --models "$models" $img
