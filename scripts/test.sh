#!/bin/sh
# Runs every test of the project and ends with one line "N passed, N failed" (then
# ", N skipped" when a runner skipped checks, e.g. for want of a data set: never counted as
# passed).
#   sh scripts/test.sh BUILD_DIR
build=${1:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0 fail=0 skip=0
add() { # add the counts of a runner's "N passed, N failed" line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$line" ]; then fail=$((fail + 1)); echo "runner '$1' printed no result"; return; fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    case "$line" in *skipped*) s=${line#*failed, }; s=${s%% skipped*}; skip=$((skip + s)) ;; esac
}
# node's test runner ends with "# pass N", "# fail N", "# skipped N" lines: the same line
node_line() {
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -n 1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -n 1)
    c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$out" | tail -n 1)
    s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$out" | tail -n 1)
    [ -n "$p" ] && echo "${p} passed, $(( ${f:-0} + ${c:-0} )) failed, ${s:-0} skipped" >> "$out"
}
"$build/test_runner" > "$out"; rc=$?
cat "$out"; add unit
[ $rc -ne 0 ] && [ $fail -eq 0 ] && fail=1
for t in tests/cli_*.sh; do
    [ -f "$t" ] || continue
    SHOPPER="$build/shopper" sh "$t" > "$out" 2>&1
    sed 's/^/  /' "$out" | grep -E 'FAIL|SKIP|passed' ; add "$t"
done
# the HTTP tests: a real server on a free port, over a copy of one demo store
if command -v node >/dev/null 2>&1 && [ -d tests/http ]; then
    demo=$(mktemp -d)
    SHOPPER_TEST_DEMO_DB="$demo/demo.db"
    "$build/shopper" demo --db "$SHOPPER_TEST_DEMO_DB" --start 2026-01-01 > /dev/null 2>&1
    SHOPPER_TEST_DEMO_DB="$SHOPPER_TEST_DEMO_DB" SHOPPER="$build/shopper" \
        node --test tests/http/ > "$out" 2>&1
    node_line
    grep -E '^not ok|^# (pass|fail|skipped) ' "$out" | sed 's/^/  /'
    grep -q '^not ok' "$out" && grep -B2 -A30 '^not ok' "$out" | head -n 120
    add http
    # the web apps in Debian's chromium (playwright-core from tests/browser)
    if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
        SHOPPER_TEST_DEMO_DB="$SHOPPER_TEST_DEMO_DB" SHOPPER="$build/shopper" \
            node --test --test-concurrency=1 tests/browser/ > "$out" 2>&1
        node_line
        grep -E '^# (pass|fail|skipped) ' "$out" | sed 's/^/  browser /'
        grep -q '^not ok' "$out" && grep -B2 -A30 '^not ok' "$out" | head -n 120
        add browser
        echo "  browser screenshots: tests/browser/artifacts/"
    else
        echo "  browser tests skipped: no /usr/bin/chromium or tests/browser/node_modules"
        skip=$((skip + 1))
    fi
    rm -rf "$demo"
fi
if [ $skip -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
else
    echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
