#!/bin/sh
# Runs each libFuzzer harness for a bounded time, growing a private corpus in BUILD_DIR from
# the committed seeds in fuzz/corpus/. Exits non-zero when a harness finds a crash (the
# reproducer is left in BUILD_DIR as crash-*, leak-* or timeout-*).
#   sh fuzz/run.sh BUILD_DIR SECONDS
set -u
build=${1:-build-fuzz}
secs=${2:-60}
status=0
for h in ${FUZZ_HARNESSES:-image tfjs baskets model_blob}; do
    mkdir -p "$build/corpus/$h"
    echo "fuzz: $h for ${secs}s"
    if ! "$build/fuzz_$h" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -max_len=65536 -artifact_prefix="$build/" -print_final_stats=1 \
        "$build/corpus/$h" "fuzz/corpus/$h" > "$build/fuzz_$h.log" 2>&1; then
        echo "fuzz: $h FAILED, see $build/fuzz_$h.log"
        tail -n 30 "$build/fuzz_$h.log"
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$build/fuzz_$h.log" |
            sed "s/^/fuzz: $h /"
    fi
done
exit $status
