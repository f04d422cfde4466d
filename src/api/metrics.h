/* api/metrics.h - the server's counters in the Prometheus text format: requests by route
 * and status, a latency histogram, frames analysed, face logins (thread-safe, lock-free).
 *     struct metrics *m = metrics_new(nroutes);
 *     metrics_request(m, route, 200, 0.0012);
 *     metrics_write(m, f, names, gauges);                                                 */
#ifndef SHOP_API_METRICS_H
#define SHOP_API_METRICS_H

#include <stdint.h>
#include <stdio.h>

enum metrics_counter { METRICS_FRAMES = 0, METRICS_FACE_LOGINS, METRICS_PIN_LOGINS,
                       METRICS_CHECKOUTS, METRICS_ALERTS_RAISED, METRICS_CACHE_HITS,
                       METRICS_CACHE_COMPUTED, METRICS_NCOUNTERS };

struct metrics;
/* routes 0..nroutes-1 plus one for "no route" (static files, 404s) */
struct metrics *metrics_new(int nroutes);
void metrics_free(struct metrics *m);
/* one finished request; route -1 or out of range counts as "other" */
void metrics_request(struct metrics *m, int route, int status, double seconds);
void metrics_add(struct metrics *m, enum metrics_counter c, uint64_t n);
uint64_t metrics_get(struct metrics *m, enum metrics_counter c);
struct metrics_gauges {
    int64_t mirror_sessions; /* customers logged in at a mirror now; < 0: not known */
    int64_t open_alerts;
    int64_t store_handles;
};
/* route_label(ctx, i) gives "GET /api/v1/products/{id}" for route i */
void metrics_write(struct metrics *m, FILE *f, const char *(*route_label)(void *ctx, int i),
                   void *ctx, const struct metrics_gauges *g);

#endif
