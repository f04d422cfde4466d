/* sim/sim.c - the simulation run: catalogue, customers, inventory, days of sessions, and the
 * expected demand behind them (see sim.h for the model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/floor.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "sim/sim_int.h"

#define RESTOCK_WINDOW 14 /* days of sales the reorder rule looks back on */
#define OPEN_HOUR 10
#define CLOSE_HOUR 20

void sim_config_default(struct sim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->customers = 40;
    cfg->products = 16;
    cfg->days = 90;
    cfg->seed = 42;
    cfg->tracked_share = 1.0;
    cfg->sample_interval = 5;
    cfg->start_day = days_from_civil(2026, 1, 1);
    cfg->visit_rate = 0.1;
    cfg->discount_share = 0.15;
    cfg->price_test_share = 0.2;
    cfg->emotion_share = 0.3;
}

int sim_config_check(const struct sim_config *c, char *msg, int n)
{
    const char *bad = NULL;
    if (c->customers < 1 || c->customers > SIM_MAX_CUSTOMERS)
        bad = "customers must be from 1 to 10000000";
    else if (c->products < 1 || c->products > SIM_MAX_PRODUCTS)
        bad = "products must be from 1 to 1000000";
    else if (c->days < 1 || c->days > SIM_MAX_DAYS)
        bad = "days must be from 1 to 3660";
    else if (!(c->tracked_share >= 0 && c->tracked_share <= 1))
        bad = "tracked share must be from 0 to 1";
    else if (c->sample_interval < 1 || c->sample_interval > 3600)
        bad = "sample interval must be from 1 to 3600 seconds";
    else if (!(c->visit_rate > 0 && c->visit_rate <= 1))
        bad = "visit rate must be in (0, 1]";
    else if (!(c->discount_share >= 0 && c->discount_share <= 1) ||
             !(c->price_test_share >= 0 && c->price_test_share <= 1) ||
             !(c->emotion_share >= 0 && c->emotion_share <= 1))
        bad = "shares must be from 0 to 1";
    if (bad) {
        snprintf(msg, (size_t)n, "%s", bad);
        return SHOP_EINVAL;
    }
    return SHOP_OK;
}

/* ---- customer types and their weights on a day ----
 * The weight of product p for type t factors as w_base[t][p] (depends on the month only)
 * times f[persona][p] (the day's price and promotion), so a day costs NPERSONA exp()s per
 * product instead of one per type and product. */
struct weights {
    size_t np;
    const struct sim_product *prod;
    double mean_base;
    int ntypes;              /* types present */
    int type_of_slot[NTYPES];
    int slot_of_type[NTYPES];
    double count[NTYPES][NSIZE]; /* customers per slot and size */
    int month;               /* month of w_base */
    double *w_base;          /* [slot][np] at base price, no promotion */
    double *sum_base;        /* [slot]: sum over products of w_base */
    double *f;               /* [NPERSONA][np] day factor */
    double *cum;             /* [slot][np] cumulative day weights, built lazily */
    int64_t *cum_day;        /* [slot] the generation cum was built for */
    double *sum_day;         /* [slot] sum of day weights */
    int64_t day;             /* the day f was set for */
    int64_t gen;             /* bumped whenever f changes; cum_day holds the gen built for */
};

static void weights_init(struct weights *w, const struct sim_product *prod, size_t np)
{
    memset(w, 0, sizeof(*w));
    w->np = np;
    w->prod = prod;
    double sum = 0;
    for (size_t i = 0; i < np; i++)
        sum += (double)prod[i].base;
    w->mean_base = np ? sum / (double)np : 1;
    for (int t = 0; t < NTYPES; t++)
        w->slot_of_type[t] = -1;
    w->month = -1;
    w->day = INT64_MIN;
}

static void weights_add_customer(struct weights *w, int type, int size)
{
    if (w->slot_of_type[type] < 0) {
        w->slot_of_type[type] = w->ntypes;
        w->type_of_slot[w->ntypes++] = type;
    }
    w->count[w->slot_of_type[type]][size] += 1;
}

static void weights_alloc(struct weights *w)
{
    size_t ns = (size_t)w->ntypes, np = w->np;
    w->w_base = xcalloc(ns * np, sizeof(double));
    w->sum_base = xcalloc(ns, sizeof(double));
    w->f = xcalloc((size_t)NPERSONA * np, sizeof(double));
    w->cum = xcalloc(ns * np, sizeof(double));
    w->cum_day = xcalloc(ns, sizeof(int64_t));
    w->sum_day = xcalloc(ns, sizeof(double));
    for (size_t s = 0; s < ns; s++)
        w->cum_day[s] = INT64_MIN;
}

static void weights_release(struct weights *w)
{
    free(w->w_base);
    free(w->sum_base);
    free(w->f);
    free(w->cum);
    free(w->cum_day);
    free(w->sum_day);
}

static void weights_set_month(struct weights *w, int month)
{
    if (w->month == month)
        return;
    w->month = month;
    for (int s = 0; s < w->ntypes; s++) {
        struct sim_type t;
        sim_type_of(w->type_of_slot[s], &t);
        double sens = sim_personas[t.persona].price_sens, sum = 0;
        double *wb = w->w_base + (size_t)s * w->np;
        for (size_t p = 0; p < w->np; p++) {
            double lw = sim_static_logw(&t, &w->prod[p], month, w->mean_base);
            wb[p] = exp(lw - SIM_BETA_PRICE * sens);
            sum += wb[p];
        }
        w->sum_base[s] = sum;
    }
}

/* the day's factor of persona pe for product p charged `price` */
static double day_factor(int pe, const struct sim_product *p, int64_t price, int discounted)
{
    const struct persona *q = &sim_personas[pe];
    double x = -SIM_BETA_PRICE * q->price_sens * ((double)price / (double)p->base - 1.0);
    if (discounted)
        x += SIM_BETA_PROMO * q->promo_prop;
    return exp(x);
}

/* sets the day's prices: price[p] charged, disc[p] set when discounted */
static void weights_set_day(struct weights *w, int64_t day, const int64_t *price,
                            const unsigned char *disc)
{
    weights_set_month(w, sim_month_of_day(day));
    for (int pe = 0; pe < NPERSONA; pe++)
        for (size_t p = 0; p < w->np; p++)
            w->f[(size_t)pe * w->np + p] = day_factor(pe, &w->prod[p], price[p], disc[p]);
    w->day = day;
    w->gen++;
}

static int slot_persona(const struct weights *w, int s)
{
    struct sim_type t;
    sim_type_of(w->type_of_slot[s], &t);
    return t.persona;
}

/* cumulative weights of slot s for the current day, built on first use */
static const double *weights_cum(struct weights *w, int s)
{
    double *cum = w->cum + (size_t)s * w->np;
    if (w->cum_day[s] != w->gen) {
        const double *wb = w->w_base + (size_t)s * w->np;
        const double *f = w->f + (size_t)slot_persona(w, s) * w->np;
        double acc = 0;
        for (size_t p = 0; p < w->np; p++) {
            acc += wb[p] * f[p];
            cum[p] = acc;
        }
        w->sum_day[s] = acc;
        w->cum_day[s] = w->gen;
    }
    return cum;
}

/* one multinomial-logit pick for slot s: a product index, or -1 for "nothing" (only when
 * with_outside is set) */
static int weights_pick(struct weights *w, int s, struct rng *r, int with_outside)
{
    const double *cum = weights_cum(w, s);
    double outside = with_outside ? SIM_OUTSIDE * w->sum_base[s] : 0;
    double u = rng_uniform(r) * (outside + w->sum_day[s]);
    if (u < outside)
        return -1;
    u -= outside;
    size_t lo = 0, hi = w->np - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (int)lo;
}

static double visit_prob(double rate, int persona, int64_t day)
{
    double v = rate * (sim_weekday(day) >= 5 ? sim_personas[persona].weekend_mult : 1.0);
    return v > 1 ? 1 : v;
}

/* Expected units of product p on the weights' current day at `price`: the sum over
 * customer types of visits × buy probability × items × the product's choice probability. */
static double weights_expected(struct weights *w, size_t p, int64_t price, int discounted,
                               double visit_rate, int size /* -1 = all */)
{
    double units = 0;
    for (int s = 0; s < w->ntypes; s++) {
        int pe = slot_persona(w, s);
        const struct persona *q = &sim_personas[pe];
        double n = 0;
        for (int z = 0; z < NSIZE; z++)
            if (size < 0 || size == z)
                n += w->count[s][z];
        if (n == 0)
            continue;
        weights_cum(w, s);
        double wb = w->w_base[(size_t)s * w->np + p];
        double now = wb * w->f[(size_t)pe * w->np + p];
        double at = wb * day_factor(pe, &w->prod[p], price, discounted);
        double denom = SIM_OUTSIDE * w->sum_base[s] + w->sum_day[s] - now + at;
        units += n * visit_prob(visit_rate, pe, w->day) * q->buy_prob *
                 sim_expected_items(q->mean_items) * at / denom;
    }
    return units;
}

/* Expected units by (product, size) on the current day when every product is at the
 * prices the day was set with: out[p * NSIZE + size]. One pass over types and products. */
static void weights_expected_all(struct weights *w, double visit_rate, double *out)
{
    memset(out, 0, w->np * NSIZE * sizeof(double));
    for (int s = 0; s < w->ntypes; s++) {
        int pe = slot_persona(w, s);
        const struct persona *q = &sim_personas[pe];
        const double *cum = weights_cum(w, s);
        double per = visit_prob(visit_rate, pe, w->day) * q->buy_prob *
                     sim_expected_items(q->mean_items) /
                     (SIM_OUTSIDE * w->sum_base[s] + w->sum_day[s]);
        double prev = 0;
        for (size_t p = 0; p < w->np; p++) {
            double share = (cum[p] - prev) * per;
            prev = cum[p];
            for (int z = 0; z < NSIZE; z++)
                out[p * NSIZE + (size_t)z] += w->count[s][z] * share;
        }
    }
}

/* ---- the run ---- */

struct sitem {
    int64_t id;
    int64_t tried;
    int64_t received_at;
    int dirty;
};

struct queue {
    int32_t *v; /* indices into the item pool, oldest first */
    int head, n, cap;
};

struct cust {
    int64_t id;
    int type, size, persona;
    int64_t last_seen;
    int seen_dirty;
};

struct run {
    struct store *st;
    const struct sim_config *cfg;
    struct sim_report *rep;
    struct sim_product *prod;
    size_t np;
    struct cust *cust;
    size_t nc;
    struct weights w;
    int64_t *price, *list;
    double *disc;
    unsigned char *disc_flag;
    struct sitem *pool;
    size_t pool_n, pool_cap;
    int32_t *free_slots;
    size_t nfree, free_cap;
    struct queue *stock; /* [np * NSIZE] */
    int32_t *sold;       /* [np * NSIZE * RESTOCK_WINDOW] units sold per day, a ring */
    int64_t next_item_id;
    size_t new_products_from; /* products from this index on were added by this run */
};

static int32_t pool_add(struct run *r, int64_t id, int64_t tried, int64_t received)
{
    int32_t slot;
    if (r->nfree) {
        slot = r->free_slots[--r->nfree];
    } else {
        if (r->pool_n == r->pool_cap) {
            r->pool_cap = r->pool_cap ? r->pool_cap * 2 : 1024;
            r->pool = xreallocarray(r->pool, r->pool_cap, sizeof(*r->pool));
        }
        slot = (int32_t)r->pool_n++;
    }
    r->pool[slot] = (struct sitem){id, tried, received, 0};
    return slot;
}

static void pool_release(struct run *r, int32_t slot)
{
    if (r->nfree == r->free_cap) {
        r->free_cap = r->free_cap ? r->free_cap * 2 : 1024;
        r->free_slots = xreallocarray(r->free_slots, r->free_cap, sizeof(int32_t));
    }
    r->free_slots[r->nfree++] = slot;
}

static void queue_push(struct queue *q, int32_t v)
{
    if (q->head + q->n == q->cap) {
        if (q->head > 0) {
            memmove(q->v, q->v + q->head, (size_t)q->n * sizeof(int32_t));
            q->head = 0;
        }
        if (q->n == q->cap) {
            q->cap = q->cap ? q->cap * 2 : 8;
            q->v = xreallocarray(q->v, (size_t)q->cap, sizeof(int32_t));
        }
    }
    q->v[q->head + q->n++] = v;
}

static int32_t queue_pop(struct queue *q)
{
    int32_t v = q->v[q->head++];
    if (--q->n == 0)
        q->head = 0;
    return v;
}

static void make_rfid(int64_t id, char *out)
{
    /* an EPC-like tag: a fixed header and the item's serial number, unique per item; tags
     * handed out in order also keep the unique index append-only */
    snprintf(out, 25, "E2801160%016llX", (unsigned long long)id);
}

static int64_t round_price(double cents)
{
    /* list prices end in .99 */
    int64_t dollars = (int64_t)floor(cents / 100.0 + 0.5);
    if (dollars < 1)
        dollars = 1;
    return dollars * 100 - 1;
}

static const char *const first_f[] = {"Anna", "Maria", "Laura", "Sofia", "Emma", "Julia",
                                      "Clara", "Elena", "Nora", "Lea", "Mia", "Ines",
                                      "Sara", "Alice", "Eva", "Zoe"};
static const char *const first_m[] = {"Lucas", "David", "Marco", "Paul", "Jonas", "Leo",
                                      "Hugo", "Daniel", "Pablo", "Tom", "Adam", "Ivan",
                                      "Noah", "Felix", "Oscar", "Ben"};
static const char *const last_names[] = {"Garcia", "Muller", "Rossi", "Martin", "Silva",
                                         "Novak", "Jensen", "Costa", "Weber", "Moreau",
                                         "Lopez", "Berg", "Kowalski", "Santos", "Fischer",
                                         "Dubois", "Russo", "Horvat", "Meyer", "Ferrari"};
static const char *const styles[] = {"Classic", "Essential", "Relaxed", "Slim", "Premium",
                                     "Urban", "Heritage", "Studio"};

#define NELEM(a) ((int)(sizeof(a) / sizeof(*(a))))

static int pick_share(struct rng *g, const double *share, int n)
{
    double u = rng_uniform(g), acc = 0;
    for (int i = 0; i < n - 1; i++) {
        acc += share[i];
        if (u < acc)
            return i;
    }
    return n - 1;
}

/* customer number i (0-based) of a store simulated with `seed`: its own random stream, so
 * that growing a store later adds the same customers a bigger first run would have had */
static void gen_customer(uint64_t seed, int64_t i, int64_t start_day, struct store_customer *c)
{
    struct rng g;
    rng_seed(&g, rng_derive(seed ^ 0xC057ULL, (uint64_t)i));
    memset(c, 0, sizeof(*c));
    int gender = rng_uniform(&g) < 0.55 ? 0 : 1;
    double pshare[NPERSONA];
    for (int k = 0; k < NPERSONA; k++)
        pshare[k] = sim_personas[k].share;
    int persona = pick_share(&g, pshare, NPERSONA);
    const char *first = gender == 0 ? first_f[rng_below(&g, NELEM(first_f))]
                                    : first_m[rng_below(&g, NELEM(first_m))];
    const char *last = last_names[rng_below(&g, NELEM(last_names))];
    snprintf(c->name, sizeof(c->name), "%s %s", first, last);
    char lower[64];
    snprintf(lower, sizeof(lower), "%s.%s", first, last);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(c->email, sizeof(c->email), "%s.%lld@example.com", lower, (long long)i + 1);
    snprintf(c->gender, sizeof(c->gender), "%s", sim_customer_genders[gender]);
    snprintf(c->size, sizeof(c->size), "%s", sim_sizes[pick_share(&g, sim_size_share, NSIZE)]);
    snprintf(c->persona, sizeof(c->persona), "%s", sim_personas[persona].name);
    snprintf(c->pref_category, sizeof(c->pref_category), "%s", sim_categories[rng_below(&g, NCAT)]);
    snprintf(c->pref_fabric, sizeof(c->pref_fabric), "%s", sim_fabrics[rng_below(&g, NFABRIC)]);
    snprintf(c->pref_season, sizeof(c->pref_season), "%s", sim_seasons[rng_below(&g, NSEASON)]);
    c->created_at = (start_day - 1 - (int64_t)rng_below(&g, 365)) * 86400 +
                    (int64_t)rng_below(&g, 86400);
    c->simulated = 1;
}

/* product number i: category and gender cycle so that any 8 consecutive products cover
 * every category for both genders (the 16-product demo store is the prototype's) */
static void gen_product(uint64_t seed, int64_t i, struct store_product *p)
{
    static const int price_lo[NCAT] = {20, 40, 35, 70}, price_hi[NCAT] = {45, 90, 80, 120};
    struct rng g;
    rng_seed(&g, rng_derive(seed ^ 0x9D0DULL, (uint64_t)i));
    memset(p, 0, sizeof(*p));
    int cat = (int)(i % NCAT), gender = (int)(i / NCAT % NGENDER);
    int fabric = (int)rng_below(&g, NFABRIC), season = (int)rng_below(&g, NSEASON);
    int64_t style = i / (NCAT * NGENDER);
    if (style < NELEM(styles))
        snprintf(p->name, sizeof(p->name), "%s %s %s (%s)", styles[style], sim_fabrics[fabric],
                 sim_categories[cat], gender ? "Men" : "Women");
    else
        snprintf(p->name, sizeof(p->name), "%s %s %s (%s) #%lld", styles[style % NELEM(styles)],
                 sim_fabrics[fabric], sim_categories[cat], gender ? "Men" : "Women",
                 (long long)(style / NELEM(styles) + 1));
    snprintf(p->category, sizeof(p->category), "%s", sim_categories[cat]);
    snprintf(p->gender, sizeof(p->gender), "%s", sim_product_genders[gender]);
    snprintf(p->fabric, sizeof(p->fabric), "%s", sim_fabrics[fabric]);
    snprintf(p->season, sizeof(p->season), "%s", sim_seasons[season]);
    p->base_price_cents = round_price(rng_range(&g, price_lo[cat], price_hi[cat]) * 100);
    p->cost_cents = (int64_t)llround((double)p->base_price_cents * rng_range(&g, 0.4, 0.6));
    p->price_cents = p->base_price_cents;
    p->popularity = round(rng_range(&g, 0.2, 0.7) * 1000) / 1000;
    /* a quarter on the front display, the rest on the back wall: women's left, men's right */
    const struct store_zone *z;
    double x0, x1;
    if (rng_uniform(&g) < 0.25) {
        z = &sim_zones[Z_FRONT];
        x0 = z->x0;
        x1 = z->x1;
    } else {
        z = &sim_zones[Z_BACK];
        x0 = gender ? 10 : z->x0;
        x1 = gender ? z->x1 : 10;
    }
    snprintf(p->zone, sizeof(p->zone), "%s", z->name);
    p->x = round(rng_range(&g, x0 + 0.5, x1 - 0.5) * 100) / 100;
    p->y = round(rng_range(&g, z->y0 + 0.5, z->y1 - 0.5) * 100) / 100;
    p->simulated = 1;
}

static int zone_index(const char *name)
{
    for (int z = 0; z < NZONES; z++)
        if (strcmp(sim_zones[z].name, name) == 0)
            return z;
    return Z_BACK;
}

static void to_model(const struct store_product *sp, struct sim_product *p)
{
    int v;
    p->id = sp->id;
    p->cat = (v = sim_lookup(sim_categories, NCAT, sp->category)) < 0 ? 0 : v;
    p->gender = strcmp(sp->gender, "men") == 0 ? 1 : 0;
    p->fabric = (v = sim_lookup(sim_fabrics, NFABRIC, sp->fabric)) < 0 ? 0 : v;
    p->season = (v = sim_lookup(sim_seasons, NSEASON, sp->season)) < 0 ? 2 : v;
    p->base = sp->base_price_cents;
    p->cost = sp->cost_cents;
    p->list = sp->price_cents;
    p->popularity = sp->popularity;
    p->x = sp->x;
    p->y = sp->y;
    p->zone = zone_index(sp->zone);
}

static int customer_type(const struct store_customer *c, int *size, int *persona)
{
    int v;
    *persona = sim_persona_index(c->persona);
    int gender = strcmp(c->gender, "male") == 0 ? 1 : 0;
    int cat = (v = sim_lookup(sim_categories, NCAT, c->pref_category)) < 0 ? 0 : v;
    int fab = (v = sim_lookup(sim_fabrics, NFABRIC, c->pref_fabric)) < 0 ? 0 : v;
    int sea = (v = sim_lookup(sim_seasons, NSEASON, c->pref_season)) < 0 ? 2 : v;
    *size = (v = sim_lookup(sim_sizes, NSIZE, c->size)) < 0 ? 1 : v;
    return sim_type_index(*persona, gender, cat, fab, sea);
}

/* Loads (and first creates, up to the counts asked for) the floor plan, customers and
 * products into the run. */
static int load_world(struct run *r, int64_t start_day)
{
    struct store *st = r->st;
    int rc = SHOP_OK;
    struct store_zone *zones = NULL;
    size_t nz = 0;
    if ((rc = store_zones(st, &zones, &nz)) != SHOP_OK)
        return rc;
    free(zones);
    for (int z = 0; z < NZONES && nz == 0 && rc == SHOP_OK; z++) {
        struct store_zone zz = sim_zones[z];
        rc = store_zone_add(st, &zz);
    }
    if (rc != SHOP_OK)
        return rc;

    struct store_customer *cs = NULL;
    size_t nc = 0;
    if ((rc = store_customers(st, &cs, &nc)) != SHOP_OK)
        return rc;
    for (int64_t i = (int64_t)nc; i < r->cfg->customers && rc == SHOP_OK; i++) {
        struct store_customer c;
        gen_customer(r->cfg->seed, i, start_day, &c);
        rc = store_customer_add(st, &c);
        r->rep->customers_added++;
        r->rep->rows_written++;
    }
    free(cs);
    if (rc != SHOP_OK)
        return rc;
    if ((rc = store_customers(st, &cs, &nc)) != SHOP_OK)
        return rc;

    struct store_product *ps = NULL;
    size_t np = 0;
    if ((rc = store_products(st, &ps, &np)) != SHOP_OK) {
        free(cs);
        return rc;
    }
    r->new_products_from = np;
    for (int64_t i = (int64_t)np; i < r->cfg->products && rc == SHOP_OK; i++) {
        struct store_product p;
        gen_product(r->cfg->seed, i, &p);
        rc = store_product_add(st, &p);
        r->rep->products_added++;
        r->rep->rows_written++;
    }
    free(ps);
    if (rc == SHOP_OK)
        rc = store_products(st, &ps, &np);
    if (rc != SHOP_OK) {
        free(cs);
        return rc;
    }
    if (np == 0 || nc == 0) {
        free(cs);
        free(ps);
        return SHOP_EINVAL;
    }
    r->np = np;
    r->prod = xcalloc(np, sizeof(*r->prod));
    for (size_t i = 0; i < np; i++)
        to_model(&ps[i], &r->prod[i]);
    free(ps);
    r->nc = nc;
    r->cust = xcalloc(nc, sizeof(*r->cust));
    weights_init(&r->w, r->prod, np);
    for (size_t i = 0; i < nc; i++) {
        struct cust *c = &r->cust[i];
        c->id = cs[i].id;
        c->type = customer_type(&cs[i], &c->size, &c->persona);
        c->last_seen = cs[i].last_seen_at;
        weights_add_customer(&r->w, c->type, c->size);
    }
    free(cs);
    weights_alloc(&r->w);
    r->price = xcalloc(np, sizeof(int64_t));
    r->list = xcalloc(np, sizeof(int64_t));
    r->disc = xcalloc(np, sizeof(double));
    r->disc_flag = xcalloc(np, 1);
    return SHOP_OK;
}

static size_t product_index(const struct run *r, int64_t id)
{
    /* products are loaded in id order */
    size_t lo = 0, hi = r->np;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->prod[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->np && r->prod[lo].id == id ? lo : SIZE_MAX;
}

struct sold_ctx {
    struct run *r;
    int ring;
};

static void count_sold(void *ctx, int64_t product_id, const char *size, int64_t units)
{
    struct sold_ctx *c = ctx;
    size_t p = product_index(c->r, product_id);
    int z = sim_lookup(sim_sizes, NSIZE, size);
    if (p != SIZE_MAX && z >= 0)
        c->r->sold[(p * NSIZE + (size_t)z) * RESTOCK_WINDOW + (size_t)c->ring] += (int32_t)units;
}

/* Loads the inventory and the recent sales the reorder rule needs. */
static int load_inventory(struct run *r, int64_t first_day)
{
    size_t nps = r->np * NSIZE;
    r->stock = xcalloc(nps, sizeof(*r->stock));
    r->sold = xcalloc(nps * RESTOCK_WINDOW, sizeof(int32_t));
    struct store_item *items = NULL;
    size_t n = 0;
    int rc = store_items_in_stock(r->st, &items, &n);
    if (rc != SHOP_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t p = product_index(r, items[i].product_id);
        int z = sim_lookup(sim_sizes, NSIZE, items[i].size);
        if (p == SIZE_MAX || z < 0)
            continue; /* a size the simulator does not sell: leave it alone */
        int32_t slot = pool_add(r, items[i].id, items[i].times_tried, items[i].received_at);
        queue_push(&r->stock[p * NSIZE + (size_t)z], slot);
    }
    free(items);
    r->next_item_id = store_item_max_id(r->st) + 1;
    for (int k = 1; k <= RESTOCK_WINDOW && rc == SHOP_OK; k++) {
        int64_t day = first_day - k;
        struct sold_ctx c = {r, (int)(((day % RESTOCK_WINDOW) + RESTOCK_WINDOW) % RESTOCK_WINDOW)};
        rc = store_units_sold(r->st, day * 86400, (day + 1) * 86400, count_sold, &c);
    }
    if (rc != SHOP_OK)
        return rc;
    return SHOP_OK;
}

/* Fills every (product, size) up to its target: on the store's first day, every Monday,
 * and on the run's first day for products added by this run. The target follows demand:
 * 1.5 weeks of the larger of the expected demand at base prices and the recent sales. */
static int restock(struct run *r, int64_t day, int opening, int first_of_run)
{
    int monday = sim_weekday(day) == 0;
    size_t from = opening || monday ? 0 : first_of_run ? r->new_products_from : r->np;
    if (from >= r->np)
        return SHOP_OK;
    int64_t at = day * 86400 + (OPEN_HOUR - 2) * 3600;
    for (size_t p = 0; p < r->np; p++)
        r->price[p] = r->prod[p].base;
    memset(r->disc_flag, 0, r->np);
    weights_set_day(&r->w, day, r->price, r->disc_flag);
    double *daily = xmalloc(r->np * NSIZE * sizeof(double));
    weights_expected_all(&r->w, r->cfg->visit_rate, daily);
    for (size_t p = from; p < r->np; p++) {
        for (int z = 0; z < NSIZE; z++) {
            size_t ps = p * NSIZE + (size_t)z;
            struct queue *q = &r->stock[ps];
            int64_t recent = 0;
            for (int k = 0; k < RESTOCK_WINDOW; k++)
                recent += r->sold[ps * RESTOCK_WINDOW + (size_t)k];
            double weekly = fmax(7 * daily[ps], (double)recent * 7.0 / RESTOCK_WINDOW);
            int64_t target = 2 + (int64_t)ceil(1.5 * weekly);
            for (int64_t k = q->n; k < target; k++) {
                struct store_item it = {0};
                it.id = r->next_item_id++;
                it.product_id = r->prod[p].id;
                snprintf(it.size, sizeof(it.size), "%s", sim_sizes[z]);
                make_rfid(it.id, it.rfid);
                snprintf(it.zone, sizeof(it.zone), "%s", sim_zones[r->prod[p].zone].name);
                it.received_at = at;
                int rc = store_item_add(r->st, &it);
                if (rc != SHOP_OK) {
                    free(daily);
                    return rc;
                }
                queue_push(q, pool_add(r, it.id, 0, at));
                r->rep->items_added++;
                r->rep->rows_written++;
            }
        }
    }
    free(daily);
    return SHOP_OK;
}

static int set_day_prices(struct run *r, int64_t day, struct rng *g)
{
    for (size_t p = 0; p < r->np; p++) {
        const struct sim_product *pr = &r->prod[p];
        int64_t list = pr->list;
        /* price tests give the demand model prices around the base price to learn from */
        if (rng_uniform(g) < r->cfg->price_test_share)
            list = round_price((double)pr->base * rng_range(g, 0.75, 1.25));
        double disc = 0;
        if (rng_uniform(g) < r->cfg->discount_share)
            disc = (double)(4 + rng_below(g, 13)) * 0.05; /* 20 % to 80 % in 5 % steps */
        r->list[p] = list;
        r->disc[p] = disc;
        r->disc_flag[p] = disc > 0;
        r->price[p] = disc > 0 ? (int64_t)llround((double)list * (1 - disc)) : list;
        int64_t stock = 0;
        for (int z = 0; z < NSIZE; z++)
            stock += r->stock[p * NSIZE + (size_t)z].n;
        int rc = store_daily_price_add(r->st, day, pr->id, list, r->price[p], disc, stock);
        if (rc != SHOP_OK)
            return rc;
        r->rep->rows_written++;
    }
    weights_set_day(&r->w, day, r->price, r->disc_flag);
    return SHOP_OK;
}

struct emit_ctx {
    struct run *r;
    int64_t session;
};

static int emit_position(void *ctx, int64_t t, double x, double y)
{
    struct emit_ctx *e = ctx;
    struct run *r = e->r;
    int rc = store_position_add(r->st, e->session, t, x, y);
    r->rep->positions++;
    r->rep->rows_written++;
    return rc;
}

static const char *const emotion_names[7] = {"neutral", "happy", "sad", "angry",
                                             "fearful", "disgusted", "surprised"};
static const char *const staff_notes[] = {
    "Offered another size", "Helped find a matching item", "Called a colleague to assist",
    "Customer was fine, no help needed", "Explained the return policy"};

/* a simulated emotion peak of group g (0 frustration, 1 happiness, 2 surprise) */
static int add_emotion(struct run *r, struct rng *g, int64_t session, int64_t customer,
                       int64_t at, int grp, const char *mirror)
{
    struct store_emotion_event e = {0};
    double p[7] = {0};
    int dominant;
    double strength = rng_range(g, 0.55, 0.92); /* the group's share */
    if (grp == 0) {
        /* frustration: one of sad, angry, fearful, disgusted leads, the others share the rest */
        dominant = 2 + (int)rng_below(g, 4);
        p[dominant] = strength * rng_range(g, 0.55, 0.85);
        double wsum = 0, wk[7] = {0};
        for (int k = 2; k <= 5; k++)
            if (k != dominant)
                wsum += wk[k] = rng_uniform(g) + 0.05;
        for (int k = 2; k <= 5; k++)
            if (k != dominant)
                p[k] = (strength - p[dominant]) * wk[k] / wsum;
    } else {
        dominant = grp == 1 ? 1 : 6;
        p[dominant] = strength;
    }
    /* what the group leaves is mostly neutral */
    p[0] += (1 - strength) * 0.8;
    p[grp == 1 ? 6 : 1] += (1 - strength) * 0.2;
    e.session_id = session;
    e.customer_id = customer;
    e.at = at;
    snprintf(e.grp, sizeof(e.grp), "%s", grp == 0 ? "frustration" : grp == 1 ? "happiness" : "surprise");
    snprintf(e.dominant, sizeof(e.dominant), "%s", emotion_names[dominant]);
    double group = grp == 0 ? p[2] + p[3] + p[4] + p[5] : grp == 1 ? p[1] : p[6];
    e.score = round(group * 100 * rng_range(g, 0.9, 1.0) * 10) / 10;
    memcpy(e.p, p, sizeof(p));
    snprintf(e.mirror, sizeof(e.mirror), "%s", mirror);
    e.simulated = 1;
    int rc = store_emotion_event_add(r->st, &e);
    r->rep->events++;
    r->rep->rows_written++;
    if (rc != SHOP_OK || grp != 0)
        return rc;
    struct store_alert a = {0};
    a.event_id = e.id;
    a.customer_id = customer;
    a.session_id = session;
    snprintf(a.location, sizeof(a.location), "%s (mirrors area)", mirror);
    a.created_at = at;
    /* most simulated alerts were handled by staff; some are still open */
    double u = rng_uniform(g);
    snprintf(a.status, sizeof(a.status), "open");
    a.simulated = 1;
    rc = store_alert_add(r->st, &a);
    r->rep->alerts++;
    r->rep->rows_written++;
    if (rc == SHOP_OK && u < 0.85) {
        rc = store_alert_resolve(r->st, a.id, "staff (simulated)",
                                 staff_notes[rng_below(g, NELEM(staff_notes))],
                                 at + 60 + (int64_t)rng_below(g, 540));
        r->rep->rows_written++;
    }
    return rc;
}

#define MAX_PICKS 64

/* one customer's visit */
static int simulate_session(struct run *r, struct cust *c, int64_t arrive, struct rng *g)
{
    const struct persona *pe = &sim_personas[c->persona];
    int slot = r->w.slot_of_type[c->type];
    int buy[MAX_PICKS], nbuy = 0, tries[MAX_PICKS], ntry = 0, looks[MAX_PICKS], nlook = 0;
    if (rng_uniform(g) < pe->buy_prob) {
        int m = rng_poisson(g, pe->mean_items);
        if (m < 1)
            m = 1;
        for (int k = 0; k < m && nbuy < MAX_PICKS; k++) {
            int p = weights_pick(&r->w, slot, g, 1);
            if (p >= 0)
                buy[nbuy++] = p;
        }
    }
    int extra = rng_poisson(g, 0.8);
    for (int k = 0; k < extra && ntry < MAX_PICKS; k++)
        tries[ntry++] = weights_pick(&r->w, slot, g, 0);
    int nl = 1 + rng_poisson(g, 1.0);
    for (int k = 0; k < nl && nlook < MAX_PICKS; k++)
        looks[nlook++] = weights_pick(&r->w, slot, g, 0);

    /* which items: the oldest in stock in the customer's size */
    int32_t sold_slots[MAX_PICKS];
    int tried_bought[MAX_PICKS];
    int nsold = 0;
    for (int k = 0; k < nbuy; k++) {
        struct queue *q = &r->stock[(size_t)buy[k] * NSIZE + (size_t)c->size];
        if (q->n == 0) {
            r->rep->lost_sales++;
            continue;
        }
        tried_bought[nsold] = rng_uniform(g) < 0.7;
        buy[nsold] = buy[k];
        sold_slots[nsold++] = queue_pop(q);
    }
    int32_t tried_slots[MAX_PICKS];
    int ntried = 0;
    for (int k = 0; k < ntry; k++) {
        struct queue *q = &r->stock[(size_t)tries[k] * NSIZE + (size_t)c->size];
        if (q->n > 0)
            tried_slots[ntried++] = q->v[q->head];
    }
    int total_tries = ntried;
    for (int k = 0; k < nsold; k++)
        total_tries += tried_bought[k];

    /* the walk: entrance, the products looked at, fitting rooms, mirror, checkout, out */
    struct sim_stop stops[3 * MAX_PICKS + 6];
    int ns = 0;
    stops[ns++] = (struct sim_stop){10 + rng_range(g, -1, 1), 0.8, Z_ENTRANCE, 5};
    int seen[3 * MAX_PICKS], nseen = 0;
    const int *lists[3] = {looks, tries, buy};
    int counts[3] = {nlook, ntry, nsold};
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < counts[l]; k++) {
            int p = lists[l][k], dup = 0;
            for (int j = 0; j < nseen; j++)
                dup |= seen[j] == p;
            if (dup)
                continue;
            seen[nseen++] = p;
            stops[ns++] = (struct sim_stop){r->prod[p].x, r->prod[p].y, r->prod[p].zone,
                                            rng_range(g, 20, 90)};
        }
    /* visit the shelves zone by zone, left to right, as people do */
    for (int i = 2; i < ns; i++)
        for (int j = i; j > 1; j--) {
            struct sim_stop *a = &stops[j - 1], *b = &stops[j];
            if (a->zone < b->zone || (a->zone == b->zone && a->x <= b->x))
                break;
            struct sim_stop t = *a;
            *a = *b;
            *b = t;
        }
    int fit_stop = -1, mirror_stop = -1, pay_stop = -1;
    if (total_tries > 0) {
        const struct store_zone *z = &sim_zones[Z_FITTING];
        fit_stop = ns;
        stops[ns++] = (struct sim_stop){rng_range(g, z->x0 + 0.5, z->x1 - 0.5),
                                        rng_range(g, z->y0 + 0.5, z->y1 - 0.5), Z_FITTING,
                                        60.0 + 90.0 * total_tries};
    }
    int at_mirror = rng_uniform(g) < r->cfg->emotion_share;
    if (at_mirror) {
        const struct store_zone *z = &sim_zones[Z_MIRRORS];
        mirror_stop = ns;
        stops[ns++] = (struct sim_stop){rng_range(g, z->x0 + 0.5, z->x1 - 0.5),
                                        rng_range(g, z->y0 + 0.5, z->y1 - 0.5), Z_MIRRORS,
                                        rng_range(g, 30, 120)};
    }
    if (nsold > 0) {
        pay_stop = ns;
        stops[ns++] = (struct sim_stop){rng_range(g, 14, 18), rng_range(g, 1.5, 3.5), Z_CHECKOUT,
                                        rng_range(g, 60, 180)};
    }
    stops[ns++] = (struct sim_stop){10 + rng_range(g, -1, 1), 0.5, Z_ENTRANCE, 1};
    double speed = rng_range(g, 0.8, 1.3);
    int64_t arrive_at[3 * MAX_PICKS + 6];
    int err = 0;
    int64_t end = sim_walk(g, stops, ns, arrive, speed, r->cfg->sample_interval, arrive_at, NULL,
                           NULL, &err);

    struct store_session s = {0};
    s.customer_id = c->id;
    s.started_at = arrive;
    s.ended_at = end;
    s.tracked = rng_uniform(g) < r->cfg->tracked_share;
    s.simulated = 1;
    const char *mirror = rng_uniform(g) < 0.5 ? "mirror-1" : "mirror-2";
    if (at_mirror)
        snprintf(s.mirror, sizeof(s.mirror), "%s", mirror);
    int rc = store_session_add(r->st, &s);
    if (rc != SHOP_OK)
        return rc;
    r->rep->sessions++;
    r->rep->rows_written++;
    if (s.tracked) {
        struct emit_ctx ctx = {r, s.id};
        sim_walk(g, stops, ns, arrive, speed, r->cfg->sample_interval, NULL, emit_position, &ctx,
                 &err);
        if (err)
            return err;
    }
    /* try-ons in the fitting rooms */
    int64_t t_fit = fit_stop >= 0 ? arrive_at[fit_stop] : arrive;
    int k_try = 0;
    for (int k = 0; k < ntried + nsold && rc == SHOP_OK; k++) {
        int32_t slot_i;
        if (k < ntried)
            slot_i = tried_slots[k];
        else if (tried_bought[k - ntried])
            slot_i = sold_slots[k - ntried];
        else
            continue;
        struct sitem *it = &r->pool[slot_i];
        it->tried++;
        it->dirty = 1;
        rc = store_tryon_add(r->st, s.id, it->id, t_fit + 30 + 90 * k_try++);
        r->rep->tryons++;
        r->rep->rows_written++;
    }
    /* the purchase */
    if (nsold > 0 && rc == SHOP_OK) {
        int64_t at = arrive_at[pay_stop] + 30;
        struct store_line lines[MAX_PICKS];
        for (int k = 0; k < nsold && rc == SHOP_OK; k++) {
            int p = buy[k];
            struct sitem *it = &r->pool[sold_slots[k]];
            struct store_item upd = {0};
            upd.id = it->id;
            upd.times_tried = it->tried;
            snprintf(upd.zone, sizeof(upd.zone), "%s", "sold");
            upd.sold = 1;
            upd.sold_at = at;
            rc = store_item_update(r->st, &upd);
            lines[k] = (struct store_line){it->id, r->prod[p].id, r->list[p], r->price[p],
                                           r->disc[p]};
            r->sold[((size_t)p * NSIZE + (size_t)c->size) * RESTOCK_WINDOW +
                    (size_t)((at / 86400) % RESTOCK_WINDOW)]++;
            r->rep->revenue_cents += r->price[p];
            pool_release(r, sold_slots[k]);
            r->rep->rows_written++;
        }
        int64_t pid;
        if (rc == SHOP_OK)
            rc = store_purchase_add(r->st, s.id, c->id, at, lines, nsold, &pid);
        r->rep->purchases++;
        r->rep->lines += nsold;
        r->rep->rows_written += 1 + nsold;
    }
    /* emotion peaks while logged in at the mirror */
    if (at_mirror && rc == SHOP_OK) {
        int64_t t_m = arrive_at[mirror_stop];
        static const double p_group[3] = {0.12, 0.45, 0.15};
        for (int grp = 0; grp < 3 && rc == SHOP_OK; grp++)
            if (rng_uniform(g) < p_group[grp])
                rc = add_emotion(r, g, s.id, c->id, t_m + 5 + (int64_t)rng_below(g, 25), grp,
                                 mirror);
    }
    c->last_seen = end;
    c->seen_dirty = 1;
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int simulate_day(struct run *r, int64_t day, int opening, int first_of_run)
{
    struct rng g;
    rng_seed(&g, rng_derive(r->cfg->seed, 0x5EED0000ULL + (uint64_t)day));
    /* the day's sales fill this ring slot */
    int ring = (int)(day % RESTOCK_WINDOW);
    for (size_t ps = 0; ps < r->np * NSIZE; ps++)
        r->sold[ps * RESTOCK_WINDOW + (size_t)ring] = 0;
    int rc = restock(r, day, opening, first_of_run);
    if (rc == SHOP_OK)
        rc = set_day_prices(r, day, &g);
    if (rc != SHOP_OK)
        return rc;
    /* who comes today, in a random order, at increasing times */
    int *who = xmalloc(r->nc * sizeof(int));
    int n = 0;
    for (size_t i = 0; i < r->nc; i++)
        if (rng_uniform(&g) < visit_prob(r->cfg->visit_rate, r->cust[i].persona, day))
            who[n++] = (int)i;
    rng_shuffle_int(&g, who, n);
    int64_t *times = xmalloc(((size_t)n + 1) * sizeof(int64_t));
    int64_t open = day * 86400 + OPEN_HOUR * 3600, span = (CLOSE_HOUR - OPEN_HOUR) * 3600 - 1800;
    for (int i = 0; i < n; i++)
        times[i] = open + (int64_t)rng_below(&g, (uint64_t)span);
    qsort(times, (size_t)n, sizeof(int64_t), cmp_i64);
    for (int i = 0; i < n && rc == SHOP_OK; i++)
        rc = simulate_session(r, &r->cust[who[i]], times[i], &g);
    free(who);
    free(times);
    return rc;
}

/* writes what is still only in memory: tried counts of unsold items, customers' last visit */
static int flush(struct run *r)
{
    int rc = SHOP_OK;
    for (size_t ps = 0; ps < r->np * NSIZE && rc == SHOP_OK; ps++) {
        struct queue *q = &r->stock[ps];
        for (int k = 0; k < q->n && rc == SHOP_OK; k++) {
            struct sitem *it = &r->pool[q->v[q->head + k]];
            if (!it->dirty)
                continue;
            struct store_item upd = {0};
            upd.id = it->id;
            upd.times_tried = it->tried;
            snprintf(upd.zone, sizeof(upd.zone), "%s", sim_zones[r->prod[ps / NSIZE].zone].name);
            rc = store_item_update(r->st, &upd);
            r->rep->rows_written++;
        }
    }
    for (size_t i = 0; i < r->nc && rc == SHOP_OK; i++)
        if (r->cust[i].seen_dirty) {
            rc = store_customer_seen(r->st, r->cust[i].id, r->cust[i].last_seen);
            r->rep->rows_written++;
        }
    return rc;
}

static void run_release(struct run *r)
{
    if (r->stock)
        for (size_t ps = 0; ps < r->np * NSIZE; ps++)
            free(r->stock[ps].v);
    free(r->stock);
    free(r->sold);
    free(r->pool);
    free(r->free_slots);
    free(r->prod);
    free(r->cust);
    free(r->price);
    free(r->list);
    free(r->disc);
    free(r->disc_flag);
    weights_release(&r->w);
}

int sim_run(struct store *st, const struct sim_config *cfg, struct sim_report *rep)
{
    char msg[128];
    memset(rep, 0, sizeof(*rep));
    if (sim_config_check(cfg, msg, sizeof(msg)) != SHOP_OK) {
        log_error("sim: %s", msg);
        return SHOP_EINVAL;
    }
    struct run r = {0};
    r.st = st;
    r.cfg = cfg;
    r.rep = rep;
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    int64_t last = store_meta_int(st, "sim.last_day", INT64_MIN);
    int64_t first = last == INT64_MIN ? cfg->start_day : last + 1;
    int opening = last == INT64_MIN;
    rep->first_day = first;
    rep->last_day = first + cfg->days - 1;
    /* a new store is one big load: build its indexes once at the end */
    if (opening)
        rc = store_bulk_begin(st);
    if (rc == SHOP_OK)
        rc = load_world(&r, first);
    if (rc == SHOP_OK)
        rc = load_inventory(&r, first);
    for (int64_t d = 0; d < cfg->days && rc == SHOP_OK; d++) {
        rc = simulate_day(&r, first + d, opening && d == 0, d == 0);
        if (cfg->progress)
            cfg->progress(cfg->progress_ctx, d + 1, cfg->days);
    }
    if (rc == SHOP_OK)
        rc = flush(&r);
    if (rc == SHOP_OK && opening)
        rc = store_bulk_end(st);
    /* the floor aggregates of the new days, in the same transaction as their positions */
    if (rc == SHOP_OK)
        rc = floor_days_rebuild(st, rep->first_day, rep->last_day + 1);
    char buf[32];
    if (rc == SHOP_OK) {
        snprintf(buf, sizeof(buf), "%lld", (long long)rep->last_day);
        rc = store_meta_set(st, "sim.last_day", buf);
    }
    if (rc == SHOP_OK && opening) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->seed);
        rc = store_meta_set(st, "sim.seed", buf);
        snprintf(buf, sizeof(buf), "%lld", (long long)first);
        if (rc == SHOP_OK)
            rc = store_meta_set(st, "sim.first_day", buf);
    }
    if (rc == SHOP_OK) {
        snprintf(buf, sizeof(buf), "%.6f", cfg->visit_rate);
        rc = store_meta_set(st, "sim.visit_rate", buf);
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    run_release(&r);
    return rc;
}

/* ---- the demand oracle ---- */

struct sim_demand {
    struct run r; /* customers, products and weights, as in a run */
    struct sim_config cfg;
    struct sim_report rep;
    double visit_rate;
    int64_t first_day, ndays; /* recorded days */
    int64_t *day_price;       /* [ndays][np] */
    unsigned char *day_disc;
    int64_t *price; /* the current day's prices */
    unsigned char *disc;
    int64_t cur_day;
};

struct dp_ctx {
    struct sim_demand *d;
};

static void load_day_price(void *ctx, int64_t day, int64_t product_id, int64_t list,
                           int64_t price, double discount)
{
    struct sim_demand *d = ((struct dp_ctx *)ctx)->d;
    (void)list;
    size_t p = product_index(&d->r, product_id);
    int64_t k = day - d->first_day;
    if (p == SIZE_MAX || k < 0 || k >= d->ndays)
        return;
    d->day_price[(size_t)k * d->r.np + p] = price;
    d->day_disc[(size_t)k * d->r.np + p] = discount > 0;
}

int sim_demand_open(struct store *st, struct sim_demand **out)
{
    *out = NULL;
    int64_t first = store_meta_int(st, "sim.first_day", INT64_MIN);
    int64_t last = store_meta_int(st, "sim.last_day", INT64_MIN);
    if (first == INT64_MIN || last == INT64_MIN || last < first)
        return SHOP_ENOTFOUND;
    struct sim_demand *d = xcalloc(1, sizeof(*d));
    /* load_world adds customers and products up to the counts: ask for none */
    d->r.st = st;
    d->r.cfg = &d->cfg;
    d->r.rep = &d->rep;
    int rc = load_world(&d->r, first);
    if (rc != SHOP_OK) {
        sim_demand_free(d);
        return rc;
    }
    char buf[64];
    d->visit_rate = 0.1;
    if (store_meta_get(st, "sim.visit_rate", buf, sizeof(buf)) == SHOP_OK)
        d->visit_rate = strtod(buf, NULL);
    d->first_day = first;
    d->ndays = last - first + 1;
    size_t np = d->r.np;
    d->day_price = xcalloc((size_t)d->ndays * np, sizeof(int64_t));
    d->day_disc = xcalloc((size_t)d->ndays * np, 1);
    for (int64_t k = 0; k < d->ndays; k++)
        for (size_t p = 0; p < np; p++)
            d->day_price[(size_t)k * np + p] = d->r.prod[p].list;
    struct dp_ctx ctx = {d};
    rc = store_daily_prices(st, load_day_price, &ctx);
    if (rc != SHOP_OK) {
        sim_demand_free(d);
        return rc;
    }
    d->price = xcalloc(np, sizeof(int64_t));
    d->disc = xcalloc(np, 1);
    d->cur_day = INT64_MIN;
    *out = d;
    return SHOP_OK;
}

void sim_demand_free(struct sim_demand *d)
{
    if (!d)
        return;
    run_release(&d->r);
    free(d->day_price);
    free(d->day_disc);
    free(d->price);
    free(d->disc);
    free(d);
}

int64_t sim_demand_products(const struct sim_demand *d)
{
    return (int64_t)d->r.np;
}

double sim_demand_units(struct sim_demand *d, int64_t product_id, int64_t day,
                        int64_t price_cents, int discounted)
{
    size_t p = product_index(&d->r, product_id);
    if (p == SIZE_MAX || price_cents <= 0)
        return -1;
    if (d->cur_day != day) {
        int64_t k = day - d->first_day;
        size_t np = d->r.np;
        for (size_t j = 0; j < np; j++) {
            int in = k >= 0 && k < d->ndays;
            d->price[j] = in ? d->day_price[(size_t)k * np + j] : d->r.prod[j].list;
            d->disc[j] = in ? d->day_disc[(size_t)k * np + j] : 0;
        }
        weights_set_day(&d->r.w, day, d->price, d->disc);
        d->cur_day = day;
    }
    return weights_expected(&d->r.w, p, price_cents, discounted, d->visit_rate, -1);
}
