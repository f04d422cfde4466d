#!/bin/sh
# Fetches the web apps' third-party browser code from npm, pinned by version and checked by
# sha256, into the served (git-ignored) folder web/vendor/:
#   echarts@5.6.0  dist/echarts.min.js  -> web/vendor/echarts.min.js
# Quiet and offline when the file is already there with the right sha256; a file that does
# not match is never installed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/web/vendor
pkg=echarts@5.6.0
tarball=echarts-5.6.0.tgz
file=package/dist/echarts.min.js
want=bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1

die() { echo "fetch-web: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
[ -f "$dest/echarts.min.js" ] && [ "$(sha "$dest/echarts.min.js")" = "$want" ] && exit 0
command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $pkg (apt-get install nodejs npm)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-web: downloading $pkg"
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
tar -xzf "$tmp/$tarball" -C "$tmp" "$file" || die "$tarball has no $file"
got=$(sha "$tmp/$file")
[ "$got" = "$want" ] || die "$pkg $file has sha256 $got, not the pinned $want: not installed"
mkdir -p "$dest"
cp "$tmp/$file" "$dest/echarts.min.js"
