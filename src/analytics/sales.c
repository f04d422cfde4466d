/* analytics/sales.c - daily series, sales by attribute, rankings and stock for the
 * dashboard, over the store's dashboard queries. */
#include "analytics/sales.h"

#include <stdlib.h>
#include <string.h>

#include "analytics/kpi.h"
#include "core/parse.h"
#include "core/xalloc.h"

void sales_range_json(struct jsonw *w, int64_t from, int64_t to)
{
    char a[24], b[24];
    format_time(from, a, sizeof(a));
    format_time(to, b, sizeof(b));
    jw_key(w, "from");
    jw_str(w, a);
    jw_key(w, "to");
    jw_str(w, to < KPI_OPEN_END ? b : NULL);
}

/* ---- the daily series ---- */

int sales_daily_get(struct store *st, int64_t from, int64_t to, struct sales_daily *d)
{
    memset(d, 0, sizeof(*d));
    d->from = from;
    d->to = to;
    struct store_sales_day *rows = NULL;
    size_t n = 0;
    int rc = store_sales_daily(st, from, to, &rows, &n);
    if (rc != SHOP_OK || n == 0) {
        free(rows);
        return rc;
    }
    /* the series runs over the range's days (an open end stops at the sales) so that a
     * chart shows the days without sales as zeros, not as a line across them */
    int64_t first = from > 0 ? from / 86400 : rows[0].day;
    int64_t last = to < KPI_OPEN_END ? (to - 1) / 86400 : rows[n - 1].day;
    if (first > rows[0].day)
        first = rows[0].day;
    if (last < rows[n - 1].day)
        last = rows[n - 1].day;
    if (last - first + 1 > SALES_MAX_DAYS) {
        free(rows);
        return shop_fail(SHOP_EINVAL, "a daily series covers at most %d days: shorten the range",
                         SALES_MAX_DAYS);
    }
    d->n = (size_t)(last - first + 1);
    d->days = xcalloc(d->n, sizeof(*d->days));
    for (size_t i = 0; i < d->n; i++)
        d->days[i].day = first + (int64_t)i;
    for (size_t i = 0; i < n; i++) {
        d->days[rows[i].day - first] = rows[i];
        d->purchases += rows[i].purchases;
        d->units += rows[i].units;
        d->revenue_cents += rows[i].revenue_cents;
    }
    free(rows);
    return SHOP_OK;
}

void sales_daily_release(struct sales_daily *d)
{
    free(d->days);
    d->days = NULL;
    d->n = 0;
}

static void totals_json(struct jsonw *w, int64_t purchases, int64_t units, int64_t revenue)
{
    jw_key(w, "totals");
    jw_obj(w);
    if (purchases >= 0) {
        jw_key(w, "purchases");
        jw_int(w, purchases);
    }
    jw_key(w, "units");
    jw_int(w, units);
    jw_key(w, "revenue_cents");
    jw_int(w, revenue);
    jw_end(w);
}

void sales_daily_write_json(struct jsonw *w, const struct sales_daily *d)
{
    jw_obj(w);
    sales_range_json(w, d->from, d->to);
    jw_key(w, "days");
    jw_arr(w);
    for (size_t i = 0; i < d->n; i++) {
        char date[16];
        format_date(d->days[i].day * 86400, date, sizeof(date));
        jw_obj(w);
        jw_key(w, "date");
        jw_str(w, date);
        jw_key(w, "purchases");
        jw_int(w, d->days[i].purchases);
        jw_key(w, "units");
        jw_int(w, d->days[i].units);
        jw_key(w, "revenue_cents");
        jw_int(w, d->days[i].revenue_cents);
        jw_end(w);
    }
    jw_end(w);
    totals_json(w, d->purchases, d->units, d->revenue_cents);
    jw_end(w);
}

/* ---- by attribute ---- */

static const char *const DIMS[4] = {"category", "fabric", "gender", "season"};

int sales_dim_parse(const char *s, enum store_dim *dim)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, DIMS[i]) == 0) {
            *dim = (enum store_dim)i;
            return SHOP_OK;
        }
    return shop_fail(SHOP_EINVAL, "'by' is one of category, fabric, gender, season");
}

const char *sales_dim_name(enum store_dim dim)
{
    return (unsigned)dim < 4 ? DIMS[dim] : "?";
}

int sales_by_get(struct store *st, enum store_dim dim, int64_t from, int64_t to,
                 struct sales_by *b)
{
    memset(b, 0, sizeof(*b));
    b->from = from;
    b->to = to;
    b->dim = dim;
    int rc = store_sales_by(st, dim, from, to, &b->groups, &b->n);
    for (size_t i = 0; i < b->n; i++) {
        b->units += b->groups[i].units;
        b->revenue_cents += b->groups[i].revenue_cents;
    }
    return rc;
}

void sales_by_release(struct sales_by *b)
{
    free(b->groups);
    b->groups = NULL;
    b->n = 0;
}

void sales_by_write_json(struct jsonw *w, const struct sales_by *b)
{
    jw_obj(w);
    sales_range_json(w, b->from, b->to);
    jw_key(w, "by");
    jw_str(w, sales_dim_name(b->dim));
    jw_key(w, "groups");
    jw_arr(w);
    for (size_t i = 0; i < b->n; i++) {
        const struct store_kpi_group *g = &b->groups[i];
        jw_obj(w);
        jw_key(w, "key");
        jw_str(w, g->key);
        jw_key(w, "units");
        jw_int(w, g->units);
        jw_key(w, "revenue_cents");
        jw_int(w, g->revenue_cents);
        jw_key(w, "share");
        jw_num(w, b->revenue_cents ? (double)g->revenue_cents / (double)b->revenue_cents : 0);
        jw_end(w);
    }
    jw_end(w);
    totals_json(w, -1, b->units, b->revenue_cents);
    jw_end(w);
}

/* ---- products ranked ---- */

static int by_units_desc(const void *a, const void *b, void *ctx)
{
    const struct store_product_sales *base = ctx;
    const struct store_product_sales *x = &base[*(const size_t *)a];
    const struct store_product_sales *y = &base[*(const size_t *)b];
    if (x->units != y->units)
        return x->units > y->units ? -1 : 1;
    if (x->revenue_cents != y->revenue_cents)
        return x->revenue_cents > y->revenue_cents ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

int sales_products_get(struct store *st, int64_t from, int64_t to, struct sales_products *s)
{
    memset(s, 0, sizeof(*s));
    s->from = from;
    s->to = to;
    int rc = store_sales_products(st, from, to, &s->p, &s->n);
    if (rc != SHOP_OK)
        return rc;
    s->by_units = xcalloc(s->n ? s->n : 1, sizeof(size_t));
    for (size_t i = 0; i < s->n; i++) {
        s->by_units[i] = i;
        s->units += s->p[i].units;
        s->revenue_cents += s->p[i].revenue_cents;
        s->tries += s->p[i].tries;
    }
    qsort_r(s->by_units, s->n, sizeof(size_t), by_units_desc, s->p);
    return SHOP_OK;
}

void sales_products_release(struct sales_products *s)
{
    free(s->p);
    free(s->by_units);
    memset(s, 0, sizeof(*s));
}

static void product_json(struct jsonw *w, const struct store_product_sales *p)
{
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, p->id);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "category");
    jw_str(w, p->category);
    jw_key(w, "gender");
    jw_str(w, p->gender);
    jw_key(w, "fabric");
    jw_str(w, p->fabric);
    jw_key(w, "season");
    jw_str(w, p->season);
    jw_key(w, "price_cents");
    jw_int(w, p->price_cents);
    jw_key(w, "units");
    jw_int(w, p->units);
    jw_key(w, "revenue_cents");
    jw_int(w, p->revenue_cents);
    jw_key(w, "tries");
    jw_int(w, p->tries);
    jw_end(w);
}

void sales_products_write_json(struct jsonw *w, const struct sales_products *s, int worst,
                               size_t limit)
{
    jw_obj(w);
    sales_range_json(w, s->from, s->to);
    jw_key(w, "order");
    jw_str(w, worst ? "worst" : "top");
    jw_key(w, "products");
    jw_arr(w);
    size_t k = 0;
    for (size_t i = 0; i < s->n && k < limit && s->units > 0; i++) {
        const struct store_product_sales *p = &s->p[s->by_units[worst ? s->n - 1 - i : i]];
        if (!worst && p->units == 0)
            break;
        product_json(w, p);
        k++;
    }
    jw_end(w);
    totals_json(w, -1, s->units, s->revenue_cents);
    jw_end(w);
}

static int by_tries_desc(const void *a, const void *b, void *ctx)
{
    const struct store_product_sales *base = ctx;
    const struct store_product_sales *x = &base[*(const size_t *)a];
    const struct store_product_sales *y = &base[*(const size_t *)b];
    if (x->tries != y->tries)
        return x->tries > y->tries ? -1 : 1;
    if (x->units != y->units)
        return x->units > y->units ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

void sales_tried_sold_write_json(struct jsonw *w, const struct sales_products *s, size_t limit,
                                 size_t offset)
{
    size_t *idx = xcalloc(s->n ? s->n : 1, sizeof(size_t)), m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].tries || s->p[i].units)
            idx[m++] = i;
    qsort_r(idx, m, sizeof(size_t), by_tries_desc, s->p);
    jw_obj(w);
    sales_range_json(w, s->from, s->to);
    jw_key(w, "total");
    jw_int(w, (int64_t)m);
    jw_key(w, "products");
    jw_arr(w);
    for (size_t i = offset; i < m && i - offset < limit; i++) {
        const struct store_product_sales *p = &s->p[idx[i]];
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, p->id);
        jw_key(w, "name");
        jw_str(w, p->name);
        jw_key(w, "tries");
        jw_int(w, p->tries);
        jw_key(w, "units");
        jw_int(w, p->units);
        /* try-ons per unit sold; null when nothing sold (the ratio has no value) */
        jw_key(w, "try_to_buy");
        if (p->units)
            jw_num(w, (double)p->tries / (double)p->units);
        else
            jw_null(w);
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "totals");
    jw_obj(w);
    jw_key(w, "tries");
    jw_int(w, s->tries);
    jw_key(w, "units");
    jw_int(w, s->units);
    jw_end(w);
    jw_end(w);
    free(idx);
}

/* ---- stock ---- */

struct stock_ctx {
    struct inventory *inv;
    size_t at; /* products and rows both come by product id: a merge */
};

static void on_stock(void *ctx, int64_t product_id, const char *size, int64_t in_stock)
{
    struct stock_ctx *c = ctx;
    struct inventory *inv = c->inv;
    while (c->at < inv->n && inv->p[c->at].id < product_id)
        c->at++;
    if (c->at == inv->n || inv->p[c->at].id != product_id)
        return;
    for (int z = 0; z < inv->nsizes; z++)
        if (strcmp(inv->sizes[z], size) == 0) {
            inv->p[c->at].by_size[z] = in_stock;
            inv->p[c->at].stocked |= 1u << z;
        }
}

int inventory_get(struct store *st, int64_t threshold, struct inventory *inv)
{
    memset(inv, 0, sizeof(*inv));
    inv->threshold = threshold;
    struct store_product *sp = NULL;
    size_t n = 0;
    int rc = store_sizes(st, inv->sizes, SALES_MAX_SIZES, &inv->nsizes);
    if (rc == SHOP_OK)
        rc = store_products(st, &sp, &n);
    if (rc != SHOP_OK) {
        free(sp);
        return rc;
    }
    inv->n = n;
    inv->p = xcalloc(n ? n : 1, sizeof(*inv->p));
    for (size_t i = 0; i < n; i++) {
        struct inventory_product *p = &inv->p[i];
        p->id = sp[i].id;
        memcpy(p->name, sp[i].name, sizeof(p->name));
        memcpy(p->category, sp[i].category, sizeof(p->category));
        memcpy(p->gender, sp[i].gender, sizeof(p->gender));
        p->price_cents = sp[i].price_cents;
        p->stock = sp[i].stock;
    }
    free(sp);
    struct stock_ctx c = {inv, 0};
    rc = store_stock_sizes_foreach(st, on_stock, &c);
    for (size_t i = 0; i < inv->n; i++) {
        struct inventory_product *p = &inv->p[i];
        for (int z = 0; z < inv->nsizes; z++)
            if ((p->stocked >> z & 1) && p->by_size[z] <= threshold)
                p->low |= 1u << z;
        inv->nlow += p->low != 0;
    }
    return rc;
}

void inventory_release(struct inventory *inv)
{
    free(inv->p);
    inv->p = NULL;
    inv->n = 0;
}

void inventory_write_json(struct jsonw *w, const struct inventory *inv, int low_only,
                          size_t limit, size_t offset)
{
    jw_obj(w);
    jw_key(w, "threshold");
    jw_int(w, inv->threshold);
    jw_key(w, "sizes");
    jw_arr(w);
    for (int z = 0; z < inv->nsizes; z++)
        jw_str(w, inv->sizes[z]);
    jw_end(w);
    jw_key(w, "total");
    jw_int(w, (int64_t)(low_only ? inv->nlow : inv->n));
    jw_key(w, "low_stock");
    jw_int(w, (int64_t)inv->nlow);
    jw_key(w, "products");
    jw_arr(w);
    size_t k = 0, written = 0;
    for (size_t i = 0; i < inv->n && written < limit; i++) {
        const struct inventory_product *p = &inv->p[i];
        if (low_only && !p->low)
            continue;
        if (k++ < offset)
            continue;
        written++;
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, p->id);
        jw_key(w, "name");
        jw_str(w, p->name);
        jw_key(w, "category");
        jw_str(w, p->category);
        jw_key(w, "gender");
        jw_str(w, p->gender);
        jw_key(w, "price_cents");
        jw_int(w, p->price_cents);
        jw_key(w, "stock");
        jw_int(w, p->stock);
        jw_key(w, "stock_by_size");
        jw_obj(w);
        for (int z = 0; z < inv->nsizes; z++)
            if (p->stocked >> z & 1) {
                jw_key(w, inv->sizes[z]);
                jw_int(w, p->by_size[z]);
            }
        jw_end(w);
        jw_key(w, "low_sizes");
        jw_arr(w);
        for (int z = 0; z < inv->nsizes; z++)
            if (p->low >> z & 1)
                jw_str(w, inv->sizes[z]);
        jw_end(w);
        jw_key(w, "low");
        jw_bool(w, p->low != 0);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}
