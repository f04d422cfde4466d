/* store/store_kpi.c - the aggregates behind the dashboard's cards, for a time range: whole
 * days from the daily aggregates (kpi_days, kpi_product_days, kpi_emotion_days, kpi_buyer_days
 * and kpi_customer_days, kept by triggers in the transaction of every row they count,
 * schema.sql), the parts of a day at either end from the rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* a session with two purchases is one session (count(*) counted it twice) */
static const char *const SQL_SESSIONS =
    "SELECT count(DISTINCT s.id), count(DISTINCT p.session_id) FROM sessions s "
    "LEFT JOIN purchases p "
    "ON p.session_id = s.id WHERE s.started_at >= :from AND s.started_at < :to";
/* a purchase counts with or without lines, as in kpi_days */
static const char *const SQL_TOTALS =
    "SELECT count(DISTINCT p.id), count(l.id), coalesce(sum(l.price_cents), 0) "
    "FROM purchases p LEFT JOIN purchase_lines l ON l.purchase_id = p.id "
    "WHERE p.purchased_at >= :from AND p.purchased_at < :to";
static const char *const SQL_PRODUCT_LIST =
    "SELECT id, name, category, fabric, gender, season FROM products ORDER BY id";
static const char *const SQL_PRODUCT_SALES =
    "SELECT l.product_id, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p "
    "ON p.id = l.purchase_id WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "GROUP BY l.product_id";
static const char *const SQL_PRODUCT_TRIES =
    "SELECT i.product_id, count(*) FROM tryons t JOIN items i ON i.id = t.item_id "
    "WHERE t.tried_at >= :from AND t.tried_at < :to GROUP BY i.product_id";
static const char *const SQL_STOCK =
    "SELECT product_id, size, in_stock FROM kpi_stock WHERE in_stock > 0"; /* by trigger */
static const char *const SQL_EMOTIONS =
    "SELECT grp, dominant, count(*) FROM emotion_events WHERE at >= :from AND at < :to "
    "GROUP BY grp, dominant";
static const char *const SQL_ALERTS =
    "SELECT status, count(*) FROM alerts WHERE created_at >= :from AND created_at < :to "
    "GROUP BY status";
/* distinct in a bitmap of customer ids: a walk of the covering index purchases_time */
static const char *const SQL_BUYERS =
    "SELECT customer_id FROM purchases WHERE purchased_at >= :from AND purchased_at < :to "
    "AND customer_id IS NOT NULL";
static const char *const SQL_MAX_CUSTOMER = "SELECT max(id) FROM customers";
/* the buyers of whole days [:d0, :d1): each once, on the first day of the range on which they
 * bought (their previous purchase day is before :d0) */
static const char *const SQL_AGG_BUYERS =
    "SELECT coalesce(sum(n), 0) FROM kpi_buyer_days WHERE day >= :d0 AND day < :d1 "
    "AND prev_day < :d0";
/* the buyers of the parts of a day at either end ([:from, :a) and [:b, :to)) who bought on
 * none of the whole days between */
static const char *const SQL_EDGE_BUYERS =
    "SELECT count(DISTINCT customer_id) FROM (SELECT customer_id FROM purchases "
    "WHERE purchased_at >= :from AND purchased_at < :a AND customer_id IS NOT NULL UNION ALL "
    "SELECT customer_id FROM purchases WHERE purchased_at >= :b AND purchased_at < :to "
    "AND customer_id IS NOT NULL) AS e WHERE NOT EXISTS (SELECT 1 FROM kpi_customer_days k "
    "WHERE k.customer_id = e.customer_id AND k.day >= :d0 AND k.day < :d1)";

/* whole days [:d0, :d1) from the daily aggregates */
static const char *const SQL_AGG_DAYS =
    "SELECT coalesce(sum(sessions), 0), coalesce(sum(converted), 0), "
    "coalesce(sum(purchases), 0), coalesce(sum(lines), 0), coalesce(sum(revenue_cents), 0) "
    "FROM kpi_days WHERE day >= :d0 AND day < :d1";
/* summed here, not with GROUP BY: the rows come in key order (day, product), no sort */
static const char *const SQL_AGG_PRODUCTS =
    "SELECT product_id, units, revenue_cents, tries FROM kpi_product_days "
    "WHERE day >= :d0 AND day < :d1";
static const char *const SQL_AGG_EMOTIONS =
    "SELECT grp, dominant, sum(events) FROM kpi_emotion_days WHERE day >= :d0 AND day < :d1 "
    "GROUP BY grp, dominant";

int64_t store_day_of(int64_t t)
{
    return t / 86400; /* as SQL's integer division: times are after 1970 */
}

static void bind_range(sqlite3_stmt *s, int64_t from, int64_t to)
{
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
}

static struct store_kpi_product *find(struct store_kpi *k, int64_t id)
{
    size_t lo = 0, hi = k->nproducts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k->products[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < k->nproducts && k->products[lo].id == id ? &k->products[lo] : NULL;
}

static int index_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static const char *const emo_groups[3] = {"frustration", "happiness", "surprise"};
static const char *const emo_names[7] = {"neutral", "happy", "sad", "angry",
                                         "fearful", "disgusted", "surprised"};

/* adds the (group, dominant, count) rows of s to k */
static int add_emotions(struct store *st, sqlite3_stmt *s, struct store_kpi *k)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char g[24], d[24];
        col_text(s, 0, g, sizeof(g));
        col_text(s, 1, d, sizeof(d));
        int64_t n = sqlite3_column_int64(s, 2);
        int gi = index_of(emo_groups, 3, g), di = index_of(emo_names, 7, d);
        if (gi >= 0)
            k->emotions[gi] += n;
        if (di >= 0)
            k->dominant[di] += n;
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "kpi emotions");
}

/* adds to k what the rows of [from, to) hold: sessions, totals, product sales and tries,
 * emotions */
static int scan_range(struct store *st, int64_t from, int64_t to, struct store_kpi *k)
{
    int rc;
    sqlite3_stmt *s = stmt_get(st, SQL_SESSIONS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k->sessions += sqlite3_column_int64(s, 0);
        k->converted_sessions += sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi sessions");

    if (!(s = stmt_get(st, SQL_TOTALS)))
        return SHOP_EDB;
    bind_range(s, from, to);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k->purchases += sqlite3_column_int64(s, 0);
        k->items_sold += sqlite3_column_int64(s, 1);
        k->revenue_cents += sqlite3_column_int64(s, 2);
    }
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi totals");

    if (!(s = stmt_get(st, SQL_PRODUCT_SALES)))
        return SHOP_EDB;
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        if (p) {
            p->units += sqlite3_column_int64(s, 1);
            p->revenue_cents += sqlite3_column_int64(s, 2);
        }
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi product sales");

    if (!(s = stmt_get(st, SQL_PRODUCT_TRIES)))
        return SHOP_EDB;
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        if (p)
            p->tries += sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi tries");

    if (!(s = stmt_get(st, SQL_EMOTIONS)))
        return SHOP_EDB;
    bind_range(s, from, to);
    return add_emotions(st, s, k);
}

/* adds to k the daily aggregates of the whole days [d0, d1) */
static int agg_range(struct store *st, int64_t d0, int64_t d1, struct store_kpi *k)
{
    int rc;
    sqlite3_stmt *s = stmt_get(st, SQL_AGG_DAYS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k->sessions += sqlite3_column_int64(s, 0);
        k->converted_sessions += sqlite3_column_int64(s, 1);
        k->purchases += sqlite3_column_int64(s, 2);
        k->items_sold += sqlite3_column_int64(s, 3);
        k->revenue_cents += sqlite3_column_int64(s, 4);
    }
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi days");

    if (!(s = stmt_get(st, SQL_AGG_PRODUCTS)))
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        if (p) {
            p->units += sqlite3_column_int64(s, 1);
            p->revenue_cents += sqlite3_column_int64(s, 2);
            p->tries += sqlite3_column_int64(s, 3);
        }
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi product days");

    if (!(s = stmt_get(st, SQL_AGG_EMOTIONS)))
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    return add_emotions(st, s, k);
}

/* customers with a purchase in [from, to) */
static int count_buyers(struct store *st, int64_t from, int64_t to, int64_t *out)
{
    int64_t max_id = 0;
    int rc = query_int(st, SQL_MAX_CUSTOMER, 0, &max_id);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_BUYERS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    size_t nbits = max_id > 0 ? (size_t)max_id + 1 : 1;
    uint64_t *seen = xcalloc((nbits + 63) / 64, sizeof(uint64_t));
    int64_t n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (id < 0 || id > max_id)
            continue; /* a purchase's customer exists (foreign key): cannot happen */
        uint64_t bit = 1ULL << (id & 63);
        n += !(seen[id >> 6] & bit);
        seen[id >> 6] |= bit;
    }
    stmt_done(s);
    free(seen);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi buyers");
    *out = n;
    return SHOP_OK;
}

/* customers with a purchase in [from, to), whole days [d0, d1) (d0 < d1) from the daily
 * aggregates */
static int count_buyers_agg(struct store *st, int64_t from, int64_t to, int64_t d0, int64_t d1,
                            int64_t *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AGG_BUYERS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    int64_t whole = 0, edges = 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        whole = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi buyer days");
    if (!(s = stmt_get(st, SQL_EDGE_BUYERS)))
        return SHOP_EDB;
    bind_range(s, from, to);
    bind_int(s, ":a", d0 * 86400);
    bind_int(s, ":b", d1 * 86400);
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        edges = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi buyers");
    *out = whole + edges;
    return SHOP_OK;
}

/* a product's category, fabric, gender and season: the four group dimensions */
struct attrs {
    char v[4][24];
};

static int by_revenue_then_key(const void *a, const void *b)
{
    const struct store_kpi_group *x = a, *y = b;
    if (x->revenue_cents != y->revenue_cents)
        return x->revenue_cents > y->revenue_cents ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* units and revenue by each dimension from the per-product sums; the STORE_KPI_MAX_GROUPS
 * best by revenue, ties by key (as SQL's ORDER BY revenue DESC, key) */
static void groups_from_products(struct store_kpi *k, const struct attrs *at)
{
    struct store_kpi_group *g = xcalloc(k->nproducts ? k->nproducts : 1, sizeof(*g));
    for (int d = 0; d < 4; d++) {
        size_t n = 0;
        for (size_t i = 0; i < k->nproducts; i++) {
            const struct store_kpi_product *p = &k->products[i];
            if (p->units == 0)
                continue; /* no line in the range: not a group member */
            size_t j = 0;
            while (j < n && strcmp(g[j].key, at[i].v[d]) != 0)
                j++;
            if (j == n) {
                memset(&g[n], 0, sizeof(g[n]));
                snprintf(g[n].key, sizeof(g[n].key), "%s", at[i].v[d]);
                n++;
            }
            g[j].units += p->units;
            g[j].revenue_cents += p->revenue_cents;
        }
        qsort(g, n, sizeof(*g), by_revenue_then_key);
        k->ngroups[d] = n < STORE_KPI_MAX_GROUPS ? (int)n : STORE_KPI_MAX_GROUPS;
        memcpy(k->groups[d], g, (size_t)k->ngroups[d] * sizeof(*g));
    }
    free(g);
}

static int kpi_get(struct store *st, int64_t from, int64_t to, int scan_only,
                   struct store_kpi *k)
{
    memset(k, 0, sizeof(*k));
    k->from = from;
    k->to = to;
    struct attrs *at = NULL;
    int rc, ret = SHOP_OK;
    sqlite3_stmt *s = stmt_get(st, store_sql_sizes);
    if (!s)
        return SHOP_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && k->nsizes < 8)
        col_text(s, 0, k->sizes[k->nsizes++], sizeof(k->sizes[0]));
    stmt_done(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi sizes");

    if (!(s = stmt_get(st, SQL_PRODUCT_LIST)))
        return SHOP_EDB;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k->nproducts == cap) {
            cap = cap ? cap * 2 : 64;
            k->products = xreallocarray(k->products, cap, sizeof(*k->products));
            at = xreallocarray(at, cap, sizeof(*at));
        }
        struct store_kpi_product *p = &k->products[k->nproducts];
        memset(p, 0, sizeof(*p));
        p->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, p->name, sizeof(p->name));
        for (int d = 0; d < 4; d++)
            col_text(s, 2 + d, at[k->nproducts].v[d], sizeof(at[0].v[0]));
        k->nproducts++;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        ret = store_fail(st, rc, "kpi products");
        goto out;
    }

    /* whole days from the daily aggregates, the parts of a day at either end from the rows */
    int64_t d0 = from <= 0                    ? 0
                 : from > INT64_MAX - 86400 ? INT64_MAX / 86400
                                            : (from + 86399) / 86400;
    int64_t d1 = to < 0 ? 0 : to / 86400;
    if (d0 < d1 && !scan_only) {
        if (from < d0 * 86400)
            ret = scan_range(st, from, d0 * 86400, k);
        if (ret == SHOP_OK)
            ret = agg_range(st, d0, d1, k);
        if (ret == SHOP_OK && d1 * 86400 < to)
            ret = scan_range(st, d1 * 86400, to, k);
    } else {
        ret = scan_range(st, from, to, k);
    }
    if (ret != SHOP_OK)
        goto out;
    groups_from_products(k, at);
    ret = d0 < d1 && !scan_only ? count_buyers_agg(st, from, to, d0, d1, &k->customers_buying)
                                : count_buyers(st, from, to, &k->customers_buying);
    if (ret != SHOP_OK)
        goto out;
    if (k->items_sold)
        k->avg_item_price_cents = (double)k->revenue_cents / (double)k->items_sold;
    if (k->purchases)
        k->avg_basket_cents = (double)k->revenue_cents / (double)k->purchases;
    if (k->sessions)
        k->conversion = (double)k->converted_sessions / (double)k->sessions;

    if (!(s = stmt_get(st, SQL_STOCK))) {
        ret = SHOP_EDB;
        goto out;
    }
    const char *sizes[8];
    for (int i = 0; i < k->nsizes; i++)
        sizes[i] = k->sizes[i];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        char size[8];
        col_text(s, 1, size, sizeof(size));
        int z = index_of(sizes, k->nsizes, size);
        int64_t n = sqlite3_column_int64(s, 2);
        if (p) {
            p->stock += n;
            if (z >= 0)
                p->stock_by_size[z] = n;
        }
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        ret = store_fail(st, rc, "kpi stock");
        goto out;
    }

    if (!(s = stmt_get(st, SQL_ALERTS))) {
        ret = SHOP_EDB;
        goto out;
    }
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char status[24];
        col_text(s, 0, status, sizeof(status));
        int64_t n = sqlite3_column_int64(s, 1);
        if (strcmp(status, "open") == 0)
            k->alerts_open = n;
        else if (strcmp(status, "acknowledged") == 0)
            k->alerts_acknowledged = n;
        else if (strcmp(status, "resolved") == 0)
            k->alerts_resolved = n;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, "kpi alerts");
out:
    free(at);
    return ret;
}

int store_kpi_get(struct store *st, int64_t from, int64_t to, struct store_kpi *k)
{
    return kpi_get(st, from, to, 0, k);
}

int store_kpi_scan(struct store *st, int64_t from, int64_t to, struct store_kpi *k)
{
    return kpi_get(st, from, to, 1, k);
}

void store_kpi_release(struct store_kpi *k)
{
    free(k->products);
    k->products = NULL;
    k->nproducts = 0;
}
