#!/bin/sh
# Face login on real people (issue 11), pinned on a fixed handful of calibration photos
# (../shared/data/faces-calib, public LFW photos; read in place, never copied into the repo):
#  * no missed faces: five photos where face-api's SSD finds nothing at the image's own
#    scale (a face filling the frame) - `shopper faces` still finds nothing (it stays
#    face-api-exact), while enrolment, identification and `eval faces` (the login pipeline)
#    find every face; and Rudolph_Giuliani_0021, which only the last fallback (SSD on a
#    quarter border) finds, found and identified as him;
#  * the login rule (identify.h: the mean of 3 frames against each person's mean template):
#    enrolment from three photos each, then known outcomes for other photos of the same
#    people and of a never-enrolled stranger; `eval faces` on the handful gives the login
#    protocol's counts (right, wrong, rejected, no face; strangers in, no face), with the
#    rule login uses and with the streak rule it replaced.
#   SHOPPER=build/shopper sh tests/cli_face_login.sh     (prints "N passed, N failed")
# Without the calibration set (or the models) it prints "0 passed, 0 failed, 1 skipped".
S=${SHOPPER:-build/shopper}
models=${SHOPPER_MODELS:-models}
export SHOPPER_MODELS="$models"
C=${FACES_CALIB:-../shared/data/faces-calib}
skip() { echo "SKIP cli_face_login: $1 (skipped)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ -d "$C" ] || skip "no calibration set at $C"
[ -f "$models/ssd_mobilenetv1_model.bin" ] || skip "no models in $models (make models)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli_face_login: $1"; }
run() { # run WANT_RC NAME cmd...
    rwant=$1 what=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$rwant" ]; then ok; return 0; fi
    bad "$what (exit $got, want $rwant): $(head -c 300 "$T/err")"
    return 1
}
json() { # json NAME PYTHON-EXPR-ON-d: the last stdout parses and the expression holds
    if python3 -c "import json,sys; d=json.load(open('$T/out')); assert $2, d" 2>"$T/pyerr"; then ok; else bad "$1: $(tail -n 1 "$T/pyerr" | head -c 600)"; fi
}

# the handful: 4 people x 6 photos, linked into a private folder; the *_0010 and *_0021
# of Alejandro Toledo, *_0004 and *_0010 of Andy Roddick and Bill_Gates_0004 fill the frame
# (no face for face-api at the photo's own scale)
A=Alejandro_Toledo B=Andy_Roddick G=Bill_Gates M=Amelie_Mauresmo
while read -r who nums; do
    mkdir -p "$T/set/$who"
    for n in $nums; do
        [ -f "$C/$who/${who}_$n.jpg" ] || skip "no $C/$who/${who}_$n.jpg"
        ln -s "$(cd "$C/$who" && pwd)/${who}_$n.jpg" "$T/set/$who/${who}_$n.jpg"
    done
done <<EOF
$A 0001 0002 0010 0003 0021 0004
$B 0001 0002 0004 0003 0010 0005
$G 0001 0002 0003 0004 0005 0006
$M 0001 0002 0003 0004 0005 0006
EOF
P=$T/set

# face-api's pipeline, unchanged: nothing at the photo's own scale
run 0 "faces (reference)" "$S" faces --json "$P/$A/${A}_0010.jpg" "$P/$A/${A}_0021.jpg" \
    "$P/$B/${B}_0004.jpg" "$P/$B/${B}_0010.jpg" "$P/$G/${G}_0004.jpg" &&
    json "faces finds nothing (face-api)" "all(len(x['faces']) == 0 for x in d)"
run 0 "faces --pad-canvas" "$S" faces --json --pad-canvas "$P/$A/${A}_0010.jpg" &&
    json "faces --pad-canvas finds it" "len(d[0]['faces']) == 1"

# enrolment and identification (the login pipeline)
DB="$T/s.db"
run 0 "simulate" "$S" simulate --db "$DB" --customers 4 --products 8 --days 1 --seed 3
for c in 1 2 3; do run 0 "consent $c" "$S" consent --db "$DB" --customer $c; done
run 0 "enrol A" "$S" enroll --db "$DB" --customer 1 --consent-version v1 --json \
    "$P/$A/${A}_0001.jpg" "$P/$A/${A}_0002.jpg" "$P/$A/${A}_0003.jpg" &&
    json "enrol A keeps 3" "d['templates'] == 3"
run 0 "enrol B (a frame-filling face among them)" "$S" enroll --db "$DB" --customer 2 \
    --consent-version v1 --json "$P/$B/${B}_0002.jpg" "$P/$B/${B}_0003.jpg" "$P/$B/${B}_0010.jpg" &&
    json "enrol B keeps 3" "d['templates'] == 3 and all(x['accepted'] for x in d['images'])"
run 0 "enrol M" "$S" enroll --db "$DB" --customer 3 --consent-version v1 --json \
    "$P/$M/${M}_0001.jpg" "$P/$M/${M}_0002.jpg" "$P/$M/${M}_0003.jpg" &&
    json "enrol M keeps 3" "d['templates'] == 3"
# one call, several images: expected customer each (null: unknown). Alejandro_Toledo_0004
# is him but farther than the threshold from his mean template (0.455 at 0.39): a known
# rejection; Bill Gates is a stranger; *_0010, *_0021 and Bill_Gates_0004 are faces
# face-api misses at their scale. The nearest distance to the threshold is 0.014 (0.376)
run 0 "identify" "$S" identify --db "$DB" --json "$P/$A/${A}_0021.jpg" "$P/$A/${A}_0010.jpg" \
    "$P/$A/${A}_0004.jpg" "$P/$M/${M}_0004.jpg" "$P/$M/${M}_0006.jpg" "$P/$G/${G}_0001.jpg" \
    "$P/$G/${G}_0004.jpg" &&
    json "identify: known outcomes" "[x['customer'] for x in d] == [1, 1, None, 3, 3, None, None]" &&
    json "identify: clear of the threshold" "all(abs(x['distance'] - x['threshold']) > 0.01 for x in d) and d[0]['threshold'] == 0.39"

# eval faces: the login pipeline finds every face, face-api's misses five; the protocol's
# counts (4 folds: each person a stranger once, enrolled with 3 photos otherwise)
run 0 "eval faces --reference" "$S" eval faces "$P" --reference --folds 4 --json &&
    json "reference misses 5" "d['no_face'] == 5 and d['photos'] == 24 and d['pipeline'] == 'reference'"
run 0 "eval faces" "$S" eval faces "$P" --folds 4 --json &&
    json "login pipeline misses none" "d['no_face'] == 0 and d['photos'] == 24 and d['pipeline'] == 'login'" &&
    json "login rule" "d['login']['combine'] == 'average' and d['login']['match'] == 'mean' and d['login']['frames'] == 3 and d['login']['single']['threshold'] == 0.39" &&
    json "login protocol, 1 photo" "d['login']['single']['attempts'] == 36 and d['login']['single']['stranger_attempts'] == 24 and d['login']['single']['counts'] == [18, 0, 18, 0, 0, 0]" &&
    json "login protocol, 3 in a row" "d['login']['in_a_row']['attempts'] == 12 and d['login']['in_a_row']['stranger_attempts'] == 16 and d['login']['in_a_row']['counts'] == [12, 0, 0, 0, 0, 0]" &&
    json "pairs" "d['genuine_pairs'] == 60 and d['impostor_pairs'] == 216 and 0 <= d['eer'] < 0.1"
cp "$T/out" "$T/eval.json"
# the rule it replaced: each of 3 frames under 0.45 from the person's nearest template
run 0 "eval faces (streak rule)" "$S" eval faces "$P" --folds 4 --json --threshold 0.45 \
    --match nearest --combine confirm &&
    json "streak rule, 1 photo" "d['login']['single']['counts'] == [24, 0, 12, 0, 0, 0]" &&
    json "streak rule, 3 in a row" "d['login']['in_a_row']['counts'] == [3, 0, 9, 0, 0, 0] and d['login']['match'] == 'nearest'"
# the detector in BF16 (login's default where the CPU has AVX512-BF16, identify.h) against the
# exact one: on these photos the same outcomes; reported as in effect or not
run 0 "eval faces --bf16 off" "$S" eval faces "$P" --folds 4 --json --bf16 off &&
    json "exact detector: the same outcomes" "d['bf16_detector'] is False and d['login']['single']['counts'] == [18, 0, 18, 0, 0, 0] and d['login']['in_a_row']['counts'] == [12, 0, 0, 0, 0, 0]"
BF=$(python3 -c "import json; print(int(json.load(open('$T/eval.json'))['bf16_detector']))")
run 2 "eval faces bad --bf16" "$S" eval faces "$P" --bf16 maybe
# shopper faces --bf16: the same faces, boxes within 2 px and scores within 0.05 of face-api's
# (not equal to them where the CPU has AVX512-BF16, equal elsewhere)
FB="$P/$G/${G}_0001.jpg $P/$M/${M}_0001.jpg $P/$B/${B}_0001.jpg"
run 0 "faces (exact)" "$S" faces --json $FB && cp "$T/out" "$T/exact.json"
run 0 "faces --bf16" "$S" faces --json --bf16 $FB &&
    json "bf16 boxes near face-api's" "all(len(x['faces']) == len(y['faces']) == 1 and max(abs(a - b) for a, b in zip(x['faces'][0]['box'].values() if isinstance(x['faces'][0]['box'], dict) else x['faces'][0]['box'], y['faces'][0]['box'].values() if isinstance(y['faces'][0]['box'], dict) else y['faces'][0]['box'])) < 2 and abs(x['faces'][0]['score'] - y['faces'][0]['score']) < 0.05 for x, y in zip(d, json.load(open('$T/exact.json'))))" &&
    json "bf16 in effect exactly where the CPU has it" "(d != json.load(open('$T/exact.json'))) == bool($BF)"
run 0 "faces --subpixel" "$S" faces --json --subpixel $FB &&
    json "subpixel crops: the same faces, other descriptors near face-api's" "all(len(x['faces']) == 1 and 0 < sum((a - b) ** 2 for a, b in zip(x['faces'][0]['descriptor'], y['faces'][0]['descriptor'])) ** 0.5 < 0.2 for x, y in zip(d, json.load(open('$T/exact.json'))))"
run 0 "eval faces --people held-out (text)" "$S" eval faces "$P" --folds 2 --people held-out &&
    if grep -q "2 people (held-out), 12 photos" "$T/out" && grep -q "1 photo:" "$T/out" &&
        grep -q "3 in a row (average)" "$T/out" && grep -q "against the mean template" "$T/out" &&
        grep -q "equal error rate" "$T/out"; then ok
    else bad "eval text: $(head -c 400 "$T/out")"; fi
# the face no earlier stage found (issue 11): Rudolph_Giuliani_0021, a large smiling face
# beside a waving hand - SSD misses it at the photo's own scale and on the half-border
# canvas; the last fallback (a quarter border) finds it, and it is his face: 0.389 from the
# mean of three other photos of his (different people lie beyond 0.6). Enrolment finds it
# too but refuses it on sharpness (57, under 60). 0003 is found by the half-border retry.
R=Rudolph_Giuliani
mkdir -p "$T/r/$R" "$T/r4"
for n in 0001 0002 0003 0021 0004; do
    [ -f "$C/$R/${R}_$n.jpg" ] || skip "no $C/$R/${R}_$n.jpg"
    [ $n = 0004 ] && d="$T/r4" || d="$T/r/$R"
    ln -s "$(cd "$C/$R" && pwd)/${R}_$n.jpg" "$d/${R}_$n.jpg"
done
run 0 "faces (reference) on ${R}_0021" "$S" faces --json "$T/r/$R/${R}_0021.jpg" &&
    json "face-api finds no face on ${R}_0021" "len(d[0]['faces']) == 0"
run 0 "faces --pad-canvas on ${R}_0021" "$S" faces --json --pad-canvas "$T/r/$R/${R}_0021.jpg" &&
    json "the half border finds none either" "len(d[0]['faces']) == 0"
DR="$T/r.db"
run 0 "simulate (R)" "$S" simulate --db "$DR" --customers 2 --products 8 --days 1 --seed 3
run 0 "consent (R)" "$S" consent --db "$DR" --customer 1
run 0 "enrol R" "$S" enroll --db "$DR" --customer 1 --consent-version v1 --json \
    "$T/r/$R/${R}_0021.jpg" "$T/r/$R/${R}_0001.jpg" "$T/r/$R/${R}_0002.jpg" "$T/r4/${R}_0004.jpg" &&
    json "enrol R keeps 3" "d['templates'] == 3" &&
    json "enrolment finds ${R}_0021, refuses it on sharpness" "d['images'][0]['reason'] == 'not sharp enough' and d['images'][0]['face_px'] > 100 and all(x['accepted'] for x in d['images'][1:])"
run 0 "identify ${R}_0021" "$S" identify --db "$DR" --json "$T/r/$R/${R}_0021.jpg" &&
    json "${R}_0021 is found and is him" "d['verdict'] != 'no face' and d['distance'] < 0.45"
run 0 "eval faces --reference (R)" "$S" eval faces "$T/r" --reference --json &&
    json "reference misses ${R}_0003 and ${R}_0021" "d['no_face'] == 2 and d['photos'] == 4"
run 0 "eval faces (R)" "$S" eval faces "$T/r" --json &&
    json "login pipeline misses none" "d['no_face'] == 0 and d['photos'] == 4" &&
    json "no jitter by default" "d['login']['jitter'] == 0 and d['login']['enrol_jitter'] == 0"
cp "$T/out" "$T/r0.json"
# descriptor augmentation (measured, not the default): other descriptors, the same faces
run 0 "eval faces --jitter 2 --enrol-jitter 4 (R)" "$S" eval faces "$T/r" --json --jitter 2 \
    --enrol-jitter 4 &&
    json "jitter reported" "d['login']['jitter'] == 2 and d['login']['enrol_jitter'] == 4 and d['no_face'] == 0" &&
    json "jittered descriptors differ" "d['genuine_mean'] != json.load(open('$T/r0.json'))['genuine_mean']"
run 2 "eval faces --jitter 9" "$S" eval faces "$T/r" --jitter 9

# a weak face at the photo's own scale (best score under 0.6) is checked on the half border,
# and the pass with the larger largest face is kept: George_W_Bush_0144 at 0.531 own scale,
# 0.999 on the half border; on Ariel_Sharon_0004 the BF16 SSD finds only a girl's face in a
# corner (0.501, 59 px wide) where the half border finds his (86 px)
W="$C/George_W_Bush/George_W_Bush_0144.jpg" AS="$C/Ariel_Sharon/Ariel_Sharon_0004.jpg"
[ -f "$W" ] && [ -f "$AS" ] || skip "no $W or $AS"
box() { echo "[v for v in (lambda b: b.values() if isinstance(b, dict) else b)(d[0]['faces'][0]['box'])]"; }
run 0 "faces own scale (${W##*/})" "$S" faces --json --largest "$W" &&
    json "a weak face at the own scale" "d[0]['faces'][0]['score'] < 0.6"
run 0 "faces --fallback (${W##*/})" "$S" faces --json --largest --fallback "$W" &&
    json "the half border's confident face" "d[0]['faces'][0]['score'] > 0.9"
run 0 "faces --fallback (${AS##*/})" "$S" faces --json --largest --fallback "$AS" &&
    json "his face, not the corner's" "$(box)[2] > 75"
run 0 "faces --bf16 --fallback (${AS##*/})" "$S" faces --json --largest --bf16 --fallback "$AS" &&
    json "his face with the BF16 detector too" "$(box)[2] > 75"

run 2 "eval faces bad --people" "$S" eval faces "$P" --people some
run 2 "eval faces bad --combine" "$S" eval faces "$P" --combine vote
run 2 "eval faces bad --match" "$S" eval faces "$P" --match all
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
