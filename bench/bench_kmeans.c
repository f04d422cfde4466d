/* bench/bench_kmeans.c - times our mini-batch k-means on a float32 [n, dim] file.
 *   bench_kmeans DATA N DIM K BATCH MAX_ITER N_INIT REPEATS CENTRES_OUT
 * Prints "ours_seconds S" (best of REPEATS; fit plus labels and inertia over the full data,
 * as sklearn's fit with compute_labels) and "ours_inertia I", writes the centres as float32. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analytics/kmeans.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: bench_kmeans DATA N DIM K BATCH MAX_ITER N_INIT REPEATS OUT\n");
        return 2;
    }
    size_t n = strtoul(argv[2], NULL, 10);
    struct kmeans_params p;
    kmeans_params_default(&p, atoi(argv[3]));
    p.k = atoi(argv[4]);
    p.batch_size = atoi(argv[5]);
    p.max_iter = atoi(argv[6]);
    p.n_init = atoi(argv[7]);
    p.standardise = 0; /* sklearn's MiniBatchKMeans sees the raw rows too */
    p.seed = 1;
    int repeats = atoi(argv[8]);
    size_t total = n * (size_t)p.dim;
    float *x = malloc(total * sizeof(float));
    FILE *f = fopen(argv[1], "rb");
    if (!x || !f || fread(x, sizeof(float), total, f) != total) {
        fprintf(stderr, "bench_kmeans: cannot read '%s'\n", argv[1]);
        return 1;
    }
    fclose(f);
    int *labels = malloc(n * sizeof(int));
    float *d2 = malloc(n * sizeof(float));
    double best = 1e30, inertia = 0;
    struct kmeans *km = NULL;
    for (int r = 0; r < repeats; r++) {
        kmeans_free(km);
        if (kmeans_new(&p, &km) != SHOP_OK)
            return 1;
        double t0 = now();
        if (kmeans_fit(km, x, n) != SHOP_OK || kmeans_predict(km, x, n, labels, d2) != SHOP_OK)
            return 1;
        inertia = 0;
        for (size_t i = 0; i < n; i++)
            inertia += d2[i];
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("ours_seconds %.6f\nours_inertia %.6f\n", best, inertia);
    f = fopen(argv[9], "wb");
    if (!f || fwrite(kmeans_centres(km), sizeof(float), (size_t)p.k * (size_t)p.dim, f) !=
                  (size_t)p.k * (size_t)p.dim)
        return 1;
    fclose(f);
    kmeans_free(km);
    free(labels);
    free(d2);
    free(x);
    return 0;
}
