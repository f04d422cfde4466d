#!/bin/sh
# Installs the Debian packages a purpose needs, only those that are missing (idempotent).
#   sh scripts/deps.sh build|test|bench
set -e
build="gcc make pkg-config libsqlite3-dev libmicrohttpd-dev libjansson-dev libturbojpeg0-dev
  libpng-dev libxnnpack-dev libpthreadpool-dev libdnnl-dev libopenblas-dev libxgboost-dev
  libsodium-dev"
test_pkgs="$build sqlite3 python3 chromium firefox-esr fonts-dejavu-core"
bench_pkgs="$build sqlite3 python3 python3-numpy python3-sklearn time wrk nginx-light curl"
case "${1:-build}" in
build) want=$build ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
*) echo "deps.sh: unknown purpose '$1' (build, test, bench)" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: need root to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
