/* sim/sim.h - the store simulator: a realistic store from a seed, so that every screen has
 * data on first run, and whose demand is a known function of price.
 *
 *     struct sim_config cfg; sim_config_default(&cfg);
 *     cfg.customers = 40; cfg.products = 16; cfg.days = 90; cfg.seed = 42;
 *     struct sim_report rep;
 *     if (sim_run(st, &cfg, &rep) != SHOP_OK) -> store_errmsg(st)
 *
 * Deterministic: the same seed and arguments give an identical database. On a store that
 * already has simulated data the run continues from the day after its last day, keeping
 * inventory and ids; customers and products are added up to the counts asked for. A run is
 * one transaction: when it fails, the database is as it was before.
 *
 * Model (all per simulated day):
 *  - each customer visits with probability visit_rate (× the persona's weekend multiplier on
 *    Saturdays and Sundays), in a random order each day;
 *  - a visit is a buying visit with the persona's buy probability; it then makes
 *    max(1, Poisson(mean items)) picks, each a multinomial-logit choice among all products
 *    and "nothing" (weights below); a picked product is bought when an item in the
 *    customer's size is in stock (else the sale is lost);
 *  - weight of product p for customer c: exp(gender match + preference matches + popularity
 *    + season-of-year + promotion propensity × [discounted] − price sensitivity ×
 *    SIM_BETA_PRICE × price/base price); "nothing" has SIM_OUTSIDE × the sum of weights at
 *    base prices, so raising prices shifts picks to "nothing";
 *  - every session browses and tries on a few items (times tried), tracked sessions leave a
 *    walking path, some sessions at a mirror leave emotion events and alerts;
 *  - restock every Monday (and on the first day) up to a target that follows recent demand.
 * sim_demand_units() gives the expected units of a product at any price on any day under
 * this model (ignoring stock-outs), so a pricing model can be scored against the truth.   */
#ifndef SHOP_SIM_SIM_H
#define SHOP_SIM_SIM_H

#include <stdint.h>

#include "core/status.h"
#include "store/store.h"

#define SIM_MAX_CUSTOMERS 10000000
#define SIM_MAX_PRODUCTS 1000000
#define SIM_MAX_DAYS 3660

struct sim_config {
    int64_t customers, products, days;
    uint64_t seed;
    double tracked_share;    /* share of sessions whose bag carries a tracking tag, 0..1 */
    int64_t sample_interval; /* seconds between path samples (default 5) */
    int64_t start_day;       /* first day of a new store (days since epoch); default 2026-01-01 */
    double visit_rate;       /* daily visit probability on weekdays (default 0.1) */
    double discount_share;   /* share of products discounted on a day (default 0.15) */
    double price_test_share; /* share of product-days with a test list price ±25 % (0.2) */
    double emotion_share;    /* share of sessions logged in at a mirror (default 0.3) */
    /* called after each simulated day when not NULL (the CLI draws a bar from it) */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
};

struct sim_report {
    int64_t first_day, last_day; /* simulated days (days since epoch) */
    int64_t customers_added, products_added;
    int64_t sessions, purchases, lines, tryons, positions, items_added, events, alerts;
    int64_t rows_written;
    int64_t revenue_cents;
    int64_t lost_sales; /* picks that found no item in stock */
};

void sim_config_default(struct sim_config *cfg);
/* Checks the configuration; SHOP_EINVAL with a message in msg. */
SHOP_MUST_CHECK int sim_config_check(const struct sim_config *cfg, char *msg, int n);
SHOP_MUST_CHECK int sim_run(struct store *st, const struct sim_config *cfg,
                            struct sim_report *rep);

/* ---- the demand behind the purchases ---- */
struct sim_demand;
/* Loads what the demand depends on from a simulated store. SHOP_ENOTFOUND when the store
 * was not simulated. Caller frees with sim_demand_free. */
SHOP_MUST_CHECK int sim_demand_open(struct store *st, struct sim_demand **out);
void sim_demand_free(struct sim_demand *d);
/* The expected units of product_id sold on `day` when it is priced price_cents (with a
 * promotion flag when discounted is set), every other product at its recorded price of that
 * day (or its current list price, undiscounted, for a day not simulated). Stock-outs are
 * not modelled (demand, not sales). Returns a negative value for an unknown product. */
double sim_demand_units(struct sim_demand *d, int64_t product_id, int64_t day,
                        int64_t price_cents, int discounted);
/* the products the model knows, in id order */
int64_t sim_demand_products(const struct sim_demand *d);

#endif
