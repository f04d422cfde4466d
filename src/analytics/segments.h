/* analytics/segments.h - customer profiling: a feature row per customer from purchases,
 * clustered with mini-batch k-means into segments, each described in words; every customer
 * (buyer or not) gets a profile with a segment and preferences.
 *
 *     struct segments_report rep;
 *     segments_train(st, 4, 42, now, &rep);     -- fit from zero, write profiles and the model
 *     segments_update(st, now, &rep);           -- later: partial fit with the new sales only
 *     segments_report_release(&rep);
 *
 * The model (k-means centres + scaler + the feature columns + the time of the last sale it
 * has seen) is saved in the store as model "segments".                                  */
#ifndef SHOP_ANALYTICS_SEGMENTS_H
#define SHOP_ANALYTICS_SEGMENTS_H

#include <stdint.h>

#include "core/jsonw.h"
#include "store/store.h"

#define SEGMENTS_MAX_K 64

struct segment_info {
    int id;
    int64_t customers;
    char label[48];        /* e.g. "bargain hunters" */
    char description[256]; /* the centre in words */
    /* the centre in raw units */
    double purchases, items, spend_cents, mean_price_cents, mean_discount, times_tried;
    char top_category[16], top_fabric[16], top_size[8];
};

struct segments_report {
    int k;
    int64_t customers, buyers;
    int64_t updated; /* customers whose rows went into a partial fit (update only) */
    double inertia;
    int incremental; /* 1 after segments_update */
    struct segment_info seg[SEGMENTS_MAX_K];
};

/* Trains from zero with k clusters (1..SEGMENTS_MAX_K) and seed, writes every customer's
 * profile and the model, in one transaction. `now` stamps the profiles. SHOP_EINVAL when
 * there are fewer customers than k. Every function here says why it failed in
 * shop_errmsg(). */
SHOP_MUST_CHECK int segments_train(struct store *st, int k, uint64_t seed, int64_t now,
                                   struct segments_report *out);
/* Updates the saved model with the sales made since it last saw any (k-means partial fit on
 * the rows of the customers who bought), then reassigns and rewrites every profile.
 * SHOP_ENOTFOUND without a saved model; SHOP_EMODEL when it is corrupt; SHOP_EVERSION when
 * it is from a newer version; SHOP_ECONFLICT when the catalogue's categories, fabrics or
 * sizes changed since training (retrain then). */
SHOP_MUST_CHECK int segments_update(struct store *st, int64_t now, struct segments_report *out);
/* The saved segments described, without changing anything; errors as segments_update. */
SHOP_MUST_CHECK int segments_describe(struct store *st, struct segments_report *out);

/* segments_describe for a server: the answer is kept and computed again only when what it
 * reads changed (store_features_stamp: sales, customers, catalogue, try-ons, the model).
 * Thread-safe; concurrent callers wait for one computation. */
struct segments_cache;
struct segments_cache *segments_cache_new(void);
void segments_cache_free(struct segments_cache *c);
SHOP_MUST_CHECK int segments_describe_cached(struct segments_cache *c, struct store *st,
                                             struct segments_report *out);
/* {"k","customers","buyers","inertia",["updated_customers",]"segments":[{"id","label",
 *  "description","customers","centre":{...}}]}: `shopper segments --json` and the API */
void segments_write_json(struct jsonw *w, const struct segments_report *r);

#endif
