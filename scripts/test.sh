#!/bin/sh
# Runs every test of the project and ends with one line "N passed, N failed" (then
# ", N skipped" when a runner skipped checks, e.g. for want of a data set: never counted as
# passed).
#   sh scripts/test.sh BUILD_DIR
build=${1:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0 fail=0 skip=0
add() { # add the counts of a runner's "N passed, N failed[, N skipped]" line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$line" ]; then fail=$((fail + 1)); echo "runner '$1' printed no result"; return; fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    s=0
    case $line in *skipped*) s=${line#*failed, }; s=${s%% skipped*} ;; esac
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}
"$build/test_runner" > "$out"; rc=$?
cat "$out"; add unit
[ $rc -ne 0 ] && [ $fail -eq 0 ] && fail=1
for t in tests/cli_*.sh; do
    [ -f "$t" ] || continue
    SHOPPER="$build/shopper" sh "$t" > "$out" 2>&1
    sed 's/^/  /' "$out" | grep -E 'FAIL|SKIP|passed' ; add "$t"
done
if [ $skip -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ $fail -eq 0 ]
