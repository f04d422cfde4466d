/* analytics/floor.c - positions from the store into heatmaps and zone statistics. */
#include "analytics/floor.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"

void floor_params_default(struct floor_params *p)
{
    memset(p, 0, sizeof(*p));
    p->cell = 0.25;
    p->sigma = 0.5;
    p->max_gap = 60;
    p->from = 0;
    p->to = INT64_MAX;
}

static int has_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id;
}

/* adds 1 to converted[z] for each zone z of the plan that samples [i, end) of t (one session)
 * pass through; a sample is in the first zone that holds it */
static void mark_zones(const struct floor_result *r, int64_t *converted,
                       const struct store_track *t, size_t i, size_t end, unsigned char *seen)
{
    memset(seen, 0, r->nzones ? r->nzones : 1);
    for (size_t k = i; k < end; k++)
        for (size_t z = 0; z < r->nzones; z++) {
            const struct heatmap_zone *h = &r->hz[z];
            double x0 = h->x0 < h->x1 ? h->x0 : h->x1, x1 = h->x0 < h->x1 ? h->x1 : h->x0;
            double y0 = h->y0 < h->y1 ? h->y0 : h->y1, y1 = h->y0 < h->y1 ? h->y1 : h->y0;
            if (t->x[k] >= x0 && t->x[k] <= x1 && t->y[k] >= y0 && t->y[k] <= y1) {
                seen[z] = 1;
                break;
            }
        }
    for (size_t z = 0; z < r->nzones; z++)
        converted[z] += seen[z];
}

/* adds to r->converted, per zone, the visiting sessions started in [from, to) that made a
 * purchase (a zone's conversion is that over its visiting sessions). Only the buyers'
 * samples are read: for the whole store one session at a time (an index lookup each), for a
 * customer or a session their tracks. */
static int zone_conversions(struct store *st, const struct floor_params *p, int64_t from,
                            int64_t to, struct floor_result *r)
{
    int64_t *ids = NULL;
    size_t nids = 0;
    int rc = store_sessions_converted(st, from, to, &ids, &nids);
    unsigned char *seen = xcalloc(r->nzones ? r->nzones : 1, 1);
    struct store_track t;
    if (rc == SHOP_OK && (p->customer_id > 0 || p->session_id > 0)) {
        rc = store_tracks(st, p->customer_id, p->session_id, from, to, &t);
        for (size_t i = 0; rc == SHOP_OK && i < t.n;) {
            size_t end = i;
            while (end < t.n && t.session[end] == t.session[i])
                end++;
            if (has_id(ids, nids, t.session[i]))
                mark_zones(r, r->converted, &t, i, end, seen);
            i = end;
        }
        if (rc == SHOP_OK)
            store_track_release(&t);
    } else if (rc == SHOP_OK) {
        /* thousands of index lookups: in one snapshot, not a file lock each */
        int began = 0;
        rc = store_snapshot_begin(st, &began);
        for (size_t k = 0; rc == SHOP_OK && k < nids; k++) {
            rc = store_session_track(st, ids[k], &t);
            if (rc == SHOP_OK) {
                mark_zones(r, r->converted, &t, 0, t.n, seen);
                store_track_release(&t);
            }
        }
        store_snapshot_end(st, began);
    }
    free(seen);
    free(ids);
    return rc;
}

/* the floor plan: zones, their heatmap twins and the plan's size */
static int plan_load(struct store *st, struct floor_result *r)
{
    int rc = store_zones(st, &r->zones, &r->nzones);
    if (rc != SHOP_OK)
        return rc;
    if (r->nzones == 0)
        return SHOP_ENOTFOUND;
    r->hz = xcalloc(r->nzones, sizeof(*r->hz));
    for (size_t i = 0; i < r->nzones; i++) {
        const struct store_zone *z = &r->zones[i];
        r->hz[i] = (struct heatmap_zone){z->x0, z->y0, z->x1, z->y1, z->name};
        if (z->x1 > r->width)
            r->width = z->x1;
        if (z->y1 > r->height)
            r->height = z->y1;
    }
    return SHOP_OK;
}

static void stats_alloc(struct heatmap_zone_stats *s, int nz)
{
    memset(s, 0, sizeof(*s));
    s->nzones = nz;
    s->visits = xcalloc((size_t)nz, sizeof(int64_t));
    s->sessions = xcalloc((size_t)nz, sizeof(int64_t));
    s->dwell = xcalloc((size_t)nz, sizeof(double));
    s->mean_dwell = xcalloc((size_t)nz, sizeof(double));
    s->transitions = xcalloc((size_t)nz * (size_t)nz, sizeof(int64_t));
}

/* d += sign * s (same zones) */
static void stats_add(struct heatmap_zone_stats *d, const struct heatmap_zone_stats *s, int sign)
{
    size_t nz = (size_t)d->nzones;
    for (size_t i = 0; i < nz; i++) {
        d->visits[i] += sign * s->visits[i];
        d->sessions[i] += sign * s->sessions[i];
        d->dwell[i] += sign * s->dwell[i];
    }
    for (size_t i = 0; i < nz * nz; i++)
        d->transitions[i] += sign * s->transitions[i];
    d->outside = sign > 0 ? d->outside + s->outside : d->outside - s->outside;
}

static void stats_finish(struct heatmap_zone_stats *s)
{
    for (int i = 0; i < s->nzones; i++)
        s->mean_dwell[i] = s->visits[i] ? s->dwell[i] / (double)s->visits[i] : 0;
}

/* what a set of tracks adds up to: a dwell grid, zone statistics, samples and sessions, and
 * per zone the visiting sessions that made a purchase */
struct acc {
    struct heatmap *hm;
    struct heatmap_zone_stats stats;
    int64_t positions, sessions;
    int64_t *converted; /* [nzones] */
};

static int acc_new(const struct floor_result *plan, double cell, struct acc *a)
{
    memset(a, 0, sizeof(*a));
    stats_alloc(&a->stats, (int)plan->nzones);
    a->converted = xcalloc(plan->nzones ? plan->nzones : 1, sizeof(*a->converted));
    return heatmap_new(plan->width, plan->height, cell, &a->hm);
}

static void acc_release(struct acc *a)
{
    heatmap_free(a->hm);
    heatmap_zone_stats_release(&a->stats);
    free(a->converted);
    memset(a, 0, sizeof(*a));
}

/* marks in a->converted the zones of the sessions of t (grouped by session) started in
 * [from, to) that made a purchase: the conversions of one day's tracks */
static int acc_conversions(struct store *st, const struct floor_result *plan, struct acc *a,
                           const struct store_track *t, int64_t from, int64_t to)
{
    int64_t *ids = NULL;
    size_t nids = 0;
    int rc = store_sessions_converted(st, from, to, &ids, &nids);
    unsigned char *seen = xcalloc(plan->nzones ? plan->nzones : 1, 1);
    for (size_t i = 0; rc == SHOP_OK && i < t->n;) {
        size_t end = i;
        while (end < t->n && t->session[end] == t->session[i])
            end++;
        if (has_id(ids, nids, t->session[i]))
            mark_zones(plan, a->converted, t, i, end, seen);
        i = end;
    }
    free(seen);
    free(ids);
    return rc;
}

static void converted_add(int64_t *into, const int64_t *from, size_t nzones, int sign)
{
    for (size_t z = 0; into && from && z < nzones; z++)
        into[z] += sign * from[z];
}

/* adds the tracks (grouped by session, t ascending) to a */
static int acc_tracks(const struct floor_result *plan, struct acc *a, const struct store_track *t,
                      double max_gap)
{
    int rc = heatmap_add_tracks(a->hm, t->session, t->t, t->x, t->y, t->n, max_gap, NULL);
    struct heatmap_zone_stats zs = {0};
    if (rc == SHOP_OK)
        rc = heatmap_zone_stats(plan->hz, (int)plan->nzones, t->session, t->t, t->x, t->y, t->n,
                                max_gap, &zs);
    if (rc == SHOP_OK)
        stats_add(&a->stats, &zs, 1);
    heatmap_zone_stats_release(&zs);
    if (rc == SHOP_OK) {
        a->positions += (int64_t)t->n;
        for (size_t i = 0; i < t->n; i++)
            a->sessions += i == 0 || t->session[i] != t->session[i - 1];
    }
    return rc;
}

/* r += a (the grid and statistics of one part of the range) */
static void result_add(struct floor_result *r, const struct acc *a)
{
    heatmap_accumulate(r->hm, heatmap_values(a->hm), 1.0);
    stats_add(&r->stats, &a->stats, 1);
    converted_add(r->converted, a->converted, r->nzones, 1);
    r->positions += (size_t)a->positions;
    r->sessions += a->sessions;
}

/* the rows of sessions started in [from, to) (customer / session filters of p) into r */
static int add_scan(struct store *st, const struct floor_params *p, int64_t from, int64_t to,
                    struct floor_result *r)
{
    struct store_track t;
    int rc = store_tracks(st, p->customer_id, p->session_id, from, to, &t);
    if (rc != SHOP_OK)
        return rc;
    struct acc a;
    rc = acc_new(r, p->cell, &a);
    if (rc == SHOP_OK)
        rc = acc_tracks(r, &a, &t, p->max_gap);
    if (rc == SHOP_OK)
        result_add(r, &a);
    acc_release(&a);
    store_track_release(&t);
    return rc;
}

/* ---- daily aggregates ---- */

static int zone_index(const struct floor_result *plan, const char *name)
{
    for (size_t i = 0; i < plan->nzones; i++)
        if (strcmp(plan->zones[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void put_zone(void *ctx, const char *zone, int64_t visits, int64_t sessions, double dwell,
                     int64_t converted)
{
    void **c = ctx;
    const struct floor_result *plan = c[0];
    struct heatmap_zone_stats *s = c[1];
    int64_t *conv = c[2];
    int z = zone_index(plan, zone);
    if (z >= 0) {
        s->visits[z] += visits;
        s->sessions[z] += sessions;
        s->dwell[z] += dwell;
        if (conv)
            conv[z] += converted;
    }
}

static void put_transition(void *ctx, const char *from, const char *to, int64_t n)
{
    void **c = ctx;
    const struct floor_result *plan = c[0];
    struct heatmap_zone_stats *s = c[1];
    int a = zone_index(plan, from), b = zone_index(plan, to);
    if (a >= 0 && b >= 0)
        s->transitions[(size_t)a * plan->nzones + (size_t)b] += n;
}

/* the zone sums of days [d0, d1) added into s, their conversions into converted[nzones] */
static int add_zone_sums(struct store *st, const struct floor_result *plan, int64_t d0,
                         int64_t d1, struct heatmap_zone_stats *s, int64_t *converted)
{
    void *ctx[3] = {(void *)plan, s, converted};
    int rc = store_floor_zone_sums(st, d0, d1, put_zone, ctx);
    if (rc == SHOP_OK)
        rc = store_floor_transition_sums(st, d0, d1, put_transition, ctx);
    return rc;
}

/* saves a's numbers as the aggregate of `day` */
static int day_save(struct store *st, const struct floor_result *plan, int64_t day,
                    const struct acc *a)
{
    struct store_floor_day d = {
        .day = day,
        .positions = a->positions,
        .sessions = a->sessions,
        .outside = (int64_t)a->stats.outside,
        .cell = heatmap_cell(a->hm),
        .rows = heatmap_rows(a->hm),
        .cols = heatmap_cols(a->hm),
        .grid = heatmap_values(a->hm),
    };
    const char **names = xcalloc(plan->nzones, sizeof(char *));
    for (size_t i = 0; i < plan->nzones; i++)
        names[i] = plan->zones[i].name;
    struct store_floor_zones z = {.n = (int)plan->nzones,
                                  .name = names,
                                  .visits = a->stats.visits,
                                  .sessions = a->stats.sessions,
                                  .converted = a->converted,
                                  .dwell = a->stats.dwell,
                                  .transitions = a->stats.transitions};
    int rc = store_floor_day_put(st, &d, &z, day * 86400 + 86400);
    free(names);
    return rc;
}

/* the aggregate of one day computed from its rows */
static int day_compute(struct store *st, const struct floor_result *plan, int64_t day,
                       struct acc *a)
{
    int rc = acc_new(plan, FLOOR_AGG_CELL, a);
    struct store_track t = {0};
    if (rc == SHOP_OK)
        rc = store_tracks(st, 0, 0, day * 86400, day * 86400 + 86400, &t);
    if (rc == SHOP_OK)
        rc = acc_tracks(plan, a, &t, FLOOR_AGG_MAX_GAP);
    if (rc == SHOP_OK)
        rc = acc_conversions(st, plan, a, &t, day * 86400, day * 86400 + 86400);
    store_track_release(&t);
    return rc;
}

int floor_days_rebuild(struct store *st, int64_t d0, int64_t d1)
{
    struct floor_result plan;
    memset(&plan, 0, sizeof(plan));
    int rc = plan_load(st, &plan);
    if (rc == SHOP_ENOTFOUND) {
        floor_result_release(&plan);
        return SHOP_OK; /* no floor plan: no paths to aggregate */
    }
    if (rc == SHOP_OK)
        rc = store_begin(st);
    if (rc != SHOP_OK) {
        floor_result_release(&plan);
        return rc;
    }
    for (int64_t day = d0; day < d1 && rc == SHOP_OK; day++) {
        struct acc a;
        rc = day_compute(st, &plan, day, &a);
        if (rc == SHOP_OK)
            rc = day_save(st, &plan, day, &a);
        acc_release(&a);
    }
    floor_result_release(&plan);
    return store_end(st, rc);
}

struct day_walk {
    struct store *st;
    struct floor_result *r;
    int64_t *redo; /* days to recompute from the rows */
    size_t nredo, cap;
};

static int take_day(void *ctx, const struct store_floor_day *d)
{
    struct day_walk *w = ctx;
    struct heatmap *hm = w->r->hm;
    if (d->stale || (d->positions > 0 &&
                     (!d->grid || d->rows != heatmap_rows(hm) || d->cols != heatmap_cols(hm) ||
                      d->cell != heatmap_cell(hm)))) {
        if (w->nredo == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 16;
            w->redo = xreallocarray(w->redo, w->cap, sizeof(int64_t));
        }
        w->redo[w->nredo++] = d->day;
        return SHOP_OK;
    }
    if (d->grid)
        heatmap_accumulate(hm, d->grid, 1.0);
    w->r->positions += (size_t)d->positions;
    w->r->sessions += d->sessions;
    w->r->stats.outside += (size_t)d->outside;
    return SHOP_OK;
}

/* whole days [d0, d1) from the daily aggregates into r; a stale day (or one of another
 * plan) is computed from its rows and saved again when the handle can write */
static int add_days(struct store *st, int64_t d0, int64_t d1, struct floor_result *r)
{
    struct day_walk w = {st, r, NULL, 0, 0};
    int rc = store_floor_days(st, d0, d1, take_day, &w);
    if (rc == SHOP_OK) {
        /* the redo days have no zone rows, or rows of another plan: sum the others */
        struct heatmap_zone_stats zs;
        stats_alloc(&zs, r->stats.nzones);
        int64_t *conv = xcalloc(r->nzones ? r->nzones : 1, sizeof(*conv));
        rc = add_zone_sums(st, r, d0, d1, &zs, conv);
        if (rc == SHOP_OK)
            for (size_t i = 0; i < w.nredo && rc == SHOP_OK; i++) {
                struct heatmap_zone_stats old;
                stats_alloc(&old, r->stats.nzones);
                int64_t *oldc = xcalloc(r->nzones ? r->nzones : 1, sizeof(*oldc));
                rc = add_zone_sums(st, r, w.redo[i], w.redo[i] + 1, &old, oldc);
                stats_add(&zs, &old, -1);
                converted_add(conv, oldc, r->nzones, -1);
                heatmap_zone_stats_release(&old);
                free(oldc);
            }
        if (rc == SHOP_OK) {
            size_t outside = r->stats.outside;
            stats_add(&r->stats, &zs, 1);
            r->stats.outside = outside;
            converted_add(r->converted, conv, r->nzones, 1);
        }
        heatmap_zone_stats_release(&zs);
        free(conv);
    }
    for (size_t i = 0; i < w.nredo && rc == SHOP_OK; i++) {
        struct acc a;
        rc = day_compute(st, r, w.redo[i], &a);
        if (rc == SHOP_OK) {
            result_add(r, &a);
            /* best effort: a read-only or busy handle answers from the rows next time too */
            if (day_save(st, r, w.redo[i], &a) != SHOP_OK)
                log_debug("floor: day %lld recomputed but not saved: %s",
                          (long long)w.redo[i], shop_errmsg());
        }
        acc_release(&a);
    }
    free(w.redo);
    return rc;
}

int floor_heatmap(struct store *st, const struct floor_params *p, struct floor_result *r)
{
    memset(r, 0, sizeof(*r));
    int rc = plan_load(st, r);
    if (rc != SHOP_OK)
        return rc;
    if ((rc = heatmap_new(r->width, r->height, p->cell, &r->hm)) != SHOP_OK)
        return rc;
    stats_alloc(&r->stats, (int)r->nzones);
    r->converted = xcalloc(r->nzones ? r->nzones : 1, sizeof(*r->converted));
    /* the whole store with the aggregates' cell and gap: whole days from the daily
     * aggregates (zone conversions too), the parts of a day at either end from the rows */
    int64_t from = p->from, to = p->to;
    int64_t d0 = from <= 0                    ? 0
                 : from > INT64_MAX - 86400 ? INT64_MAX / 86400
                                            : (from + 86399) / 86400;
    int64_t d1 = to < 0 ? 0 : to / 86400;
    int aggregated = p->customer_id == 0 && p->session_id == 0 && p->cell == FLOOR_AGG_CELL &&
                     p->max_gap == FLOOR_AGG_MAX_GAP && !p->from_rows && d0 < d1;
    if (aggregated) {
        if (from < d0 * 86400) {
            rc = add_scan(st, p, from, d0 * 86400, r);
            if (rc == SHOP_OK)
                rc = zone_conversions(st, p, from, d0 * 86400, r);
        }
        if (rc == SHOP_OK)
            rc = add_days(st, d0, d1, r);
        if (rc == SHOP_OK && d1 * 86400 < to) {
            rc = add_scan(st, p, d1 * 86400, to, r);
            if (rc == SHOP_OK)
                rc = zone_conversions(st, p, d1 * 86400, to, r);
        }
    } else {
        rc = add_scan(st, p, from, to, r);
        if (rc == SHOP_OK)
            rc = zone_conversions(st, p, from, to, r);
    }
    if (rc == SHOP_OK) {
        stats_finish(&r->stats);
        heatmap_smooth(r->hm, p->sigma);
    }
    return rc;
}

/* what one session's samples add up to (grid, statistics, samples, 1 session, its zones when
 * it made a purchase at `since` (its day's start) or later) */
static int session_part(struct store *st, const struct floor_result *plan, int64_t session,
                        int64_t since, struct acc *a)
{
    struct store_track t;
    int rc = acc_new(plan, FLOOR_AGG_CELL, a);
    if (rc != SHOP_OK)
        return rc;
    if ((rc = store_session_track(st, session, &t)) != SHOP_OK)
        return rc;
    rc = acc_tracks(plan, a, &t, FLOOR_AGG_MAX_GAP);
    int bought = 0;
    if (rc == SHOP_OK)
        rc = store_session_converted(st, session, since, &bought);
    if (rc == SHOP_OK && bought) {
        unsigned char *seen = xcalloc(plan->nzones ? plan->nzones : 1, 1);
        mark_zones(plan, a->converted, &t, 0, t.n, seen);
        free(seen);
    }
    store_track_release(&t);
    return rc;
}

struct day_read {
    struct floor_result *plan;
    struct acc *a;
    int found, usable;
};

static int read_day(void *ctx, const struct store_floor_day *d)
{
    struct day_read *w = ctx;
    struct heatmap *hm = w->a->hm;
    w->found = 1;
    w->usable = !d->stale && (d->positions == 0 || (d->grid && d->rows == heatmap_rows(hm) &&
                                                    d->cols == heatmap_cols(hm) &&
                                                    d->cell == heatmap_cell(hm)));
    if (w->usable) {
        if (d->grid)
            heatmap_accumulate(hm, d->grid, 1.0);
        w->a->positions = d->positions;
        w->a->sessions = d->sessions;
        w->a->stats.outside = (size_t)d->outside;
    }
    return SHOP_OK;
}

/* position + the day's aggregate minus the session's old part plus its new part */
static int position_add(struct store *st, struct floor_result *plan, int64_t session, int64_t t,
                        double x, double y)
{
    int64_t started;
    int rc = store_session_started(st, session, &started);
    if (rc != SHOP_OK)
        return rc;
    int64_t day = store_day_of(started);
    struct acc before, after, agg;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    rc = acc_new(plan, FLOOR_AGG_CELL, &agg);
    if (rc == SHOP_OK)
        rc = session_part(st, plan, session, day * 86400, &before);
    if (rc == SHOP_OK)
        rc = store_position_add(st, session, t, x, y);
    if (rc == SHOP_OK)
        rc = session_part(st, plan, session, day * 86400, &after);
    struct day_read w = {plan, &agg, 0, 1};
    if (rc == SHOP_OK)
        rc = store_floor_days(st, day, day + 1, read_day, &w);
    if (rc == SHOP_OK && w.found && !w.usable) {
        rc = store_floor_day_stale(st, day); /* recomputed when read */
    } else if (rc == SHOP_OK) {
        rc = add_zone_sums(st, plan, day, day + 1, &agg.stats, agg.converted);
        if (rc == SHOP_OK) {
            heatmap_accumulate(agg.hm, heatmap_values(before.hm), -1.0);
            stats_add(&agg.stats, &before.stats, -1);
            converted_add(agg.converted, before.converted, plan->nzones, -1);
            converted_add(agg.converted, after.converted, plan->nzones, 1);
            agg.positions -= before.positions;
            agg.sessions -= before.sessions;
            heatmap_accumulate(agg.hm, heatmap_values(after.hm), 1.0);
            stats_add(&agg.stats, &after.stats, 1);
            agg.positions += after.positions;
            agg.sessions += after.sessions;
            rc = day_save(st, plan, day, &agg);
        }
    }
    acc_release(&before);
    acc_release(&after);
    acc_release(&agg);
    return rc;
}

int floor_position_add(struct store *st, int64_t session_id, int64_t t, double x, double y)
{
    struct floor_result plan;
    memset(&plan, 0, sizeof(plan));
    int rc = plan_load(st, &plan);
    if (rc == SHOP_ENOTFOUND) {
        floor_result_release(&plan);
        return store_position_add(st, session_id, t, x, y); /* no plan: nothing to count */
    }
    if (rc == SHOP_OK)
        rc = store_begin(st);
    if (rc == SHOP_OK)
        rc = store_end(st, position_add(st, &plan, session_id, t, x, y));
    floor_result_release(&plan);
    return rc;
}

void floor_result_release(struct floor_result *r)
{
    heatmap_free(r->hm);
    heatmap_zone_stats_release(&r->stats);
    free(r->zones);
    free(r->hz);
    free(r->converted);
    memset(r, 0, sizeof(*r));
}

void floor_write_json(struct jsonw *w, const struct floor_result *r)
{
    jw_obj(w);
    jw_key(w, "width");
    jw_num(w, r->width);
    jw_key(w, "height");
    jw_num(w, r->height);
    int rows = r->hm ? heatmap_rows(r->hm) : 0, cols = r->hm ? heatmap_cols(r->hm) : 0;
    jw_key(w, "cell");
    jw_num(w, r->hm ? heatmap_cell(r->hm) : 0);
    jw_key(w, "rows");
    jw_int(w, rows);
    jw_key(w, "cols");
    jw_int(w, cols);
    jw_key(w, "max");
    jw_num(w, r->hm ? heatmap_max(r->hm) : 0);
    jw_key(w, "positions");
    jw_int(w, (int64_t)r->positions);
    jw_key(w, "sessions");
    jw_int(w, r->sessions);
    jw_key(w, "values");
    jw_arr(w);
    const double *v = r->hm ? heatmap_values(r->hm) : NULL;
    for (int y = 0; y < rows; y++) {
        jw_arr(w);
        for (int x = 0; x < cols; x++)
            jw_num(w, (double)(float)v[(size_t)y * (size_t)cols + (size_t)x]);
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "zones");
    jw_arr(w);
    for (size_t i = 0; i < r->nzones; i++) {
        const struct store_zone *z = &r->zones[i];
        jw_obj(w);
        jw_key(w, "name");
        jw_str(w, z->name);
        jw_key(w, "x0");
        jw_num(w, z->x0);
        jw_key(w, "y0");
        jw_num(w, z->y0);
        jw_key(w, "x1");
        jw_num(w, z->x1);
        jw_key(w, "y1");
        jw_num(w, z->y1);
        int ok = r->stats.nzones == (int)r->nzones;
        jw_key(w, "visits");
        jw_int(w, ok ? r->stats.visits[i] : 0);
        jw_key(w, "sessions");
        jw_int(w, ok ? r->stats.sessions[i] : 0);
        jw_key(w, "dwell_s");
        jw_num(w, ok ? r->stats.dwell[i] : 0);
        jw_key(w, "mean_dwell_s");
        jw_num(w, ok ? r->stats.mean_dwell[i] : 0);
        int64_t conv = r->converted ? r->converted[i] : 0, visitors = ok ? r->stats.sessions[i] : 0;
        jw_key(w, "converted_sessions");
        jw_int(w, conv);
        jw_key(w, "conversion");
        jw_num(w, visitors ? (double)conv / (double)visitors : 0);
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "transitions");
    jw_arr(w);
    int nz = r->stats.nzones;
    for (int a = 0; a < nz; a++)
        for (int b = 0; b < nz; b++) {
            int64_t c = r->stats.transitions[a * nz + b];
            if (!c)
                continue;
            jw_obj(w);
            jw_key(w, "from");
            jw_str(w, r->zones[a].name);
            jw_key(w, "to");
            jw_str(w, r->zones[b].name);
            jw_key(w, "count");
            jw_int(w, c);
            jw_end(w);
        }
    jw_end(w);
    jw_end(w);
}
