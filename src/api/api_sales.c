/* api/api_sales.c - sales over time, by product attribute and by product; stock by product
 * and size; try-ons against sales. */
#include <string.h>

#include "analytics/kpi.h"
#include "analytics/sales.h"
#include "api/api_int.h"

#define PAGE_MAX 200

static int get_daily(struct api_ctx *c)
{
    int64_t from, to;
    int rc = api_query_range(c, &from, &to);
    struct sales_daily d;
    if (rc == SHOP_OK)
        rc = sales_daily_get(c->st, from, to, &d);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    sales_daily_write_json(w, &d);
    jw_finish(w);
    sales_daily_release(&d);
    return 200;
}

static int get_by(struct api_ctx *c)
{
    int64_t from, to;
    const char *by;
    enum store_dim dim = STORE_DIM_CATEGORY;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "by", 16, &by);
    if (rc == SHOP_OK)
        rc = sales_dim_parse(by, &dim);
    struct sales_by b;
    if (rc == SHOP_OK)
        rc = sales_by_get(c->st, dim, from, to, &b);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    sales_by_write_json(w, &b);
    jw_finish(w);
    sales_by_release(&b);
    return 200;
}

static int get_products(struct api_ctx *c)
{
    int64_t from, to, limit;
    const char *order;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 10, &limit);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "order", 8, &order);
    if (rc == SHOP_OK && order && strcmp(order, "top") != 0 && strcmp(order, "worst") != 0)
        rc = shop_fail(SHOP_EINVAL, "'order' is top or worst");
    struct sales_products s;
    if (rc == SHOP_OK)
        rc = sales_products_get(c->st, from, to, &s);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    sales_products_write_json(w, &s, order && strcmp(order, "worst") == 0, (size_t)limit);
    jw_finish(w);
    sales_products_release(&s);
    return 200;
}

static int get_tried_sold(struct api_ctx *c)
{
    int64_t from, to, limit, offset;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 50, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    struct sales_products s;
    if (rc == SHOP_OK)
        rc = sales_products_get(c->st, from, to, &s);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    sales_tried_sold_write_json(w, &s, (size_t)limit, (size_t)offset);
    jw_finish(w);
    sales_products_release(&s);
    return 200;
}

static int get_inventory(struct api_ctx *c)
{
    int64_t threshold, limit, offset;
    int low = 0;
    const char *low_s;
    int rc = api_query_int(c, "threshold", 0, 1000000, KPI_LOW_STOCK_SIZE, &threshold);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, PAGE_MAX, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "low", 8, &low_s);
    if (rc == SHOP_OK && low_s) {
        if (strcmp(low_s, "true") == 0 || strcmp(low_s, "1") == 0)
            low = 1;
        else if (strcmp(low_s, "false") != 0 && strcmp(low_s, "0") != 0)
            rc = shop_fail(SHOP_EINVAL, "'low' is true or false");
    }
    struct inventory inv;
    if (rc == SHOP_OK)
        rc = inventory_get(c->st, threshold, &inv);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    inventory_write_json(w, &inv, low, (size_t)limit, (size_t)offset);
    jw_finish(w);
    inventory_release(&inv);
    return 200;
}

const struct api_route sales_routes[] = {
    {"GET", "/api/v1/sales/daily", get_daily, API_ANY_USER, 0},
    {"GET", "/api/v1/sales/by", get_by, API_ANY_USER, 0},
    {"GET", "/api/v1/sales/products", get_products, API_ANY_USER, 0},
    {"GET", "/api/v1/inventory", get_inventory, API_ANY_USER, 0},
    {"GET", "/api/v1/inventory/tried-sold", get_tried_sold, API_ANY_USER, 0},
    {NULL, NULL, NULL, 0, 0},
};
