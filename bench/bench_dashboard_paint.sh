#!/bin/sh
# The Manager Dashboard's first paint in Debian's chromium (bench/dashboard_paint.mjs): the
# demo store and a 100,000-customer store (the one of bench_http.sh), each served by a real
# `shopper serve`. Goal: under 1 s on the demo store, under 2 s on the 100k store.
#   sh bench/bench_dashboard_paint.sh BUILD_DIR     (BENCH_BIG=0 skips the 100k store)
set -u
build=${1:-build}
shopper=$build/shopper
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "bench_dashboard_paint: needs /usr/bin/chromium and tests/browser/node_modules (make test installs them)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$shopper" demo --db "$tmp/demo.db" > /dev/null 2>&1
set -- "demo store" "$tmp/demo.db"
if [ "${BENCH_BIG:-1}" != 0 ]; then
    SHOPPER_NO_PROGRESS=1 "$shopper" simulate --customers 100000 --products 1000 --days 30 --seed 7 \
        --tracked-share 0.05 --db "$tmp/big.db" > /dev/null 2>&1
    set -- "$@" "100,000 customers, 1,000 products, 30 days" "$tmp/big.db"
fi
SHOPPER="$shopper" node bench/dashboard_paint.mjs "$@"
