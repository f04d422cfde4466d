"""bench/kmeans_sklearn.py - the scikit-learn side of bench_kmeans.sh.

  gen  DATA N DIM K                 writes Gaussian blobs (float32, fixed seed) to DATA
  fit  DATA N DIM K BATCH MAX_ITER N_INIT REPEATS OURS_CENTRES
       times MiniBatchKMeans (best of REPEATS), then computes the inertia of its centres and
       of ours the same way (float64, full data) and prints both.
"""
import sys
import time

import numpy as np


def gen(path, n, dim, k):
    rng = np.random.default_rng(12345)
    centres = rng.uniform(-10, 10, size=(k, dim))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + rng.normal(0, 2.0, size=(n, dim))
    x.astype(np.float32).tofile(path)


def inertia(x, c):
    x = x.astype(np.float64)
    c = c.astype(np.float64)
    total = 0.0
    for i in range(0, len(x), 20000):
        b = x[i:i + 20000]
        d = ((b[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        total += d.min(axis=1).sum()
    return total


def fit(path, n, dim, k, batch, max_iter, n_init, repeats, ours):
    from sklearn.cluster import MiniBatchKMeans

    x = np.fromfile(path, dtype=np.float32).reshape(n, dim)
    best = None
    for r in range(repeats):
        # no early stopping: both sides run exactly max_iter * n // batch steps
        km = MiniBatchKMeans(n_clusters=k, init="k-means++", batch_size=batch,
                             max_iter=max_iter, n_init=n_init, max_no_improvement=None,
                             tol=0.0, random_state=r, reassignment_ratio=0.01)
        t0 = time.perf_counter()
        km.fit(x)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    oc = np.fromfile(ours, dtype=np.float32).reshape(k, dim)
    print(f"sklearn_seconds {best:.6f}")
    print(f"sklearn_steps {km.n_steps_}")
    print(f"sklearn_inertia {inertia(x, km.cluster_centers_):.6f}")
    print(f"ours_inertia_numpy {inertia(x, oc):.6f}")


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "gen":
        gen(a[2], int(a[3]), int(a[4]), int(a[5]))
    else:
        fit(a[2], *map(int, a[3:10]), a[10])
