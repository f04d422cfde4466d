/* analytics/floor.h - the store's heatmaps and zone statistics from the walking paths.
 *     struct floor_params p; floor_params_default(&p); p.customer_id = 7;
 *     struct floor_result r;
 *     if (floor_heatmap(st, &p, &r) == SHOP_OK) { ... r.hm, r.stats ...; floor_result_release(&r); }
 * The grid is dwell-weighted (seconds spent per cell), smoothed with a Gaussian. */
#ifndef SHOP_ANALYTICS_FLOOR_H
#define SHOP_ANALYTICS_FLOOR_H

#include "analytics/heatmap.h"
#include "core/jsonw.h"
#include "store/store.h"

struct floor_params {
    double cell;         /* metres, default 0.25 */
    double sigma;        /* Gaussian smoothing in metres, default 0.5; 0 = none */
    double max_gap;      /* seconds one sample may stand for, default 60 */
    int64_t customer_id; /* 0 = everyone */
    int64_t session_id;  /* 0 = every session */
    int64_t from, to;    /* sessions started in [from, to) */
};

struct floor_result {
    double width, height; /* the plan, metres */
    struct heatmap *hm;
    size_t nzones;
    struct store_zone *zones;
    struct heatmap_zone *hz; /* the same zones for the heatmap module */
    struct heatmap_zone_stats stats;
    size_t positions;
    int64_t sessions;
    int64_t *converted; /* [nzones] visiting sessions that made a purchase */
};

void floor_params_default(struct floor_params *p);
/* SHOP_ENOTFOUND when the store has no floor plan; an empty result (all zero) when there are
 * no positions in the scope. Caller releases (also after an error). */
SHOP_MUST_CHECK int floor_heatmap(struct store *st, const struct floor_params *p,
                                  struct floor_result *out);
void floor_result_release(struct floor_result *r);
/* {"width","height","cell","rows","cols","max","values":[[...]...],"positions","sessions",
 *  "zones":[{"name","x0","y0","x1","y1","visits","sessions","dwell_s","mean_dwell_s",
 *  "converted_sessions","conversion"}],
 *  "transitions":[{"from","to","count"}]} */
void floor_write_json(struct jsonw *w, const struct floor_result *r);

#endif
