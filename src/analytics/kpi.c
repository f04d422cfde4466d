/* analytics/kpi.c - ranks and ratios over the store's aggregates. */
#include "analytics/kpi.h"

#include <stdlib.h>

#include "core/parse.h"
#include "core/xalloc.h"

static int by_units_desc(const void *a, const void *b, void *ctx)
{
    const struct store_kpi_product *base = ctx;
    const struct store_kpi_product *x = &base[*(const size_t *)a];
    const struct store_kpi_product *y = &base[*(const size_t *)b];
    if (x->units != y->units)
        return x->units > y->units ? -1 : 1;
    if (x->revenue_cents != y->revenue_cents)
        return x->revenue_cents > y->revenue_cents ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

int kpi_compute(struct store *st, int64_t from, int64_t to, struct kpi *k)
{
    int rc = store_kpi_get(st, from, to, &k->s);
    k->by_units = NULL;
    k->low_stock = NULL;
    k->nlow = 0;
    if (rc != SHOP_OK) {
        store_kpi_release(&k->s);
        return rc;
    }
    size_t n = k->s.nproducts;
    k->by_units = xcalloc(n, sizeof(size_t));
    k->low_stock = xcalloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        k->by_units[i] = i;
    qsort_r(k->by_units, n, sizeof(size_t), by_units_desc, k->s.products);
    for (size_t i = 0; i < n; i++) {
        const struct store_kpi_product *p = &k->s.products[i];
        int low = k->s.nsizes == 0 && p->stock <= KPI_LOW_STOCK_SIZE;
        for (int z = 0; z < k->s.nsizes; z++)
            low |= p->stock_by_size[z] <= KPI_LOW_STOCK_SIZE;
        if (low)
            k->low_stock[k->nlow++] = i;
    }
    return SHOP_OK;
}

void kpi_release(struct kpi *k)
{
    store_kpi_release(&k->s);
    free(k->by_units);
    free(k->low_stock);
    k->by_units = k->low_stock = NULL;
}

double kpi_try_to_buy(const struct kpi *k, size_t i)
{
    const struct store_kpi_product *p = &k->s.products[i];
    if (p->units == 0)
        return (double)p->tries;
    return (double)p->tries / (double)p->units;
}

static void product_json(struct jsonw *w, const struct kpi *k, size_t i)
{
    const struct store_kpi_product *p = &k->s.products[i];
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, p->id);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "units");
    jw_int(w, p->units);
    jw_key(w, "revenue_cents");
    jw_int(w, p->revenue_cents);
    jw_key(w, "tries");
    jw_int(w, p->tries);
    jw_key(w, "try_to_buy");
    jw_num(w, kpi_try_to_buy(k, i));
    jw_key(w, "stock");
    jw_int(w, p->stock);
    jw_key(w, "stock_by_size");
    jw_obj(w);
    for (int z = 0; z < k->s.nsizes; z++) {
        jw_key(w, k->s.sizes[z]);
        jw_int(w, p->stock_by_size[z]);
    }
    jw_end(w);
    jw_end(w);
}

void kpi_write_json(struct jsonw *w, const struct kpi *k, int top, int all_products)
{
    static const char *const dims[4] = {"category", "fabric", "gender", "season"};
    static const char *const groups[3] = {"frustration", "happiness", "surprise"};
    static const char *const emo[7] = {"neutral", "happy", "sad", "angry",
                                       "fearful", "disgusted", "surprised"};
    const struct store_kpi *s = &k->s;
    char from[24], to[24];
    format_time(s->from, from, sizeof(from));
    format_time(s->to, to, sizeof(to));
    jw_obj(w);
    jw_key(w, "from");
    jw_str(w, from);
    jw_key(w, "to");
    jw_str(w, s->to < KPI_OPEN_END ? to : NULL);
    jw_key(w, "items_sold");
    jw_int(w, s->items_sold);
    jw_key(w, "revenue_cents");
    jw_int(w, s->revenue_cents);
    jw_key(w, "avg_item_price_cents");
    jw_num(w, s->avg_item_price_cents);
    jw_key(w, "avg_basket_cents");
    jw_num(w, s->avg_basket_cents);
    jw_key(w, "purchases");
    jw_int(w, s->purchases);
    jw_key(w, "sessions");
    jw_int(w, s->sessions);
    jw_key(w, "conversion");
    jw_num(w, s->conversion);
    jw_key(w, "customers_buying");
    jw_int(w, s->customers_buying);
    size_t n = s->nproducts, t = (size_t)top < n ? (size_t)top : n;
    jw_key(w, "top_products");
    jw_arr(w);
    for (size_t i = 0; i < t; i++)
        product_json(w, k, k->by_units[i]);
    jw_end(w);
    jw_key(w, "worst_products");
    jw_arr(w);
    for (size_t i = 0; i < t; i++)
        product_json(w, k, k->by_units[n - 1 - i]);
    jw_end(w);
    jw_key(w, "sales_by");
    jw_obj(w);
    for (int d = 0; d < 4; d++) {
        jw_key(w, dims[d]);
        jw_arr(w);
        for (int g = 0; g < s->ngroups[d]; g++) {
            jw_obj(w);
            jw_key(w, "key");
            jw_str(w, s->groups[d][g].key);
            jw_key(w, "units");
            jw_int(w, s->groups[d][g].units);
            jw_key(w, "revenue_cents");
            jw_int(w, s->groups[d][g].revenue_cents);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
    if (all_products) {
        jw_key(w, "products");
        jw_arr(w);
        for (size_t i = 0; i < n; i++)
            product_json(w, k, i);
        jw_end(w);
    }
    jw_key(w, "low_stock");
    jw_arr(w);
    for (size_t i = 0; i < k->nlow; i++)
        jw_int(w, s->products[k->low_stock[i]].id);
    jw_end(w);
    jw_key(w, "emotions");
    jw_obj(w);
    for (int g = 0; g < 3; g++) {
        jw_key(w, groups[g]);
        jw_int(w, s->emotions[g]);
    }
    jw_end(w);
    jw_key(w, "dominant_emotions");
    jw_obj(w);
    for (int e = 0; e < 7; e++) {
        jw_key(w, emo[e]);
        jw_int(w, s->dominant[e]);
    }
    jw_end(w);
    jw_key(w, "alerts");
    jw_obj(w);
    jw_key(w, "open");
    jw_int(w, s->alerts_open);
    jw_key(w, "acknowledged");
    jw_int(w, s->alerts_acknowledged);
    jw_key(w, "resolved");
    jw_int(w, s->alerts_resolved);
    jw_end(w);
    jw_end(w);
}
