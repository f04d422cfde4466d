/* api/api_pricing.c - dynamic pricing for managers: the suggestions (the object of `shopper
 * price --json`), the demand model's quality, applying one or every suggestion, and the
 * price history. */
#include <stdlib.h>

#include "analytics/pricing.h"
#include "api/api_int.h"

#define PAGE_MAX 200

/* ?product= as an existing product (0 when absent) */
static int query_product(struct api_ctx *c, int64_t *id)
{
    int rc = api_query_int(c, "product", 1, INT64_MAX, 0, id);
    struct store_product p;
    if (rc == SHOP_OK && *id && (rc = store_product_get(c->st, *id, &p)) == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "no product %lld", (long long)*id);
    return rc;
}

static int write_suggestions(struct api_ctx *c, struct pricing_suggestion *s, size_t n,
                             int applied)
{
    struct jsonw *w = api_json(c);
    pricing_suggestions_write_json(w, s, n, applied);
    jw_finish(w);
    free(s);
    return 200;
}

static int get_suggestions(struct api_ctx *c)
{
    int64_t product;
    int rc = query_product(c, &product);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s = NULL;
    size_t n = 0;
    if (rc == SHOP_OK)
        rc = pricing_suggest_cached(c->app->pricing, c->st, &r, product, PRICING_DAYS, c->now, &s,
                                    &n);
    if (rc != SHOP_OK) {
        free(s);
        return api_error(c, rc);
    }
    return write_suggestions(c, s, n, 0);
}

static int get_model(struct api_ctx *c)
{
    struct pricing_model m;
    int rc = pricing_model_info(c->st, &m);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    pricing_model_write_json(w, &m);
    jw_finish(w);
    return 200;
}

static int post_apply(struct api_ctx *c)
{
    int64_t product;
    int all;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_int(c, "product_id", 0, 1, INT64_MAX, 0, &product);
    if (rc == SHOP_OK)
        rc = api_body_bool(c, "all", 0, 0, &all);
    if (rc == SHOP_OK && !all == !product)
        rc = shop_fail(SHOP_EINVAL, "give either {\"product_id\": ID} or {\"all\": true}");
    struct store_product p;
    if (rc == SHOP_OK && product && (rc = store_product_get(c->st, product, &p)) == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "no product %lld", (long long)product);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s = NULL;
    size_t n = 0;
    if (rc == SHOP_OK)
        rc = pricing_apply(c->st, &r, all ? 0 : product, PRICING_DAYS, c->now, &s, &n);
    if (rc != SHOP_OK) {
        free(s);
        return api_error(c, rc);
    }
    return write_suggestions(c, s, n, 1);
}

static int get_history(struct api_ctx *c)
{
    int64_t product, limit, offset;
    int rc = query_product(c, &product);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 100, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    struct store_price_change *h = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (rc == SHOP_OK)
        rc = store_price_history_page(c->st, product, limit, offset, &h, &n, &total);
    if (rc != SHOP_OK) {
        free(h);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    pricing_history_write_json(w, h, n, total);
    jw_finish(w);
    free(h);
    return 200;
}

const struct api_route pricing_routes[] = {
    {"GET", "/api/v1/pricing/suggestions", get_suggestions, API_MANAGER, 0},
    {"GET", "/api/v1/pricing/model", get_model, API_MANAGER, 0},
    {"POST", "/api/v1/pricing/apply", post_apply, API_MANAGER, 0},
    {"GET", "/api/v1/pricing/history", get_history, API_MANAGER, 0},
    {NULL, NULL, NULL, 0, 0},
};
