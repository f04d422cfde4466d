/* analytics/pricing.c - demand-model training data, the price search under business rules,
 * suggestions recorded and applied, and the score against the simulator's true demand. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/pricing.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "sim/sim.h"

/* products whose grid is predicted in one XGBoost call: bounds the query array */
#define PREDICT_PRODUCTS 64
/* distinct (month, weekday) pairs a reference period can hold */
#define MAX_COMBOS (12 * 7)
/* the fitted demand curve's probes: ratios to the base price */
#define PROBE_STEP 0.05
#define MAX_PROBES 41

#define META_USEFUL "demand.beats_baseline"

const char *pricing_errmsg(void)
{
    return shop_errmsg();
}

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
    char msg[SHOP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return shop_fail(rc, "%s", msg);
}

static int fail_store(struct store *st, int rc)
{
    return fail(rc, "%s", store_errmsg(st));
}

static int fail_model(int rc)
{
    return fail(rc, "the demand model failed (%s): retrain it with `shopper train demand`",
                shop_strerror(rc));
}

/* ---- rules and the grid ---- */

void pricing_rules_default(struct pricing_rules *r)
{
    r->range = 0.20;
    r->step = 0.01;
    r->min_margin = 0.10;
    r->max_change = 0.15;
    r->endings = PRICING_END_99;
    r->raw_curve = 0;
}

int pricing_rules_check(const struct pricing_rules *r, char *msg, int n)
{
    if (!(r->range > 0 && r->range <= 0.9))
        snprintf(msg, (size_t)n, "the grid range must be in (0, 0.9], not %g", r->range);
    else if (!(r->step >= 0.001 && r->step <= r->range))
        snprintf(msg, (size_t)n, "the grid step must be in [0.001, range], not %g", r->step);
    else if (r->range / r->step > (PRICING_MAX_GRID - 1) / 2 + 1e-9)
        snprintf(msg, (size_t)n, "range / step gives more than %d grid prices",
                 PRICING_MAX_GRID);
    else if (!(r->min_margin >= 0 && r->min_margin <= 0.9))
        snprintf(msg, (size_t)n, "the minimum margin must be in [0, 0.9], not %g",
                 r->min_margin);
    else if (!(r->max_change > 0 && r->max_change <= 1))
        snprintf(msg, (size_t)n, "the maximum change must be in (0, 1], not %g", r->max_change);
    else if (r->endings <= 0 || r->endings > 7)
        snprintf(msg, (size_t)n, "no price endings allowed");
    else
        return SHOP_OK;
    return SHOP_EINVAL;
}

int pricing_endings_parse(const char *s, int *out)
{
    int bits = 0;
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && strncmp(p, "99", 2) == 0)
            bits |= PRICING_END_99;
        else if (len == 2 && strncmp(p, "95", 2) == 0)
            bits |= PRICING_END_95;
        else if (len == 2 && strncmp(p, "00", 2) == 0)
            bits |= PRICING_END_00;
        else
            return SHOP_EINVAL;
        if (!e)
            break;
        p = e + 1;
        if (!*p)
            return SHOP_EINVAL;
    }
    if (!bits)
        return SHOP_EINVAL;
    *out = bits;
    return SHOP_OK;
}

/* the allowed price nearest to g (ties to the lower), 0 when none is positive */
static int64_t snap(double g, int endings)
{
    static const int cents[3] = {99, 95, 0};
    int64_t best = 0;
    double bd = INFINITY;
    int64_t d0 = (int64_t)floor(g / 100.0);
    for (int e = 0; e < 3; e++) {
        if (!(endings & (1 << e)))
            continue;
        for (int64_t d = d0 - 1; d <= d0 + 1; d++) {
            int64_t c = d * 100 + cents[e];
            double dist = fabs((double)c - g);
            if (c > 0 && (dist < bd || (dist == bd && c < best))) {
                best = c;
                bd = dist;
            }
        }
    }
    return best;
}

size_t pricing_grid(const struct pricing_rules *r, int64_t base_cents, int64_t *out)
{
    int k_max = (int)floor(r->range / r->step + 1e-9);
    if (k_max > (PRICING_MAX_GRID - 1) / 2)
        k_max = (PRICING_MAX_GRID - 1) / 2;
    double base = (double)base_cents;
    double lo = base * (1 - r->range) - 1e-6, hi = base * (1 + r->range) + 1e-6;
    size_t n = 0;
    for (int k = -k_max; k <= k_max; k++) {
        int64_t c = snap(base * (1 + k * r->step), r->endings);
        /* snapping is monotone, so a repeat is always the previous point */
        if (c > 0 && (double)c >= lo && (double)c <= hi && (n == 0 || out[n - 1] != c))
            out[n++] = c;
    }
    return n;
}

static double margin_floor(const struct pricing_rules *r, int64_t cost)
{
    return (double)cost / (1 - r->min_margin);
}

static int allowed(const struct pricing_rules *r, const struct pricing_suggestion *s,
                   int64_t price)
{
    double p = (double)price, cur = (double)s->current_cents;
    return p * (1 - r->min_margin) >= (double)s->cost_cents - 1e-9 &&
           fabs(p - cur) <= r->max_change * cur + 1e-9;
}

static void money(char *buf, size_t n, double cents)
{
    snprintf(buf, n, "%.2f", cents / 100.0);
}

/* better: higher profit; on a tie, nearer the current price (no change for nothing) */
static int better(double profit, int64_t price, double best_profit, int64_t best_price,
                  int64_t current)
{
    double tol = 1e-9 * (fabs(profit) + fabs(best_profit)) + 1e-12;
    if (profit > best_profit + tol)
        return 1;
    if (profit < best_profit - tol)
        return 0;
    return llabs(price - current) < llabs(best_price - current);
}

void pricing_choose(const struct pricing_rules *r, const int64_t *grid, const double *units,
                    size_t n, struct pricing_suggestion *s)
{
    long best = -1, opt = -1;
    double bp = -INFINITY, op = -INFINITY;
    s->why[0] = 0;
    for (size_t i = 0; i < n; i++) {
        double profit = units[i] * (double)(grid[i] - s->cost_cents);
        if (opt < 0 || better(profit, grid[i], op, grid[opt], s->current_cents)) {
            opt = (long)i;
            op = profit;
        }
        if (allowed(r, s, grid[i]) &&
            (best < 0 || better(profit, grid[i], bp, grid[best], s->current_cents))) {
            best = (long)i;
            bp = profit;
        }
    }
    if (best < 0) {
        char cost[24], need[24], top[24], cur[24];
        double mf = margin_floor(r, s->cost_cents);
        money(cost, sizeof(cost), (double)s->cost_cents);
        money(need, sizeof(need), ceil(mf));
        money(cur, sizeof(cur), (double)s->current_cents);
        money(top, sizeof(top), n ? (double)grid[n - 1] : 0);
        if (n == 0)
            snprintf(s->why, sizeof(s->why), "no price with the allowed endings in the grid");
        else if ((double)grid[n - 1] < mf)
            snprintf(s->why, sizeof(s->why),
                     "cost %s with a %.0f%% margin needs at least %s, above the grid's top %s",
                     cost, r->min_margin * 100, need, top);
        else
            snprintf(s->why, sizeof(s->why),
                     "no grid price of at least %s is within %.0f%% of the current price %s",
                     need, r->max_change * 100, cur);
        snprintf(s->rule, sizeof(s->rule), "kept");
        s->suggested_cents = s->current_cents;
        s->demand_suggested = s->demand_current;
        s->profit_suggested = s->profit_current;
        return;
    }
    s->suggested_cents = grid[best];
    s->demand_suggested = units[best];
    s->profit_suggested = bp;
    const char *rule = "none";
    if (best == opt) {
        if (opt == 0 || (size_t)opt == n - 1)
            rule = "range";
    } else if (grid[opt] < grid[best]) {
        double change_floor = (double)s->current_cents * (1 - r->max_change);
        rule = margin_floor(r, s->cost_cents) >= change_floor ? "min_margin" : "max_change";
    } else {
        rule = "max_change";
    }
    snprintf(s->rule, sizeof(s->rule), "%s", rule);
}

/* ---- products and training rows ---- */

static void to_demand_product(const struct store_product *p, struct demand_product *d)
{
    memset(d, 0, sizeof(*d));
    d->id = p->id;
    snprintf(d->category, sizeof(d->category), "%s", p->category);
    snprintf(d->gender, sizeof(d->gender), "%s", p->gender);
    snprintf(d->fabric, sizeof(d->fabric), "%s", p->fabric);
    snprintf(d->season, sizeof(d->season), "%s", p->season);
    d->base_price_cents = p->base_price_cents;
    d->cost_cents = p->cost_cents;
    d->popularity = p->popularity;
}

/* index of id in products sorted by id, or SIZE_MAX */
static size_t find_product(const struct demand_product *p, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && p[lo].id == id ? lo : SIZE_MAX;
}

struct rows {
    const struct demand_product *prods;
    size_t nprod;
    struct demand_obs *v;
    size_t n, cap;
};

static void add_row(void *ctx, const struct store_demand_row *r)
{
    struct rows *rs = ctx;
    size_t p = find_product(rs->prods, rs->nprod, r->product_id);
    if (p == SIZE_MAX)
        return;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 4096;
        rs->v = xreallocarray(rs->v, rs->cap, sizeof(*rs->v));
    }
    rs->v[rs->n++] = (struct demand_obs){
        .product = p,
        .day = r->day,
        .list_cents = r->list_cents,
        .price_cents = r->price_cents,
        .discount = r->discount,
        .units = (double)r->units,
    };
}

/* the store's products as the model sees them (sorted by id); caller frees both */
static int load_products(struct store *st, struct store_product **sp, struct demand_product **dp,
                         size_t *n)
{
    *dp = NULL;
    int rc = store_products(st, sp, n);
    if (rc != SHOP_OK)
        return fail_store(st, rc);
    *dp = xcalloc(*n ? *n : 1, sizeof(**dp));
    for (size_t i = 0; i < *n; i++)
        to_demand_product(&(*sp)[i], &(*dp)[i]);
    return SHOP_OK;
}

static char *info_json(const struct pricing_train_report *rep)
{
    char *buf = NULL, date[16];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return xstrdup("{}");
    const struct demand_params *p = &rep->params;
    const struct demand_metrics *m = &rep->metrics;
    struct jsonw w;
    jw_init(&w, f, 0);
    jw_obj(&w);
    jw_key(&w, "target");
    jw_str(&w, "units sold per product per in-stock day");
    jw_key(&w, "features");
    jw_arr(&w);
    for (int i = 0; i < DEMAND_NFEAT; i++)
        jw_str(&w, demand_feature_name(i));
    jw_end(&w);
    jw_key(&w, "objective");
    jw_str(&w, demand_objective_name(p->objective));
    jw_key(&w, "rounds");
    jw_int(&w, m->rounds);
    jw_key(&w, "max_depth");
    jw_int(&w, p->max_depth);
    jw_key(&w, "eta");
    jw_num(&w, p->eta);
    jw_key(&w, "monotone_price");
    jw_bool(&w, p->monotone);
    jw_key(&w, "price_interaction_only");
    jw_bool(&w, p->interaction);
    jw_key(&w, "rows");
    jw_int(&w, m->rows);
    jw_key(&w, "rows_train");
    jw_int(&w, m->rows_train);
    jw_key(&w, "rows_test");
    jw_int(&w, m->rows_test);
    jw_key(&w, "zero_rows");
    jw_int(&w, m->zero_rows);
    if (m->rows_test > 0) {
        format_date(m->split_day * 86400, date, sizeof(date));
        jw_key(&w, "holdout_from");
        jw_str(&w, date);
        jw_key(&w, "metrics");
        jw_obj(&w);
        const struct {
            const char *k;
            double v;
        } f2[] = {{"mae", m->mae},
                  {"rmse", m->rmse},
                  {"deviance", m->deviance},
                  {"mae_baseline", m->mae_base},
                  {"rmse_baseline", m->rmse_base},
                  {"deviance_baseline", m->deviance_base}};
        for (size_t i = 0; i < sizeof(f2) / sizeof(*f2); i++) {
            jw_key(&w, f2[i].k);
            jw_num(&w, f2[i].v);
        }
        jw_end(&w);
    }
    jw_end(&w);
    fflush(f);
    fclose(f);
    /* jw_finish is not called: the info is stored without a final newline */
    return buf;
}

int pricing_train(struct store *st, const struct demand_params *params, double holdout,
                  int64_t now, struct pricing_train_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->params = *params;
    shop_err_clear();
    if (!(holdout >= 0 && holdout < 1))
        return fail(SHOP_EINVAL, "the held-out share must be in [0, 1), not %g", holdout);
    struct store_product *sp = NULL;
    struct demand_product *dp = NULL;
    struct rows rows = {0};
    struct demand *m = NULL;
    void *blob = NULL;
    char *info = NULL;
    size_t np = 0, len = 0;
    int64_t sales = 0;
    int rc = load_products(st, &sp, &dp, &np);
    if (rc != SHOP_OK)
        goto out;
    rep->products = (int64_t)np;
    rc = store_demand_sales_count(st, &sales);
    if (rc != SHOP_OK) {
        rc = fail_store(st, rc);
        goto out;
    }
    if (np == 0 || sales == 0) {
        rc = fail(SHOP_ENOTFOUND, "no sales in this store: nothing to learn demand from "
                                  "(simulate a store or record sales first)");
        goto out;
    }
    rows.prods = dp;
    rows.nprod = np;
    rc = store_demand_rows(st, add_row, &rows);
    if (rc != SHOP_OK) {
        rc = fail_store(st, rc);
        goto out;
    }
    if (rows.n == 0) {
        rc = fail(SHOP_ENOTFOUND, "no daily prices with stock: the demand model needs a price "
                                  "and stock row per product and day");
        goto out;
    }
    /* rows come ordered by day: hold out the last days, a split in time as in use */
    int64_t first = rows.v[0].day, last = rows.v[rows.n - 1].day;
    int64_t split = last + 1;
    if (holdout > 0) {
        split = first + (int64_t)ceil((double)(last - first + 1) * (1 - holdout));
        if (split <= first)
            split = first + 1;
    }
    rc = demand_train(params, dp, np, rows.v, rows.n, split, &rep->metrics, &m);
    if (rc == SHOP_EINVAL) {
        rc = fail(SHOP_ENOTFOUND, "no units sold on any in-stock day: nothing to learn from");
        goto out;
    }
    if (rc != SHOP_OK) {
        rc = fail_model(rc);
        goto out;
    }
    rc = demand_save(m, &blob, &len);
    if (rc != SHOP_OK) {
        rc = fail_model(rc);
        goto out;
    }
    info = info_json(rep);
    /* the model and its verdict together */
    rc = store_begin(st);
    if (rc == SHOP_OK) {
        rc = store_demand_model_save(st, blob, len, info, now, &rep->version);
        /* a model that predicts the held-out days no better than each product's average has
         * learnt nothing about price that can be trusted: pricing then keeps the prices */
        if (rc == SHOP_OK)
            rc = store_meta_set(st, META_USEFUL,
                                pricing_model_useful(&rep->metrics) ? "1" : "0");
        rc = store_end(st, rc);
    }
    if (rc != SHOP_OK)
        rc = fail_store(st, rc);
out:
    demand_free(m);
    free(blob);
    free(info);
    free(rows.v);
    free(sp);
    free(dp);
    return rc;
}

int pricing_model_useful(const struct demand_metrics *m)
{
    return m->rows_test == 0 || m->deviance < m->deviance_base;
}

/* ---- the price search ---- */

/* the reference period as distinct (month, weekday) pairs with their day counts: the
 * model's features depend on a day only through them, so this is exact */
struct combos {
    int64_t day[MAX_COMBOS];
    double weight[MAX_COMBOS]; /* share of the period's days */
    int n;
};

static void combos_of(int64_t first_day, int days, struct combos *c)
{
    int key[MAX_COMBOS];
    c->n = 0;
    for (int64_t d = first_day; d < first_day + days; d++) {
        int y, mo, dd;
        civil_from_days(d, &y, &mo, &dd);
        int64_t w = (d + 3) % 7;
        int k = (mo - 1) * 7 + (int)(w < 0 ? w + 7 : w), j = 0;
        while (j < c->n && key[j] != k)
            j++;
        if (j == c->n) {
            key[j] = k;
            c->day[j] = d;
            c->weight[j] = 0;
            c->n++;
        }
        c->weight[j] += 1.0 / days;
    }
}

static void suggestion_init(const struct store_product *p, struct pricing_suggestion *s)
{
    memset(s, 0, sizeof(*s));
    s->product_id = p->id;
    snprintf(s->name, sizeof(s->name), "%s", p->name);
    s->base_cents = p->base_price_cents;
    s->cost_cents = p->cost_cents;
    s->current_cents = p->price_cents;
}

/* The log-linear fit log u = a + b x (b <= 0, x = price / base) to units at ratios x[0..n).
 * Units far below the largest are floored so that a squared-error model's zeros do not
 * dominate the fit. */
static void fit_curve(const double *x, const double *units, size_t n, double *a, double *b)
{
    double top = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++)
        top = units[i] > top ? units[i] : top;
    double lo = top > 0 ? top * 1e-3 : 1e-12;
    for (size_t i = 0; i < n; i++) {
        double y = log(units[i] > lo ? units[i] : lo);
        sx += x[i];
        sy += y;
        sxx += x[i] * x[i];
        sxy += x[i] * y;
    }
    double var = sxx - sx * sx / (double)n;
    *b = var > 1e-12 ? (sxy - sx * sy / (double)n) / var : 0;
    if (*b > 0)
        *b = 0;
    *a = (sy - *b * sx) / (double)n;
}

/* probe ratios of the fitted curve: 1 - span .. 1 + span in steps of PROBE_STEP */
static size_t probes(double span, double *x)
{
    size_t n = 0;
    for (int k = -(int)floor(span / PROBE_STEP + 1e-9); k <= (int)floor(span / PROBE_STEP + 1e-9);
         k++)
        x[n++] = 1 + k * PROBE_STEP;
    return n;
}

/* Suggests prices for products idx[0..n) with the model over the reference days (combos).
 * The model's units at a price are either its predictions on the grid as they are
 * (raw_curve) or, by default, a log-linear curve fitted to its predictions at probe prices
 * from 1 - PRICING_FIT_SPAN to 1 + PRICING_FIT_SPAN times the base price. Trees give a step
 * function of the price, flat wherever the price tests were too few to split on, and a
 * search on it runs to the edge of a flat step; the fit keeps the model's overall slope
 * (its elasticity), is the logit demand's shape, and lets the wider probes bring in what the
 * model learned from discount days. */
static int search(struct demand *m, const struct pricing_rules *r, const struct store_product *sp,
                  const struct demand_product *dp, const size_t *idx, size_t n,
                  const struct combos *cb, struct pricing_suggestion *out)
{
    double px[MAX_PROBES], pu[MAX_PROBES];
    size_t np = r->raw_curve ? 0 : probes(PRICING_FIT_SPAN, px);
    size_t per = (size_t)(PRICING_MAX_GRID + 1 + MAX_PROBES) * (size_t)cb->n;
    struct demand_query *q = xmalloc(PREDICT_PRODUCTS * per * sizeof(*q));
    double *pred = xmalloc(PREDICT_PRODUCTS * per * sizeof(double));
    int64_t(*grid)[PRICING_MAX_GRID + 1] = xmalloc(PREDICT_PRODUCTS * sizeof(*grid));
    size_t ngrid[PREDICT_PRODUCTS];
    double units[PRICING_MAX_GRID + 1];
    int rc = SHOP_OK;
    for (size_t at = 0; at < n && rc == SHOP_OK; at += PREDICT_PRODUCTS) {
        size_t k = n - at < PREDICT_PRODUCTS ? n - at : PREDICT_PRODUCTS, nq = 0;
        for (size_t j = 0; j < k; j++) {
            const struct store_product *p = &sp[idx[at + j]];
            ngrid[j] = pricing_grid(r, p->base_price_cents, grid[j]);
            grid[j][ngrid[j]] = p->price_cents; /* the current price, last */
            for (size_t g = 0; g < np; g++)
                for (int c = 0; c < cb->n; c++)
                    q[nq++] = (struct demand_query){
                        idx[at + j], cb->day[c],
                        (int64_t)llround(px[g] * (double)p->base_price_cents), 0};
            for (size_t g = 0; np == 0 && g <= ngrid[j]; g++)
                for (int c = 0; c < cb->n; c++)
                    q[nq++] = (struct demand_query){idx[at + j], cb->day[c], grid[j][g], 0};
        }
        rc = demand_predict(m, dp, q, nq, pred);
        if (rc != SHOP_OK)
            break;
        const double *pr = pred;
        for (size_t j = 0; j < k; j++) {
            const struct store_product *p = &sp[idx[at + j]];
            size_t nu = np ? np : ngrid[j] + 1;
            double *u = np ? pu : units;
            for (size_t g = 0; g < nu; g++) {
                u[g] = 0;
                for (int c = 0; c < cb->n; c++)
                    u[g] += cb->weight[c] * *pr++;
            }
            if (np) {
                double a, b;
                fit_curve(px, pu, np, &a, &b);
                for (size_t g = 0; g <= ngrid[j]; g++)
                    units[g] = exp(a + b * (double)grid[j][g] / (double)p->base_price_cents);
            }
            struct pricing_suggestion *s = &out[at + j];
            suggestion_init(p, s);
            s->demand_current = units[ngrid[j]];
            s->profit_current = units[ngrid[j]] * (double)(s->current_cents - s->cost_cents);
            pricing_choose(r, grid[j], units, ngrid[j], s);
        }
    }
    free(q);
    free(pred);
    free(grid);
    return rc;
}

/* the stored model; messages for a missing or corrupt one */
static int load_model(struct store *st, struct demand **m)
{
    void *blob = NULL;
    size_t len = 0;
    *m = NULL;
    int rc = store_demand_model_load(st, &blob, &len, NULL, NULL, NULL);
    if (rc == SHOP_ENOTFOUND)
        return fail(rc, "no demand model in this store: run `shopper train demand` first");
    if (rc != SHOP_OK)
        return fail_store(st, rc);
    rc = demand_load(blob, len, 2, m);
    free(blob);
    if (rc != SHOP_OK)
        return fail(rc, "the stored demand model is corrupt or from another version: "
                        "retrain it with `shopper train demand`");
    return SHOP_OK;
}

/* The reference period is the last `days` days with data. Those days' other prices, their
 * promotions included, are the competition the demand model learned from; a future with
 * the same promotion rate looks like them (an undiscounted future would not: discounted
 * products draw the most price-sensitive buyers away, so the others face less elastic
 * demand on a typical day than on a day without promotions). */
static int reference_start(struct store *st, int days, int64_t now, int64_t *first)
{
    int64_t last;
    int rc = store_demand_last_day(st, now / 86400 - 1, &last);
    if (rc != SHOP_OK)
        return fail_store(st, rc);
    *first = last - days + 1;
    return SHOP_OK;
}

static int check_rules(const struct pricing_rules *r, int days)
{
    char msg[160];
    if (pricing_rules_check(r, msg, sizeof(msg)) != SHOP_OK)
        return fail(SHOP_EINVAL, "%s", msg);
    if (days < 1 || days > 366)
        return fail(SHOP_EINVAL, "the reference period must be 1 to 366 days, not %d", days);
    return SHOP_OK;
}

/* the suggestions with model m (NULL: loaded from the store for this call) */
static int suggest(struct store *st, struct demand *given, const struct pricing_rules *r,
                   int64_t product_id, int days, int64_t now, struct pricing_suggestion **out,
                   size_t *n)
{
    *out = NULL;
    *n = 0;
    shop_err_clear();
    int rc = check_rules(r, days);
    if (rc != SHOP_OK)
        return rc;
    struct store_product *sp = NULL;
    struct demand_product *dp = NULL;
    struct demand *m = NULL;
    size_t *idx = NULL, np = 0, k = 0;
    int64_t first = 0;
    rc = load_products(st, &sp, &dp, &np);
    if (rc != SHOP_OK)
        goto out;
    idx = xcalloc(np ? np : 1, sizeof(size_t));
    for (size_t i = 0; i < np; i++)
        if (product_id <= 0 || sp[i].id == product_id)
            idx[k++] = i;
    if (product_id > 0 && k == 0) {
        rc = fail(SHOP_ENOTFOUND, "no product %lld", (long long)product_id);
        goto out;
    }
    rc = given ? SHOP_OK : load_model(st, &m);
    if (rc == SHOP_OK)
        rc = reference_start(st, days, now, &first);
    if (rc != SHOP_OK)
        goto out;
    struct combos cb;
    combos_of(first, days, &cb);
    *out = xcalloc(k ? k : 1, sizeof(**out));
    rc = search(given ? given : m, r, sp, dp, idx, k, &cb, *out);
    if (rc != SHOP_OK) {
        rc = fail_model(rc);
        free(*out);
        *out = NULL;
        goto out;
    }
    if (store_meta_int(st, META_USEFUL, 1) == 0)
        for (size_t i = 0; i < k; i++) {
            struct pricing_suggestion *g = &(*out)[i];
            g->suggested_cents = g->current_cents;
            g->demand_suggested = g->demand_current;
            g->profit_suggested = g->profit_current;
            snprintf(g->rule, sizeof(g->rule), "kept");
            snprintf(g->why, sizeof(g->why), "the demand model did no better than each "
                                             "product's average on the held-out days: more "
                                             "sales are needed before prices move");
        }
    *n = k;
out:
    demand_free(m);
    free(idx);
    free(sp);
    free(dp);
    return rc;
}

int pricing_suggest(struct store *st, const struct pricing_rules *r, int64_t product_id,
                    int days, int64_t now, struct pricing_suggestion **out, size_t *n)
{
    return suggest(st, NULL, r, product_id, days, now, out, n);
}

/* ---- the model cache ---- */

/* one loaded model, shared by reference; XGBoost's predictions on it are serialised */
struct cached_model {
    struct demand *m;
    int64_t version, trained_at;
    int refs; /* under the cache's lock */
    pthread_mutex_t use;
};

struct pricing_cache {
    pthread_mutex_t mu;
    struct cached_model *cur;
    int64_t loads;
};

struct pricing_cache *pricing_cache_new(void)
{
    struct pricing_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void model_drop(struct pricing_cache *c, struct cached_model *cm)
{
    if (!cm)
        return;
    pthread_mutex_lock(&c->mu);
    int last = --cm->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last) {
        demand_free(cm->m);
        pthread_mutex_destroy(&cm->use);
        free(cm);
    }
}

void pricing_cache_free(struct pricing_cache *c)
{
    if (!c)
        return;
    model_drop(c, c->cur);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* a reference to the model of the stored version, loaded when the cache has another */
static int model_get(struct pricing_cache *c, struct store *st, struct cached_model **out)
{
    *out = NULL;
    int64_t version, trained_at;
    int rc = store_demand_model_stamp(st, &version, &trained_at);
    if (rc == SHOP_ENOTFOUND)
        return fail(rc, "no demand model in this store: run `shopper train demand` first");
    if (rc != SHOP_OK)
        return fail_store(st, rc);
    pthread_mutex_lock(&c->mu);
    struct cached_model *cm = c->cur;
    if (cm && cm->version == version && cm->trained_at == trained_at) {
        cm->refs++;
        pthread_mutex_unlock(&c->mu);
        *out = cm;
        return SHOP_OK;
    }
    pthread_mutex_unlock(&c->mu);
    /* loaded outside the lock; two threads may both load a new version, one is kept */
    struct demand *m;
    if ((rc = load_model(st, &m)) != SHOP_OK)
        return rc;
    cm = xcalloc(1, sizeof(*cm));
    cm->m = m;
    cm->version = version;
    cm->trained_at = trained_at;
    cm->refs = 2; /* the cache's and the caller's */
    pthread_mutex_init(&cm->use, NULL);
    pthread_mutex_lock(&c->mu);
    struct cached_model *old = c->cur;
    c->cur = cm;
    c->loads++;
    pthread_mutex_unlock(&c->mu);
    model_drop(c, old);
    *out = cm;
    return SHOP_OK;
}

int pricing_suggest_cached(struct pricing_cache *c, struct store *st,
                           const struct pricing_rules *r, int64_t product_id, int days,
                           int64_t now, struct pricing_suggestion **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    shop_err_clear();
    struct cached_model *cm;
    int rc = model_get(c, st, &cm);
    if (rc != SHOP_OK)
        return rc;
    pthread_mutex_lock(&cm->use);
    rc = suggest(st, cm->m, r, product_id, days, now, out, n);
    pthread_mutex_unlock(&cm->use);
    model_drop(c, cm);
    return rc;
}

int64_t pricing_cache_loads(struct pricing_cache *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t n = c->loads;
    pthread_mutex_unlock(&c->mu);
    return n;
}

int pricing_record(struct store *st, const struct pricing_suggestion *s, size_t n, int apply,
                   int64_t at)
{
    shop_err_clear();
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return fail_store(st, rc);
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        struct store_price_change c = {
            .product_id = s[i].product_id,
            .old_cents = s[i].current_cents,
            .new_cents = apply ? s[i].suggested_cents : s[i].current_cents,
            .suggested_cents = s[i].suggested_cents,
            .demand_old = s[i].demand_current,
            .demand_new = s[i].demand_suggested,
            .profit_old = s[i].profit_current,
            .profit_new = s[i].profit_suggested,
            .applied = apply,
            .changed_at = at,
        };
        snprintf(c.rule, sizeof(c.rule), "%s", s[i].rule);
        if (apply && s[i].suggested_cents != s[i].current_cents)
            rc = store_product_set_price(st, s[i].product_id, s[i].suggested_cents);
        if (rc == SHOP_OK)
            rc = store_price_history_add(st, &c);
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK) {
        fail_store(st, rc);
        store_rollback(st);
    }
    return rc;
}

/* ---- the score against the simulator ---- */

/* the highest allowed grid price, or the current one when none is allowed */
static int64_t highest_allowed(const struct pricing_rules *r, const struct pricing_suggestion *s,
                               const int64_t *grid, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (allowed(r, s, grid[i]))
            return grid[i];
    return s->current_cents;
}

int pricing_evaluate(struct store *st, const struct pricing_rules *r, int days, int64_t now,
                     struct pricing_eval *ev)
{
    memset(ev, 0, sizeof(*ev));
    shop_err_clear();
    int rc = check_rules(r, days);
    if (rc != SHOP_OK)
        return rc;
    struct sim_demand *sd = NULL;
    struct pricing_suggestion *sug = NULL;
    struct store_product *sp = NULL;
    double *tu = NULL;
    int64_t *grid = NULL;
    size_t n = 0, np = 0;
    rc = sim_demand_open(st, &sd);
    if (rc == SHOP_ENOTFOUND) {
        rc = fail(rc, "this store was not simulated, and the true demand to score against "
                      "comes from the simulator (shopper simulate)");
        goto out;
    }
    if (rc != SHOP_OK) {
        rc = fail_store(st, rc);
        goto out;
    }
    rc = pricing_suggest(st, r, 0, days, now, &sug, &n);
    if (rc != SHOP_OK)
        goto out;
    rc = store_products(st, &sp, &np);
    if (rc != SHOP_OK || np != n) {
        rc = fail_store(st, rc != SHOP_OK ? rc : SHOP_EDB);
        goto out;
    }
    int64_t first = 0;
    rc = reference_start(st, days, now, &first);
    if (rc != SHOP_OK)
        goto out;
    ev->days = days;
    ev->first_day = first;
    /* [day][product][grid point]: one day at a time, so the simulator sets each day's other
     * prices once (it recomputes them whenever the day changes) */
    tu = xcalloc(n * PRICING_MAX_GRID, sizeof(double));
    grid = xmalloc(n * PRICING_MAX_GRID * sizeof(int64_t));
    size_t *ng = xcalloc(n ? n : 1, sizeof(size_t));
    double *extra = xcalloc(n * 4 + 1, sizeof(double)); /* base, current, suggested, max */
    int64_t *maxp = xcalloc(n ? n : 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        ng[i] = pricing_grid(r, sp[i].base_price_cents, grid + i * PRICING_MAX_GRID);
        maxp[i] = highest_allowed(r, &sug[i], grid + i * PRICING_MAX_GRID, ng[i]);
    }
    for (int64_t d = first; d < first + days; d++)
        for (size_t i = 0; i < n; i++) {
            const int64_t *g = grid + i * PRICING_MAX_GRID;
            for (size_t j = 0; j < ng[i]; j++) {
                double x = sim_demand_units(sd, sp[i].id, d, g[j], 0);
                tu[i * PRICING_MAX_GRID + j] += x > 0 ? x : 0;
            }
            int64_t at[4] = {sp[i].base_price_cents, sp[i].price_cents, sug[i].suggested_cents,
                             maxp[i]};
            for (int e = 0; e < 4; e++) {
                double x = sim_demand_units(sd, sp[i].id, d, at[e], 0);
                extra[i * 4 + (size_t)e] += x > 0 ? x : 0;
            }
        }
    for (size_t i = 0; i < n; i++) {
        const struct store_product *p = &sp[i];
        struct pricing_suggestion o;
        suggestion_init(p, &o);
        o.demand_current = extra[i * 4 + 1];
        o.profit_current = o.demand_current * (double)(p->price_cents - p->cost_cents);
        pricing_choose(r, grid + i * PRICING_MAX_GRID, tu + i * PRICING_MAX_GRID, ng[i], &o);
        double cost = (double)p->cost_cents;
        ev->profit_base += extra[i * 4 + 0] * ((double)p->base_price_cents - cost);
        ev->profit_current += extra[i * 4 + 1] * ((double)p->price_cents - cost);
        ev->profit_suggested += extra[i * 4 + 2] * ((double)sug[i].suggested_cents - cost);
        ev->capture_max += extra[i * 4 + 3] * ((double)maxp[i] - cost);
        ev->profit_oracle += o.profit_suggested;
        log_debug("pricing: eval product %lld base %lld cost %lld suggested %lld (%s) oracle "
                  "%lld (%s) true profit %.0f vs %.0f",
                  (long long)p->id, (long long)p->base_price_cents, (long long)p->cost_cents,
                  (long long)sug[i].suggested_cents, sug[i].rule, (long long)o.suggested_cents,
                  o.rule, extra[i * 4 + 2] * ((double)sug[i].suggested_cents - cost),
                  o.profit_suggested);
        ev->same_as_oracle += o.suggested_cents == sug[i].suggested_cents;
        ev->kept += strcmp(sug[i].rule, "kept") == 0;
    }
    ev->products = (int64_t)n;
    if (ev->profit_oracle > 0) {
        ev->capture = ev->profit_suggested / ev->profit_oracle;
        ev->capture_base = ev->profit_base / ev->profit_oracle;
        ev->capture_max /= ev->profit_oracle;
    } else {
        ev->capture = ev->capture_base = ev->capture_max = 0;
    }
    free(ng);
    free(extra);
    free(maxp);
out:
    sim_demand_free(sd);
    free(sug);
    free(sp);
    free(tu);
    free(grid);
    return rc;
}
