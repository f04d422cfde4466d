/* api/api_heatmap.c - where people walk and stay: the dwell grid over the floor plan with the
 * zones' visits and dwell times, as JSON (the object of `shopper heatmap --json`) or as PNG. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/floor.h"
#include "api/api_int.h"
#include "core/parse.h"
#include "vision/image.h"

/* A whole-store heatmap reads every position of the range (millions on a big store, until
 * the engine keeps daily grids): at most this many are computed at once, the others get a
 * 503 to retry, so that heatmaps cannot take every worker and all the memory. */
#define HEATMAP_AT_ONCE 2
#define HEATMAP_API_MAX_CELLS 65536
static atomic_int running;

static int query_double(struct api_ctx *c, const char *name, double min, double max, double def,
                        double *out)
{
    const char *v = http_query(c->req, name);
    *out = def;
    if (v && (strlen(v) > 24 || parse_double(v, min, max, out) != SHOP_OK))
        return shop_fail(SHOP_EINVAL, "query '%s' wants a number from %g to %g", name, min, max);
    return SHOP_OK;
}

static int write_png(struct api_ctx *c, const struct floor_result *r, const struct floor_params *p)
{
    char title[96];
    snprintf(title, sizeof(title), "%s: %zu positions in %lld sessions",
             p->customer_id ? "customer" : p->session_id ? "session" : "store", r->positions,
             (long long)r->sessions);
    struct heatmap_render_opts ro = {0};
    ro.zones = r->hz;
    ro.nzones = (int)r->nzones;
    ro.title = title;
    ro.unit = "s";
    unsigned char *rgb = NULL;
    int w, h;
    int rc = heatmap_render(r->hm, &ro, &rgb, &w, &h);
    if (rc == SHOP_OK) {
        api_json(c); /* opens the body stream */
        rc = image_write_png_stream(c->out, rgb, w, h);
    }
    free(rgb);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    c->res->ctype = "image/png";
    return 200;
}

static int get_heatmap(struct api_ctx *c)
{
    struct floor_params p;
    floor_params_default(&p);
    const char *format;
    int64_t customer, session;
    int rc = api_query_range(c, &p.from, &p.to);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "customer", 1, INT64_MAX, 0, &customer);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "session", 1, INT64_MAX, 0, &session);
    if (rc == SHOP_OK)
        rc = query_double(c, "cell", 0.1, 5, p.cell, &p.cell);
    if (rc == SHOP_OK)
        rc = query_double(c, "sigma", 0, 5, p.sigma, &p.sigma);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "format", 8, &format);
    if (rc == SHOP_OK && format && strcmp(format, "json") != 0 && strcmp(format, "png") != 0)
        rc = shop_fail(SHOP_EINVAL, "'format' is json or png");
    /* an unknown customer or session is a 404, not an empty map */
    struct store_customer cu;
    struct store_session se;
    if (rc == SHOP_OK && customer && (rc = store_customer_get(c->st, customer, &cu)) == SHOP_ENOTFOUND)
        rc = shop_fail(SHOP_ENOTFOUND, "no customer %lld", (long long)customer);
    if (rc == SHOP_OK && session)
        rc = store_session_get(c->st, session, &se);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    p.customer_id = customer;
    p.session_id = session;
    if (atomic_fetch_add(&running, 1) >= HEATMAP_AT_ONCE) {
        atomic_fetch_sub(&running, 1);
        http_res_header(c->res, "Retry-After", "1");
        return api_fail(c, 503, "busy", "other heatmaps are being computed: retry in a moment");
    }
    struct floor_result r;
    rc = floor_heatmap(c->st, &p, &r);
    atomic_fetch_sub(&running, 1);
    if (rc == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "the store has no floor plan");
    if (rc == SHOP_OK && (int64_t)heatmap_rows(r.hm) * heatmap_cols(r.hm) > HEATMAP_API_MAX_CELLS)
        rc = shop_fail(SHOP_EINVAL, "the grid would have more than %d cells: use a larger 'cell'",
                       HEATMAP_API_MAX_CELLS);
    if (rc != SHOP_OK) {
        floor_result_release(&r);
        return api_error(c, rc);
    }
    int status = 200;
    if (format && strcmp(format, "png") == 0) {
        status = write_png(c, &r, &p);
    } else {
        struct jsonw *w = api_json(c);
        floor_write_json(w, &r);
        jw_finish(w);
    }
    floor_result_release(&r);
    return status;
}

const struct api_route heatmap_routes[] = {
    {"GET", "/api/v1/heatmap", get_heatmap, API_ANY_USER, 0},
    {NULL, NULL, NULL, 0, 0},
};
