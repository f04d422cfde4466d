#!/bin/sh
# The proof of equality with the reference: `shopper faces --json` against face-api 1.7.15's
# own Node pipeline on tfjs 4.22.0 (tests/vision/reference.mjs), with both detectors.
#  * lossless PNGs made by our decoder (tests/vision/topng.c) from the package's six demo
#    photos plus crops, a flip, a downscale, a face filling the frame and a frame without
#    faces: both sides see identical pixels, so boxes and landmarks must agree within 0.05 px,
#    descriptors within 1e-4, probabilities within 1e-4, age within 0.01 years;
#  * the six JPEGs themselves, each side decoding on its own: same faces, descriptors within
#    0.02 Euclidean.
# Prints one PASS/FAIL line per check and "N passed, N failed".
#   SHOPPER=build/shopper sh tests/cli_vision_ref.sh     (run by scripts/test.sh)
# Needs `make models` and tests/vision/node_modules (`make test` does both). The reference's
# outputs are cached in $VISION_REF_DIR (default build/vision-ref) until an input changes.
set -u
SHOPPER=${SHOPPER:-build/shopper}
build=$(dirname "$SHOPPER")
models=${SHOPPER_MODELS:-models}
dir=${VISION_REF_DIR:-build/vision-ref}
ref="node tests/vision/reference.mjs --models $models"

fail_all() { echo "FAIL vision reference: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$models/samples/sample1.jpg" ] || fail_all "no $models/samples (run make models)"
[ -d tests/vision/node_modules/@vladmandic/face-api ] ||
    fail_all "tests/vision/node_modules missing (run make test, or npm ci in tests/vision)"
[ -x "$build/vision_topng" ] || fail_all "no $build/vision_topng (run make)"
mkdir -p "$dir" || fail_all "cannot create $dir"

# name, source photo, edits
s=$models/samples
while read -r name src edits; do
    out=$dir/$name.png
    [ -f "$out" ] && [ "$out" -nt "$src" ] && continue
    # shellcheck disable=SC2086
    "$build/vision_topng" "$src" "$out" $edits || fail_all "cannot make $out"
done <<EOF
s1 $s/sample1.jpg
s2 $s/sample2.jpg
s3 $s/sample3.jpg
s4 $s/sample4.jpg
s5 $s/sample5.jpg
s6 $s/sample6.jpg
frame640 $s/sample1.jpg crop 620 250 640 480
face_fill $s/sample1.jpg crop 1440 150 290 330
no_face $s/sample1.jpg crop 0 0 400 300
s3_flip $s/sample3.jpg flip
s2_small $s/sample2.jpg scale 640 456
s5_tall $s/sample5.jpg crop 301 61 555 1001
EOF
pngs="$dir/s1.png $dir/s2.png $dir/s3.png $dir/s4.png $dir/s5.png $dir/s6.png $dir/frame640.png
  $dir/face_fill.png $dir/no_face.png $dir/s3_flip.png $dir/s2_small.png $dir/s5_tall.png"
jpegs="$s/sample1.jpg $s/sample2.jpg $s/sample3.jpg $s/sample4.jpg $s/sample5.jpg $s/sample6.jpg"

# the reference's output for one detector and image set, rebuilt when an input is newer
reference() { # OUT DETECTOR IMAGES...
    out=$1 det=$2
    shift 2
    fresh=1
    for f in "$@" tests/vision/reference.mjs tests/vision/package-lock.json; do
        [ -f "$out" ] && [ "$out" -nt "$f" ] || fresh=0
    done
    [ $fresh -eq 1 ] && return 0
    $ref --detector "$det" "$@" > "$out.part" && mv "$out.part" "$out"
}

steps=""
for det in ssd tiny; do
    # shellcheck disable=SC2086
    reference "$dir/ref_png_$det.json" $det $pngs || steps="$steps fail reference-$det-png"
    # shellcheck disable=SC2086
    reference "$dir/ref_jpeg_$det.json" $det $jpegs || steps="$steps fail reference-$det-jpeg"
    steps="$steps sane $dir/ref_png_$det.json expect $dir/ref_png_$det.json s1.png 3"
    steps="$steps expect $dir/ref_png_$det.json frame640.png 1"
    steps="$steps expect $dir/ref_png_$det.json no_face.png 0"
    # ours: a fresh run each time (it is what is under test)
    # shellcheck disable=SC2086
    if "$SHOPPER" faces --json --models "$models" --detector $det $pngs > "$dir/ours_png_$det.json"; then
        steps="$steps exact $dir/ours_png_$det.json $dir/ref_png_$det.json"
    else
        steps="$steps fail shopper-faces-$det-png-exit-$?"
    fi
    # shellcheck disable=SC2086
    if "$SHOPPER" faces --json --models "$models" --detector $det $jpegs > "$dir/ours_jpeg_$det.json"; then
        steps="$steps jpeg $dir/ours_jpeg_$det.json $dir/ref_jpeg_$det.json"
    else
        steps="$steps fail shopper-faces-$det-jpeg-exit-$?"
    fi
done
# shellcheck disable=SC2086
node tests/vision/compare.mjs $steps
