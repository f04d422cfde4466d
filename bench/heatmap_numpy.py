"""bench/heatmap_numpy.py - the numpy side of bench_heatmap.sh.

  gen  X Y N WIDTH HEIGHT      writes n positions (float64, fixed seed): hot spots, walkers
                               spread over the floor, 1 % outside the plan
  hist X Y N WIDTH HEIGHT CELL REPEATS OURS_GRID
       times numpy.histogram2d over the same bins (best of REPEATS) and compares its counts
       with our grid
"""
import math
import sys
import time

import numpy as np


def gen(xp, yp, n, width, height):
    rng = np.random.default_rng(2024)
    spots = np.array([[0.15, 0.1], [0.5, 0.5], [0.8, 0.7], [0.3, 0.8]]) * [width, height]
    which = rng.integers(0, 5, size=n)
    x = rng.uniform(0, width, size=n)
    y = rng.uniform(0, height, size=n)
    for s in range(4):
        m = which == s
        x[m] = rng.normal(spots[s, 0], 1.5, size=m.sum())
        y[m] = rng.normal(spots[s, 1], 1.5, size=m.sum())
    out = rng.random(n) < 0.01
    x[out] = width + 1 + rng.random(out.sum())
    x.tofile(xp)
    y.tofile(yp)


def hist(xp, yp, n, width, height, cell, repeats, ours):
    x = np.fromfile(xp)
    y = np.fromfile(yp)
    cols, rows = math.ceil(width / cell), math.ceil(height / cell)
    # the same bins as ours: cols of `cell` metres from 0 (the last one may stick out)
    rng = [[0, cols * cell], [0, rows * cell]]
    best = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        h, _, _ = np.histogram2d(x, y, bins=[cols, rows], range=rng)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    g = np.fromfile(ours).reshape(rows, cols)
    diff = np.abs(g - h.T)
    print(f"numpy_seconds {best:.6f}")
    print(f"numpy_inside {int(h.sum())}")
    print(f"cells_differing {int((diff > 0).sum())}")
    print(f"samples_differing {int(diff.sum())}")


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "gen":
        gen(a[2], a[3], int(a[4]), float(a[5]), float(a[6]))
    else:
        hist(a[2], a[3], int(a[4]), float(a[5]), float(a[6]), float(a[7]), int(a[8]), a[9])
