#!/bin/sh
# `shopper rules` end to end: exit codes, messages, JSON fields, --out, the store with names.
#   SHOPPER=build/shopper sh tests/cli_rules.sh      (prints "N passed, N failed")
S=${SHOPPER:-build/shopper}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli_rules: $1"; }
# check NAME WANT_RC GREP_PATTERN cmd...   (pattern searched in stdout + stderr)
check() {
    name=$1 want=$2 pat=$3
    shift 3
    "$@" > "$t/out" 2>&1
    rc=$?
    if [ "$rc" != "$want" ]; then bad "$name: exit $rc, want $want: $(head -c 300 "$t/out")"
    elif ! grep -q -- "$pat" "$t/out"; then bad "$name: no '$pat' in: $(head -c 300 "$t/out")"
    elif grep -qi 'nan' "$t/out"; then bad "$name: NaN in output"
    else ok; fi
}

printf '1 2 3\n1 2\n1 3\n2 4\n1 2 3 3\n\n' > "$t/hand.dat"
check "json counts" 0 '"transactions":6,"items":4,.*"itemsets":7,.*"rules":9' \
    "$S" rules --file "$t/hand.dat" --min-support 2 --min-confidence 0 --json
check "fraction support" 0 '"min_support":2,' \
    "$S" rules --file "$t/hand.dat" --min-support 0.3 --json
check "itemsets only" 0 '"itemsets":7,.*"rules":null' \
    "$S" rules --file "$t/hand.dat" --min-support 2 --itemsets-only --json
check "human top" 0 '1.500  1.000        3  3 => 1' \
    "$S" rules --file "$t/hand.dat" --min-support 2 --min-confidence 0.7 --top 3
check "out text" 0 'rules          5' \
    "$S" rules --file "$t/hand.dat" --min-support 2 --min-confidence 0.7 --out "$t/o.txt"
check "out text content" 0 '^rule 3 1 1.5 1 <= 3$' cat "$t/o.txt"
check "out json" 0 '"itemsets":7' \
    "$S" rules --file "$t/hand.dat" --min-support 2 --out "$t/o.json" --json
check "out json content" 0 '"items":\[1,2,3\],"support":2' cat "$t/o.json"
check "stdin" 0 '"transactions":6' sh -c "\"$S\" rules --file - --json < \"$t/hand.dat\""

printf '1 2\n3 -4\n' > "$t/neg.dat"
check "negative id" 1 'neg.dat:2: .-4. is not an item id' "$S" rules --file "$t/neg.dat"
printf '1 2\n\n3 abc\n' > "$t/txt.dat"
check "garbage" 1 'txt.dat:3: .abc.' "$S" rules --file "$t/txt.dat"
printf '5 123456789012345678901234567890\n' > "$t/huge.dat"
check "huge id" 1 'huge.dat:1:' "$S" rules --file "$t/huge.dat"
check "missing file" 1 "cannot open '$t/none.dat'" "$S" rules --file "$t/none.dat"
: > "$t/empty.dat"
check "empty file" 0 '"transactions":0,.*"itemsets":0,.*"rules":0' \
    "$S" rules --file "$t/empty.dat" --json
check "bad support" 2 'min-support' "$S" rules --file "$t/hand.dat" --min-support 1.5
check "bad confidence" 2 'min-confidence' "$S" rules --file "$t/hand.dat" --min-confidence 2
check "file and db" 2 'cannot be combined' "$S" rules --file "$t/hand.dat" --db "$t/x.db"
check "no store" 1 'no store' "$S" rules --db "$t/none.db"

"$S" init --db "$t/s.db" > /dev/null
check "store without sales" 0 'no purchases' "$S" rules --db "$t/s.db"
check "store without sales json" 0 '"transactions":0,.*"rules":0' "$S" rules --db "$t/s.db" --json
if command -v sqlite3 > /dev/null; then
    sqlite3 "$t/s.db" <<'SQL'
INSERT INTO products(id, name, category, gender, fabric, season, base_price_cents, cost_cents,
  price_cents, popularity, zone, x, y) VALUES
  (1, 'Slim Jeans', 'Pants', 'men', 'Cotton', 'All seasons', 5000, 2000, 5000, 0.5, 'a', 1, 1),
  (2, 'Wool Coat', 'Coat', 'men', 'Wool', 'Winter', 9000, 4000, 9000, 0.5, 'a', 1, 1),
  (3, 'Basic Tee', 'T-Shirt', 'men', 'Cotton', 'Summer', 1000, 400, 1000, 0.5, 'a', 1, 1);
INSERT INTO sessions(id, started_at, ended_at) VALUES (1, 0, 100);
INSERT INTO items(id, product_id, size, rfid, zone, status, received_at) VALUES
  (1, 1, 'M', 'r1', 'a', 'sold', 0), (2, 2, 'M', 'r2', 'a', 'sold', 0),
  (3, 1, 'M', 'r3', 'a', 'sold', 0), (4, 2, 'M', 'r4', 'a', 'sold', 0),
  (5, 3, 'M', 'r5', 'a', 'sold', 0), (6, 1, 'M', 'r6', 'a', 'sold', 0);
INSERT INTO purchases(id, session_id, purchased_at, total_cents) VALUES
  (1, 1, 86400, 14000), (2, 1, 86400, 14000), (3, 1, 2 * 86400, 2000);
INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, price_cents) VALUES
  (1, 1, 1, 5000, 5000), (1, 2, 2, 9000, 9000), (2, 3, 1, 5000, 5000),
  (2, 4, 2, 9000, 9000), (3, 5, 3, 1000, 1000), (3, 6, 1, 1000, 1000);
SQL
    check "store names" 0 'Wool Coat => Slim Jeans' "$S" rules --db "$t/s.db" --min-support 2
    check "store json" 0 '"transactions":3,"items":3,.*"consequent_name":"Slim Jeans"' \
        "$S" rules --db "$t/s.db" --min-support 2 --json
    check "store window" 0 '"transactions":1,' \
        "$S" rules --db "$t/s.db" --from 1970-01-03 --json
    # rules of the store are stored in it, the previous set replaced (not added to)
    "$S" rules --db "$t/s.db" --min-support 2 > /dev/null
    a=$(sqlite3 "$t/s.db" "SELECT count(*) || ' ' || group_concat(antecedent || '>' || consequent) FROM assoc_rules")
    "$S" rules --db "$t/s.db" --min-support 2 > /dev/null
    b=$(sqlite3 "$t/s.db" "SELECT count(*) || ' ' || group_concat(antecedent || '>' || consequent) FROM assoc_rules")
    if [ "$a" = "2 1>2,2>1" ] || [ "$a" = "2 2>1,1>2" ]; then ok "rules stored"; else bad "rules stored: '$a'"; fi
    if [ "$a" = "$b" ]; then ok "rules replaced"; else bad "rules replaced: '$a' then '$b'"; fi
    check "stored count" 0 '"stored":2' "$S" rules --db "$t/s.db" --min-support 2 --json
else
    bad "sqlite3 missing: store cases not run"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
