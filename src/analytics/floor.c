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
