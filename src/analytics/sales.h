/* analytics/sales.h - the dashboard's sales and stock views: a daily series, sales by a
 * product attribute, products ranked by units, stock by product and size with low-stock
 * flags, and try-ons against sales. Each has one JSON writer (the API's shape).
 *     struct sales_daily d;
 *     if (sales_daily_get(st, from, to, &d) == SHOP_OK) { sales_daily_write_json(&w, &d);
 *                                                         sales_daily_release(&d); }
 * Times are unix seconds UTC, ranges [from, to); `to` >= KPI_OPEN_END means no end.
 * A range without sales gives empty lists and zero totals, never an error.               */
#ifndef SHOP_ANALYTICS_SALES_H
#define SHOP_ANALYTICS_SALES_H

#include "core/jsonw.h"
#include "store/store.h"

#define SALES_MAX_DAYS 3660 /* a daily series covers at most ten years */
#define SALES_MAX_SIZES 8

/* "from" and "to" keys of a range (ISO times; to is null without an end) */
void sales_range_json(struct jsonw *w, int64_t from, int64_t to);

/* ---- the daily series ---- */
struct sales_daily {
    int64_t from, to;
    size_t n;
    struct store_sales_day *days; /* every day from the first to the last day of the range
                                   * (open ends: of the sales), zeros included; none when
                                   * the range has no sales */
    int64_t purchases, units, revenue_cents;
};
/* SHOP_EINVAL when the series would pass SALES_MAX_DAYS days. Caller releases. */
SHOP_MUST_CHECK int sales_daily_get(struct store *st, int64_t from, int64_t to,
                                    struct sales_daily *out);
void sales_daily_release(struct sales_daily *d);
/* {"from","to","days":[{"date","purchases","units","revenue_cents"}],
 *  "totals":{"purchases","units","revenue_cents"}} */
void sales_daily_write_json(struct jsonw *w, const struct sales_daily *d);

/* ---- by attribute ---- */
struct sales_by {
    int64_t from, to;
    enum store_dim dim;
    size_t n;
    struct store_kpi_group *groups; /* revenue descending */
    int64_t units, revenue_cents;
};
/* "category", "fabric", "gender", "season" -> *dim; SHOP_EINVAL otherwise */
SHOP_MUST_CHECK int sales_dim_parse(const char *s, enum store_dim *dim);
const char *sales_dim_name(enum store_dim dim);
SHOP_MUST_CHECK int sales_by_get(struct store *st, enum store_dim dim, int64_t from, int64_t to,
                                 struct sales_by *out);
void sales_by_release(struct sales_by *b);
/* {"from","to","by","groups":[{"key","units","revenue_cents","share"}],
 *  "totals":{"units","revenue_cents"}}; share = the group's part of the revenue */
void sales_by_write_json(struct jsonw *w, const struct sales_by *b);

/* ---- products ranked ---- */
struct sales_products {
    int64_t from, to;
    size_t n;
    struct store_product_sales *p; /* every product, by id */
    size_t *by_units;              /* indices, best first: units, revenue desc, id asc */
    int64_t units, revenue_cents, tries;
};
SHOP_MUST_CHECK int sales_products_get(struct store *st, int64_t from, int64_t to,
                                       struct sales_products *out);
void sales_products_release(struct sales_products *s);
/* {"from","to","order","products":[{"id","name","category","gender","fabric","season",
 *  "price_cents","units","revenue_cents","tries"}],"totals":{...}}: worst = 0 the top
 * `limit` sellers (those that sold); worst = 1 the `limit` that sold least, nothing sold
 * first (empty when nothing sold in the range: there is no ranking to make) */
void sales_products_write_json(struct jsonw *w, const struct sales_products *s, int worst,
                               size_t limit);
/* {"from","to","products":[{"id","name","tries","units","try_to_buy"}]} for products tried
 * or sold, most tried first, `limit` from `offset`, with "total" */
void sales_tried_sold_write_json(struct jsonw *w, const struct sales_products *s, size_t limit,
                                 size_t offset);

/* ---- stock ---- */
struct inventory_product {
    int64_t id;
    char name[64];
    char category[16], gender[8];
    int64_t price_cents;
    int64_t stock;                          /* items in stock */
    int64_t by_size[SALES_MAX_SIZES];       /* in the order of inventory.sizes */
    unsigned stocked;                       /* bit z: the product comes in size z */
    unsigned low;                           /* bit z: a stocked size at or below the threshold */
};
struct inventory {
    int64_t threshold;
    int nsizes;
    char sizes[SALES_MAX_SIZES][8];
    size_t n;
    struct inventory_product *p; /* by id */
    size_t nlow;                 /* products with a low size */
};
/* Stock by product and size; a size the product comes in (it has had items of it) is low
 * when threshold or fewer items of it are in stock. Caller releases. */
SHOP_MUST_CHECK int inventory_get(struct store *st, int64_t threshold, struct inventory *out);
void inventory_release(struct inventory *inv);
/* {"threshold","sizes":[...],"total","low_stock","products":[{"id","name","category",
 *  "gender","price_cents","stock","stock_by_size":{"S":n,...},"low_sizes":[...],"low"}]}
 * with products (only the low ones when low_only) from offset, at most limit */
void inventory_write_json(struct jsonw *w, const struct inventory *inv, int low_only,
                          size_t limit, size_t offset);

#endif
