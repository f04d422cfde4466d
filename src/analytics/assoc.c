/* analytics/assoc.c - mining the store's baskets into assoc_rules and reading them back. */
#include "analytics/assoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "core/xalloc.h"

#define META_PREFIX "rules."

static int meta_put_int(struct store *st, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return store_meta_set(st, key, buf);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int assoc_save(struct store *st, const struct rules *r, double min_confidence, int64_t now,
               struct assoc_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->min_confidence = min_confidence;
    size_t n = rules_rule_count(r), keep = n < ASSOC_MAX_STORED ? n : ASSOC_MAX_STORED;
    size_t cap = (size_t)(rules_max_len(r) > 0 ? rules_max_len(r) : 1);
    double baskets = (double)rules_transactions(r);
    struct store_assoc_rule *rows = xcalloc(keep ? keep : 1, sizeof(*rows));
    int64_t *items = xcalloc(cap, sizeof(*items));
    size_t m = 0;
    for (size_t i = 0; i < keep; i++) { /* rules come best by lift first */
        struct rules_rule u;
        size_t na = rules_rule_get(r, i, &u, items, cap);
        qsort(items, na, sizeof(*items), cmp_id);
        struct store_assoc_rule *row = &rows[m];
        size_t len = 0;
        int fits = 1;
        for (size_t a = 0; a < na && fits; a++) {
            int k = snprintf(row->antecedent + len, sizeof(row->antecedent) - len, "%s%lld",
                             a ? " " : "", (long long)items[a]);
            fits = k > 0 && (size_t)k < sizeof(row->antecedent) - len;
            len += fits ? (size_t)k : 0;
        }
        if (!fits) /* an antecedent of dozens of products: not a rule for a dashboard */
            continue;
        row->consequent = u.consequent;
        row->support = baskets > 0 ? (double)u.support / baskets : 0;
        row->confidence = u.confidence;
        row->lift = u.lift;
        row->count = u.support;
        row->mined_at = now;
        m++;
    }
    free(items);
    out->mined_at = now;
    out->transactions = (int64_t)rules_transactions(r);
    out->min_support = rules_min_support(r);
    out->rules = (int64_t)n;
    out->stored = (int64_t)m;
    char conf[32];
    int rc = store_begin(st);
    if (rc == SHOP_OK)
        rc = store_assoc_rules_replace(st, rows, m);
    if (rc == SHOP_OK)
        rc = meta_put_int(st, META_PREFIX "mined_at", now);
    if (rc == SHOP_OK)
        rc = meta_put_int(st, META_PREFIX "transactions", out->transactions);
    if (rc == SHOP_OK)
        rc = meta_put_int(st, META_PREFIX "min_support", out->min_support);
    if (rc == SHOP_OK)
        rc = meta_put_int(st, META_PREFIX "rules", out->rules);
    if (rc == SHOP_OK) {
        snprintf(conf, sizeof(conf), "%.17g", out->min_confidence);
        rc = store_meta_set(st, META_PREFIX "min_confidence", conf);
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    free(rows);
    return rc;
}

int assoc_mine(struct store *st, double min_support, double min_confidence, int max_len,
               int64_t now, struct assoc_summary *out)
{
    memset(out, 0, sizeof(*out));
    if (!(min_confidence >= 0 && min_confidence <= 1))
        return shop_fail(SHOP_EINVAL, "min_confidence is from 0 to 1");
    if (max_len < 0 || max_len > 16)
        return shop_fail(SHOP_EINVAL, "max_len is from 0 (no limit) to 16");
    struct rules_baskets *b = rules_baskets_new();
    struct rules *r = NULL;
    int rc = store_baskets(st, INT64_MIN, INT64_MAX, rules_baskets_add_cb, b);
    struct rules_params p = RULES_PARAMS_DEFAULT;
    p.min_confidence = min_confidence;
    p.max_len = max_len;
    /* bounded for a request: a threshold that lets millions of itemsets through is a
     * mistake to report, not work to do */
    p.max_itemsets = 2000000;
    p.max_rules = 2000000;
    if (rc == SHOP_OK && rules_min_count(min_support, rules_baskets_count(b), &p.min_support) !=
                             SHOP_OK)
        rc = shop_fail(SHOP_EINVAL, "min_support is a fraction below 1 or a whole count from 1");
    if (rc == SHOP_OK && (rc = rules_mine(b, &p, &r)) != SHOP_OK)
        rc = shop_fail(rc == SHOP_ETOOBIG ? SHOP_EINVAL : rc, "%s", rules_errmsg());
    if (rc == SHOP_OK)
        rc = assoc_save(st, r, min_confidence, now, out);
    rules_free(r);
    rules_baskets_free(b);
    return rc;
}

int assoc_summary_get(struct store *st, struct assoc_summary *s)
{
    memset(s, 0, sizeof(*s));
    s->mined_at = store_meta_int(st, META_PREFIX "mined_at", 0);
    s->transactions = store_meta_int(st, META_PREFIX "transactions", 0);
    s->min_support = store_meta_int(st, META_PREFIX "min_support", 0);
    s->rules = store_meta_int(st, META_PREFIX "rules", 0);
    char buf[32];
    if (store_meta_get(st, META_PREFIX "min_confidence", buf, sizeof(buf)) == SHOP_OK)
        if (parse_double(buf, 0, 1, &s->min_confidence) != SHOP_OK)
            s->min_confidence = 0;
    shop_err_clear();
    return SHOP_OK;
}

void assoc_summary_write_keys(struct jsonw *w, const struct assoc_summary *s)
{
    char t[24];
    format_time(s->mined_at, t, sizeof(t));
    jw_key(w, "mined_at");
    jw_str(w, s->mined_at ? t : NULL);
    jw_key(w, "transactions");
    jw_int(w, s->transactions);
    jw_key(w, "min_support");
    jw_int(w, s->min_support);
    jw_key(w, "min_confidence");
    jw_num(w, s->min_confidence);
    jw_key(w, "rules_found");
    jw_int(w, s->rules);
    if (s->stored || s->mined_at) {
        jw_key(w, "stored");
        jw_int(w, s->stored);
    }
}

int assoc_list_get(struct store *st, int64_t product_id, enum store_rule_sort sort,
                   int64_t limit, int64_t offset, struct assoc_list *l)
{
    memset(l, 0, sizeof(*l));
    int rc = store_products(st, &l->products, &l->nproducts);
    if (rc != SHOP_OK)
        return rc;
    if (product_id > 0) {
        struct store_product p;
        rc = store_product_get(st, product_id, &p);
        if (rc == SHOP_ENOTFOUND)
            return shop_fail(rc, "no product %lld", (long long)product_id);
        if (rc != SHOP_OK)
            return rc;
    }
    rc = assoc_summary_get(st, &l->s);
    if (rc == SHOP_OK)
        rc = store_assoc_rules(st, product_id, sort, limit, offset, &l->r, &l->n, &l->total);
    int64_t all;
    struct store_assoc_rule *none = NULL;
    size_t zero;
    if (rc == SHOP_OK && l->s.mined_at)
        rc = store_assoc_rules(st, 0, sort, 0, 0, &none, &zero, &all);
    free(none);
    if (rc == SHOP_OK)
        l->s.stored = l->s.mined_at ? all : 0;
    return rc;
}

void assoc_list_release(struct assoc_list *l)
{
    free(l->r);
    free(l->products);
    memset(l, 0, sizeof(*l));
}

static const char *name_of(const struct assoc_list *l, int64_t id)
{
    size_t lo = 0, hi = l->nproducts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->products[mid].id < id)
            lo = mid + 1;
        else if (l->products[mid].id > id)
            hi = mid;
        else
            return l->products[mid].name;
    }
    return NULL;
}

void assoc_list_write_json(struct jsonw *w, const struct assoc_list *l)
{
    jw_obj(w);
    assoc_summary_write_keys(w, &l->s);
    jw_key(w, "total");
    jw_int(w, l->total);
    jw_key(w, "rules");
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++) {
        const struct store_assoc_rule *r = &l->r[i];
        int64_t ids[64];
        size_t na = 0;
        const char *p = r->antecedent;
        while (*p && na < 64) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            ids[na++] = v;
            p = end;
        }
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, r->id);
        jw_key(w, "antecedent");
        jw_arr(w);
        for (size_t a = 0; a < na; a++)
            jw_int(w, ids[a]);
        jw_end(w);
        jw_key(w, "antecedent_names");
        jw_arr(w);
        for (size_t a = 0; a < na; a++)
            jw_str(w, name_of(l, ids[a]));
        jw_end(w);
        jw_key(w, "consequent");
        jw_int(w, r->consequent);
        jw_key(w, "consequent_name");
        jw_str(w, name_of(l, r->consequent));
        jw_key(w, "support");
        jw_num(w, r->support);
        jw_key(w, "confidence");
        jw_num(w, r->confidence);
        jw_key(w, "lift");
        jw_num(w, r->lift);
        jw_key(w, "count");
        jw_int(w, r->count);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}
