/* analytics/recommend.h - the hybrid recommender: promotions and recommendations per
 * customer, each with a reason.
 *
 *     struct reco_params p; reco_params_default(&p);
 *     struct reco_engine *e;
 *     if (reco_build(st, &p, 0, &e) == SHOP_OK) {
 *         struct reco_list l;
 *         reco_for(e, customer_id, cart, ncart, &l);   -- l.promos[0..2], l.recs[0..4]
 *         reco_free(e);
 *     }
 *
 * A candidate is a product in stock in the customer's size (any product in offline
 * evaluation), not already bought unless its category repeats (T-Shirts by default). Its
 * score blends (a) the customer's own preferences from their history (shares of category,
 * fabric, season; stated preferences for a customer without history) and gender, (b) the
 * customer's segment's best sellers, (c) association rules from the cart and the last
 * baskets ("bought together with"), (d) popularity (the cold-start fallback). Ties go to the
 * lower product id. The top n_promos become promotions with a discount from the customer's
 * and segment's mean discount, bounded so that the price stays above cost plus a margin; the
 * next n_recs are recommendations. The engine is read-only after building: reco_for may run
 * in several threads at once.
 *
 * A server keeps one engine per store in a reco_cache: built on first use, rebuilt when the
 * store's generation (store_generation: sales, customers, products, prices, profiles) moved,
 * shared by reference between requests (a rebuild never frees an engine in use):
 *     struct reco_cache *c = reco_cache_new(NULL);          -- once
 *     struct reco_engine *e;
 *     if (reco_cache_get(c, st, &e) == SHOP_OK) {            -- per request, st its handle
 *         reco_for_live(e, st, customer_id, cart, ncart, &l); -- stock read now
 *         reco_free(e);                                       -- drops the reference
 *     }
 *     reco_cache_free(c);                                                                 */
#ifndef SHOP_ANALYTICS_RECOMMEND_H
#define SHOP_ANALYTICS_RECOMMEND_H

#include <stdint.h>

#include "store/store.h"

#define RECO_MAX 16

struct reco_params {
    int n_promos, n_recs;          /* 3 and 5 */
    double w_pref, w_segment, w_rules, w_popular;
    double min_support;            /* rules: fraction of baskets (or a count when >= 1) */
    double min_confidence;
    double min_margin;             /* promotion price >= cost * (1 + min_margin) */
    double max_discount;           /* 0..1 */
    const char *repeat_categories; /* comma-separated, may be bought again */
    int ignore_stock;              /* offline evaluation: stock then is not stock now */
    int hold_out_last;             /* offline evaluation: leave each customer's last purchase out */
};

struct reco_item {
    int64_t product_id;
    double score;
    char reason[96];
    double discount;     /* promotions */
    int64_t price_cents; /* promotions: price after the discount; else the current price */
};

struct reco_list {
    int npromos, nrecs;
    struct reco_item promos[RECO_MAX], recs[RECO_MAX];
};

struct reco_engine;

void reco_params_default(struct reco_params *p);
/* Loads purchases, stock, profiles and mines the rules. Caller frees with reco_free. */
SHOP_MUST_CHECK int reco_build(struct store *st, const struct reco_params *p,
                               struct reco_engine **out);
/* drops a reference: the engine is freed with its last (reco_build gives one) */
void reco_free(struct reco_engine *e);
/* another reference to e (for another holder); returns e */
struct reco_engine *reco_ref(struct reco_engine *e);
/* Recommends for a customer with an optional cart of product ids. SHOP_ENOTFOUND for an
 * unknown customer. A customer without history gets popular items of their gender and
 * stated taste. The lists may be shorter when few products qualify. */
SHOP_MUST_CHECK int reco_for(const struct reco_engine *e, int64_t customer_id,
                             const int64_t *cart, int ncart, struct reco_list *out);
/* reco_for with the stock of the customer's size read from the store now (the engine's own
 * stock is as of its build); st is the caller's handle */
SHOP_MUST_CHECK int reco_for_live(const struct reco_engine *e, struct store *st,
                                  int64_t customer_id, const int64_t *cart, int ncart,
                                  struct reco_list *out);

struct reco_cache;
/* p NULL: the defaults. Never NULL. */
struct reco_cache *reco_cache_new(const struct reco_params *p);
void reco_cache_free(struct reco_cache *c); /* NULL is a no-op; engines out stay valid */
/* A reference to the engine for the store's current generation (caller drops it with
 * reco_free), built with st when there is none or it is older. Thread-safe; while one thread
 * rebuilds, the others get the previous engine. Errors as reco_build. */
SHOP_MUST_CHECK int reco_cache_get(struct reco_cache *c, struct store *st,
                                   struct reco_engine **out);
/* how many engines the cache has built (for tests and metrics) */
int64_t reco_cache_builds(struct reco_cache *c);

/* Stores a customer's list (replacing the previous one); promotions are valid for a week.
 * The caller holds the transaction. */
SHOP_MUST_CHECK int reco_save(struct store *st, int64_t customer_id, const struct reco_list *l,
                              int64_t now);
/* Recommends for every customer the engine knows and stores the lists, in one
 * transaction (nothing is written when any fails). `bar` may be NULL. */
SHOP_MUST_CHECK int reco_save_all(struct store *st, const struct reco_engine *e, int64_t now,
                                  void (*progress)(void *ctx, int64_t done, int64_t total),
                                  void *ctx);
/* the product's name (borrowed), "" for an unknown id */
const char *reco_product_name(const struct reco_engine *e, int64_t product_id);
/* customers the engine knows, and the i-th one's id */
int64_t reco_customers(const struct reco_engine *e);
int64_t reco_customer_id(const struct reco_engine *e, int64_t i);

/* Offline evaluation: each customer's last purchase is held out and the rest is history. */
struct reco_eval_scores {
    double hit_rate_5, hit_rate_8, precision_5, precision_8;
};
struct reco_eval {
    int64_t customers; /* evaluated: at least two purchases */
    struct reco_eval_scores hybrid, popularity;
};
SHOP_MUST_CHECK int reco_evaluate(struct store *st, const struct reco_params *p,
                                  struct reco_eval *out);

#endif
