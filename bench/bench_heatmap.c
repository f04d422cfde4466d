/* bench/bench_heatmap.c - times heatmap_add on float64 x and y files of n positions.
 *   bench_heatmap X Y N WIDTH HEIGHT CELL REPEATS GRID_OUT
 * Prints "ours_seconds S" (best of REPEATS: a new grid and all n positions binned) and
 * "ours_inside K", writes the grid [rows, cols] as float64. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analytics/heatmap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double *load(const char *path, size_t n)
{
    double *v = malloc(n * sizeof(double));
    FILE *f = fopen(path, "rb");
    if (!v || !f || fread(v, sizeof(double), n, f) != n) {
        fprintf(stderr, "bench_heatmap: cannot read '%s'\n", path);
        exit(1);
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: bench_heatmap X Y N WIDTH HEIGHT CELL REPEATS OUT\n");
        return 2;
    }
    size_t n = strtoul(argv[3], NULL, 10);
    double *x = load(argv[1], n), *y = load(argv[2], n);
    double width = atof(argv[4]), height = atof(argv[5]), cell = atof(argv[6]);
    int repeats = atoi(argv[7]);
    double best = 1e30;
    size_t inside = 0;
    struct heatmap *hm = NULL;
    for (int r = 0; r < repeats; r++) {
        heatmap_free(hm);
        double t0 = now();
        if (heatmap_new(width, height, cell, &hm) != SHOP_OK)
            return 1;
        inside = heatmap_add(hm, x, y, NULL, n);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("ours_seconds %.6f\nours_inside %zu\n", best, inside);
    FILE *f = fopen(argv[8], "wb");
    size_t cells = (size_t)heatmap_rows(hm) * (size_t)heatmap_cols(hm);
    if (!f || fwrite(heatmap_values(hm), sizeof(double), cells, f) != cells)
        return 1;
    fclose(f);
    heatmap_free(hm);
    free(x);
    free(y);
    return 0;
}
