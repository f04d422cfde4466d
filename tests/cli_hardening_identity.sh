#!/bin/sh
# Issue 12, the identity side, end to end: erasure with a concurrent reader leaves no template
# or photo byte in the .db, -wal, -shm or -keys file (1) and removes emotion events and the
# alerts' personal details (4); enrolment refuses two people and a face already enrolled (3);
# a frustration peak shows the firing frame, the window mean as its trend, and an old store
# upgrades (11); errors say the real reason, batches go on, the audit keeps the real time (9);
# a cut result says so (8).
#   SHOPPER=build/shopper sh tests/cli_hardening_identity.sh     (prints "N passed, N failed")
S=${SHOPPER:-build/shopper}
TOPNG=$(dirname "$S")/vision_topng
models=${SHOPPER_MODELS:-models}
export SHOPPER_MODELS="$models"
T=$(mktemp -d)
reader=""
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli_hardening_identity: $1"; }
expect() { # expect WANT_RC NAME cmd...: the exit code; a failure says why on stderr
    want=$1 what=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" != "$want" ]; then bad "$what (exit $got, want $want): $(head -c 300 "$T/out" "$T/err")"; return 1; fi
    if [ "$want" != 0 ] && ! grep -q '^shopper: ' "$T/err"; then bad "$what: no 'shopper:' line: $(cat "$T/err")"; return 1; fi
    ok
}
has() { # has NAME PATTERN: in the last stdout + stderr
    if grep -q -- "$2" "$T/out" "$T/err"; then ok; else bad "$1: no '$2' in: $(head -c 400 "$T/out" "$T/err")"; fi
}
py() { python3 -c "$@"; }
json() { # json NAME PYTHON-EXPR-ON-d: the last stdout parses and the expression holds
    if py "import json,sys; d=json.load(open('$T/out')); assert $2, d" 2>"$T/pyerr"; then ok; else bad "$1: $(tail -n 1 "$T/pyerr")"; fi
}
sql() { sqlite3 "$DB" "$1"; }
is() { # is NAME GOT WANT
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

DB="$T/s.db"
expect 0 "simulate" "$S" simulate --db "$DB" --customers 8 --products 16 --days 1 --seed 5

# ---- 9: the audit keeps the real time; consent versions are short, valid UTF-8 ----
expect 0 "consent 1" "$S" consent --db "$DB" --customer 1
before=$(date +%s)
expect 0 "purge with --now far ahead" "$S" purge --db "$DB" --now 2035-01-01 --older-than 30 --json &&
    json "purged as of 2035" "d['customers'] == [1]"
after=$(date +%s)
at=$(sql "SELECT max(at) FROM privacy_audit WHERE action = 'purge'")
[ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le "$after" ] && ok || bad "purge audit time $at not in [$before, $after]"
rows=$(sql "SELECT count(*) FROM privacy_audit")
big=$(py "print('v' * 120000)")
expect 2 "consent version of 120 KB" "$S" consent --db "$DB" --customer 2 --version "$big" && has "length said" "at most 64 bytes"
expect 2 "consent version not UTF-8" "$S" consent --db "$DB" --customer 2 --version "$(printf 'v\377')" && has "utf-8 said" "UTF-8"
is "no audit row for refused consents" "$(sql "SELECT count(*) FROM privacy_audit")" "$rows"
expect 0 "consent with UTF-8" "$S" consent --db "$DB" --customer 2 --version "$(printf '2026-01 \303\251t\303\251')" --json &&
    json "version kept whole" "d['version'] == '2026-01 \u00e9t\u00e9'"

# ---- 9: forget without face data ----
rows=$(sql "SELECT count(*) FROM privacy_audit")
expect 0 "forget a customer without face data" "$S" forget --db "$DB" --customer 5 && has "nothing" "nothing to erase"
is "no audit row for nothing" "$(sql "SELECT count(*) FROM privacy_audit")" "$rows"
expect 0 "forget json nothing" "$S" forget --db "$DB" --customer 5 --json && json "erasure nothing" "d['erasure'] == 'nothing'"

# ---- 9: peaks on a folder is an error ----
expect 1 "peaks on a folder" "$S" peaks "$T" && has "folder" "folder"

# ---- 11: 10 fps, 2 s calm, then angry at 0.8: the peak reads as anger, the window as trend ----
py "
for i in range(20): print('%.1f 1 0 0 0 0 0 0' % (i / 10))
for i in range(20, 30): print('%.1f 0.2 0 0 0.8 0 0 0' % (i / 10))
" >"$T/calm_then_angry.txt"
expect 0 "peaks calm then angry" "$S" peaks "$T/calm_then_angry.txt" --json &&
    json "the firing frame" "len(d) == 1 and abs(d[0]['t'] - 2.3) < 1e-9 and abs(d[0]['score'] - 80) < 1e-3 and d[0]['dominant'] == 'angry' and abs(d[0]['window_score'] - 100 * 3.2 / 24) < 1e-3 and d[0]['window_dominant'] == 'neutral'"
expect 0 "peaks text" "$S" peaks "$T/calm_then_angry.txt" && has "text frame" "score  80.0%  dominant angry" && has "text trend" "13.3%, neutral"
expect 0 "peaks stored" "$S" peaks "$T/calm_then_angry.txt" --db "$DB" --customer 2 --location "fitting room 4"
is "stored firing frame" "$(sql "SELECT round(peak_score, 1) || ' ' || peak_dominant || ' ' || round(score, 1) || ' ' || dominant FROM emotion_events WHERE customer_id = 2")" "80.0 angry 13.3 neutral"

# ---- 11: a schema v1 store upgrades ----
OLD="$T/old.db"
sqlite3 "$OLD" <tests/data/schema_v1.sql && sqlite3 "$OLD" "PRAGMA user_version = 1; PRAGMA application_id = 1397247824;
    INSERT INTO customers(id, name, gender, size, created_at) VALUES (1, 'Old Timer', 'female', 'M', 1700000000);
    INSERT INTO face_consents VALUES (1, 'v1', 1700000000);
    INSERT INTO emotion_events(customer_id, at, grp, dominant, score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised)
        VALUES (1, 1700000100, 'frustration', 'neutral', 16.7, 0.8, 0, 0, 0.2, 0, 0, 0);" && ok || bad "cannot build a v1 store"
# a read-only command does not migrate; the first writing one does
expect 0 "peaks on a v1 store upgrades it" "$S" peaks "$T/calm_then_angry.txt" --db "$OLD" --customer 1
is "upgraded to the current version" "$(sqlite3 "$OLD" 'PRAGMA user_version')" "7"
is "old event kept, no firing frame" "$(sqlite3 "$OLD" "SELECT count(*) FROM emotion_events WHERE peak_score IS NULL AND score = 16.7")" "1"
is "upgraded store keeps the firing frame" "$(sqlite3 "$OLD" "SELECT peak_dominant FROM emotion_events WHERE peak_score IS NOT NULL")" "angry"

# ---- 9: the real reason for an image that cannot be used ----
py "
import struct, zlib
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
ihdr = struct.pack('>IIBBBBB', 40000, 40000, 8, 2, 0, 0, 0)
open('$T/huge.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))
"
if [ ! -f "$models/samples/sample6.jpg" ] || [ ! -x "$TOPNG" ]; then
    bad "no $models/samples or $TOPNG (run make models; make): image checks skipped"
    echo "$pass passed, $fail failed"
    exit 0
fi
expect 1 "enrol CMYK" "$S" enroll --db "$DB" --consent-version v1 --customer 3 tests/data/cmyk16.jpg && has "cmyk reason" "CMYK JPEG is not supported"
expect 1 "enrol over-size" "$S" enroll --db "$DB" --consent-version v1 --customer 3 "$T/huge.png" && has "size reason" "over the limit"

# the faces of sample6 (four women) and sample1, cropped as in cli_identity.sh
s=$models/samples
"$S" faces --json "$s/sample6.jpg" >"$T/faces.json" 2>"$T/err" && ok || bad "faces on sample6"
py "
import json
im = json.load(open('$T/faces.json'))[0]
for k, f in enumerate(im['faces']):
    x, y, w, h = f['box']
    for g in (0.6, 0.9):
        X, Y = max(0, int(x - g * w)), max(0, int(y - g * h))
        W, H = min(im['width'] - X, int(w * (1 + 2 * g))), min(im['height'] - Y, int(h * (1 + 2 * g)))
        print(k, g, X, Y, W, H)
" >"$T/boxes.txt"
while read -r k g x y w h; do
    if [ "$g" = 0.6 ]; then
        "$TOPNG" "$s/sample6.jpg" "$T/f${k}a.png" crop "$x" "$y" "$w" "$h"
    else
        "$TOPNG" "$s/sample6.jpg" "$T/f${k}b.png" crop "$x" "$y" "$w" "$h" flip scale $((w * 8 / 10)) $((h * 8 / 10))
    fi
done <"$T/boxes.txt"
printf 'not an image' >"$T/corrupt.jpg"

# ---- 3: two people in one enrolment; a face that is already another customer's ----
expect 4 "enrol two people" "$S" enroll --db "$DB" --consent-version v1 --customer 3 "$T/f1a.png" "$T/f2a.png" && has "two people" "more than one person"
is "nothing stored for two people" "$(sql "SELECT count(*) FROM face_templates WHERE customer_id = 3")" "0"
is "no consent stored for two people" "$(sql "SELECT count(*) FROM face_consents WHERE customer_id = 3")" "0"
expect 0 "enrol customer 3" "$S" enroll --db "$DB" --consent-version v1 --customer 3 "$T/f1a.png" "$T/f1b.png" --keep-photos --json &&
    json "enrolled 3" "d['templates'] == 2 and d['photos'] == 2"
expect 4 "enrol customer 3's face as 4" "$S" enroll --db "$DB" --consent-version v1 --customer 4 "$T/f1b.png" && has "duplicate" "already enrolled as customer 3"
is "nothing stored for the duplicate" "$(sql "SELECT count(*) FROM face_templates WHERE customer_id = 4")" "0"
expect 0 "re-enrol customer 3 (same face, same customer)" "$S" enroll --db "$DB" --consent-version v1 --customer 3 "$T/f1a.png" "$T/f1b.png" --keep-photos
expect 0 "customer 3 still logs in" "$S" identify --db "$DB" "$T/f1b.png" --json && json "3, not ambiguous" "d['customer'] == 3 and d['verdict'] == 'match'"
expect 0 "enrol customer 6" "$S" enroll --db "$DB" --consent-version v1 --customer 6 "$T/f3a.png"

# ---- 9: a bad image in a batch is reported and the batch goes on ----
expect 1 "identify a batch with a bad image" "$S" identify --db "$DB" "$T/f1b.png" "$T/corrupt.jpg" "$T/f3b.png" --json &&
    json "batch results" "[r.get('customer') for r in d] == [3, None, 6] and 'error' in d[1]" && has "bad image named" "corrupt.jpg"
expect 1 "emotions a batch with a bad image" "$S" emotions "$T/corrupt.jpg" "$s/sample1.jpg" --json &&
    json "emotions go on" "'error' in d[0] and len(d[1]['faces']) == 3 and not d[1]['truncated']"

# ---- 8: a cap that cuts the result says so ----
expect 0 "emotions capped" "$S" emotions "$s/sample1.jpg" --max-faces 2 --json && json "truncated" "len(d[0]['faces']) == 2 and d[0]['truncated']"
expect 0 "emotions capped text" "$S" emotions "$s/sample1.jpg" --max-faces 2 && has "cap said" "more than 2 faces"

# ---- 4: emotion events and alerts of customer 3 ----
expect 0 "peaks of customer 3" "$S" peaks "$T/calm_then_angry.txt" --db "$DB" --customer 3 --location "fitting room 9" --json
A=$(py "import json; print(json.load(open('$T/out'))[0]['alert'])")
expect 0 "resolve with a note" "$S" alerts resolve "$A" --staff sam --note "customer 3 wanted the red dress in 38" --db "$DB"
is "customer 3 has events" "$(sql "SELECT count(*) FROM emotion_events WHERE customer_id = 3")" "1"
alerts_before=$(sql "SELECT count(*) FROM alerts")

# ---- 1: erasure with a concurrent reader; every file scanned ----
# the plain descriptors of customer 3's frames (what `faces` computes for them, bit for bit
# what enrolment computes) and a piece of a kept photo
for f in f1a f1b; do "$S" faces --json "$T/$f.png" >"$T/$f.json" || bad "faces $f"; done
py "
import json, struct
out = open('$T/needles', 'w')
for f in ('f1a', 'f1b'):
    d = json.load(open('$T/' + f + '.json'))[0]['faces'][0]['descriptor']
    out.write(struct.pack('<128f', *d).hex() + '\n')
out.write(open('$T/f1a.png', 'rb').read()[200:264].hex() + '\n')
"
# customer 3's key, from the key file (64-byte header, 64-byte slots: id, key, check)
key3=$(py "
import struct
b = open('$DB-keys', 'rb').read()
for o in range(64, len(b), 64):
    if struct.unpack('<q', b[o:o + 8])[0] == 3: print(b[o + 8:o + 40].hex())
" 2>/dev/null)
[ -n "$key3" ] && echo "$key3" >>"$T/needles"
# the reader: the sqlite3 shell in a read transaction, kept open while we erase
mkfifo "$T/rq"
sqlite3 "$DB" <"$T/rq" >"$T/reader.out" 2>&1 &
reader=$!
exec 7>"$T/rq"
echo "BEGIN; SELECT 'snapshot', count(*) FROM face_templates;" >&7
i=0
while ! grep -q snapshot "$T/reader.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q snapshot "$T/reader.out" && ok || bad "the reader did not start: $(cat "$T/reader.out")"
expect 0 "forget with a reader" "$S" forget --db "$DB" --customer 3 --json &&
    json "erasure pending, keys destroyed" "d['erasure'] == 'pending' and d['keys_destroyed'] == 1 and d['templates_deleted'] == 2 and d['photos_deleted'] == 4 and d['emotion_events_deleted'] == 1 and d['alerts_anonymised'] == 1"
[ -s "$DB-wal" ] && ok || bad "the WAL is empty: the reader did not hold the checkpoint back"
scan() { # scan NAME: no needle in the db, -wal, -shm, -keys
    py "
import sys
needles = [bytes.fromhex(l) for l in open('$T/needles').read().split()]
found = []
for suffix in ('', '-wal', '-shm', '-keys', '-journal'):
    try: data = open('$DB' + suffix, 'rb').read()
    except FileNotFoundError: continue
    for i, n in enumerate(needles):
        for part in (n[:64], n[-64:]):
            if part in data: found.append((suffix or 'db', i))
assert len(needles) >= 3, needles
assert not found, found
" 2>"$T/pyerr" && ok || bad "$1: $(tail -n 1 "$T/pyerr")"
}
scan "no byte of customer 3 left after forget"
is "customer 3's events deleted" "$(sql "SELECT count(*) FROM emotion_events WHERE customer_id = 3")" "0"
is "customer 3's alerts anonymised" "$(sql "SELECT count(*) FROM alerts WHERE customer_id = 3")" "0"
is "alerts kept for the counts" "$(sql "SELECT count(*) FROM alerts")" "$alerts_before"
is "the note about customer 3 is gone" "$(sql "SELECT count(*) FROM alert_resolutions WHERE note LIKE '%red dress%'")" "0"
is "audit says pending" "$(sql "SELECT state FROM privacy_audit WHERE customer_id = 3 AND action = 'delete'")" "pending"
# purge with the reader still there: customer 6 goes the same way
for f in f3a; do "$S" faces --json "$T/$f.png" >"$T/$f.json" || bad "faces $f"; done
py "
import json, struct
d = json.load(open('$T/f3a.json'))[0]['faces'][0]['descriptor']
open('$T/needles', 'w').write(struct.pack('<128f', *d).hex() + '\n' + open('$T/f3a.png', 'rb').read()[200:264].hex() + '\n')
"
py "
import struct
b = open('$DB-keys', 'rb').read()
for o in range(64, len(b), 64):
    if struct.unpack('<q', b[o:o + 8])[0] == 6: print(b[o + 8:o + 40].hex())
" >>"$T/needles"
expect 0 "purge with a reader" "$S" purge --db "$DB" --older-than 0 --now 2099-01-01 --json && json "purged 2 and 6, pending" "6 in d['customers'] and d['pending'] >= 1"
scan "no byte of customer 6 left after purge"
exec 7>&-
wait "$reader" 2>/dev/null
reader=""
# the reader is gone: the next purge completes the pending erasures; the staff's note on
# customer 3 has left every file too
expect 0 "purge completes" "$S" purge --db "$DB" --json && json "nothing pending" "d['pending'] == 0 and d['customers'] == []"
is "audit says complete" "$(sql "SELECT state FROM privacy_audit WHERE customer_id = 3 AND action = 'delete'")" "complete"
py "
data = b''.join(open('$DB' + x, 'rb').read() for x in ('', '-wal', '-shm', '-keys') if __import__('os').path.exists('$DB' + x))
assert b'red dress' not in data
" 2>"$T/pyerr" && ok || bad "the note about customer 3 is still in a file: $(tail -n 1 "$T/pyerr")"

echo "$pass passed, $fail failed"
