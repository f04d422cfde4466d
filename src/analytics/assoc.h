/* analytics/assoc.h - the store's association rules ("bought together"): mined from its
 * purchases, kept in the store (assoc_rules, replaced as a whole in one transaction), read
 * back filtered and sorted for the dashboard.
 *     struct assoc_summary s;
 *     assoc_mine(st, 0.01, 0.5, 0, now, &s);                  -- the API's POST
 *     assoc_save(st, r, min_confidence, now, &s);              -- `shopper rules` on the store
 *     struct assoc_list l; assoc_list_get(st, product, STORE_RULES_BY_LIFT, 50, 0, &l);
 * Stored support is a share of the baskets; count is the number of baskets.            */
#ifndef SHOP_ANALYTICS_ASSOC_H
#define SHOP_ANALYTICS_ASSOC_H

#include "analytics/rules.h"
#include "core/jsonw.h"
#include "store/store.h"

#define ASSOC_MAX_STORED 10000 /* the best rules (by lift) kept of a mining */

struct assoc_summary {
    int64_t mined_at;       /* 0: never mined */
    int64_t transactions;   /* baskets */
    int64_t min_support;    /* a count of baskets */
    double min_confidence;
    int64_t rules;          /* found by the mining */
    int64_t stored;         /* kept (at most ASSOC_MAX_STORED) */
};

/* Stores the rules of r (mined from the store's baskets with these thresholds), best by
 * lift first, replacing the previous set, with the summary in meta: one transaction. */
SHOP_MUST_CHECK int assoc_save(struct store *st, const struct rules *r, double min_confidence,
                               int64_t now, struct assoc_summary *out);
/* Mines every purchase of the store (min_support: a fraction < 1 or a count >= 1;
 * min_confidence 0..1; max_len 0 = no limit) and stores the rules (assoc_save).
 * SHOP_EINVAL for bad thresholds or when they let too many itemsets through. */
SHOP_MUST_CHECK int assoc_mine(struct store *st, double min_support, double min_confidence,
                               int max_len, int64_t now, struct assoc_summary *out);
/* the summary of the stored set */
SHOP_MUST_CHECK int assoc_summary_get(struct store *st, struct assoc_summary *out);
/* {"mined_at","transactions","min_support","min_confidence","rules_found","stored"} keys */
void assoc_summary_write_keys(struct jsonw *w, const struct assoc_summary *s);

struct assoc_list {
    struct assoc_summary s;
    int64_t total; /* matching the filter */
    size_t n;
    struct store_assoc_rule *r;
    struct store_product *products; /* for the names, by id */
    size_t nproducts;
};
/* Stored rules with product_id on either side (0: all; SHOP_ENOTFOUND for an unknown
 * product), sorted, at most limit from offset. Caller releases. */
SHOP_MUST_CHECK int assoc_list_get(struct store *st, int64_t product_id, enum store_rule_sort sort,
                                   int64_t limit, int64_t offset, struct assoc_list *out);
void assoc_list_release(struct assoc_list *l);
/* {summary keys,"total","rules":[{"id","antecedent":[ids],"antecedent_names":[...],
 *  "consequent","consequent_name","support","confidence","lift","count"}]} */
void assoc_list_write_json(struct jsonw *w, const struct assoc_list *l);

#endif
