#!/bin/sh
# CLI of the analytics: kpi, train segments / segments, recommend, eval recommend, heatmap.
# Run by scripts/test.sh with $SHOPPER set to the binary; prints "N passed, N failed".
S=${SHOPPER:-build/shopper}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
run() { # run WANT_EXIT DESCRIPTION command...: stdout in $T/out, stderr in $T/err
    want=$1 what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what (exit $got, want $want): $(head -c 300 "$T/err")"; fi
}
py() { # py DESCRIPTION 'python expression over d (the JSON of the last stdout)'
    if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $2" "$T/out" 2>"$T/pyerr"; then ok; else bad "$1: $(tail -1 "$T/pyerr")"; fi
}
DB="$T/a.db"
"$S" simulate --db "$DB" --customers 120 --products 24 --days 45 --seed 9 >/dev/null || bad simulate

for c in kpi segments recommend heatmap; do
    run 0 "$c --help" "$S" "$c" --help
done
run 0 "train --help" "$S" train segments --help
run 0 "eval --help" "$S" eval recommend --help
run 2 "train nothing" "$S" train
run 2 "eval nothing" "$S" eval

run 0 "kpi --json" "$S" kpi --db "$DB" --json
py "kpi numbers" 'd["items_sold"] > 0 and d["revenue_cents"] > 0 and 0 < d["conversion"] <= 1 and len(d["top_products"]) == 5 and "products" not in d'
run 0 "kpi --json --products" "$S" kpi --db "$DB" --json --products
py "kpi lists every product on request" 'len(d["products"]) == 24 and sum(p["units"] for p in d["products"]) == d["items_sold"]'
run 0 "kpi range" "$S" kpi --db "$DB" --from 2026-01-10 --to 2026-01-20 --json
py "kpi range is smaller" 'd["from"] == "2026-01-10T00:00:00Z" and d["to"] == "2026-01-21T00:00:00Z"'
run 2 "kpi bad date" "$S" kpi --db "$DB" --from 2026-13-01
run 2 "kpi reversed range" "$S" kpi --db "$DB" --from 2026-02-01 --to 2026-01-01

run 1 "segments before training" "$S" segments --db "$DB"
run 0 "train segments" "$S" train segments --db "$DB" --k 3 --json
py "three segments over every customer" 'd["k"] == 3 and sum(s["customers"] for s in d["segments"]) == 120 and all(s["description"] for s in d["segments"])'
run 0 "segments --json" "$S" segments --db "$DB" --json
py "segments as trained" 'd["k"] == 3'
run 2 "k out of range" "$S" train segments --db "$DB" --k 0
run 0 "update" "$S" train segments --db "$DB" --update --json
py "update reports" 'd["updated_customers"] == 0'
# the segments are as of the last training or update: new sales move no one, new customers
# are counted as unassigned until the next update assigns them
run 0 "segments as assigned" "$S" segments --db "$DB" --json
py "everyone assigned" 'd["assigned_at"] and d["assigned"] == d["customers"] == 120 and d["unassigned"] == 0 and sum(s["customers"] for s in d["segments"]) == 120'
cp "$T/out" "$T/seg0.json"
run 0 "segments help says as of when" "$S" segments --help
grep -q "assigned_at" "$T/out" && grep -q "unassigned" "$T/out" && ok || bad "segments --help does not say the counts are as of the last assignment"
cp "$DB" "$T/seg.db"
run 0 "more days, 6 new customers" "$S" simulate --db "$T/seg.db" --customers 126 --products 24 --days 5 --seed 10
run 0 "segments after new sales and customers" "$S" segments --db "$T/seg.db" --json
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a['segments'] == b['segments'] and a['buyers'] == b['buyers'] and a['assigned_at'] == b['assigned_at'] and b['customers'] == 126 and b['unassigned'] == 6 and b['assigned'] == 120" "$T/seg0.json" "$T/out" && ok || bad "segments after new sales: not as assigned, or the new customers not counted"
run 0 "text says who is in none" "$S" segments --db "$T/seg.db"
grep -q "6 customers registered since are in none yet" "$T/out" && ok || bad "segments text: $(cat "$T/out")"
run 0 "update assigns them" "$S" train segments --db "$T/seg.db" --update --json
run 0 "segments after the update" "$S" segments --db "$T/seg.db" --json
py "everyone assigned again" 'd["assigned"] == d["customers"] == 126 and d["unassigned"] == 0 and sum(s["customers"] for s in d["segments"]) == 126'

run 0 "recommend" "$S" recommend --db "$DB" --customer 1 --json
py "3 promotions + 5 recommendations with reasons" 'len(d["promotions"]) == 3 and len(d["recommendations"]) == 5 and all(x["reason"] for x in d["promotions"] + d["recommendations"])'
run 1 "unknown customer" "$S" recommend --db "$DB" --customer 99999
run 2 "bad cart" "$S" recommend --db "$DB" --customer 1 --cart 1,x
run 2 "no customer" "$S" recommend --db "$DB"
run 0 "recommend --all" "$S" recommend --db "$DB" --all --json
py "all customers" 'd["customers"] == 120'
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM promotions')" -gt 300 ] && ok || bad "promotions stored"
run 0 "eval recommend" "$S" eval recommend --db "$DB" --json
py "eval shape" 'd["customers"] > 0 and all(0 <= d[m][k] <= 1 for m in ("hybrid", "popularity") for k in ("hit_rate_5", "hit_rate_8", "precision_5", "precision_8"))'

run 0 "heatmap png" "$S" heatmap --db "$DB" --out "$T/heat.png"
[ "$(head -c 8 "$T/heat.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && ok || bad "heatmap is a PNG"
run 0 "heatmap json" "$S" heatmap --db "$DB" --customer 2 --json
py "grid and zones" 'd["rows"] == 56 and d["cols"] == 80 and len(d["zones"]) == 7 and len(d["values"]) == 56'
run 1 "heatmap unwritable" "$S" heatmap --db "$DB" --out /nonexistent/dir/h.png
"$S" init --db "$T/empty.db" >/dev/null
run 1 "heatmap without floor plan" "$S" heatmap --db "$T/empty.db"
run 0 "kpi on an empty store" "$S" kpi --db "$T/empty.db" --json
py "zeros, no NaN" 'd["items_sold"] == 0 and d["conversion"] == 0'

# dynamic pricing
run 1 "price before training" "$S" price --db "$DB"
run 0 "train demand" "$S" train demand --db "$DB" --json
py "training report" 'd["rows"] > 0 and d["rows_test"] > 0 and d["beats_baseline"] in (True, False)'
run 0 "price" "$S" price --db "$DB" --json
py "a suggestion per product, within the rules" 'len(d["products"]) == 24 and not d["applied"] and all(p["suggested_cents"] % 100 == 99 and abs(p["suggested_cents"] - p["current_cents"]) <= 0.15 * p["current_cents"] + 100 for p in d["products"])'
before=$(sqlite3 "$DB" 'SELECT sum(price_cents) FROM products')
run 0 "price --apply" "$S" price --db "$DB" --apply --json
py "applied" 'd["applied"]'
after=$(sqlite3 "$DB" "SELECT sum(price_cents) FROM products")
[ "$(sqlite3 "$DB" "SELECT count(*) FROM price_history WHERE applied = 1")" = 24 ] && ok || bad "price history of the applied prices"
[ "$before" != "$after" ] || [ "$(sqlite3 "$DB" "SELECT count(*) FROM price_history WHERE applied = 1 AND new_cents <> old_cents")" = 0 ] && ok || bad "applied prices"
run 0 "eval pricing" "$S" eval pricing --db "$DB" --json
py "eval pricing shape" 'd["products"] == 24 and d["profit_oracle"] >= d["profit_suggested"] > 0 and 0 < d["capture"] <= 1'
run 1 "price unknown product" "$S" price --db "$DB" --product 999
run 1 "eval pricing without a simulation" "$S" eval pricing --db "$T/empty.db"
run 2 "bad endings" "$S" price --db "$DB" --endings 42

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
