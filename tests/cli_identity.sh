#!/bin/sh
# Face identity end to end: consent, enrol (gates), identify, forget, purge, alerts, peaks and
# `eval faces` on a folder built from the demo photos' faces (crops, mirrors, rescales).
#   SHOPPER=build/shopper sh tests/cli_identity.sh     (prints "N passed, N failed")
# Needs `make models`; the image checks are skipped (and counted as failures) without them.
S=${SHOPPER:-build/shopper}
TOPNG=$(dirname "$S")/vision_topng
models=${SHOPPER_MODELS:-models}
export SHOPPER_MODELS="$models"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli_identity: $1"; }
# expect WANT_RC NAME cmd... : exit code; for failures exactly one "shopper: " line on stderr
expect() {
    want=$1 what=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" != "$want" ]; then bad "$what (exit $got, want $want): $(head -c 300 "$T/err")"; return 1; fi
    if [ "$want" != 0 ]; then
        n=$(wc -l <"$T/err")
        if [ "$n" != 1 ] || ! grep -q '^shopper: ' "$T/err"; then bad "$what: stderr not one 'shopper:' line: $(cat "$T/err")"; return 1; fi
    fi
    ok
}
has() { # has NAME PATTERN: in the last stdout + stderr
    if grep -q -- "$2" "$T/out" "$T/err"; then ok; else bad "$1: no '$2' in: $(head -c 300 "$T/out" "$T/err")"; fi
}
py() { python3 -c "$@"; }
json() { # json NAME PYTHON-EXPR-ON-d: the last stdout parses and the expression holds
    if py "import json,sys; d=json.load(open('$T/out')); assert $2, d" 2>"$T/pyerr"; then ok; else bad "$1: $(tail -n 1 "$T/pyerr")"; fi
}

for c in consent enroll identify forget purge alerts peaks emotions; do
    expect 0 "$c --help" "$S" "$c" --help && has "$c --help" "usage: shopper $c"
done
expect 0 "eval faces --help" "$S" eval faces --help && has "eval faces --help" "usage: shopper eval faces"

DB="$T/s.db"
expect 0 "simulate a small store" "$S" simulate --db "$DB" --customers 6 --products 16 --days 1 --seed 5

# consent
expect 2 "consent without customer" "$S" consent --db "$DB"
expect 1 "consent unknown customer" "$S" consent --db "$DB" --customer 999
has "consent unknown customer" "no customer 999"
expect 0 "consent" "$S" consent --db "$DB" --customer 1 --json && json "consent json" "d['customer'] == 1 and d['version']"
expect 0 "consent 2" "$S" consent --db "$DB" --customer 2
expect 0 "consent 3" "$S" consent --db "$DB" --customer 3

# peaks: frustration from t = 2 at 1 frame/s fires at t = 5 and 15; surprise at 3 frames
{
    echo "# t neutral happy sad angry fearful disgusted surprised"
    echo "0 1 0 0 0 0 0 0"
    echo "1 1 0 0 0 0 0 0"
    t=2
    while [ $t -le 16 ]; do echo "$t 0.3 0 0.1 0.6 0 0 0"; t=$((t + 1)); done
    echo "17 0.3 0 0 0 0 0 0.7"
    echo "17.5 0.3 0 0 0 0 0 0.7"
    echo "18 0.3 0 0 0 0 0 0.7"
} >"$T/frames.txt"
expect 0 "peaks" "$S" peaks "$T/frames.txt" --json &&
    json "peaks times" "[(p['t'], p['group']) for p in d] == [(5, 'frustration'), (15, 'frustration'), (18, 'surprise')] and abs(d[0]['score'] - 70) < 1e-3 and d[0]['dominant'] == 'angry'"
expect 0 "peaks from stdin" sh -c "'$S' peaks < '$T/frames.txt'" && has "peaks text" "frustration"
printf '0 1 0 0 0 0 0 0\n-1 1 0 0 0 0 0 0\n' >"$T/back.txt"
expect 1 "peaks time going back" "$S" peaks "$T/back.txt" && has "peaks line" "line 2"
printf '0 1 0 0 zero\n' >"$T/junk.txt"
expect 1 "peaks garbage" "$S" peaks "$T/junk.txt"
expect 1 "peaks missing file" "$S" peaks "$T/none.txt"
expect 1 "peaks without consent" "$S" peaks "$T/frames.txt" --db "$DB" --customer 4
expect 0 "peaks recorded" "$S" peaks "$T/frames.txt" --db "$DB" --customer 1 --mirror m1 --location "fitting room 2" --json &&
    json "peaks alerts" "[p['alert'] is not None for p in d] == [True, True, False] and all(p['event'] > 0 for p in d)"

# alerts
expect 0 "alerts list" "$S" alerts --db "$DB" --json && json "two open alerts" "len([a for a in d if a['location'] == 'fitting room 2']) == 2"
A=$(py "import json; print([a for a in json.load(open('$T/out')) if a['location'] == 'fitting room 2'][0]['id'])")
expect 2 "ack without staff" "$S" alerts ack "$A" --db "$DB"
expect 2 "ack without id" "$S" alerts ack --staff sam --db "$DB"
expect 2 "unknown action" "$S" alerts frob --db "$DB"
expect 2 "bad status" "$S" alerts --status nope --db "$DB"
expect 0 "ack" "$S" alerts ack "$A" --staff sam --db "$DB" --json && json "acked" "d['status'] == 'acknowledged' and d['acknowledged_by'] == 'sam'"
expect 1 "ack twice" "$S" alerts ack "$A" --staff sam --db "$DB"
expect 2 "resolve without note" "$S" alerts resolve "$A" --staff sam --db "$DB"
expect 0 "resolve" "$S" alerts resolve "$A" --staff sam --note "brought a smaller size" --db "$DB" --json &&
    json "resolved" "d['status'] == 'resolved' and d['note'] == 'brought a smaller size'"
expect 1 "resolve twice" "$S" alerts resolve "$A" --staff sam --note again --db "$DB"
expect 1 "ack unknown" "$S" alerts ack 999999 --staff sam --db "$DB"
expect 0 "alerts resolved" "$S" alerts --status resolved --db "$DB" --json && json "resolved listed" "any(a['id'] == $A for a in d)"
expect 0 "alerts text" "$S" alerts --status all --db "$DB" && has "alerts text" "fitting room 2"

# purge (retention): the consents are from today: nothing now, all of them in 2099
expect 0 "purge now" "$S" purge --db "$DB" --json && json "purge nothing" "d['customers'] == []"
expect 2 "purge bad days" "$S" purge --db "$DB" --older-than -1
expect 2 "purge bad date" "$S" purge --db "$DB" --now 2026-13-01
expect 0 "purge later" "$S" purge --db "$DB" --now 2099-01-01 --older-than 30 --json && json "purged" "d['customers'] == [1, 2, 3]"
for c in 1 2 3; do expect 0 "consent $c again" "$S" consent --db "$DB" --customer $c; done

if [ ! -f "$models/samples/sample6.jpg" ] || [ ! -x "$TOPNG" ]; then
    bad "no $models/samples or $TOPNG (run make models; make): image checks skipped"
    echo "$pass passed, $fail failed"
    exit 0
fi

# the demo photos' faces: boxes from `shopper faces`, crops made with vision_topng
s=$models/samples
"$S" faces --json "$s"/sample1.jpg "$s"/sample2.jpg "$s"/sample3.jpg "$s"/sample4.jpg "$s"/sample5.jpg "$s"/sample6.jpg >"$T/faces.json" 2>"$T/err" && ok || bad "faces on the samples"
# one line per face: image index, face index, x, y, w, h of the box grown by 60 % and 90 %
py "
import json
for i, im in enumerate(json.load(open('$T/faces.json'))):
    for k, f in enumerate(im['faces']):
        x, y, w, h = f['box']
        for g in (0.6, 0.9):
            X, Y = max(0, int(x - g * w)), max(0, int(y - g * h))
            W, H = min(im['width'] - X, int(w * (1 + 2 * g))), min(im['height'] - Y, int(h * (1 + 2 * g)))
            print(i + 1, k, g, X, Y, W, H)
" >"$T/boxes.txt"
E="$T/eval"
mkdir -p "$E"
while read -r i k g x y w h; do
    p="$E/s${i}f$k"
    mkdir -p "$p"
    if [ "$g" = 0.6 ]; then
        "$TOPNG" "$s/sample$i.jpg" "$p/a.png" crop "$x" "$y" "$w" "$h"
        [ "$i" = 5 ] && continue # sample5's people: one image each (strangers in 1:N)
        "$TOPNG" "$s/sample$i.jpg" "$p/c.png" crop "$x" "$y" "$w" "$h" scale $((w * 7 / 10)) $((h * 7 / 10))
    else
        [ "$i" = 5 ] && continue
        "$TOPNG" "$s/sample$i.jpg" "$p/b.png" crop "$x" "$y" "$w" "$h" flip
        "$TOPNG" "$s/sample$i.jpg" "$p/d.png" crop "$x" "$y" "$w" "$h" flip scale $((w * 6 / 10)) $((h * 6 / 10))
    fi
done <"$T/boxes.txt"
expect 0 "eval faces" "$S" eval faces "$E" --json &&
    json "eval faces numbers" "d['people'] == 22 and d['images'] >= 60 and d['at_threshold']['identified'] >= 0.95 and d['at_threshold']['misidentified'] == 0 and d['at_threshold']['strangers_accepted'] == 0"
cp "$T/out" "$T/eval.json"
expect 0 "eval faces text" "$S" eval faces "$E" && has "eval text" "equal error rate"
sed 's/^/    /' "$T/out"
expect 2 "eval faces without dir" "$S" eval faces
expect 1 "eval faces not a dir" "$S" eval faces "$T/frames.txt"

# enrol: customer 1 from two crops of sample6's second face (looking straight)
F=$E/s6f1
expect 2 "enrol without images" "$S" enroll --db "$DB" --consent-version v1 --customer 1
expect 2 "enrol bad phase" "$S" enroll --db "$DB" --consent-version v1 --customer 1 --phase up "$F/a.png"
expect 1 "enrol unknown customer" "$S" enroll --db "$DB" --consent-version v1 --customer 999 "$F/a.png" && has "unknown" "no customer 999"
expect 2 "enroll without consent" "$S" enroll --db "$DB" --customer 4 "$F/a.png" && has "no consent" "refused without consent"
expect 1 "enrol several faces" "$S" enroll --db "$DB" --consent-version v1 --customer 1 "$s/sample1.jpg" && has "several" "several faces"
"$TOPNG" "$s/sample1.jpg" "$T/wall.png" crop 0 0 300 200
expect 1 "enrol no face" "$S" enroll --db "$DB" --consent-version v1 --customer 1 "$T/wall.png" && has "no face" "no face"
printf 'not a jpeg at all' >"$T/corrupt.jpg"
expect 1 "enrol corrupt image" "$S" enroll --db "$DB" --consent-version v1 --customer 1 "$T/corrupt.jpg" && has "corrupt" "not a JPEG or PNG image"
expect 1 "enrol missing image" "$S" enroll --db "$DB" --consent-version v1 --customer 1 "$T/none.jpg"
"$TOPNG" "$F/a.png" "$T/tiny.png" scale 60 80
expect 1 "enrol small face" "$S" enroll --db "$DB" --consent-version v1 --customer 1 "$T/tiny.png"
expect 1 "enrol wrong pose" "$S" enroll --db "$DB" --consent-version v1 --customer 1 --phase left "$F/a.png" && has "pose" "pose"
expect 0 "enrol" "$S" enroll --db "$DB" --consent-version v1 --customer 1 --phase straight "$F/a.png" "$F/c.png" --json &&
    json "enrol json" "d['templates'] == 2 and d['customer'] == 1 and all(i['accepted'] for i in d['images'])"
# one good and one bad image: a verdict each, the good one kept
expect 0 "enroll keeps the accepted" "$S" enroll --db "$DB" --consent-version v1 --customer 3 "$E/s6f2/a.png" "$T/wall.png" --json &&
    json "per-image verdicts" "d['templates'] == 1 and [i['accepted'] for i in d['images']] == [True, False] and d['images'][1]['reason']"
expect 0 "forget 3" "$S" forget --db "$DB" --customer 3
expect 0 "enrol customer 2 with photo" "$S" enroll --db "$DB" --consent-version v1 --customer 2 --keep-photos "$E/s6f3/a.png"
expect 0 "stats" "$S" stats --db "$DB" --json && json "stats face rows" "d['tables']['face_templates'] == 3 and d['tables']['face_photos'] == 1"

# identify
expect 0 "identify" "$S" identify --db "$DB" "$F/b.png" "$E/s6f3/d.png" "$E/s1f0/a.png" --json &&
    json "identify json" "[r['customer'] for r in d] == [1, 2, None] and d[2]['verdict'] == 'unknown' and d[0]['distance'] < 0.45"
expect 0 "identify text" "$S" identify --db "$DB" "$F/d.png" && has "identify text" "customer 1"
expect 1 "identify no face" "$S" identify --db "$DB" "$T/wall.png"
expect 1 "identify corrupt" "$S" identify --db "$DB" "$T/corrupt.jpg"
expect 2 "identify nothing" "$S" identify --db "$DB"
expect 1 "identify missing store" "$S" identify --db "$T/none.db" "$F/b.png"

# forget: customer 1 is unknown afterwards; the audit keeps counts only
expect 1 "forget unknown customer" "$S" forget --db "$DB" --customer 999
expect 2 "forget without customer" "$S" forget --db "$DB"
expect 0 "forget" "$S" forget --db "$DB" --customer 1 --json && json "forget json" "d['templates_deleted'] == 2 and d['photos_deleted'] == 0"
expect 0 "identify after forget" "$S" identify --db "$DB" "$F/b.png" --json && json "unknown after forget" "d['customer'] is None and 'distance' in d and 'margin' in d"
expect 2 "enroll after forget needs consent again" "$S" enroll --db "$DB" --customer 1 "$F/a.png"
expect 0 "forget 2" "$S" forget --db "$DB" --customer 2 && has "forget text" "1 photo"
[ ! -s "$DB-wal" ] && ok || bad "the WAL is not empty after forget"

# emotions of images: the groups are the sums of their expressions, in %
expect 0 "emotions" "$S" emotions "$s/sample1.jpg" --json &&
    json "emotion groups" "len(d) == 1 and len(d[0]['faces']) == 3 and all(abs(f['groups']['frustration'] - 100 * sum(f['expressions'][k] for k in ('sad', 'angry', 'fearful', 'disgusted'))) < 1e-3 and abs(f['groups']['happiness'] - 100 * f['expressions']['happy']) < 1e-3 for f in d[0]['faces'])"
expect 1 "emotions corrupt" "$S" emotions "$T/corrupt.jpg"
expect 2 "emotions nothing" "$S" emotions

# bench-faces --login --decode times what a mirror frame asks of the engine (bench/mirror_frame.mjs
# compares it with the HTTP path): no age and gender, the JPEG decoded in every frame
expect 0 "bench-faces whole pipeline" "$S" bench-faces "$s/sample1.jpg" --detector ssd --frames 1 --threads 1 --json &&
    json "bench-faces whole pipeline" "not d['login'] and not d['decode'] and 'age_gender' in d['net_cpu_ms'] and d['faces'] >= 1"
expect 0 "bench-faces --login --decode" "$S" bench-faces "$s/sample1.jpg" --detector ssd --frames 1 --threads 1 --login --decode --json &&
    json "bench-faces login pipeline" "d['login'] and d['decode'] and 'age_gender' not in d['net_cpu_ms'] and d['net_cpu_ms']['descriptor'] > 0 and d['faces'] >= 1"
expect 1 "bench-faces --decode --crop" "$S" bench-faces "$s/sample1.jpg" --decode --crop 0,0,100,100
expect 1 "bench-faces --decode on a PNG" "$S" bench-faces "$F/b.png" --decode

echo "$pass passed, $fail failed"
