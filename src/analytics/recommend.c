/* analytics/recommend.c - the hybrid recommender and its offline evaluation. */
#include "analytics/recommend.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/rules.h"
#include "core/log.h"
#include "core/xalloc.h"

#define MAXV 32 /* distinct categories, fabrics, seasons, genders, sizes kept apart */
#define CONTEXT_BASKETS 3
#define MAX_HITS 64

struct vocab {
    int n;
    char s[MAXV][24];
};

/* index of s in v, added when new (the last slot takes the overflow) */
static int intern(struct vocab *v, const char *s)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->s[i], s) == 0)
            return i;
    if (v->n == MAXV)
        return MAXV - 1;
    snprintf(v->s[v->n], sizeof(v->s[0]), "%s", s);
    return v->n++;
}

static int lookup(const struct vocab *v, const char *s)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->s[i], s) == 0)
            return i;
    return -1;
}

struct rproduct {
    int64_t id;
    char name[64];
    int cat, fab, season, gender; /* vocab indices */
    int64_t price, cost;
    double popularity;
    int repeat; /* its category may be bought again */
};

struct rline {
    int cust; /* customer index */
    int64_t purchase;
    int product;
    double discount;
};

struct rcustomer {
    int64_t id;
    int size, gender, pref_cat, pref_fab, pref_season; /* vocab indices or -1 */
    int segment;
    double mean_discount;
    size_t first, n;   /* its training lines in e->lines */
    size_t hfirst, hn; /* its held-out lines in e->held */
    int purchases;     /* training purchases */
    int64_t context[3 * CONTEXT_BASKETS * 8]; /* products of its last baskets */
    int ncontext;
};

struct reco_engine {
    atomic_int refs; /* reco_ref / reco_free; freed with the last */
    struct reco_params p;
    struct vocab cats, fabs, seasons, genders, sizes;
    struct rproduct *prod;
    size_t np;
    struct rcustomer *cust;
    size_t nc;
    struct rline *lines; /* training lines grouped by customer, in time order */
    size_t nlines;
    int *held; /* held-out products, grouped by customer */
    size_t nheld;
    int nseg;
    double *seg_units;    /* [nseg * np] */
    double *seg_max;      /* [nseg] */
    double *seg_discount; /* [nseg] mean of its customers' mean discounts */
    double *pop;          /* [np] units */
    double pop_max;
    int *stock;           /* [np * sizes] */
    struct rules *rules;
};

void reco_params_default(struct reco_params *p)
{
    memset(p, 0, sizeof(*p));
    p->n_promos = 3;
    p->n_recs = 5;
    p->w_pref = 1.0;
    p->w_segment = 0.8;
    p->w_rules = 1.2;
    p->w_popular = 0.4;
    p->min_support = 0.01;
    p->min_confidence = 0.1;
    p->min_margin = 0.05;
    p->max_discount = 0.5;
    p->repeat_categories = "T-Shirt";
}

static size_t product_index(const struct reco_engine *e, int64_t id)
{
    size_t lo = 0, hi = e->np;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->prod[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->np && e->prod[lo].id == id ? lo : SIZE_MAX;
}

static size_t customer_index(const struct reco_engine *e, int64_t id)
{
    size_t lo = 0, hi = e->nc;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->cust[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->nc && e->cust[lo].id == id ? lo : SIZE_MAX;
}

static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

struct load_ctx {
    struct reco_engine *e;
    size_t cap;
};

static void collect_line(void *ctx, int64_t purchase_id, int64_t customer_id, int64_t at,
                         int64_t product_id, double discount)
{
    struct load_ctx *c = ctx;
    struct reco_engine *e = c->e;
    (void)at;
    size_t ci = customer_index(e, customer_id), pi = product_index(e, product_id);
    if (ci == SIZE_MAX || pi == SIZE_MAX)
        return;
    if (e->nlines == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4096;
        e->lines = xreallocarray(e->lines, c->cap, sizeof(*e->lines));
    }
    e->lines[e->nlines++] = (struct rline){(int)ci, purchase_id, (int)pi, discount};
}

static void collect_stock(void *ctx, int64_t product_id, const char *size, int64_t count)
{
    struct reco_engine *e = ctx;
    size_t pi = product_index(e, product_id);
    int z = lookup(&e->sizes, size);
    if (pi != SIZE_MAX && z >= 0)
        e->stock[pi * MAXV + (size_t)z] += (int)count;
}

static int by_customer(const void *a, const void *b)
{
    const struct rline *x = a, *y = b;
    if (x->cust != y->cust)
        return x->cust - y->cust;
    /* keep time order within a customer: lines arrived in time order, purchase ids rise */
    if (x->purchase != y->purchase)
        return x->purchase < y->purchase ? -1 : 1;
    return x->product - y->product;
}

/* splits the lines per customer; with hold_out_last moves each customer's last purchase
 * (when they have at least two) out of the training lines */
static void group_lines(struct reco_engine *e)
{
    qsort(e->lines, e->nlines, sizeof(*e->lines), by_customer);
    struct rline *train = xcalloc(e->nlines ? e->nlines : 1, sizeof(*train));
    e->held = xcalloc(e->nlines ? e->nlines : 1, sizeof(int));
    size_t nt = 0;
    for (size_t i = 0; i < e->nlines;) {
        size_t j = i;
        while (j < e->nlines && e->lines[j].cust == e->lines[i].cust)
            j++;
        struct rcustomer *c = &e->cust[e->lines[i].cust];
        int64_t last = e->lines[j - 1].purchase;
        int purchases = 0;
        for (size_t k = i; k < j; k++)
            purchases += k == i || e->lines[k].purchase != e->lines[k - 1].purchase;
        int hold = e->p.hold_out_last && purchases >= 2;
        c->first = nt;
        c->hfirst = e->nheld;
        for (size_t k = i; k < j; k++) {
            if (hold && e->lines[k].purchase == last)
                e->held[e->nheld++] = e->lines[k].product;
            else
                train[nt++] = e->lines[k];
        }
        c->n = nt - c->first;
        c->hn = e->nheld - c->hfirst;
        c->purchases = purchases - hold;
        i = j;
    }
    free(e->lines);
    e->lines = train;
    e->nlines = nt;
}

/* popularity, segment best sellers, mean discounts, context baskets, and the rules */
static int learn(struct reco_engine *e)
{
    e->pop = xcalloc(e->np, sizeof(double));
    e->nseg = 0;
    for (size_t c = 0; c < e->nc; c++)
        if (e->cust[c].segment + 1 > e->nseg)
            e->nseg = e->cust[c].segment + 1;
    size_t ns = e->nseg ? (size_t)e->nseg : 1;
    e->seg_units = xcalloc(ns * e->np, sizeof(double));
    e->seg_max = xcalloc(ns, sizeof(double));
    e->seg_discount = xcalloc(ns, sizeof(double));
    double *seg_n = xcalloc(ns, sizeof(double));
    struct rules_baskets *b = rules_baskets_new();
    int64_t basket[256];
    size_t nb = 0;
    int rc = SHOP_OK;
    for (size_t c = 0; c < e->nc; c++) {
        struct rcustomer *cu = &e->cust[c];
        double dsum = 0;
        int dn = 0;
        for (size_t k = cu->first; k < cu->first + cu->n; k++) {
            const struct rline *l = &e->lines[k];
            e->pop[l->product] += 1;
            if (cu->segment >= 0)
                e->seg_units[(size_t)cu->segment * e->np + (size_t)l->product] += 1;
            if (l->discount > 0) {
                dsum += l->discount;
                dn++;
            }
            if (nb < 256)
                basket[nb++] = e->prod[l->product].id;
            int end = k + 1 == cu->first + cu->n || e->lines[k + 1].purchase != l->purchase;
            if (end) {
                if (rc == SHOP_OK)
                    rc = rules_baskets_add(b, basket, nb);
                nb = 0;
            }
        }
        if (dn)
            cu->mean_discount = dsum / dn;
        if (cu->segment >= 0) {
            e->seg_discount[cu->segment] += cu->mean_discount;
            seg_n[cu->segment] += 1;
        }
        /* the products of the last CONTEXT_BASKETS baskets */
        int baskets = 0;
        for (size_t k = cu->first + cu->n; k-- > cu->first && baskets <= CONTEXT_BASKETS;) {
            if (k + 1 == cu->first + cu->n || e->lines[k + 1].purchase != e->lines[k].purchase)
                baskets++;
            if (baskets <= CONTEXT_BASKETS &&
                cu->ncontext < (int)(sizeof(cu->context) / sizeof(*cu->context)))
                cu->context[cu->ncontext++] = e->prod[e->lines[k].product].id;
        }
    }
    for (int s = 0; s < e->nseg; s++) {
        if (seg_n[s] > 0)
            e->seg_discount[s] /= seg_n[s];
        for (size_t p = 0; p < e->np; p++)
            if (e->seg_units[(size_t)s * e->np + p] > e->seg_max[s])
                e->seg_max[s] = e->seg_units[(size_t)s * e->np + p];
    }
    free(seg_n);
    e->pop_max = 0;
    for (size_t p = 0; p < e->np; p++)
        if (e->pop[p] > e->pop_max)
            e->pop_max = e->pop[p];
    if (rc == SHOP_OK && rules_baskets_count(b) > 0) {
        struct rules_params rp = RULES_PARAMS_DEFAULT;
        rc = rules_min_count(e->p.min_support, rules_baskets_count(b), &rp.min_support);
        if (rc == SHOP_OK && rp.min_support < 2)
            rp.min_support = 2;
        rp.min_confidence = e->p.min_confidence;
        rp.max_len = 3;
        if (rc == SHOP_OK)
            rc = rules_mine(b, &rp, &e->rules);
        if (rc != SHOP_OK)
            log_warn("recommend: no association rules: %s", rules_errmsg());
        rc = SHOP_OK; /* the other signals still work without rules */
    }
    rules_baskets_free(b);
    return rc;
}

int reco_build(struct store *st, const struct reco_params *p, struct reco_engine **out)
{
    *out = NULL;
    struct reco_engine *e = xcalloc(1, sizeof(*e));
    atomic_init(&e->refs, 1);
    e->p = *p;
    if (e->p.n_promos < 0 || e->p.n_recs < 0 || e->p.n_promos + e->p.n_recs > RECO_MAX)
        return reco_free(e), SHOP_EINVAL;
    struct store_product *ps = NULL;
    struct store_customer *cs = NULL;
    struct store_profile *pf = NULL;
    size_t np = 0, nc = 0, npf = 0;
    int rc = store_products(st, &ps, &np);
    if (rc == SHOP_OK)
        rc = store_customers(st, &cs, &nc);
    if (rc == SHOP_OK)
        rc = store_profiles(st, &pf, &npf);
    if (rc != SHOP_OK)
        goto out;
    e->np = np;
    e->prod = xcalloc(np ? np : 1, sizeof(*e->prod));
    for (size_t i = 0; i < np; i++) {
        struct rproduct *r = &e->prod[i];
        r->id = ps[i].id;
        snprintf(r->name, sizeof(r->name), "%s", ps[i].name);
        r->cat = intern(&e->cats, ps[i].category);
        r->fab = intern(&e->fabs, ps[i].fabric);
        r->season = intern(&e->seasons, ps[i].season);
        r->gender = intern(&e->genders, ps[i].gender);
        r->price = ps[i].price_cents;
        r->cost = ps[i].cost_cents;
        r->popularity = ps[i].popularity;
        r->repeat = in_list(e->p.repeat_categories, ps[i].category);
    }
    e->nc = nc;
    e->cust = xcalloc(nc ? nc : 1, sizeof(*e->cust));
    for (size_t i = 0, j = 0; i < nc; i++) {
        struct rcustomer *c = &e->cust[i];
        c->id = cs[i].id;
        c->size = intern(&e->sizes, cs[i].size);
        /* customers' genders map onto the products' departments */
        c->gender = lookup(&e->genders, strcmp(cs[i].gender, "female") == 0 ? "women"
                                        : strcmp(cs[i].gender, "male") == 0 ? "men"
                                                                            : "unisex");
        c->pref_cat = lookup(&e->cats, cs[i].pref_category);
        c->pref_fab = lookup(&e->fabs, cs[i].pref_fabric);
        c->pref_season = lookup(&e->seasons, cs[i].pref_season);
        c->segment = -1;
        while (j < npf && pf[j].customer_id < c->id)
            j++;
        if (j < npf && pf[j].customer_id == c->id) {
            c->segment = pf[j].segment;
            c->mean_discount = pf[j].mean_discount;
        }
    }
    e->stock = xcalloc((np ? np : 1) * MAXV, sizeof(int));
    struct load_ctx lc = {e, 0};
    rc = store_lines_foreach(st, collect_line, &lc);
    if (rc == SHOP_OK)
        rc = store_stock_foreach(st, collect_stock, e);
    if (rc != SHOP_OK)
        goto out;
    group_lines(e);
    rc = learn(e);
out:
    free(ps);
    free(cs);
    free(pf);
    if (rc != SHOP_OK) {
        reco_free(e);
        return rc;
    }
    *out = e;
    return SHOP_OK;
}

struct reco_engine *reco_ref(struct reco_engine *e)
{
    atomic_fetch_add(&e->refs, 1);
    return e;
}

void reco_free(struct reco_engine *e)
{
    if (!e || atomic_fetch_sub(&e->refs, 1) > 1)
        return;
    rules_free(e->rules);
    free(e->prod);
    free(e->cust);
    free(e->lines);
    free(e->held);
    free(e->seg_units);
    free(e->seg_max);
    free(e->seg_discount);
    free(e->pop);
    free(e->stock);
    free(e);
}

const char *reco_product_name(const struct reco_engine *e, int64_t product_id)
{
    size_t i = product_index(e, product_id);
    return i == SIZE_MAX ? "" : e->prod[i].name;
}

int64_t reco_customers(const struct reco_engine *e)
{
    return (int64_t)e->nc;
}

int64_t reco_customer_id(const struct reco_engine *e, int64_t i)
{
    return i >= 0 && (size_t)i < e->nc ? e->cust[i].id : 0;
}

/* a scored candidate with the parts of its score, for the reason */
struct cand {
    int product;
    double score;
    double part[4]; /* pref, segment, rules, popular */
    int rule_hit;   /* index into hits, or -1 */
};

static int better(const struct cand *a, const struct cand *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return a->product < b->product;
}

/* shares of the customer's training items by category, fabric, season, gender */
struct taste {
    double items;
    double cat[MAXV], fab[MAXV], season[MAXV], gender[MAXV];
    unsigned char *bought; /* [np] */
};

static void reason_for(const struct reco_engine *e, const struct rcustomer *c,
                       const struct cand *k, const struct rules_hit *hits, double items,
                       char *out, size_t n)
{
    int best = 0;
    for (int i = 1; i < 4; i++)
        if (k->part[i] > k->part[best])
            best = i;
    const struct rproduct *p = &e->prod[k->product];
    switch (best) {
    case 2: {
        int64_t ante[8];
        struct rules_rule rr;
        size_t na = rules_rule_get(e->rules, hits[k->rule_hit].rule, &rr, ante, 8);
        snprintf(out, n, "bought together with %s",
                 na ? reco_product_name(e, ante[0]) : "your basket");
        return;
    }
    case 1:
        snprintf(out, n, "popular in your segment");
        return;
    case 0:
        snprintf(out, n, "%s: %s %s", items > 0 ? "matches your taste" : "matches your style",
                 e->fabs.s[p->fab], e->cats.s[p->cat]);
        return;
    default:
        if (!e->p.ignore_stock && c->size >= 0)
            snprintf(out, n, "your size %s is in stock", e->sizes.s[c->size]);
        else
            snprintf(out, n, "a best seller");
        return;
    }
}

static void promote(const struct reco_engine *e, const struct rcustomer *c, struct reco_item *it)
{
    const struct rproduct *p = &e->prod[product_index(e, it->product_id)];
    double seg = c->segment >= 0 && c->segment < e->nseg ? e->seg_discount[c->segment] : 0;
    double d = 0.5 * c->mean_discount + 0.5 * seg;
    if (d <= 0)
        d = 0.10; /* no history of discounts: a modest welcome offer */
    d = round(d * 20) / 20; /* 5 % steps */
    if (d < 0.05)
        d = 0.05;
    if (d > e->p.max_discount)
        d = e->p.max_discount;
    /* never below cost plus the margin */
    double floor_price = ceil((double)p->cost * (1 + e->p.min_margin));
    if ((double)p->price <= floor_price) {
        d = 0;
    } else if ((double)p->price * (1 - d) < floor_price) {
        d = floor((1 - floor_price / (double)p->price) * 100) / 100;
    }
    int64_t price = (int64_t)llround((double)p->price * (1 - d));
    if (price < (int64_t)floor_price && d > 0)
        price = (int64_t)floor_price;
    it->discount = d;
    it->price_cents = price;
}

/* live: the stock of the customer's size now, [np] (NULL: the engine's stock) */
static int recommend(const struct reco_engine *e, int64_t customer_id, const int64_t *cart,
                     int ncart, const int *live, struct reco_list *out)
{
    memset(out, 0, sizeof(*out));
    size_t ci = customer_index(e, customer_id);
    if (ci == SIZE_MAX)
        return SHOP_ENOTFOUND;
    const struct rcustomer *c = &e->cust[ci];
    struct taste t;
    memset(&t, 0, sizeof(t));
    t.bought = xcalloc(e->np ? e->np : 1, 1);
    for (size_t k = c->first; k < c->first + c->n; k++) {
        const struct rproduct *p = &e->prod[e->lines[k].product];
        t.items += 1;
        t.cat[p->cat] += 1;
        t.fab[p->fab] += 1;
        t.season[p->season] += 1;
        t.gender[p->gender] += 1;
        t.bought[e->lines[k].product] = 1;
    }
    /* rules from the cart and the last baskets */
    int64_t ctx[sizeof(c->context) / sizeof(*c->context) + 64];
    int nctx = 0;
    for (int i = 0; i < ncart && nctx < 64; i++)
        ctx[nctx++] = cart[i];
    for (int i = 0; i < c->ncontext; i++)
        ctx[nctx++] = c->context[i];
    struct rules_hit hits[MAX_HITS];
    size_t nhits = e->rules ? rules_match(e->rules, ctx, (size_t)nctx, hits, MAX_HITS) : 0;

    int want = e->p.n_promos + e->p.n_recs;
    struct cand top[RECO_MAX];
    int ntop = 0;
    for (size_t pi = 0; pi < e->np; pi++) {
        const struct rproduct *p = &e->prod[pi];
        if (t.bought[pi] && !p->repeat)
            continue;
        int in_cart = 0;
        for (int i = 0; i < ncart; i++)
            in_cart |= cart[i] == p->id;
        if (in_cart)
            continue;
        int stock = c->size < 0 ? 0 : live ? live[pi] : e->stock[pi * MAXV + (size_t)c->size];
        if (!e->p.ignore_stock && stock <= 0)
            continue;
        struct cand k = {(int)pi, 0, {0}, -1};
        double g;
        if (t.items > 0) {
            g = 0.15 + 0.85 * t.gender[p->gender] / t.items;
            k.part[0] = (t.cat[p->cat] + 0.5 * t.fab[p->fab] + 0.5 * t.season[p->season]) /
                        (2 * t.items);
        } else {
            g = c->gender < 0 || c->gender == p->gender ? 1.0 : 0.15;
            k.part[0] = ((c->pref_cat == p->cat) + 0.5 * (c->pref_fab == p->fab) +
                         0.5 * (c->pref_season == p->season)) /
                        2.0;
        }
        k.part[0] *= e->p.w_pref;
        if (c->segment >= 0 && c->segment < e->nseg && e->seg_max[c->segment] > 0)
            k.part[1] = e->p.w_segment * e->seg_units[(size_t)c->segment * e->np + pi] /
                        e->seg_max[c->segment];
        for (size_t h = 0; h < nhits; h++)
            if (hits[h].item == p->id) {
                k.part[2] = e->p.w_rules * hits[h].confidence;
                k.rule_hit = (int)h;
                break;
            }
        k.part[3] = e->p.w_popular *
                    (0.8 * (e->pop_max > 0 ? e->pop[pi] / e->pop_max : 0) + 0.2 * p->popularity);
        k.score = g * (k.part[0] + k.part[1] + k.part[2] + k.part[3]);
        /* keep the best `want`, sorted */
        if (ntop == want && !better(&k, &top[ntop - 1]))
            continue;
        int at = ntop < want ? ntop++ : want - 1;
        while (at > 0 && better(&k, &top[at - 1])) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = k;
    }
    for (int i = 0; i < ntop; i++) {
        int promo = i < e->p.n_promos;
        struct reco_item *it = promo ? &out->promos[out->npromos++] : &out->recs[out->nrecs++];
        it->product_id = e->prod[top[i].product].id;
        it->score = top[i].score;
        it->price_cents = e->prod[top[i].product].price;
        reason_for(e, c, &top[i], hits, t.items, it->reason, sizeof(it->reason));
        if (promo)
            promote(e, c, it);
    }
    free(t.bought);
    return SHOP_OK;
}

int reco_for(const struct reco_engine *e, int64_t customer_id, const int64_t *cart, int ncart,
             struct reco_list *out)
{
    return recommend(e, customer_id, cart, ncart, NULL, out);
}

struct live_stock {
    const struct reco_engine *e;
    int *count; /* [np] */
};

static void take_stock(void *ctx, int64_t product_id, int64_t count)
{
    struct live_stock *l = ctx;
    size_t pi = product_index(l->e, product_id);
    if (pi != SIZE_MAX)
        l->count[pi] = count > INT32_MAX ? INT32_MAX : (int)count;
}

int reco_for_live(const struct reco_engine *e, struct store *st, int64_t customer_id,
                  const int64_t *cart, int ncart, struct reco_list *out)
{
    memset(out, 0, sizeof(*out));
    size_t ci = customer_index(e, customer_id);
    if (ci == SIZE_MAX)
        return SHOP_ENOTFOUND;
    struct live_stock l = {e, xcalloc(e->np ? e->np : 1, sizeof(int))};
    int size = e->cust[ci].size, rc = SHOP_OK;
    if (size >= 0)
        rc = store_stock_of_size(st, e->sizes.s[size], take_stock, &l);
    if (rc == SHOP_OK)
        rc = recommend(e, customer_id, cart, ncart, l.count, out);
    free(l.count);
    return rc;
}

/* ---- the cache ---- */

struct reco_cache {
    pthread_mutex_t mu;
    pthread_cond_t built;
    struct reco_params p;
    struct reco_engine *e; /* the cache's reference; NULL before the first build */
    int64_t generation;    /* the store's generation e was built at */
    int building;
    int64_t builds;
};

struct reco_cache *reco_cache_new(const struct reco_params *p)
{
    struct reco_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->built, NULL);
    if (p)
        c->p = *p;
    else
        reco_params_default(&c->p);
    return c;
}

void reco_cache_free(struct reco_cache *c)
{
    if (!c)
        return;
    reco_free(c->e);
    pthread_cond_destroy(&c->built);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int reco_cache_get(struct reco_cache *c, struct store *st, struct reco_engine **out)
{
    *out = NULL;
    int64_t gen;
    int rc = store_generation(st, &gen);
    if (rc != SHOP_OK)
        return rc;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (c->e && c->generation == gen) {
            *out = reco_ref(c->e);
            pthread_mutex_unlock(&c->mu);
            return SHOP_OK;
        }
        if (!c->building)
            break;
        if (c->e) { /* another thread rebuilds: the previous engine meanwhile */
            *out = reco_ref(c->e);
            pthread_mutex_unlock(&c->mu);
            return SHOP_OK;
        }
        pthread_cond_wait(&c->built, &c->mu);
    }
    c->building = 1;
    pthread_mutex_unlock(&c->mu);
    /* built outside the lock: readers keep the old engine, a rebuild takes seconds */
    struct reco_engine *e = NULL, *old = NULL;
    rc = reco_build(st, &c->p, &e);
    pthread_mutex_lock(&c->mu);
    c->building = 0;
    if (rc == SHOP_OK) {
        old = c->e;
        c->e = e;
        c->generation = gen;
        c->builds++;
        *out = reco_ref(e);
    }
    pthread_cond_broadcast(&c->built);
    pthread_mutex_unlock(&c->mu);
    reco_free(old); /* freed here only when no request holds it */
    return rc;
}

int64_t reco_cache_builds(struct reco_cache *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t n = c->builds;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static void to_store(const struct reco_item *it, struct store_reco *out)
{
    out->product_id = it->product_id;
    out->score = it->score;
    snprintf(out->reason, sizeof(out->reason), "%s", it->reason);
    out->discount = it->discount;
    out->price_cents = it->price_cents;
}

int reco_save(struct store *st, int64_t customer_id, const struct reco_list *l, int64_t now)
{
    struct store_reco pr[RECO_MAX], re[RECO_MAX];
    for (int k = 0; k < l->npromos; k++)
        to_store(&l->promos[k], &pr[k]);
    for (int k = 0; k < l->nrecs; k++)
        to_store(&l->recs[k], &re[k]);
    return store_reco_save(st, customer_id, pr, l->npromos, re, l->nrecs, now, now + 7 * 86400);
}

int reco_save_all(struct store *st, const struct reco_engine *e, int64_t now,
                  void (*progress)(void *ctx, int64_t done, int64_t total), void *ctx)
{
    int rc = store_begin(st);
    for (size_t i = 0; i < e->nc && rc == SHOP_OK; i++) {
        struct reco_list l;
        rc = reco_for(e, e->cust[i].id, NULL, 0, &l);
        if (rc == SHOP_OK)
            rc = reco_save(st, e->cust[i].id, &l, now);
        if (progress && (i % 256 == 255 || i + 1 == e->nc))
            progress(ctx, (int64_t)i + 1, (int64_t)e->nc);
    }
    if (rc == SHOP_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

/* ---- offline evaluation ---- */

static int by_popularity(const void *a, const void *b, void *ctx)
{
    const struct reco_engine *e = ctx;
    int x = *(const int *)a, y = *(const int *)b;
    if (e->pop[x] != e->pop[y])
        return e->pop[x] > e->pop[y] ? -1 : 1;
    return x - y;
}

static void score_list(const int *ranked, int n, const int *held, size_t nheld,
                       struct reco_eval_scores *s)
{
    int hits5 = 0, hits8 = 0;
    for (int i = 0; i < n && i < 8; i++) {
        int hit = 0;
        for (size_t h = 0; h < nheld; h++)
            hit |= held[h] == ranked[i];
        if (hit) {
            hits8++;
            if (i < 5)
                hits5++;
        }
    }
    s->hit_rate_5 += hits5 > 0;
    s->hit_rate_8 += hits8 > 0;
    s->precision_5 += hits5 / 5.0;
    s->precision_8 += hits8 / 8.0;
}

int reco_evaluate(struct store *st, const struct reco_params *params, struct reco_eval *out)
{
    memset(out, 0, sizeof(*out));
    struct reco_params p = *params;
    p.ignore_stock = 1;
    p.hold_out_last = 1;
    p.n_promos = 3;
    p.n_recs = 5;
    struct reco_engine *e;
    int rc = reco_build(st, &p, &e);
    if (rc != SHOP_OK)
        return rc;
    int *order = xcalloc(e->np ? e->np : 1, sizeof(int));
    for (size_t i = 0; i < e->np; i++)
        order[i] = (int)i;
    qsort_r(order, e->np, sizeof(int), by_popularity, e);
    for (size_t ci = 0; ci < e->nc && rc == SHOP_OK; ci++) {
        const struct rcustomer *c = &e->cust[ci];
        if (c->hn == 0)
            continue;
        /* distinct held-out products */
        int held[256];
        size_t nh = 0;
        for (size_t h = c->hfirst; h < c->hfirst + c->hn && nh < 256; h++) {
            int dup = 0;
            for (size_t j = 0; j < nh; j++)
                dup |= held[j] == e->held[h];
            if (!dup)
                held[nh++] = e->held[h];
        }
        struct reco_list l;
        rc = reco_for(e, c->id, NULL, 0, &l);
        int ranked[RECO_MAX], n = 0;
        for (int i = 0; i < l.npromos; i++)
            ranked[n++] = (int)product_index(e, l.promos[i].product_id);
        for (int i = 0; i < l.nrecs; i++)
            ranked[n++] = (int)product_index(e, l.recs[i].product_id);
        score_list(ranked, n, held, nh, &out->hybrid);
        /* the baseline: the most popular products the customer has not bought */
        n = 0;
        for (size_t i = 0; i < e->np && n < 8; i++) {
            int pi = order[i], bought = 0;
            if (!e->prod[pi].repeat)
                for (size_t k = c->first; k < c->first + c->n && !bought; k++)
                    bought = e->lines[k].product == pi;
            if (!bought)
                ranked[n++] = pi;
        }
        score_list(ranked, n, held, nh, &out->popularity);
        out->customers++;
    }
    if (out->customers > 0) {
        double n = (double)out->customers;
        struct reco_eval_scores *s[2] = {&out->hybrid, &out->popularity};
        for (int i = 0; i < 2; i++) {
            s[i]->hit_rate_5 /= n;
            s[i]->hit_rate_8 /= n;
            s[i]->precision_5 /= n;
            s[i]->precision_8 /= n;
        }
    }
    free(order);
    reco_free(e);
    return rc;
}
