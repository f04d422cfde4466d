/* analytics/floor.h - the store's heatmaps and zone statistics from the walking paths.
 *     struct floor_params p; floor_params_default(&p); p.customer_id = 7;
 *     struct floor_result r;
 *     if (floor_heatmap(st, &p, &r) == SHOP_OK) { ... r.hm, r.stats ...; floor_result_release(&r); }
 * The grid is dwell-weighted (seconds spent per cell), smoothed with a Gaussian.
 *
 * Daily aggregates: for every day with walking paths the store keeps the unsmoothed grid
 * (cell FLOOR_AGG_CELL, gap FLOOR_AGG_MAX_GAP) and the zone statistics of the sessions
 * started that day. floor_heatmap answers the whole store with those parameters from them for
 * the whole days of the range (the parts of a day at either end, one customer, one session or
 * other parameters from the positions), so a whole-store heatmap costs one grid per day.
 * They stay current through floor_position_add (a live position) and floor_days_rebuild (a
 * bulk load, in its transaction); a day marked stale (an upgrade, positions written another
 * way) is recomputed from its positions when first read, and saved when the handle can. */
#ifndef SHOP_ANALYTICS_FLOOR_H
#define SHOP_ANALYTICS_FLOOR_H

#include "analytics/heatmap.h"
#include "core/jsonw.h"
#include "store/store.h"

#define FLOOR_AGG_CELL 0.25
#define FLOOR_AGG_MAX_GAP 60.0

struct floor_params {
    double cell;         /* metres, default 0.25 */
    double sigma;        /* Gaussian smoothing in metres, default 0.5; 0 = none */
    double max_gap;      /* seconds one sample may stand for, default 60 */
    int64_t customer_id; /* 0 = everyone */
    int64_t session_id;  /* 0 = every session */
    int64_t from, to;    /* sessions started in [from, to) */
    int from_rows;       /* 1: ignore the daily aggregates (slow; for checks) */
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
};

void floor_params_default(struct floor_params *p);
/* SHOP_ENOTFOUND when the store has no floor plan; an empty result (all zero) when there are
 * no positions in the scope. Caller releases (also after an error). */
SHOP_MUST_CHECK int floor_heatmap(struct store *st, const struct floor_params *p,
                                  struct floor_result *out);
void floor_result_release(struct floor_result *r);

/* Records a live position of a session (store_position_add) and folds it into the daily
 * aggregate of the day the session started, atomically (its own transaction level).
 * SHOP_ENOTFOUND for an unknown session. */
SHOP_MUST_CHECK int floor_position_add(struct store *st, int64_t session_id, int64_t t, double x,
                                       double y);
/* Recomputes the daily aggregates of days [d0, d1) from the positions, atomically (inside a
 * caller's transaction it is part of it: the simulator calls it before its commit). A store
 * without a floor plan has nothing to aggregate (SHOP_OK). */
SHOP_MUST_CHECK int floor_days_rebuild(struct store *st, int64_t d0, int64_t d1);
/* {"width","height","cell","rows","cols","max","values":[[...]...],"positions","sessions",
 *  "zones":[{"name","x0","y0","x1","y1","visits","sessions","dwell_s","mean_dwell_s"}],
 *  "transitions":[{"from","to","count"}]} */
void floor_write_json(struct jsonw *w, const struct floor_result *r);

#endif
