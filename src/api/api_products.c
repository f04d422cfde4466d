/* api/api_products.c - the catalogue: products with filters and paging, one product with
 * its stock by size; prices are the current ones, with the promotion price of the customer
 * logged in at the calling mirror. */
#include <string.h>

#include "api/api_int.h"
#include "shop/shop.h"

/* whose promotions apply: the customer logged in at the calling mirror (0: none) */
static int64_t shopper_of(struct api_ctx *c)
{
    struct mirror_who who;
    if (c->who.role == AUTH_MIRROR && app_mirror_who(c->app, &c->who.device, &who) == SHOP_OK)
        return who.customer_id;
    return 0;
}

/* operators see cost and popularity; shoppers and staff do not */
static unsigned json_flags(struct api_ctx *c)
{
    return c->who.role == AUTH_MANAGER ? SHOP_JSON_INTERNAL : 0;
}

static int get_products(struct api_ctx *c)
{
    struct store_product_filter f = {0};
    int64_t page = 0;
    int rc = api_query_str(c, "gender", 8, &f.gender);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "category", 15, &f.category);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "fabric", 15, &f.fabric);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "season", 15, &f.season);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "size", 3, &f.size);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, SHOP_PAGE_MAX, 50, &f.limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, 1000000000, 0, &f.offset);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "page", 1, 10000000, 0, &page);
    if (rc == SHOP_OK && page && http_query(c->req, "offset"))
        rc = shop_fail(SHOP_EINVAL, "give 'page' or 'offset', not both");
    if (rc == SHOP_OK && f.gender && *f.gender && strcmp(f.gender, "women") &&
        strcmp(f.gender, "men") && strcmp(f.gender, "unisex"))
        rc = shop_fail(SHOP_EINVAL, "gender is women, men or unisex");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    if (page)
        f.offset = (page - 1) * f.limit;
    struct shop_page pg;
    rc = shop_products_find(c->st, &f, shopper_of(c), c->now, &pg);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    shop_page_write_json(w, &pg, json_flags(c));
    jw_finish(w);
    shop_page_release(&pg);
    return 200;
}

static int get_product(struct api_ctx *c)
{
    int64_t id;
    int rc = api_param_id(c, 0, &id);
    struct shop_product p;
    if (rc == SHOP_OK)
        rc = shop_product_get(c->st, id, shopper_of(c), c->now, &p);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    shop_product_write_json(w, &p, json_flags(c));
    jw_finish(w);
    return 200;
}

const struct api_route products_routes[] = {
    {"GET", "/api/v1/products", get_products, API_MIRROR | API_STAFF, 0},
    {"GET", "/api/v1/products/{id}", get_product, API_MIRROR | API_STAFF, 0},
    {NULL, NULL, NULL, 0, 0},
};
