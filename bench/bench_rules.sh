#!/bin/sh
# Association rules benchmark: FP-growth on T10I4D100K at absolute minimum support 10
# (411,365 frequent itemsets; the count must match), best CPU and wall time of several runs,
# then the same with itemsets kept and rules generated (confidence 0.5), timed separately.
# A peer runs in the same script when it can be installed: node-fpgrowth from npm (Debian
# has no fpgrowth, mlxtend or arules package). Reference: Borgelt's fpgrowth in C takes about
# 0.4 s CPU for the count on this kind of machine.
#   sh bench/bench_rules.sh BUILD_DIR     (SHOPPER_SHARED: folder with data/; RUNS=5;
#                                          SHOPPER_BENCH_PEER=0 skips the peer)
set -e
build=${1:-build}
shopper="$build/shopper"
shared=${SHOPPER_SHARED:-../shared}
gz="$shared/data/T10I4D100K.dat.gz"
runs=${RUNS:-5}
want=411365
[ -x "$shopper" ] || { echo "bench_rules: no $shopper (make first)" >&2; exit 1; }
[ -f "$gz" ] || { echo "bench_rules: no $gz (set SHOPPER_SHARED)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dat="$tmp/T10I4D100K.dat"
gzip -dc "$gz" > "$dat"
sum=$(sha256sum "$dat" | cut -d' ' -f1)
[ "$sum" = 464d7b87aa7fdc0dc432ddad0493515569b2968b0f229ce39399c454a8c62e0c ] ||
    { echo "bench_rules: $dat has sha256 $sum, not the published one" >&2; exit 1; }

# field NAME of the JSON object in file $1 (cpu.total -> cpu_seconds.total)
field() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print("null" if d is None else d)' "$1" "$2"; }

best() { sort -g | head -n 1; }

echo "rules: T10I4D100K (100,000 baskets), FP-growth, min support 10, best of $runs runs"
: > "$tmp/count.cpu"; : > "$tmp/count.wall"
for i in $(seq "$runs"); do
    "$shopper" rules --file "$dat" --min-support 10 --itemsets-only --json > "$tmp/r.json"
    n=$(field "$tmp/r.json" itemsets)
    [ "$n" = "$want" ] || { echo "bench_rules: $n itemsets, want $want" >&2; exit 1; }
    field "$tmp/r.json" cpu_seconds.total >> "$tmp/count.cpu"
    field "$tmp/r.json" wall_seconds >> "$tmp/count.wall"
done
printf '  %-44s %8.3f s cpu %8.3f s wall  (%s itemsets)\n' "shopper, count only (read + mine)" \
    "$(best < "$tmp/count.cpu")" "$(best < "$tmp/count.wall")" "$want"

: > "$tmp/keep.cpu"; : > "$tmp/keep.items"; : > "$tmp/keep.rules"; : > "$tmp/keep.wall"
for i in $(seq "$runs"); do
    "$shopper" rules --file "$dat" --min-support 10 --min-confidence 0.5 --json > "$tmp/r.json"
    n=$(field "$tmp/r.json" itemsets)
    [ "$n" = "$want" ] || { echo "bench_rules: $n itemsets, want $want" >&2; exit 1; }
    nrules=$(field "$tmp/r.json" rules)
    field "$tmp/r.json" cpu_seconds.total >> "$tmp/keep.cpu"
    field "$tmp/r.json" cpu_seconds.itemsets >> "$tmp/keep.items"
    field "$tmp/r.json" cpu_seconds.rules >> "$tmp/keep.rules"
    field "$tmp/r.json" wall_seconds >> "$tmp/keep.wall"
done
printf '  %-44s %8.3f s cpu %8.3f s wall\n' "shopper, itemsets kept + rules (conf 0.5)" \
    "$(best < "$tmp/keep.cpu")" "$(best < "$tmp/keep.wall")"
printf '  %-44s %8.3f s cpu\n' "  of which itemsets into the trie" "$(best < "$tmp/keep.items")"
printf '  %-44s %8.3f s cpu  (%s rules)\n' "  of which rule generation" \
    "$(best < "$tmp/keep.rules")" "$nrules"

# the peer: node-fpgrowth (JavaScript) from npm, installed once under the build folder
peer="$build/bench-peer"
if [ "${SHOPPER_BENCH_PEER:-1}" = 0 ]; then
    echo "  peer skipped (SHOPPER_BENCH_PEER=0)"
elif ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "  peer not run: node/npm missing"
else
    if [ ! -d "$peer/node_modules/node-fpgrowth" ]; then
        mkdir -p "$peer"
        (cd "$peer" && npm install --silent --no-audit --no-fund node-fpgrowth@1.2.1 \
            > /dev/null 2>&1) || echo "  peer not run: npm install node-fpgrowth failed"
    fi
    if [ -d "$peer/node_modules/node-fpgrowth" ]; then
        cat > "$peer/peer.js" <<'JS'
const fs = require('fs');
const { FPGrowth } = require('node-fpgrowth');
const [file, minsup] = [process.argv[2], +process.argv[3]];
const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
const tx = fs.readFileSync(file, 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l)
    .map(l => (l.trim() ? l.trim().split(/\s+/).map(Number) : []));
new FPGrowth(minsup / tx.length).exec(tx).then(sets => {
    const c = process.cpuUsage(c0), wall = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(JSON.stringify({ itemsets: sets.length, cpu: (c.user + c.system) / 1e6, wall }));
});
JS
        (cd "$peer" && node peer.js "$dat" 10) > "$tmp/p.json"
        printf '  %-44s %8.3f s cpu %8.3f s wall  (%s itemsets, 1 run)\n' \
            "peer: node-fpgrowth 1.2.1 (npm, JavaScript)" "$(field "$tmp/p.json" cpu)" \
            "$(field "$tmp/p.json" wall)" "$(field "$tmp/p.json" itemsets)"
    fi
fi
