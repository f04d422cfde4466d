/* analytics/profiles.h - the customers screen of the dashboard: the profiles' summary (how
 * many, average spend / purchases / discount), preference distributions, top spenders, a
 * scatter of purchases against spend coloured by segment, a searchable list, and one
 * customer's overview (profile, purchases, stored promotions and recommendations).
 *     struct profiles_summary s;
 *     if (profiles_summary_get(st, 10, &s) == SHOP_OK) { profiles_summary_write_json(&w, &s);
 *                                                        profiles_summary_release(&s); }
 * Profiles are written by `shopper train segments` (segments.h): the numbers are as of the
 * last training or update ("updated_at").                                               */
#ifndef SHOP_ANALYTICS_PROFILES_H
#define SHOP_ANALYTICS_PROFILES_H

#include "core/jsonw.h"
#include "store/store.h"

#define PROFILES_MAX_POINTS 20000
#define PROFILES_MAX_TOP 200 /* top spenders saved with the summary */
#define PROFILES_OVERVIEW_PURCHASES 20

struct profiles_summary {
    struct store_profile_summary s;
    struct store_kpi_group *prefs[3]; /* category, fabric, size: key, units = customers,
                                       * revenue_cents = their spend */
    size_t nprefs[3];
    struct store_profile_row *top; /* top spenders */
    size_t ntop;
};
SHOP_MUST_CHECK int profiles_summary_get(struct store *st, int64_t top,
                                         struct profiles_summary *out);
void profiles_summary_release(struct profiles_summary *s);
/* Saves the summary and the PROFILES_MAX_TOP top spenders' ids of the profiles as they are
 * (one walk of them), for profiles_summary_get to answer from without walking them again:
 * called by whoever has just written every profile (segments.c), in its transaction. Until
 * then, or when it cannot be read, profiles_summary_get walks the profiles. */
SHOP_MUST_CHECK int profiles_summary_save(struct store *st);
/* {"customers","buyers","avg_spend_cents","avg_purchases","avg_items","avg_discount",
 *  "updated_at","preferences":{"category":[{"key","customers","share","spend_cents"}],
 *  "fabric":[...],"size":[...]},"top_spenders":[profile row]} */
void profiles_summary_write_json(struct jsonw *w, const struct profiles_summary *s);

/* one point of the scatter */
struct profiles_point {
    int64_t customer_id, purchases, spend_cents;
    int segment;
};
struct profiles_points {
    int64_t total; /* profiles */
    size_t n;
    struct profiles_point *p;
};
/* At most `limit` (1..PROFILES_MAX_POINTS) profiles for a scatter: all of them when there
 * are no more, else an evenly spaced sample in customer order (the same every time). */
SHOP_MUST_CHECK int profiles_points_get(struct store *st, int64_t limit,
                                        struct profiles_points *out);
void profiles_points_release(struct profiles_points *p);
/* {"total","sampled","points":[{"id","purchases","spend_cents","segment"}]} */
void profiles_points_write_json(struct jsonw *w, const struct profiles_points *p);

/* a profile row (customer, name, e-mail, segment, numbers, preferences) */
void profiles_row_write_json(struct jsonw *w, const struct store_profile_row *r);
/* a profile's numbers and preferences as keys of the object being written ("purchases",
 * "items", "spend_cents", "mean_price_cents", "mean_discount", "times_tried",
 * "pref_category", "pref_fabric", "pref_size"): the one shape of a profile */
void profiles_fields_write_json(struct jsonw *w, const struct store_profile *p);
/* {"total","profiles":[row...]} */
void profiles_list_write_json(struct jsonw *w, const struct store_profile_row *r, size_t n,
                              int64_t total);

/* ---- one customer ---- */
struct customer_overview {
    struct store_customer c;
    int has_profile;
    struct store_profile p;
    int64_t purchases;                   /* all of the customer's purchases */
    struct store_purchase_line *lines;   /* the lines of the newest ones, newest first */
    size_t nlines;
    int npromos, nrecs;                  /* stored by `shopper recommend --all` */
    struct store_reco promos[8], recs[8];
    char promo_names[8][64], rec_names[8][64];
};
/* The customer (SHOP_ENOTFOUND), their profile when trained, the lines of up to `limit`
 * purchases from `offset` (newest first) and their stored promotions and recommendations.
 * Caller releases. */
SHOP_MUST_CHECK int customer_overview_get(struct store *st, int64_t customer_id, int64_t limit,
                                          int64_t offset, struct customer_overview *out);
void customer_overview_release(struct customer_overview *o);
/* {"customer":{...},"profile":{...}|null,"purchases":{...},"promotions":[...],
 *  "recommendations":[...]} */
void customer_overview_write_json(struct jsonw *w, const struct customer_overview *o);
/* {"customer_id","total","purchases":[{"id","at","total_cents","lines":[...]}]} */
void customer_purchases_write_json(struct jsonw *w, const struct customer_overview *o);
/* {"customer_id","promotions":[...],"recommendations":[...]} */
void customer_recos_write_json(struct jsonw *w, const struct customer_overview *o);

#endif
