#!/bin/sh
# Dynamic pricing at scale: simulate 5,000 customers x 5,000 products x 120 days (no paths),
# then time `train demand` (XGBoost, 2 threads, early stopping on the last 20 % of days),
# `price` over all 5,000 products (grid +-20 % in 1 % steps, 28-day reference period) and
# `eval pricing` (the same search with the simulator's true demand as the oracle).
#   sh bench/bench_pricing.sh BUILD_DIR       (DAYS, CUSTOMERS, PRODUCTS override the sizes)
build=${1:-build}
days=${DAYS:-120} customers=${CUSTOMERS:-5000} products=${PRODUCTS:-5000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
S="$build/shopper"
timed() { # timed NAME command... : wall seconds and peak RSS into $dir/NAME.time
    name=$1; shift
    /usr/bin/time -f "%e %M" -o "$dir/$name.time" "$@" >"$dir/$name.out" 2>"$dir/$name.err" ||
        { echo "$name failed: $(tail -n 3 "$dir/$name.err")"; exit 1; }
}
timed sim "$S" simulate --db "$dir/p.db" --customers "$customers" --products "$products" \
    --days "$days" --tracked-share 0 --seed 1 --json
timed train "$S" train demand --db "$dir/p.db" --threads 2 --json
timed price "$S" price --db "$dir/p.db" --json
timed eval "$S" eval pricing --db "$dir/p.db" --json
python3 - "$dir" "$customers" "$products" "$days" <<'PY'
import json, sys
d, c, p, n = sys.argv[1:5]
def t(name):
    wall, kb = open(f"{d}/{name}.time").read().split()
    return float(wall), int(kb) / 1024
def j(name):
    return json.load(open(f"{d}/{name}.out"))
s, tr, pr, ev = j("sim"), j("train"), j("price"), j("eval")
w, m = t("sim")
print(f"simulate {c}x{p}x{n}: {w:.1f} s, {s['purchase_lines']:,} units sold")
w, m = t("train")
print(f"train demand: {w:.1f} s wall ({tr['seconds']:.1f} s in training), peak RSS {m:.0f} MB")
print(f"  {tr['rows']:,} training rows ({tr['zero_rows']:,} with no sale), {tr['rounds']} trees")
print(f"  held out {tr['rows_test']:,} rows: MAE {tr['mae']:.4f} (baseline {tr['mae_baseline']:.4f})"
      f", RMSE {tr['rmse']:.4f} (baseline {tr['rmse_baseline']:.4f})")
w, m = t("price")
print(f"price {len(pr['products']):,} products: {w:.1f} s wall, peak RSS {m:.0f} MB")
w, m = t("eval")
print(f"eval pricing: {w:.1f} s wall; capture {ev['capture']*100:.2f} % of the oracle's profit "
      f"(base prices {ev['capture_base']*100:.2f} %, price-blind "
      f"{ev['capture_highest_allowed']*100:.2f} %)")
PY
