/* api/metrics.c - atomic counters; a request is a few relaxed increments. */
#include "api/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const int statuses[] = {200, 201, 204, 301, 302, 304, 400, 401, 403, 404,
                               405, 409, 413, 415, 429, 500, 503, 0};
#define NSTATUS ((int)(sizeof(statuses) / sizeof(*statuses))) /* the last is "other" */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1.0,  2.5};
#define NBUCKETS ((int)(sizeof(buckets) / sizeof(*buckets)))

struct metrics {
    int nroutes; /* + 1 for other */
    atomic_uint_fast64_t *count; /* [route][status] */
    atomic_uint_fast64_t hist[NBUCKETS + 1];
    atomic_uint_fast64_t hist_count;
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t counters[METRICS_NCOUNTERS];
};

struct metrics *metrics_new(int nroutes)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->nroutes = nroutes + 1;
    m->count = xcalloc((size_t)m->nroutes * NSTATUS, sizeof(*m->count));
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->count);
    free(m);
}

void metrics_request(struct metrics *m, int route, int status, double seconds)
{
    if (route < 0 || route >= m->nroutes - 1)
        route = m->nroutes - 1;
    int s = NSTATUS - 1;
    for (int i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status) {
            s = i;
            break;
        }
    atomic_fetch_add_explicit(&m->count[route * NSTATUS + s], 1, memory_order_relaxed);
    int b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&m->hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->hist_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t)(seconds * 1e6), memory_order_relaxed);
}

void metrics_add(struct metrics *m, enum metrics_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&m->counters[c], n, memory_order_relaxed);
}

uint64_t metrics_get(struct metrics *m, enum metrics_counter c)
{
    return atomic_load(&m->counters[c]);
}

void metrics_write(struct metrics *m, FILE *f, const char *(*route_label)(void *ctx, int i),
                   void *ctx, const struct metrics_gauges *g)
{
    fprintf(f, "# HELP shopper_http_requests_total HTTP requests by route and status.\n"
               "# TYPE shopper_http_requests_total counter\n");
    for (int r = 0; r < m->nroutes; r++)
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t n = atomic_load(&m->count[r * NSTATUS + s]);
            if (!n)
                continue;
            const char *label = r < m->nroutes - 1 ? route_label(ctx, r) : "other";
            char st[8];
            if (statuses[s])
                snprintf(st, sizeof(st), "%d", statuses[s]);
            else
                snprintf(st, sizeof(st), "other");
            fprintf(f, "shopper_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", label,
                    st, (unsigned long long)n);
        }
    fprintf(f, "# HELP shopper_http_request_duration_seconds Time from request to response.\n"
               "# TYPE shopper_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b <= NBUCKETS; b++) {
        cum += atomic_load(&m->hist[b]);
        if (b < NBUCKETS)
            fprintf(f, "shopper_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                    buckets[b], (unsigned long long)cum);
        else
            fprintf(f, "shopper_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)cum);
    }
    fprintf(f, "shopper_http_request_duration_seconds_sum %.6f\n",
            (double)atomic_load(&m->sum_us) * 1e-6);
    fprintf(f, "shopper_http_request_duration_seconds_count %llu\n",
            (unsigned long long)atomic_load(&m->hist_count));
    static const char *const names[METRICS_NCOUNTERS][2] = {
        {"shopper_frames_analysed_total", "Camera frames run through the face pipeline."},
        {"shopper_face_logins_total", "Customers logged in at a mirror by face."},
        {"shopper_pin_logins_total", "Customers logged in at a mirror by e-mail and PIN."},
        {"shopper_checkouts_total", "Purchases made through the API."},
        {"shopper_alerts_raised_total", "Staff alerts raised by this server."},
        {"shopper_response_cache_hits_total", "Answers served from the response cache."},
        {"shopper_response_cache_computed_total",
         "Answers of cacheable routes computed (response cache misses)."},
    };
    for (int c = 0; c < METRICS_NCOUNTERS; c++)
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", names[c][0], names[c][1],
                names[c][0], names[c][0], (unsigned long long)atomic_load(&m->counters[c]));
    if (g->mirror_sessions >= 0)
        fprintf(f,
                "# HELP shopper_mirror_sessions Customers logged in at a mirror now.\n"
                "# TYPE shopper_mirror_sessions gauge\nshopper_mirror_sessions %lld\n",
                (long long)g->mirror_sessions);
    fprintf(f,
            "# HELP shopper_open_alerts Staff alerts not yet resolved.\n"
            "# TYPE shopper_open_alerts gauge\nshopper_open_alerts %lld\n"
            "# HELP shopper_store_handles Database handles open.\n"
            "# TYPE shopper_store_handles gauge\nshopper_store_handles %lld\n",
            (long long)g->open_alerts, (long long)g->store_handles);
}
