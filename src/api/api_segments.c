/* api/api_segments.c - the customers screen: segments described in words, the profiles'
 * summary and scatter, a searchable list, and one customer's overview, purchases and
 * stored recommendations. */
#include <stdlib.h>
#include <string.h>

#include "analytics/profiles.h"
#include "analytics/segments.h"
#include "api/api_int.h"

#define PAGE_MAX 200

/* the segments of r, or the error of rc said for this screen */
static int segments_answer(struct api_ctx *c, int rc, const struct segments_report *r)
{
    if (rc == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "no saved segments: run shopper train segments");
    else if (rc == SHOP_ECONFLICT)
        rc = shop_fail(rc, "the catalogue changed since the segments were trained: retrain");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    segments_write_json(w, r);
    jw_finish(w);
    return 200;
}

static int get_segments(struct api_ctx *c)
{
    struct segments_report r;
    return segments_answer(c, segments_describe_cached(c->app->segments, c->st, &r), &r);
}

/* `shopper train segments --update` from the Customers screen */
static int post_update(struct api_ctx *c)
{
    struct segments_report r;
    return segments_answer(c, segments_update(c->st, c->now, &r), &r);
}

static int get_points(struct api_ctx *c)
{
    int64_t limit;
    int rc = api_query_int(c, "limit", 1, PROFILES_MAX_POINTS, 2000, &limit);
    struct profiles_points p;
    if (rc == SHOP_OK)
        rc = profiles_points_get(c->st, limit, &p);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    profiles_points_write_json(w, &p);
    jw_finish(w);
    profiles_points_release(&p);
    return 200;
}

static int get_summary(struct api_ctx *c)
{
    int64_t top;
    int rc = api_query_int(c, "top", 0, PAGE_MAX, 10, &top);
    struct profiles_summary s;
    if (rc == SHOP_OK)
        rc = profiles_summary_get(c->st, top, &s);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    profiles_summary_write_json(w, &s);
    jw_finish(w);
    profiles_summary_release(&s);
    return 200;
}

static int get_profiles(struct api_ctx *c)
{
    int64_t segment, limit, offset;
    const char *q, *sort;
    int rc = api_query_str(c, "q", 64, &q);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "segment", 0, 1000, -1, &segment);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "sort", 8, &sort);
    if (rc == SHOP_OK && sort && strcmp(sort, "id") != 0 && strcmp(sort, "spend") != 0)
        rc = shop_fail(SHOP_EINVAL, "'sort' is id or spend");
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 50, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    struct store_profile_row *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (rc == SHOP_OK)
        rc = store_profile_rows(c->st, q, (int)segment,
                                sort && strcmp(sort, "spend") == 0 ? STORE_PROFILES_BY_SPEND
                                                                   : STORE_PROFILES_BY_ID,
                                limit, offset, &rows, &n, &total);
    if (rc != SHOP_OK) {
        free(rows);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    profiles_list_write_json(w, rows, n, total);
    jw_finish(w);
    free(rows);
    return 200;
}

/* the customer of the path with `limit` purchases from ?offset */
static int overview(struct api_ctx *c, int64_t def_limit, struct customer_overview *o)
{
    int64_t id, limit = 0, offset = 0;
    memset(o, 0, sizeof(*o));
    int rc = api_param_id(c, 0, &id);
    if (rc == SHOP_OK && def_limit)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, def_limit, &limit);
    if (rc == SHOP_OK && def_limit)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    if (rc == SHOP_OK)
        rc = customer_overview_get(c->st, id, limit, offset, o);
    if (rc != SHOP_OK)
        customer_overview_release(o);
    return rc;
}

static int get_overview(struct api_ctx *c)
{
    struct customer_overview o;
    int rc = overview(c, PROFILES_OVERVIEW_PURCHASES, &o);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    customer_overview_write_json(w, &o);
    jw_finish(w);
    customer_overview_release(&o);
    return 200;
}

static int get_purchases(struct api_ctx *c)
{
    struct customer_overview o;
    int rc = overview(c, 50, &o);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    customer_purchases_write_json(w, &o);
    jw_finish(w);
    customer_overview_release(&o);
    return 200;
}

static int get_recommendations(struct api_ctx *c)
{
    struct customer_overview o;
    int rc = overview(c, 0, &o);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    customer_recos_write_json(w, &o);
    jw_finish(w);
    customer_overview_release(&o);
    return 200;
}

const struct api_route segments_routes[] = {
    {"GET", "/api/v1/segments", get_segments, API_ANY_USER, 0},
    {"POST", "/api/v1/segments/update", post_update, API_MANAGER, 0},
    {"GET", "/api/v1/segments/points", get_points, API_ANY_USER, 0},
    {"GET", "/api/v1/profiles", get_profiles, API_ANY_USER, 0},
    {"GET", "/api/v1/profiles/summary", get_summary, API_ANY_USER, 0},
    {"GET", "/api/v1/customers/{id}/overview", get_overview, API_ANY_USER, 0},
    {"GET", "/api/v1/customers/{id}/purchases", get_purchases, API_ANY_USER, 0},
    {"GET", "/api/v1/customers/{id}/recommendations", get_recommendations, API_ANY_USER, 0},
    {NULL, NULL, NULL, 0, 0},
};
