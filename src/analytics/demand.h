/* analytics/demand.h - the demand model: units sold per product per day, predicted by
 * gradient-boosted trees (XGBoost) from the price charged, the discount, the product's
 * attributes and the calendar. The only module that sees XGBoost.
 *
 *     struct demand_params pr; demand_params_default(&pr);
 *     struct demand *m;
 *     if (demand_train(&pr, prods, np, obs, n, split_day, &metrics, &m) == SHOP_OK) {
 *         struct demand_query q = {.product = 3, .day = day, .price_cents = 4999};
 *         double units; demand_predict(m, prods, &q, 1, &units);
 *         demand_save(m, &blob, &len);               -- store it; demand_load() reads it back
 *     }
 *     demand_free(m);
 *
 * Features (the order is the model's; DEMAND_NFEAT of them): price charged / base price,
 * discount, discounted flag, category, gender, fabric
 * and season as codes (unknown names are missing values), base price, cost, popularity,
 * month, weekday, weekend flag, in-season flag (+1 winter goods Nov-Feb and summer goods
 * May-Aug, -1 the opposite season, 0 otherwise). The model sees no product id and no trend:
 * only the product's attributes and the calendar, so it prices a product it saw little of
 * from similar products, and a day's features depend only on (month, weekday). */
#ifndef SHOP_ANALYTICS_DEMAND_H
#define SHOP_ANALYTICS_DEMAND_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define DEMAND_NFEAT 14
#define DEMAND_MAX_ROUNDS 5000

/* a product as the model sees it (names as in the products table) */
struct demand_product {
    int64_t id;
    char category[16], gender[8], fabric[16], season[16];
    int64_t base_price_cents, cost_cents;
    double popularity;
};

/* one training row: a product (index into the product array) on a day it was in stock */
struct demand_obs {
    size_t product;
    int64_t day;
    int64_t list_cents, price_cents; /* list price, and the price charged that day */
    double discount;                 /* 0..1 */
    double units;                    /* units sold that day (0 when none) */
};

/* a prediction: product index, day, charged price, discount */
struct demand_query {
    size_t product;
    int64_t day;
    int64_t price_cents;
    double discount;
};

enum demand_objective { DEMAND_POISSON = 0, DEMAND_SQUARED };

struct demand_params {
    int objective;  /* enum demand_objective */
    int max_rounds; /* trees at most; the held-out split picks how many (early stopping) */
    int max_depth;
    double eta;
    int nthread;
    int monotone;    /* demand never rises with the price (XGBoost monotone_constraints) */
    int interaction; /* price features interact only with each other (additive in log) */
    uint64_t seed;
};

struct demand_metrics {
    int64_t rows, rows_train, rows_test, zero_rows;
    int64_t split_day; /* first held-out day */
    int rounds;        /* trees in the final model */
    double mae, rmse;  /* held-out, the model */
    double mae_base, rmse_base; /* held-out, the baseline: each product's training mean */
    double deviance, deviance_base; /* held-out mean Poisson deviance */
};

void demand_params_default(struct demand_params *p);
/* "poisson" / "squared" -> enum; -1 when unknown */
int demand_objective_parse(const char *name);
const char *demand_objective_name(int objective);
/* the feature names, in model order (static strings) */
const char *demand_feature_name(int i);

struct demand;

/* Trains on obs. Rows with day >= split_day are held out: the model is fitted on the rest
 * with early stopping on the held-out rows, the metrics are measured there, then the final
 * model is refitted on every row with the chosen number of trees. split_day <= the first
 * day skips the hold-out (no metrics, max_rounds trees). SHOP_EINVAL for no rows or no
 * sales at all, SHOP_EMODEL when XGBoost fails (logged). Caller frees *out. */
SHOP_MUST_CHECK int demand_train(const struct demand_params *params,
                                 const struct demand_product *prods, size_t nprod,
                                 const struct demand_obs *obs, size_t n, int64_t split_day,
                                 struct demand_metrics *metrics, struct demand **out);

/* Expected units for each query (>= 0, finite). prods is the array the query indices refer
 * to (any array: the model keeps no products). SHOP_EMODEL when XGBoost fails. */
SHOP_MUST_CHECK int demand_predict(struct demand *m, const struct demand_product *prods,
                                   const struct demand_query *q, size_t n, double *out);

/* The model as a self-checking blob (magic, length, checksum, XGBoost's UBJSON); caller
 * frees *buf. */
SHOP_MUST_CHECK int demand_save(struct demand *m, void **buf, size_t *len);
/* Reads a blob from demand_save. SHOP_EMODEL (logged) for a blob that is truncated,
 * corrupt, from another feature set or refused by XGBoost. */
SHOP_MUST_CHECK int demand_load(const void *buf, size_t len, int nthread, struct demand **out);
int demand_rounds(const struct demand *m);
void demand_free(struct demand *m); /* NULL is a no-op */

#endif
