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
 * has seen) is saved in the store as model "segments", with its assignment of every customer
 * (the profiles' segment; the members counted and the population the names are measured
 * against), so that describing the segments reads no customer's purchases.              */
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

/* The segments as of their last assignment (training or update, at assigned_at): members
 * (seg[].customers), buyers and inertia are those of the customers assigned then; customers
 * counts everyone now, and unassigned those registered since (in no segment until the next
 * update). After a sale, members and buyers stay as they were until the next update. */
struct segments_report {
    int k;
    int64_t customers;   /* every customer now: assigned + unassigned (none is deleted) */
    int64_t buyers;      /* the customers assigned who had bought then */
    int64_t updated;     /* customers whose rows went into a partial fit (update only) */
    double inertia;      /* of the customers assigned, then */
    int incremental;     /* 1 after segments_update */
    int64_t assigned_at; /* 0: every customer labelled now (segments_describe_scan) */
    int64_t assigned;    /* customers in a segment: the sum of seg[].customers */
    int64_t unassigned;  /* customers registered since assigned_at */
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
/* The saved segments described, without changing anything, from the model and its saved
 * assignment only: the centres named with the columns they were trained on and against the
 * population then, the members as of the last assignment, plus the customers registered since
 * (a read of them only; no customer's purchases, no catalogue). A catalogue changed since
 * shows at the next update (SHOP_ECONFLICT: retrain). A model saved by an older shopper,
 * without its assignment, is described as segments_describe_scan does. SHOP_ENOTFOUND
 * without a saved model; SHOP_EMODEL when it, its columns or its assignment are corrupt;
 * SHOP_EVERSION when it is from a newer version. */
SHOP_MUST_CHECK int segments_describe(struct store *st, struct segments_report *out);
/* The same from scratch: every customer's features now, labelled with the saved model, the
 * names measured against them (assigned_at 0, unassigned 0). Seconds on a big store: what
 * segments_describe is checked against. */
SHOP_MUST_CHECK int segments_describe_scan(struct store *st, struct segments_report *out);

/* segments_describe for a server: the answer is kept and computed again only when what it
 * may read changed (store_features_stamp: sales, customers, catalogue, try-ons, the model;
 * more than it reads now, so a sale costs a new description, one of milliseconds).
 * Thread-safe; concurrent callers wait for one computation. */
struct segments_cache;
struct segments_cache *segments_cache_new(void);
void segments_cache_free(struct segments_cache *c);
SHOP_MUST_CHECK int segments_describe_cached(struct segments_cache *c, struct store *st,
                                             struct segments_report *out);
/* {"k","customers","buyers","inertia",["updated_customers",]"assigned_at","assigned",
 *  "unassigned","segments":[{"id","label","description","customers","centre":{...}}]}:
 * `shopper segments --json` and the API; "assigned_at" is null for segments_describe_scan */
void segments_write_json(struct jsonw *w, const struct segments_report *r);

#endif
