/* analytics/kpi.h - the numbers behind every dashboard card for a date range, as one call.
 *     struct kpi k;
 *     if (kpi_compute(st, from, to, &k) == SHOP_OK) { kpi_write_json(&w, &k, 5, 0); kpi_release(&k); }
 * Times are unix seconds UTC, [from, to). Ratios are 0 (never NaN) when undefined.         */
#ifndef SHOP_ANALYTICS_KPI_H
#define SHOP_ANALYTICS_KPI_H

#include "core/jsonw.h"
#include "core/parse.h"
#include "store/store.h"

#define KPI_LOW_STOCK_SIZE 1 /* a size with this many items or fewer is low */
#define KPI_OPEN_END SHOP_TIME_END /* a range without an end (core/parse.h) */

struct kpi {
    struct store_kpi s;   /* the aggregates */
    size_t *by_units;     /* product indices, best sellers first (units, revenue, id) */
    size_t *low_stock;    /* products with a size at or below KPI_LOW_STOCK_SIZE */
    size_t nlow;
};

SHOP_MUST_CHECK int kpi_compute(struct store *st, int64_t from, int64_t to, struct kpi *out);
void kpi_release(struct kpi *k);
/* try-ons per unit sold of product i (0 when nothing sold and nothing tried; tries when
 * nothing sold) */
double kpi_try_to_buy(const struct kpi *k, size_t i);
/* one JSON object with every number; `top` best and worst products; every product's sales
 * ("products") only when all_products (a store's whole catalogue: 190 KB for 1,000 products,
 * which the cards do not read) */
void kpi_write_json(struct jsonw *w, const struct kpi *k, int top, int all_products);

#endif
