#!/bin/sh
# Recommender: promotions and recommendations for every customer of a 100,000-customer store
# (1,000 products, 30 simulated days), stored; total time and time per customer.
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/shopper" simulate --db "$dir/r.db" --customers 100000 --products 1000 --days 30 \
    --tracked-share 0 --seed 5 --json >/dev/null || exit 1
"$build/shopper" train segments --db "$dir/r.db" --json >/dev/null || exit 1
"$build/shopper" recommend --all --db "$dir/r.db" --json >"$dir/out" || exit 1
python3 - "$dir/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = r["customers"]; t = r["recommend_seconds"]
print(f"recommend --all: {n:,} customers, engine built in {r['build_seconds']:.2f} s, "
      f"{t:.2f} s to recommend and store ({t / n * 1e6:.1f} us per customer)")
PY
"$build/shopper" eval recommend --db "$dir/r.db"
