#!/usr/bin/env python3
"""bench/vision_table.py - the table of bench_vision.sh: the reference's per-frame and
per-network times next to the C pipeline's, medians over the runs, with the ratio.
    python3 bench/vision_table.py DETECTOR REF_OUT C_JSONL [LOAD [LABEL]]
Each row: the medians, their ratio, then the spread over the runs (min-max of each side and
of the per-run ratios). LOAD: the machine's load average, printed as given; LABEL: what the
C side is, printed after the chain's name.
REF_OUT: the stdout of `node tests/vision/reference.mjs --bench N` for each run, appended;
C_JSONL: one `shopper bench-faces --json` object per line per run."""
import json
import re
import statistics
import sys

NETS = ["tiny", "ssd", "landmarks68", "expressions", "age_gender", "descriptor"]


def median(v):
    return statistics.median(v) if v else float("nan")


def main():
    det, ref_path, c_path = sys.argv[1:4]
    load = sys.argv[4] if len(sys.argv) > 4 else ""
    label = sys.argv[5] if len(sys.argv) > 5 else ""
    ref = {"frame": [], "frame_cpu": []}
    for line in open(ref_path):
        m = re.match(r"reference \w+-frame ms: ([\d.]+) cpu-ms: ([\d.]+)", line)
        if m:
            ref["frame"].append(float(m[1]))
            ref["frame_cpu"].append(float(m[2]))
        m = re.match(r"reference \w+ net (\w+) ms: ([\d.]+) cpu-ms: ([\d.]+)", line)
        if m:
            ref.setdefault(m[1], []).append(float(m[3]))
    ours = {"frame": [], "frame_cpu": []}
    for line in open(c_path):
        if not line.strip():
            continue
        j = json.loads(line)
        ours["frame"].append(j["frame_ms"])
        ours["frame_cpu"].append(j["frame_cpu_ms"])
        for k, v in j["net_cpu_ms"].items():
            ours.setdefault(k, []).append(v)
    runs = len(ours["frame"])

    def spread(v):
        return f"{min(v):.1f}-{max(v):.1f}" if v else "-"

    def row(label, key, note=""):
        rv, cv = ref.get(key, []), ours.get(key, [])
        r, c = median(rv), median(cv)
        ratio = r / c if c > 0 else float("nan")
        # the ratio of each run (runs pair up: reference then C, alternating)
        ratios = [a / b for a, b in zip(rv, cv) if b > 0]
        print(f"  {label:<22} {r:9.2f} {c:9.2f} {ratio:7.1f}x   "
              f"{spread(rv):>13} {spread(cv):>11} {spread(ratios):>9}{note}")

    print(f"== {det} chain{label}, 640x480, one face, one core: median of {runs} runs "
          "(reference and C alternate)")
    if load:
        print(f"  load average before/after: {load}")
    print(f"  {'ms per frame':<22} {'reference':>9} {'C':>9} {'ratio':>8}   "
          f"{'ref min-max':>13} {'C min-max':>11} {'ratios':>9}")
    row("frame (wall)", "frame")
    row("frame (cpu)", "frame_cpu")
    for n in NETS:
        if n in ours or n in ref:
            row(f"  {n} (cpu)", n)
    print("  (networks: input preparation + inference + decoding, each called alone on the "
          "reference side; crops cut outside its timer)")


main()
