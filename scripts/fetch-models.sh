#!/bin/sh
# Fetches the face-api weights (model/*.json, model/*.bin) and the demo photos
# (demo/sample*.jpg -> samples/) of the npm package @vladmandic/face-api@1.7.15 into DIR,
# and checks every file against the committed list src/vision/models.sha256.
#   sh scripts/fetch-models.sh [DIR]          (default: models)
# Quiet and offline when every file is already there with the right sha256. A file that
# does not match is never installed: the script names it and fails; good files stay.
set -eu
pkg=@vladmandic/face-api@1.7.15
tarball=vladmandic-face-api-1.7.15.tgz
root=$(cd "$(dirname "$0")/.." && pwd)
list=$root/src/vision/models.sha256
dir=${1:-models}
cache=$dir/.cache

die() { echo "fetch-models: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
[ -f "$list" ] || die "missing checksum list '$list'"

# the files of DIR that are missing or wrong, one per line
todo() {
    while read -r want name; do
        [ -f "$dir/$name" ] && [ "$(sha "$dir/$name")" = "$want" ] || echo "$name"
    done < "$list"
}
[ -z "$(todo)" ] && exit 0

command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $pkg (apt-get install npm)"
mkdir -p "$cache" "$dir/samples"
if [ ! -f "$cache/$tarball" ]; then
    echo "fetch-models: downloading $pkg"
    # npm checks the tarball against the registry's integrity hash
    (cd "$cache" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
    [ -f "$cache/$tarball" ] || die "npm pack did not produce $tarball"
fi
tmp=$(mktemp -d "$cache/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$cache/$tarball" -C "$tmp" package/model package/demo ||
    { rm -f "$cache/$tarball"; die "cannot extract $cache/$tarball (removed; run again)"; }

bad=0
for name in $(todo); do
    case $name in
    samples/*) src=$tmp/package/demo/${name#samples/} ;;
    *) src=$tmp/package/model/$name ;;
    esac
    want=$(grep "  $name\$" "$list" | cut -d' ' -f1)
    if [ ! -f "$src" ]; then
        echo "fetch-models: '$name' is not in $tarball" >&2; bad=1; continue
    fi
    if [ "$(sha "$src")" != "$want" ]; then
        echo "fetch-models: '$name' in $tarball has the wrong sha256 (not installed)" >&2
        bad=1; continue
    fi
    [ -f "$dir/$name" ] && echo "fetch-models: replacing '$dir/$name' (wrong sha256)" >&2
    # copy then rename, so that an interrupted run never leaves a half-written file
    cp "$src" "$dir/$name.part" && mv -f "$dir/$name.part" "$dir/$name"
done
if [ $bad -ne 0 ]; then
    rm -f "$cache/$tarball"
    die "the package does not match src/vision/models.sha256 (cached tarball removed)"
fi
echo "fetch-models: $(wc -l < "$list") files ready in $dir"
