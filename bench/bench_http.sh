#!/bin/sh
# The server under load (wrk, 64 connections, loopback): requests/s and p50/p99 latency of
# GET /api/v1/products and GET /api/v1/kpi on the demo store and on a 100,000-customer store,
# next to nginx serving a static file of the same size in the same run (the ratio is the
# number to watch; goal >= 50 % of nginx's rate, p99 under 10 ms).
# Then POST /api/v1/mirror/frame (640x480 JPEG, one face) over HTTP next to the in-process
# `shopper bench-faces` on the same JPEG, alternating rounds (bench/mirror_frame.mjs).
#   sh bench/bench_http.sh BUILD_DIR        (BENCH_BIG=0 skips the 100k store; BENCH_BIG_DB=FILE
#                                            uses that simulated store instead of making one;
#                                            BENCH_FRAMES=0 skips the frames)
set -u
build=${1:-build}
shopper=$build/shopper
dur=${BENCH_SECONDS:-5}
for t in wrk nginx curl; do
    command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || { echo "bench_http: $t missing (make bench installs it)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'kill $spid $npid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
spid= npid=
PASS=bench-admin-password

# a free port from the kernel
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # db
    sport=$(free_port)
    SHOPPER_ADMIN_PASSWORD=$PASS "$shopper" serve --db "$1" --port "$sport" --quiet \
        --no-faces > "$tmp/serve.out" 2>&1 &
    spid=$!
    for _ in $(seq 100); do grep -q 'serving http' "$tmp/serve.out" && break; sleep 0.1; done
    base=http://127.0.0.1:$sport
    token=$(sed -n 's/.*#pair=\([A-Za-z0-9_-]*\).*/\1/p' "$tmp/serve.out" | head -n 1)
    # a store with a mirror paired before gets no pairing link: pair one for the bench
    [ -n "$token" ] || token=$("$shopper" mirrors add "bench-$sport" --db "$1" --json |
        sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
    cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$PASS\"}" "$base/api/v1/auth/login" |
        sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
}
stop_server() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; }

# wrk's summary as "rate p50 p99" (ms)
run_wrk() { # url [header]
    if [ -n "${2:-}" ]; then
        wrk -t2 -c64 -d"${dur}s" --latency -H "$2" "$1" > "$tmp/wrk.out" 2>&1
    else
        wrk -t2 -c64 -d"${dur}s" --latency "$1" > "$tmp/wrk.out" 2>&1
    fi
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rate = $2 }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.2f %.2f %s\n", rate, p50, p99, bad + 0 }' "$tmp/wrk.out"
}

nginx_for() { # file -> starts nginx serving it at /f
    nport=$(free_port)
    mkdir -p "$tmp/www" "$tmp/nginx"
    cp "$1" "$tmp/www/f"
    cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx/pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
    server { listen 127.0.0.1:$nport; root $tmp/www; default_type application/json; }
}
CONF
    /usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
    npid=$!
    sleep 0.5
}
stop_nginx() { kill "$npid" 2>/dev/null; wait "$npid" 2>/dev/null; npid=; }

compare() { # label url header
    curl -s -H "$3" "$2" > "$tmp/body"
    size=$(wc -c < "$tmp/body")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$3" "$2")
    if [ "$code" != 200 ]; then echo "  $1: HTTP $code (route missing?)"; return; fi
    nginx_for "$tmp/body"
    set -- "$1" "$2" "$3" $(run_wrk "http://127.0.0.1:$nport/f") 
    n_rate=$4 n_p50=$5 n_p99=$6
    stop_nginx
    set -- "$1" "$2" "$3" $(run_wrk "$2" "$3")
    printf "  %-34s %6d B  shopper %7s req/s p50 %5s ms p99 %6s ms  | nginx %7s req/s p99 %5s ms | %3d %% of nginx%s\n" \
        "$1" "$size" "$4" "$5" "$6" "$n_rate" "$n_p99" "$(awk -v a="$4" -v b="$n_rate" 'BEGIN{printf "%d", b ? 100*a/b : 0}')" \
        "$( [ "$7" != 0 ] && echo " ($7 non-2xx)")"
}

# every dashboard GET once computed (a response-cache miss: a query argument no handler
# reads makes the key new; the segments' own cache still answers) and once from the response
# cache, in ms (curl's total time, one client)
dash_times() {
    nonce=$(date +%s%N)
    printf "  %-44s %9s %9s\n" "dashboard endpoint (one client)" "computed" "cached"
    for u in kpi "kpi?from=2020-01-01&to=2099-01-01" sales/daily "sales/by?by=category" \
        sales/products inventory inventory/tried-sold heatmap "heatmap?format=png" \
        segments segments/points profiles/summary rules emotions emotions/sessions \
        emotions/events alerts "customers/1/overview"; do
        case $u in *\?*) u="$u&nonce=$nonce" ;; *) u="$u?nonce=$nonce" ;; esac
        t1=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Cookie: $cookie" "$base/api/v1/$u")
        t2=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$base/api/v1/$u")
        set -- $t1 "$t2"
        printf "  GET /api/v1/%-32s %9.1f %9.1f%s\n" "${u%[?&]nonce=*}" "$(awk -v t="$2" 'BEGIN{print t*1000}')" \
            "$(awk -v t="$3" 'BEGIN{print t*1000}')" "$( [ "$1" != 200 ] && echo "  (HTTP $1)")"
    done
}

bench_store() { # label db
    start_server "$2"
    echo " $1:"
    compare "GET /api/v1/products" "$base/api/v1/products" "Authorization: Bearer $token"
    compare "GET /api/v1/kpi" "$base/api/v1/kpi" "Cookie: $cookie"
    compare "GET /healthz" "$base/healthz" "X-None: 1"
    dash_times
    stop_server
}

"$shopper" demo --db "$tmp/demo.db" > /dev/null 2>&1
bench_store "demo store (40 customers, 16 products)" "$tmp/demo.db"
if [ "${BENCH_BIG:-1}" != 0 ] && [ -n "${BENCH_BIG_DB:-}" ]; then
    cp "$BENCH_BIG_DB" "$tmp/big.db"
    bench_store "100,000 customers, 1,000 products, 30 days ($BENCH_BIG_DB)" "$tmp/big.db"
    rm -f "$tmp/big.db"*
elif [ "${BENCH_BIG:-1}" != 0 ]; then
    "$shopper" simulate --customers 100000 --products 1000 --days 30 --seed 7 --tracked-share 0.05 \
        --db "$tmp/big.db" > /dev/null 2>&1
    "$shopper" train segments --db "$tmp/big.db" > /dev/null 2>&1
    bench_store "100,000 customers, 1,000 products, 30 days" "$tmp/big.db"
    rm -f "$tmp/big.db"*
fi

if [ "${BENCH_FRAMES:-1}" != 0 ]; then
    echo " mirror frames (HTTP vs the engine in process, same run):"
    if ! command -v node >/dev/null 2>&1 || [ ! -f models/samples/sample2.jpg ] || [ ! -x "$build/vision_topng" ]; then
        echo "  skipped: needs node, make models and $build/vision_topng"
    else
        SHOPPER="$shopper" node bench/mirror_frame.mjs "${BENCH_FRAMES_N:-40}" "${BENCH_FRAMES_ROUNDS:-2}" ||
            echo "  (mirror_frame.mjs failed)"
    fi
fi
