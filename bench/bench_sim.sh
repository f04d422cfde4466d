#!/bin/sh
# Simulator: 10,000 customers x 1,000 products x 365 days (--tracked-share 0.1) into a fresh
# database; wall time, rows written per second, database size, peak memory. For reference the
# Python prototype (pandas) needed about 2.8 ms per customer-day: 3.65 million customer-days
# would take about 10,000 s.
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/time -f "%e %M" -o "$dir/time" "$build/shopper" simulate --db "$dir/b.db" \
    --customers 10000 --products 1000 --days 365 --tracked-share 0.1 --seed 1 --json >"$dir/out"
read -r wall kb <"$dir/time"
python3 - "$dir/out" "$wall" "$kb" "$dir/b.db" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); wall = float(sys.argv[2]); kb = int(sys.argv[3])
size = os.path.getsize(sys.argv[4])
print(f"simulate 10000x1000x365: wall {wall:.1f} s, {r['rows_written']/wall:,.0f} rows/s "
      f"({r['rows_written']:,} rows), db {size/1e6:.0f} MB, peak RSS {kb/1024:.0f} MB")
print(f"  {r['sessions']:,} sessions, {r['purchases']:,} purchases, {r['positions']:,} positions")
print(f"  per customer-day: {wall/3.65e6*1e6:.2f} us (prototype ~2800 us: {2.8e-3*3.65e6/wall:,.0f}x)")
PY
