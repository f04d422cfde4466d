#!/bin/sh
# Every dashboard GET over HTTP, computed from scratch (a response-cache miss) and from the
# response cache, in ms (curl's total time, one client, best of 3 computed): which endpoints
# miss the goal of 100 ms on a big store when a write of their kind has just dropped them.
#   sh bench/bench_dash_http.sh BUILD_DIR DB      (DB is copied; the copy is upgraded/served)
# A query argument no handler reads (nonce) makes each request a new key: a miss.
set -u
build=${1:-build}
src=${2:?usage: bench_dash_http.sh BUILD_DIR DB}
shopper=$build/shopper
tmp=$(mktemp -d)
trap 'kill $spid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
spid=
PASS=bench-admin-password
cp "$src" "$tmp/d.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SHOPPER_ADMIN_PASSWORD=$PASS "$shopper" serve --db "$tmp/d.db" --port "$port" --quiet \
    --no-faces > "$tmp/serve.out" 2>&1 &
spid=$!
for _ in $(seq 600); do grep -q 'serving http' "$tmp/serve.out" && break; sleep 0.1; done
base=http://127.0.0.1:$port
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASS\"}" "$base/api/v1/auth/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
ms() { awk -v t="$1" 'BEGIN{printf "%.1f", t*1000}'; }
printf "%-46s %9s %9s %6s\n" "endpoint ($src)" computed cached bytes
for u in ${BENCH_URLS:-kpi "kpi?top=10" "kpi?from=2026-01-01&to=2099-01-01" sales/daily \
    "sales/by?by=category" sales/products inventory inventory/tried-sold heatmap \
    "heatmap?format=png" segments segments/points profiles/summary rules emotions \
    emotions/sessions}; do
    best=
    for r in 1 2 3; do
        nonce=$(date +%s%N)
        case $u in *\?*) q="$u&nonce=$nonce" ;; *) q="$u?nonce=$nonce" ;; esac
        set -- $(curl -s -o "$tmp/body" -w '%{http_code} %{time_total}' -H "Cookie: $cookie" "$base/api/v1/$q")
        code=$1
        best=$(awk -v a="$2" -v b="${best:-99}" 'BEGIN{print a < b ? a : b}')
    done
    cached=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$base/api/v1/$q")
    printf "GET /api/v1/%-34s %9s %9s %6s%s\n" "$u" "$(ms "$best")" "$(ms "$cached")" \
        "$(wc -c < "$tmp/body")" "$( [ "$code" != 200 ] && echo "  (HTTP $code)")"
done
