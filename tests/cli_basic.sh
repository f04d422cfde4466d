#!/bin/sh
# CLI behaviour: help, version, JSON output, clear errors and exit codes on bad input.
# Run by scripts/test.sh with $SHOPPER set to the binary; prints "N passed, N failed".
S=${SHOPPER:-build/shopper}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# expect EXIT_CODE DESCRIPTION -- command...: checks the exit code and, for failures, that
# stderr holds exactly one line starting "shopper:"
expect() {
    want=$1 what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; got=$?
    if [ "$got" != "$want" ]; then bad "$what (exit $got, want $want): $(head -c 300 "$T/err")"; return; fi
    if [ "$want" != 0 ]; then
        n=$(wc -l <"$T/err")
        if [ "$n" != 1 ] || ! grep -q '^shopper: ' "$T/err"; then bad "$what: stderr not one 'shopper:' line: $(cat "$T/err")"; return; fi
    fi
    ok
}
json_ok() { # the last command's stdout is valid JSON
    if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null; then ok; else bad "$1: invalid JSON"; fi
}

expect 0 "--version" "$S" --version
grep -q '^shopper ' "$T/out" && ok || bad "version text"
expect 0 "--help" "$S" --help
# every command listed by --help has its own --help
cmds=$("$S" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} /^$/{if (on && n++) on=0}')
[ "$(echo "$cmds" | wc -w)" -ge 10 ] && ok || bad "commands listed: $cmds"
for c in $cmds; do
    expect 0 "$c --help" "$S" "$c" --help
    grep -q "usage: shopper $c" "$T/out" && ok || bad "$c --help text"
done
expect 2 "unknown command" "$S" frobnicate
expect 2 "unknown flag" "$S" stats --frob
expect 2 "negative customers" "$S" simulate --db "$T/x.db" --customers -5
expect 2 "absurd days" "$S" simulate --db "$T/x.db" --days 99999999
expect 2 "not a number" "$S" simulate --db "$T/x.db" --products ten
expect 2 "share above 1" "$S" simulate --db "$T/x.db" --tracked-share 1.5
expect 2 "bad start date" "$S" simulate --db "$T/x.db" --start 2026-02-30
[ ! -e "$T/x.db" ] && ok || bad "a refused simulate created a database"
expect 1 "missing store" "$S" stats --db "$T/none.db"
printf 'this is not a database, just text that is long enough to look like a file\n' >"$T/junk.db"
expect 1 "corrupt store" "$S" stats --db "$T/junk.db"
expect 1 "corrupt store, simulate" "$S" simulate --db "$T/junk.db" --days 1

expect 0 "simulate" "$S" simulate --db "$T/s.db" --customers 30 --products 16 --days 14 --seed 3 --json
json_ok simulate
expect 0 "stats --json" "$S" stats --db "$T/s.db" --json
json_ok stats
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["tables"]["customers"]==30 and d["tables"]["products"]==16 and d["revenue_cents"]>0' "$T/out" && ok || bad "stats content"
expect 0 "customers --json" "$S" customers --db "$T/s.db" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==30 and all("id" in c and "name" in c for c in d)' "$T/out" && ok || bad "customers JSON"
expect 0 "products --json" "$S" products --db "$T/s.db" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==16 and all("id" in p and "name" in p for p in d)' "$T/out" && ok || bad "products JSON"
expect 0 "check" "$S" check --db "$T/s.db" --json
json_ok check
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["kpi_days_off"]==0 and d["kpi_stock_off"]==0 and d["kpi_buyer_days_off"]==0, d' "$T/out" && ok || bad "check compares the aggregates"
# a sale written by another program (raw SQL) is in the KPI at once, and check still agrees
"$S" kpi --db "$T/s.db" --json >"$T/k0" 2>/dev/null
sqlite3 "$T/s.db" "BEGIN; INSERT INTO purchases(id, session_id, customer_id, purchased_at, total_cents)
    SELECT 777001, id, customer_id, started_at + 60, 1234 FROM sessions ORDER BY id DESC LIMIT 1;
    INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, price_cents)
    SELECT 777001, id, product_id, 1234, 1234 FROM items WHERE status = 'in_stock' LIMIT 1;
    UPDATE items SET status = 'sold' WHERE id = (SELECT item_id FROM purchase_lines WHERE purchase_id = 777001);
    COMMIT" && ok || bad "raw SQL purchase"
"$S" kpi --db "$T/s.db" --json >"$T/k1" 2>/dev/null
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert b["revenue_cents"]==a["revenue_cents"]+1234 and b["purchases"]==a["purchases"]+1 and b["items_sold"]==a["items_sold"]+1, (a["revenue_cents"], b["revenue_cents"])' "$T/k0" "$T/k1" && ok || bad "kpi follows a raw SQL purchase"
expect 0 "check after a raw SQL purchase" "$S" check --db "$T/s.db"
# an aggregate that disagrees with the rows is reported, and check fails
sqlite3 "$T/s.db" "UPDATE kpi_days SET revenue_cents = revenue_cents + 1 WHERE day = (SELECT min(day) FROM kpi_days)"
"$S" check --db "$T/s.db" >"$T/out" 2>&1
[ $? = 1 ] && ok || bad "check fails on an aggregate off"
grep -q "kpi_days_off *[1-9]" "$T/out" && ok || bad "check names kpi_days: $(cat "$T/out")"
sqlite3 "$T/s.db" "UPDATE kpi_days SET revenue_cents = revenue_cents - 1 WHERE day = (SELECT min(day) FROM kpi_days)"
expect 0 "continue" "$S" simulate --db "$T/s.db" --customers 30 --products 16 --days 7 --seed 3
SHOPPER_DB="$T/s.db" "$S" stats --json >"$T/out" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["last_day"]=="2026-01-21", d["last_day"]' "$T/out" && ok || bad "continued to day 21 via SHOPPER_DB"
chmod 444 "$T/s.db"
expect 1 "read-only store" "$S" simulate --db "$T/s.db" --days 1
expect 0 "read-only store can be read" "$S" stats --db "$T/s.db"
chmod 644 "$T/s.db"
sqlite3 "$T/s.db" "PRAGMA user_version = 99" 2>/dev/null && { expect 1 "newer schema" "$S" stats --db "$T/s.db"; grep -q newer "$T/err" && ok || bad "newer schema message"; }
expect 0 "demo" "$S" demo --db "$T/demo.db"
grep -q "customers  *40" "$T/out" && ok || bad "demo has 40 customers"
for t in customer_profiles recommendations promotions price_history; do
    [ "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM $t")" -gt 0 ] && ok || bad "demo has $t"
done
expect 0 "demo again keeps it" "$S" demo --db "$T/demo.db"
grep -q "exists" "$T/out" && ok || bad "demo reuses the store"
# the default demo is the 90 days that end yesterday (UTC), so that "7 days" has sales
y=$(date -u -d yesterday +%F)
"$S" stats --db "$T/demo.db" --json >"$T/out" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["last_day"]==sys.argv[2], (d["last_day"], sys.argv[2])' "$T/out" "$y" && ok || bad "demo ends yesterday ($y)"
expect 0 "demo --start" "$S" demo --db "$T/demo2.db" --start 2026-01-01
"$S" stats --db "$T/demo2.db" --json >"$T/out" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["first_day"]=="2026-01-01" and d["last_day"]=="2026-03-31", d' "$T/out" && ok || bad "demo --start 2026-01-01 gives Jan-Mar"
expect 2 "demo bad --start" "$S" demo --db "$T/demo3.db" --start 2026-02-30
[ ! -e "$T/demo3.db" ] && ok || bad "a bad --start leaves no store"
# images: a clear single line, never a crash (the models are fetched by make test)
: >"$T/empty.jpg"
printf 'GIF89a not really' >"$T/fake.png"
expect 1 "faces on an empty file" "$S" faces --models models "$T/empty.jpg"
expect 1 "faces on a non-image" "$S" faces --models models "$T/fake.png"
expect 1 "faces on a missing file" "$S" faces --models models "$T/none.jpg"
expect 1 "faces without models" "$S" faces --models "$T/nomodels" "$T/empty.jpg"
expect 2 "compare needs two images" "$S" compare "$T/empty.jpg"
# piped output carries no progress bar
"$S" simulate --db "$T/p.db" --days 3 2>"$T/err" >/dev/null; [ ! -s "$T/err" ] && ok || bad "progress bar when piped"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
