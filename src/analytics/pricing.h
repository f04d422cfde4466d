/* analytics/pricing.h - dynamic pricing: trains the demand model on the store's daily sales,
 * searches each product's profit-maximising price on a grid under business rules, records
 * and applies suggestions, and scores them against the simulator's true demand.
 *
 *     struct pricing_rules r; pricing_rules_default(&r);
 *     struct pricing_train_report tr;
 *     pricing_train(st, &params, 0.2, now, &tr);           -- model saved in the store
 *     struct pricing_suggestion *s; size_t n;
 *     pricing_suggest(st, &r, 0, PRICING_DAYS, now, &s, &n); -- every product
 *     pricing_record(st, s, n, 1, now);                    -- apply + history, one transaction
 *     free(s);
 *
 * The objective of a product at price p is its expected profit per day, units × (p - cost),
 * averaged over a reference period: the last `days` days with data, the product
 * undiscounted, the other products as they were on those days (promotions included: the
 * competition the model learned from, and what a store that keeps promoting will face).
 * The units come from the demand model through a fitted curve: log units = a + b × p / base
 * (b <= 0, the logit demand's shape) fitted to the model's predictions at probe prices from
 * base × (1 - PRICING_FIT_SPAN) to base × (1 + PRICING_FIT_SPAN); raw_curve searches the
 * model's own step-function predictions instead. The grid is the base
 * price × (1 + k × step) for |k × step| <= range, each point moved to the nearest allowed
 * price ending and kept when still inside the range. A grid price is allowed when
 *   price × (1 - min_margin) >= cost        (the margin is a share of the price) and
 *   |price - current| <= max_change × current.
 * The best allowed price wins (ties go to the one nearest the current price). The rule
 * reported is the one that kept the price from the unconstrained grid optimum: "none",
 * "range" (the optimum is the edge of the grid), "min_margin", "max_change", or "kept"
 * when no grid price is allowed: the current price stays, and `why` says why. */
#ifndef SHOP_ANALYTICS_PRICING_H
#define SHOP_ANALYTICS_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/demand.h"
#include "core/status.h"
#include "store/store.h"

#define PRICING_DAYS 28      /* default reference period */
#define PRICING_MAX_GRID 401 /* grid points at most (range / step <= 200) */
#define PRICING_FIT_SPAN 0.25 /* the demand curve is fitted on base price × (1 ± this) */

enum pricing_ending { PRICING_END_99 = 1, PRICING_END_95 = 2, PRICING_END_00 = 4 };

struct pricing_rules {
    double range;      /* grid: base price × (1 ± range); default 0.20 */
    double step;       /* grid step as a share of the base price; default 0.01 */
    double min_margin; /* price >= cost + min_margin × price; default 0.10 */
    double max_change; /* per update, relative to the current price; default 0.15 */
    int endings;       /* PRICING_END_* bits; default .99 */
    int raw_curve;     /* search the model's own predictions, not the fitted curve (below) */
};

/* The message of the last failure of a pricing_* call in this thread ("" when none). */
const char *pricing_errmsg(void);

void pricing_rules_default(struct pricing_rules *r);
/* SHOP_EINVAL with a message in msg when a rule is out of range */
SHOP_MUST_CHECK int pricing_rules_check(const struct pricing_rules *r, char *msg, int n);
/* "99,95,00" (any non-empty subset) -> PRICING_END_* bits; SHOP_EINVAL when malformed */
SHOP_MUST_CHECK int pricing_endings_parse(const char *s, int *out);

/* The grid of a product with this base price, ascending, without duplicates; returns the
 * count (<= PRICING_MAX_GRID). */
size_t pricing_grid(const struct pricing_rules *r, int64_t base_cents, int64_t *out);

struct pricing_suggestion {
    int64_t product_id;
    char name[64];
    int64_t base_cents, cost_cents, current_cents, suggested_cents;
    double demand_current, demand_suggested; /* expected units per day */
    double profit_current, profit_suggested; /* expected profit per day, cents */
    char rule[16];
    char why[160]; /* for "kept": what ruled every grid price out */
};

/* Picks the price from a grid (n prices ascending) whose expected units per day are
 * units[i]: fills suggested_cents, demand_suggested, profit_suggested, rule and why of s,
 * whose base_cents, cost_cents and current_cents are set. When nothing is allowed the
 * current price stays: demand/profit_suggested are then copied from demand/profit_current,
 * which the caller sets. */
void pricing_choose(const struct pricing_rules *r, const int64_t *grid, const double *units,
                    size_t n, struct pricing_suggestion *s);

struct pricing_train_report {
    struct demand_params params;
    struct demand_metrics metrics;
    int64_t products;
    int64_t version; /* of the stored model */
};

/* Trains the demand model on every in-stock product-day (the last `holdout` share of the
 * days held out for the metrics) and saves it in the store with an info JSON. SHOP_ENOTFOUND
 * (message in pricing_errmsg) when the store has no sales or no daily prices. */
/* whether a trained model predicts the held-out days better than each product's average
 * (Poisson deviance); pricing keeps the current prices after a model that does not */
int pricing_model_useful(const struct demand_metrics *m);

/* now: the training time recorded with the model */
SHOP_MUST_CHECK int pricing_train(struct store *st, const struct demand_params *params,
                                  double holdout, int64_t now, struct pricing_train_report *rep);

/* Suggests a price for one product (product_id > 0; SHOP_ENOTFOUND when unknown) or all,
 * with the stored model over a reference period of `days` days. SHOP_ENOTFOUND when no model
 * was trained, SHOP_EMODEL when it is corrupt. A store without daily prices takes the
 * day before `now` as its last day. Caller frees *out. */
SHOP_MUST_CHECK int pricing_suggest(struct store *st, const struct pricing_rules *r,
                                    int64_t product_id, int days, int64_t now,
                                    struct pricing_suggestion **out, size_t *n);

/* A server's cache of the demand model: loaded once, and again only when the stored model
 * changes (a new version or training); pricing_suggest_cached is pricing_suggest without
 * deserialising the model per call. Thread-safe (predictions on one model are serialised).
 *     struct pricing_cache *c = pricing_cache_new();   ...   pricing_cache_free(c);     */
struct pricing_cache;
struct pricing_cache *pricing_cache_new(void); /* never NULL */
void pricing_cache_free(struct pricing_cache *c); /* NULL is a no-op */
SHOP_MUST_CHECK int pricing_suggest_cached(struct pricing_cache *c, struct store *st,
                                           const struct pricing_rules *r, int64_t product_id,
                                           int days, int64_t now,
                                           struct pricing_suggestion **out, size_t *n);
/* how many times the cache has loaded a model (for tests and metrics) */
int64_t pricing_cache_loads(struct pricing_cache *c);

/* In one transaction: a price_history row per suggestion and, when apply is set, the
 * suggested prices as the products' list prices (applied = 1). */
SHOP_MUST_CHECK int pricing_record(struct store *st, const struct pricing_suggestion *s,
                                   size_t n, int apply, int64_t at);

/* The suggestions scored with the simulator's true demand (sim_demand_units): for each
 * product, the true expected profit summed over the reference period at the suggested price,
 * at the base price, and at the best price of the same grid under the same rules found by
 * asking the simulator (the oracle). On each reference day every other product keeps the
 * price (and promotion) it had that day. */
struct pricing_eval {
    int64_t products, days, first_day;
    double profit_base, profit_current, profit_suggested, profit_oracle; /* cents */
    double capture;          /* profit_suggested / profit_oracle */
    double capture_base;     /* profit_base / profit_oracle */
    double capture_max;      /* each product at its highest allowed price (a price-blind
                                model's answer): what the test must beat */
    int64_t same_as_oracle;  /* products priced exactly as the oracle */
    int64_t kept;            /* products without an allowed grid price */
};
/* SHOP_ENOTFOUND when the store was not simulated or has no model (message in
 * pricing_errmsg). */
SHOP_MUST_CHECK int pricing_evaluate(struct store *st, const struct pricing_rules *r, int days,
                                     int64_t now, struct pricing_eval *out);

#endif
