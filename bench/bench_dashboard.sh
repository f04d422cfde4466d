#!/bin/sh
# The dashboard's queries (KPIs, heatmap) from the daily aggregates and from the rows, in-process,
# in the same run.   sh bench/bench_dashboard.sh BUILD_DIR [DB]
# The segments' row: from the model and its saved assignment (segments_describe) vs from
# scratch (every customer labelled); a store passed as DB needs `shopper train segments` (or
# --update) by this version for it.
# Without DB it simulates 4000 customers x 200 products x 60 days (about a minute). Goal: every
# aggregated query under 100 ms on a 100,000-customer store (simulate one and pass it as DB).
set -e
build=${1:-build}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${2:-}
if [ -z "$db" ]; then
    db=$tmp/d.db
    SHOPPER_NO_PROGRESS=1 "$build/shopper" simulate --customers 4000 --products 200 --days 60 \
        --seed 1 --db "$db" > /dev/null
    "$build/shopper" train segments --db "$db" > /dev/null
fi
objs=$(ls "$build"/src/*/*.o)
cc -std=c11 -D_GNU_SOURCE -O2 -I"$here/../src" "$here/bench_dashboard.c" $objs \
    $(pkg-config --libs sqlite3 libmicrohttpd jansson libturbojpeg libpng libsodium openblas \
      xgboost) -lXNNPACK -lpthreadpool -ldnnl -lgomp -lpthread -lm -o "$tmp/bench_dashboard"
echo "dashboard queries on $db (ms, best of 3; aggregated wall and CPU vs from the rows)"
printf "%-26s %10s %10s %10s\n" query aggregated cpu rows
"$tmp/bench_dashboard" "$db" 3
