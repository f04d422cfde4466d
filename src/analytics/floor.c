/* analytics/floor.c - positions from the store into heatmaps and zone statistics. */
#include "analytics/floor.h"

#include <stdlib.h>
#include <string.h>

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

/* per zone, the visiting sessions that made a purchase (a zone's conversion is that over
 * its visiting sessions); only the buyers' samples are looked at */
static int zone_conversions(struct store *st, const struct floor_params *p,
                            const struct store_track *t, struct floor_result *r)
{
    int64_t *ids = NULL;
    size_t nids = 0;
    int rc = store_sessions_converted(st, p->from, p->to, &ids, &nids);
    r->converted = xcalloc(r->nzones ? r->nzones : 1, sizeof(*r->converted));
    unsigned char *seen = xcalloc(r->nzones ? r->nzones : 1, 1);
    for (size_t i = 0; rc == SHOP_OK && i < t->n;) {
        size_t end = i;
        while (end < t->n && t->session[end] == t->session[i])
            end++;
        if (has_id(ids, nids, t->session[i])) {
            memset(seen, 0, r->nzones);
            for (size_t k = i; k < end; k++)
                for (size_t z = 0; z < r->nzones; z++) {
                    const struct heatmap_zone *h = &r->hz[z];
                    double x0 = h->x0 < h->x1 ? h->x0 : h->x1, x1 = h->x0 < h->x1 ? h->x1 : h->x0;
                    double y0 = h->y0 < h->y1 ? h->y0 : h->y1, y1 = h->y0 < h->y1 ? h->y1 : h->y0;
                    if (t->x[k] >= x0 && t->x[k] <= x1 && t->y[k] >= y0 && t->y[k] <= y1) {
                        seen[z] = 1;
                        break; /* a sample is in the first zone that holds it */
                    }
                }
            for (size_t z = 0; z < r->nzones; z++)
                r->converted[z] += seen[z];
        }
        i = end;
    }
    free(seen);
    free(ids);
    return rc;
}

int floor_heatmap(struct store *st, const struct floor_params *p, struct floor_result *r)
{
    memset(r, 0, sizeof(*r));
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
    if ((rc = heatmap_new(r->width, r->height, p->cell, &r->hm)) != SHOP_OK)
        return rc;
    struct store_track t;
    rc = store_tracks(st, p->customer_id, p->session_id, p->from, p->to, &t);
    if (rc != SHOP_OK)
        return rc;
    size_t added = 0;
    rc = heatmap_add_tracks(r->hm, t.session, t.t, t.x, t.y, t.n, p->max_gap, &added);
    if (rc == SHOP_OK)
        rc = heatmap_zone_stats(r->hz, (int)r->nzones, t.session, t.t, t.x, t.y, t.n,
                                p->max_gap, &r->stats);
    if (rc == SHOP_OK)
        rc = zone_conversions(st, p, &t, r);
    if (rc == SHOP_OK) {
        heatmap_smooth(r->hm, p->sigma);
        r->positions = t.n;
        for (size_t i = 0; i < t.n; i++)
            r->sessions += i == 0 || t.session[i] != t.session[i - 1];
    }
    store_track_release(&t);
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
