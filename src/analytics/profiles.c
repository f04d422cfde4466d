/* analytics/profiles.c - the customers screen: summaries and lists over the stored profiles,
 * and one customer's overview. */
#include "analytics/profiles.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "core/xalloc.h"

static void time_json(struct jsonw *w, const char *key, int64_t t)
{
    char buf[24];
    format_time(t, buf, sizeof(buf));
    jw_key(w, key);
    jw_str(w, t ? buf : NULL);
}

/* "" -> null */
static void str_or_null(struct jsonw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s && *s ? s : NULL);
}

/* The summary saved with the profiles, as the text of meta key SUMMARY_KEY (format 1):
 *     "1 customers buyers avg_spend avg_purchases avg_items avg_discount updated_at"
 *     then for the category, fabric and size preferences " n" and n times
 *     " customers spend_cents length:key", then " m" and the m top spenders' ids, most first.
 * Profiles change only when the segments write them all (segments.h), which saves this in
 * the same transaction; "" is no summary (the walk of the profiles answers). */
#define SUMMARY_KEY "profiles.summary"
#define SUMMARY_FORMAT 1
#define SUMMARY_MAX_BYTES ((size_t)64 << 10)

/* appends to buf (cap bytes); 0 when it does not fit */
static int put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *used)
        return 0;
    *used += (size_t)n;
    return 1;
}

int profiles_summary_save(struct store *st)
{
    struct profiles_summary s;
    memset(&s, 0, sizeof(s));
    int64_t total;
    int rc = store_profile_summary(st, &s.s, s.prefs, s.nprefs);
    if (rc == SHOP_OK)
        rc = store_profile_rows(st, NULL, -1, STORE_PROFILES_BY_SPEND, PROFILES_MAX_TOP, 0, &s.top,
                                &s.ntop, &total);
    if (rc != SHOP_OK) {
        profiles_summary_release(&s);
        return rc;
    }
    char *buf = xmalloc(SUMMARY_MAX_BYTES);
    size_t used = 0;
    int ok = put(buf, SUMMARY_MAX_BYTES, &used, "%d %lld %lld %.17g %.17g %.17g %.17g %lld",
                 SUMMARY_FORMAT, (long long)s.s.customers, (long long)s.s.buyers,
                 s.s.avg_spend_cents, s.s.avg_purchases, s.s.avg_items, s.s.avg_discount,
                 (long long)s.s.updated_at);
    for (int i = 0; i < 3 && ok; i++) {
        ok = put(buf, SUMMARY_MAX_BYTES, &used, " %zu", s.nprefs[i]);
        for (size_t g = 0; g < s.nprefs[i] && ok; g++)
            ok = put(buf, SUMMARY_MAX_BYTES, &used, " %lld %lld %zu:%s",
                     (long long)s.prefs[i][g].units, (long long)s.prefs[i][g].revenue_cents,
                     strlen(s.prefs[i][g].key), s.prefs[i][g].key);
    }
    ok = ok && put(buf, SUMMARY_MAX_BYTES, &used, " %zu", s.ntop);
    for (size_t i = 0; i < s.ntop && ok; i++)
        ok = put(buf, SUMMARY_MAX_BYTES, &used, " %lld", (long long)s.top[i].p.customer_id);
    rc = store_meta_set(st, SUMMARY_KEY, ok ? buf : ""); /* too big: the walk answers */
    free(buf);
    profiles_summary_release(&s);
    return rc;
}

/* the saved summary and at most `top` of its top spenders; 0 when there is none to use (not
 * saved, unreadable, or fewer top spenders saved than asked for while there are more) */
static int summary_saved(struct store *st, int64_t top, struct profiles_summary *s, int *rc)
{
    char *buf = xmalloc(SUMMARY_MAX_BYTES);
    int64_t *ids = NULL;
    *rc = store_meta_get(st, SUMMARY_KEY, buf, SUMMARY_MAX_BYTES);
    if (*rc == SHOP_ENOTFOUND)
        *rc = SHOP_OK;
    const char *p = buf;
    int64_t format = 0, n = 0, m = 0;
    int ok = *rc == SHOP_OK && buf[0] != '\0';
    ok = ok && parse_next_int(&p, &format) && format == SUMMARY_FORMAT &&
         parse_next_int(&p, &s->s.customers) && parse_next_int(&p, &s->s.buyers) &&
         parse_next_double(&p, &s->s.avg_spend_cents) &&
         parse_next_double(&p, &s->s.avg_purchases) &&
         parse_next_double(&p, &s->s.avg_items) && parse_next_double(&p, &s->s.avg_discount) &&
         parse_next_int(&p, &s->s.updated_at);
    for (int i = 0; i < 3 && ok; i++) {
        ok = parse_next_int(&p, &n) && n >= 0 && n <= (int64_t)SUMMARY_MAX_BYTES;
        if (ok)
            s->prefs[i] = xcalloc(n ? (size_t)n : 1, sizeof(*s->prefs[i]));
        for (int64_t g = 0; g < n && ok; g++) {
            struct store_kpi_group *x = &s->prefs[i][g];
            int64_t len = 0;
            ok = parse_next_int(&p, &x->units) && parse_next_int(&p, &x->revenue_cents) &&
                 parse_next_int(&p, &len) && *p == ':' && len >= 0 &&
                 len < (int64_t)sizeof(x->key) && strnlen(p + 1, (size_t)len) == (size_t)len;
            ok = ok && (p[1 + len] == ' ' || p[1 + len] == '\0');
            if (ok) {
                memcpy(x->key, p + 1, (size_t)len);
                p += 1 + len;
                s->nprefs[i]++;
            }
        }
    }
    ok = ok && parse_next_int(&p, &m) && m >= 0 && m <= PROFILES_MAX_TOP;
    if (ok)
        ids = xcalloc(m ? (size_t)m : 1, sizeof(*ids));
    for (int64_t i = 0; i < m && ok; i++)
        ok = parse_next_int(&p, &ids[i]);
    ok = ok && *p == '\0';
    /* the saved top spenders answer when they are as many as asked, or all there are */
    int64_t want = top < m ? top : m;
    ok = ok && (top <= m || m == s->s.customers);
    if (ok && want > 0) {
        size_t got = 0;
        *rc = store_profile_rows_by_id(st, ids, (size_t)want, &s->top, &got);
        s->ntop = got;
        ok = *rc == SHOP_OK && got == (size_t)want; /* a profile gone: the walk answers */
    }
    free(ids);
    free(buf);
    if (!ok)
        profiles_summary_release(s);
    return ok;
}

int profiles_summary_get(struct store *st, int64_t top, struct profiles_summary *s)
{
    memset(s, 0, sizeof(*s));
    int began = 0;
    int rc = store_snapshot_begin(st, &began); /* the summary and the rows it names together */
    if (rc != SHOP_OK)
        return rc;
    if (summary_saved(st, top, s, &rc) || rc != SHOP_OK) {
        store_snapshot_end(st, began);
        return rc;
    }
    int64_t total;
    rc = store_profile_summary(st, &s->s, s->prefs, s->nprefs);
    if (rc == SHOP_OK && top > 0)
        rc = store_profile_rows(st, NULL, -1, STORE_PROFILES_BY_SPEND, top, 0, &s->top, &s->ntop,
                                &total);
    store_snapshot_end(st, began);
    return rc;
}

void profiles_summary_release(struct profiles_summary *s)
{
    for (int i = 0; i < 3; i++)
        free(s->prefs[i]);
    free(s->top);
    memset(s, 0, sizeof(*s));
}

void profiles_fields_write_json(struct jsonw *w, const struct store_profile *p)
{
    jw_key(w, "purchases");
    jw_int(w, p->purchases);
    jw_key(w, "items");
    jw_int(w, p->items);
    jw_key(w, "spend_cents");
    jw_int(w, p->spend_cents);
    jw_key(w, "mean_price_cents");
    jw_int(w, p->mean_price_cents);
    jw_key(w, "mean_discount");
    jw_num(w, p->mean_discount);
    jw_key(w, "times_tried");
    jw_int(w, p->times_tried);
    str_or_null(w, "pref_category", p->pref_category);
    str_or_null(w, "pref_fabric", p->pref_fabric);
    str_or_null(w, "pref_size", p->pref_size);
}

void profiles_row_write_json(struct jsonw *w, const struct store_profile_row *r)
{
    const struct store_profile *p = &r->p;
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, p->customer_id);
    jw_key(w, "name");
    jw_str(w, r->name);
    str_or_null(w, "email", r->email);
    jw_key(w, "segment");
    if (p->segment >= 0)
        jw_int(w, p->segment);
    else
        jw_null(w);
    profiles_fields_write_json(w, p);
    jw_end(w);
}

void profiles_summary_write_json(struct jsonw *w, const struct profiles_summary *s)
{
    static const char *const prefs[3] = {"category", "fabric", "size"};
    jw_obj(w);
    jw_key(w, "customers");
    jw_int(w, s->s.customers);
    jw_key(w, "buyers");
    jw_int(w, s->s.buyers);
    jw_key(w, "avg_spend_cents");
    jw_num(w, s->s.avg_spend_cents);
    jw_key(w, "avg_purchases");
    jw_num(w, s->s.avg_purchases);
    jw_key(w, "avg_items");
    jw_num(w, s->s.avg_items);
    jw_key(w, "avg_discount");
    jw_num(w, s->s.avg_discount);
    time_json(w, "updated_at", s->s.updated_at);
    jw_key(w, "preferences");
    jw_obj(w);
    for (int i = 0; i < 3; i++) {
        jw_key(w, prefs[i]);
        jw_arr(w);
        for (size_t g = 0; g < s->nprefs[i]; g++) {
            const struct store_kpi_group *x = &s->prefs[i][g];
            jw_obj(w);
            jw_key(w, "key");
            jw_str(w, x->key);
            jw_key(w, "customers");
            jw_int(w, x->units);
            jw_key(w, "share");
            jw_num(w, s->s.buyers ? (double)x->units / (double)s->s.buyers : 0);
            jw_key(w, "spend_cents");
            jw_int(w, x->revenue_cents);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "top_spenders");
    jw_arr(w);
    for (size_t i = 0; i < s->ntop; i++)
        profiles_row_write_json(w, &s->top[i]);
    jw_end(w);
    jw_end(w);
}

int profiles_points_get(struct store *st, int64_t limit, struct profiles_points *out)
{
    memset(out, 0, sizeof(*out));
    if (limit < 1 || limit > PROFILES_MAX_POINTS)
        return shop_fail(SHOP_EINVAL, "a scatter has 1 to %d points", PROFILES_MAX_POINTS);
    struct store_profile *p = NULL;
    size_t k = 0;
    /* point i is profile floor(i * n / k): evenly spaced over the customers, the same
     * sample on every call */
    int rc = store_profile_sample(st, (size_t)limit, &p, &k, &out->total);
    if (rc != SHOP_OK)
        return rc;
    out->p = xcalloc(k ? k : 1, sizeof(*out->p));
    for (size_t i = 0; i < k; i++)
        out->p[i] = (struct profiles_point){p[i].customer_id, p[i].purchases, p[i].spend_cents,
                                            p[i].segment};
    out->n = k;
    free(p);
    return SHOP_OK;
}

void profiles_points_release(struct profiles_points *p)
{
    free(p->p);
    memset(p, 0, sizeof(*p));
}

void profiles_points_write_json(struct jsonw *w, const struct profiles_points *p)
{
    jw_obj(w);
    jw_key(w, "total");
    jw_int(w, p->total);
    jw_key(w, "sampled");
    jw_bool(w, (int64_t)p->n < p->total);
    jw_key(w, "points");
    jw_arr(w);
    for (size_t i = 0; i < p->n; i++) {
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, p->p[i].customer_id);
        jw_key(w, "purchases");
        jw_int(w, p->p[i].purchases);
        jw_key(w, "spend_cents");
        jw_int(w, p->p[i].spend_cents);
        jw_key(w, "segment");
        if (p->p[i].segment >= 0)
            jw_int(w, p->p[i].segment);
        else
            jw_null(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

void profiles_list_write_json(struct jsonw *w, const struct store_profile_row *r, size_t n,
                              int64_t total)
{
    jw_obj(w);
    jw_key(w, "total");
    jw_int(w, total);
    jw_key(w, "profiles");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        profiles_row_write_json(w, &r[i]);
    jw_end(w);
    jw_end(w);
}

/* ---- one customer ---- */

int customer_overview_get(struct store *st, int64_t customer_id, int64_t limit, int64_t offset,
                          struct customer_overview *o)
{
    memset(o, 0, sizeof(*o));
    int rc = store_customer_get(st, customer_id, &o->c);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no customer %lld", (long long)customer_id);
    if (rc != SHOP_OK)
        return rc;
    rc = store_profile_get(st, customer_id, &o->p);
    o->has_profile = rc == SHOP_OK;
    if (rc != SHOP_OK && rc != SHOP_ENOTFOUND)
        return rc;
    rc = store_customer_lines(st, customer_id, limit, offset, &o->lines, &o->nlines,
                              &o->purchases);
    if (rc == SHOP_OK)
        rc = store_reco_get(st, customer_id, o->promos, &o->npromos, o->recs, &o->nrecs, 8);
    for (int i = 0; i < o->npromos + o->nrecs && rc == SHOP_OK; i++) {
        int promo = i < o->npromos;
        const struct store_reco *r = promo ? &o->promos[i] : &o->recs[i - o->npromos];
        char *name = promo ? o->promo_names[i] : o->rec_names[i - o->npromos];
        struct store_product p;
        rc = store_product_get(st, r->product_id, &p);
        if (rc == SHOP_OK)
            memcpy(name, p.name, 64);
        else if (rc == SHOP_ENOTFOUND)
            rc = SHOP_OK;
    }
    return rc;
}

void customer_overview_release(struct customer_overview *o)
{
    free(o->lines);
    o->lines = NULL;
    o->nlines = 0;
}

static void purchases_json(struct jsonw *w, const struct customer_overview *o)
{
    jw_key(w, "total");
    jw_int(w, o->purchases);
    jw_key(w, "purchases");
    jw_arr(w);
    for (size_t i = 0; i < o->nlines; i++) {
        const struct store_purchase_line *l = &o->lines[i];
        if (i == 0 || l->purchase_id != o->lines[i - 1].purchase_id) {
            if (i)
                jw_end(w), jw_end(w); /* the lines, the purchase */
            jw_obj(w);
            jw_key(w, "id");
            jw_int(w, l->purchase_id);
            time_json(w, "at", l->purchased_at);
            jw_key(w, "total_cents");
            jw_int(w, l->total_cents);
            jw_key(w, "lines");
            jw_arr(w);
        }
        jw_obj(w);
        jw_key(w, "product_id");
        jw_int(w, l->product_id);
        jw_key(w, "name");
        jw_str(w, l->product_name);
        jw_key(w, "size");
        jw_str(w, l->size);
        jw_key(w, "list_cents");
        jw_int(w, l->list_cents);
        jw_key(w, "price_cents");
        jw_int(w, l->price_cents);
        jw_key(w, "discount");
        jw_num(w, l->discount);
        jw_end(w);
    }
    if (o->nlines)
        jw_end(w), jw_end(w);
    jw_end(w);
}

static void recos_json(struct jsonw *w, const struct customer_overview *o)
{
    jw_key(w, "promotions");
    jw_arr(w);
    for (int i = 0; i < o->npromos; i++) {
        jw_obj(w);
        jw_key(w, "product_id");
        jw_int(w, o->promos[i].product_id);
        jw_key(w, "name");
        jw_str(w, o->promo_names[i]);
        jw_key(w, "discount");
        jw_num(w, o->promos[i].discount);
        jw_key(w, "price_cents");
        jw_int(w, o->promos[i].price_cents);
        jw_key(w, "reason");
        jw_str(w, o->promos[i].reason);
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "recommendations");
    jw_arr(w);
    for (int i = 0; i < o->nrecs; i++) {
        jw_obj(w);
        jw_key(w, "product_id");
        jw_int(w, o->recs[i].product_id);
        jw_key(w, "name");
        jw_str(w, o->rec_names[i]);
        jw_key(w, "score");
        jw_num(w, o->recs[i].score);
        jw_key(w, "reason");
        jw_str(w, o->recs[i].reason);
        jw_end(w);
    }
    jw_end(w);
}

void customer_overview_write_json(struct jsonw *w, const struct customer_overview *o)
{
    const struct store_customer *c = &o->c;
    jw_obj(w);
    jw_key(w, "customer");
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, c->id);
    jw_key(w, "name");
    jw_str(w, c->name);
    str_or_null(w, "email", c->email);
    jw_key(w, "gender");
    jw_str(w, c->gender);
    jw_key(w, "size");
    jw_str(w, c->size);
    time_json(w, "created_at", c->created_at);
    time_json(w, "last_seen_at", c->last_seen_at);
    jw_end(w);
    jw_key(w, "profile");
    if (o->has_profile) {
        struct store_profile_row r = {.p = o->p};
        memcpy(r.name, c->name, sizeof(r.name));
        memcpy(r.email, c->email, sizeof(r.email));
        profiles_row_write_json(w, &r);
    } else {
        jw_null(w);
    }
    jw_key(w, "purchases");
    jw_obj(w);
    purchases_json(w, o);
    jw_end(w);
    recos_json(w, o);
    jw_end(w);
}

void customer_purchases_write_json(struct jsonw *w, const struct customer_overview *o)
{
    jw_obj(w);
    jw_key(w, "customer_id");
    jw_int(w, o->c.id);
    purchases_json(w, o);
    jw_end(w);
}

void customer_recos_write_json(struct jsonw *w, const struct customer_overview *o)
{
    jw_obj(w);
    jw_key(w, "customer_id");
    jw_int(w, o->c.id);
    recos_json(w, o);
    jw_end(w);
}
