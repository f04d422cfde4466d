#!/bin/sh
# shopper buy (a sale at the till through the shop's checkout) and products --json (the
# shop's product writer, the API's shape). Prints "N passed, N failed".
S=${SHOPPER:-build/shopper}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
run() { # run EXIT_CODE DESCRIPTION -- command...
    want=$1 what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; got=$?
    [ "$got" = "$want" ] && ok || bad "$what (exit $got, want $want): $(head -c 300 "$T/err")"
}
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $2, d" "$T/out" 2>/dev/null && ok || bad "$1"; }
DB="$T/s.db"
run 0 "simulate" "$S" simulate --db "$DB" --customers 20 --products 8 --days 7 --seed 5
run 0 "products --json" "$S" products --db "$DB" --json
py "products with sizes in stock" 'len(d) == 8 and all(sum(p["stock_by_size"].values()) == p["stock"] and list(p["stock_by_size"]) == p["sizes_in_stock"] and "cost_cents" in p for p in d)'
pid=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=[p for p in d if p["sizes_in_stock"]][0]; print(p["id"], p["sizes_in_stock"][0], p["stock_by_size"][p["sizes_in_stock"][0]])' "$T/out")
set -- $pid
product=$1 size=$2 left=$3
sales=$(sqlite3 "$DB" 'SELECT count(*) FROM purchases')
run 0 "buy" "$S" buy --db "$DB" --customer 1 --product "$product" --size "$size" --json
py "a bought cart" 'd["status"] == "bought" and d["purchase_id"] > 0 and d["items"] == 1 and d["total_cents"] > 0'
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM purchases')" = $((sales + 1)) ] && ok || bad "one purchase more"
"$S" products --db "$DB" --json >"$T/out"
py "stock went down" "[p for p in d if p['id'] == $product][0]['stock_by_size'].get('$size', 0) == $left - 1"
i=1; while [ $i -lt "$left" ]; do "$S" buy --db "$DB" --customer 2 --product "$product" --size "$size" >/dev/null 2>&1; i=$((i + 1)); done
run 4 "sold out is a conflict" "$S" buy --db "$DB" --customer 1 --product "$product" --size "$size"
grep -q "sold out" "$T/err" && ok || bad "sold out message: $(cat "$T/err")"
run 3 "unknown product" "$S" buy --db "$DB" --customer 1 --product 999 --size M
run 3 "unknown customer" "$S" buy --db "$DB" --customer 9999 --product "$product" --size M
run 1 "bad size" "$S" buy --db "$DB" --customer 1 --product "$product" --size Q
run 2 "missing size" "$S" buy --db "$DB" --customer 1 --product "$product"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM carts WHERE status = 'open'")" = 0 ] && ok || bad "a failed sale left an open cart"
run 0 "check" "$S" check --db "$DB"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
