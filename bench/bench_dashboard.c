/* bench/bench_dashboard.c - the dashboard's queries in-process on a store, from the daily
 * aggregates and from the rows, in the same run.
 *   bench_dashboard DB [REPEATS]
 * For each query prints "name aggregated_ms aggregated_cpu_ms rows_ms" (best of REPEATS, wall
 * and this process's CPU time: on a shared machine the CPU time is the steadier number; the
 * process start and the opening are not counted: a server holds its handle). The store
 * should be simulated (shopper simulate); the first call brings its aggregates up to date. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/floor.h"
#include "analytics/kpi.h"
#include "analytics/profiles.h"
#include "analytics/segments.h"
#include "store/store.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_kpi(struct store *st, int64_t from, int64_t to, int rows)
{
    struct store_kpi k;
    int rc = rows ? store_kpi_scan(st, from, to, &k) : store_kpi_get(st, from, to, &k);
    if (rc == SHOP_OK)
        store_kpi_release(&k);
    return rc;
}

static int run_floor(struct store *st, int64_t from, int64_t to, int rows)
{
    struct floor_params p;
    floor_params_default(&p);
    p.from = from;
    p.to = to;
    p.from_rows = rows;
    struct floor_result r;
    int rc = floor_heatmap(st, &p, &r);
    floor_result_release(&r);
    return rc;
}

/* the segments described: rows = from scratch (every customer's features labelled, what
 * every request did), aggregated = from the model and its saved assignment
 * (segments_describe, what a request does when the server's cache misses) */
static int run_segments(struct store *st, int64_t from, int64_t to, int rows)
{
    (void)from;
    (void)to;
    struct segments_report r;
    return rows ? segments_describe_scan(st, &r) : segments_describe(st, &r);
}

/* the Customers screen's summary with its 10 top spenders: aggregated = saved with the
 * profiles (profiles_summary_get), rows = a walk of the profiles and a sort by spend */
static int run_profiles(struct store *st, int64_t from, int64_t to, int rows)
{
    (void)from;
    (void)to;
    struct profiles_summary s;
    if (!rows) {
        int rc = profiles_summary_get(st, 10, &s);
        if (rc == SHOP_OK)
            profiles_summary_release(&s);
        return rc;
    }
    memset(&s, 0, sizeof(s));
    int64_t total;
    int rc = store_profile_summary(st, &s.s, s.prefs, s.nprefs);
    if (rc == SHOP_OK)
        rc = store_profile_rows(st, NULL, -1, STORE_PROFILES_BY_SPEND, 10, 0, &s.top, &s.ntop,
                                &total);
    profiles_summary_release(&s);
    return rc;
}

/* best wall and CPU milliseconds of `repeats` calls */
static double best_ms(struct store *st, int (*fn)(struct store *, int64_t, int64_t, int),
                      int64_t from, int64_t to, int rows, int repeats, double *cpu)
{
    double best = 1e30, best_cpu = 1e30;
    for (int i = 0; i < repeats; i++) {
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        if (fn(st, from, to, rows) != SHOP_OK) {
            fprintf(stderr, "bench_dashboard: %s\n", shop_errmsg());
            exit(1);
        }
        double dt = (clock_s(CLOCK_MONOTONIC) - t0) * 1e3;
        double dc = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3;
        if (dt < best)
            best = dt;
        if (dc < best_cpu)
            best_cpu = dc;
    }
    if (cpu)
        *cpu = best_cpu;
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dashboard DB [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    struct store *st;
    if (store_open(argv[1], 0, &st) != SHOP_OK) {
        fprintf(stderr, "bench_dashboard: %s\n", store_open_error());
        return 1;
    }
    int64_t last = store_meta_int(st, "sim.last_day", -1);
    if (last < 0) {
        fprintf(stderr, "bench_dashboard: '%s' was not simulated\n", argv[1]);
        return 1;
    }
    const struct {
        const char *name;
        int (*fn)(struct store *, int64_t, int64_t, int);
        int64_t from, to;
    } q[] = {
        {"kpi_all", run_kpi, 0, KPI_OPEN_END},
        {"kpi_last_7_days", run_kpi, (last - 6) * 86400, (last + 1) * 86400},
        {"kpi_7_days_from_noon", run_kpi, (last - 7) * 86400 + 43200, last * 86400 + 43200},
        {"heatmap_all", run_floor, 0, INT64_MAX},
        {"heatmap_last_7_days", run_floor, (last - 6) * 86400, (last + 1) * 86400},
        {"heatmap_7_days_from_noon", run_floor, (last - 7) * 86400 + 43200, last * 86400 + 43200},
        {"heatmap_noon_to_3pm", run_floor, last * 86400 + 43200, last * 86400 + 54000},
        {"heatmap_0030_to_2330", run_floor, last * 86400 + 1800, last * 86400 + 84600},
        {"segments", run_segments, 0, 0},
        {"profiles_summary", run_profiles, 0, 0},
    };
    for (size_t i = 0; i < sizeof(q) / sizeof(*q); i++) {
        double cpu;
        struct segments_report probe;
        if (q[i].fn == run_segments && segments_describe(st, &probe) != SHOP_OK) {
            printf("%-26s %10s (no saved segments: shopper train segments)\n", q[i].name, "n/a");
            continue;
        }
        best_ms(st, q[i].fn, q[i].from, q[i].to, 0, 1, NULL); /* brings stale days up to date */
        double agg = best_ms(st, q[i].fn, q[i].from, q[i].to, 0, repeats, &cpu);
        double rows = best_ms(st, q[i].fn, q[i].from, q[i].to, 1, repeats, NULL);
        printf("%-26s %10.2f %10.2f %10.2f\n", q[i].name, agg, cpu, rows);
        fflush(stdout);
    }
    store_close(st);
    return 0;
}
