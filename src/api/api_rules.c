/* api/api_rules.c - the association rules explorer: the stored rules filtered by product and
 * sorted; managers re-mine them. */
#include <jansson.h>
#include <string.h>

#include "analytics/assoc.h"
#include "api/api_int.h"

#define PAGE_MAX 200

static int get_rules(struct api_ctx *c)
{
    int64_t product, limit, offset;
    const char *sort;
    enum store_rule_sort by = STORE_RULES_BY_LIFT;
    int rc = api_query_int(c, "product", 1, INT64_MAX, 0, &product);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 50, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "sort", 16, &sort);
    if (rc == SHOP_OK && sort) {
        if (strcmp(sort, "confidence") == 0)
            by = STORE_RULES_BY_CONFIDENCE;
        else if (strcmp(sort, "support") == 0)
            by = STORE_RULES_BY_SUPPORT;
        else if (strcmp(sort, "lift") != 0)
            rc = shop_fail(SHOP_EINVAL, "'sort' is lift, confidence or support");
    }
    struct assoc_list l = {0};
    if (rc == SHOP_OK)
        rc = assoc_list_get(c->st, product, by, limit, offset, &l);
    if (rc != SHOP_OK) {
        assoc_list_release(&l);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    assoc_list_write_json(w, &l);
    jw_finish(w);
    assoc_list_release(&l);
    return 200;
}

/* a number field of the body (JSON integer or real) in [min, max] */
static int body_num(struct api_ctx *c, const char *name, double min, double max, double def,
                    double *out)
{
    json_t *v = json_object_get(c->json_in, name);
    *out = def;
    if (!v || json_is_null(v))
        return SHOP_OK;
    if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max)
        return shop_fail(SHOP_EINVAL, "'%s' must be a number from %g to %g", name, min, max);
    *out = json_number_value(v);
    return SHOP_OK;
}

static int post_mine(struct api_ctx *c)
{
    double support, confidence;
    int64_t max_len;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = body_num(c, "min_support", 1e-9, 1e9, 0.01, &support);
    if (rc == SHOP_OK)
        rc = body_num(c, "min_confidence", 0, 1, 0.5, &confidence);
    if (rc == SHOP_OK)
        rc = api_body_int(c, "max_len", 0, 0, 16, 0, &max_len);
    struct assoc_summary s;
    if (rc == SHOP_OK)
        rc = assoc_mine(c->st, support, confidence, (int)max_len, c->now, &s);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    assoc_summary_write_keys(w, &s);
    jw_end(w);
    jw_finish(w);
    return 200;
}

const struct api_route rules_routes[] = {
    {"GET", "/api/v1/rules", get_rules, API_ANY_USER, 0},
    {"POST", "/api/v1/rules/mine", post_mine, API_MANAGER, 0},
    {NULL, NULL, NULL, 0, 0},
};
