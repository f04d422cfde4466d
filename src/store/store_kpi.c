/* store/store_kpi.c - the aggregates behind the dashboard's cards, for a time range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_SESSIONS =
    "SELECT count(*), count(DISTINCT p.session_id) FROM sessions s LEFT JOIN purchases p "
    "ON p.session_id = s.id WHERE s.started_at >= :from AND s.started_at < :to";
static const char *const SQL_TOTALS =
    "SELECT count(DISTINCT p.id), count(l.id), coalesce(sum(l.price_cents), 0), "
    "count(DISTINCT p.customer_id) FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id "
    "WHERE p.purchased_at >= :from AND p.purchased_at < :to";
/* one statement per dimension: the column name is part of the SQL text, never a value */
static const char *const SQL_GROUP[4] = {
    "SELECT pr.category, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p ON "
    "p.id = l.purchase_id JOIN products pr ON pr.id = l.product_id WHERE p.purchased_at >= :from "
    "AND p.purchased_at < :to GROUP BY 1 ORDER BY 3 DESC, 1",
    "SELECT pr.fabric, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p ON "
    "p.id = l.purchase_id JOIN products pr ON pr.id = l.product_id WHERE p.purchased_at >= :from "
    "AND p.purchased_at < :to GROUP BY 1 ORDER BY 3 DESC, 1",
    "SELECT pr.gender, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p ON "
    "p.id = l.purchase_id JOIN products pr ON pr.id = l.product_id WHERE p.purchased_at >= :from "
    "AND p.purchased_at < :to GROUP BY 1 ORDER BY 3 DESC, 1",
    "SELECT pr.season, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p ON "
    "p.id = l.purchase_id JOIN products pr ON pr.id = l.product_id WHERE p.purchased_at >= :from "
    "AND p.purchased_at < :to GROUP BY 1 ORDER BY 3 DESC, 1",
};
static const char *const SQL_PRODUCT_LIST = "SELECT id, name FROM products ORDER BY id";
static const char *const SQL_PRODUCT_SALES =
    "SELECT l.product_id, count(*), sum(l.price_cents) FROM purchase_lines l JOIN purchases p "
    "ON p.id = l.purchase_id WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "GROUP BY l.product_id";
static const char *const SQL_PRODUCT_TRIES =
    "SELECT i.product_id, count(*) FROM tryons t JOIN items i ON i.id = t.item_id "
    "WHERE t.tried_at >= :from AND t.tried_at < :to GROUP BY i.product_id";
static const char *const SQL_STOCK =
    "SELECT product_id, size, count(*) FROM items WHERE status = 'in_stock' "
    "GROUP BY product_id, size";
static const char *const SQL_EMOTIONS =
    "SELECT grp, dominant, count(*) FROM emotion_events WHERE at >= :from AND at < :to "
    "GROUP BY grp, dominant";
static const char *const SQL_ALERTS =
    "SELECT status, count(*) FROM alerts WHERE created_at >= :from AND created_at < :to "
    "GROUP BY status";

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

int store_kpi_get(struct store *st, int64_t from, int64_t to, struct store_kpi *k)
{
    memset(k, 0, sizeof(*k));
    k->from = from;
    k->to = to;
    int rc;
    sqlite3_stmt *s = stmt_get(st, SQL_SESSIONS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k->sessions = sqlite3_column_int64(s, 0);
        k->converted_sessions = sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi sessions");

    s = stmt_get(st, SQL_TOTALS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        k->purchases = sqlite3_column_int64(s, 0);
        k->items_sold = sqlite3_column_int64(s, 1);
        k->revenue_cents = sqlite3_column_int64(s, 2);
        k->customers_buying = sqlite3_column_int64(s, 3);
    }
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi totals");
    if (k->items_sold)
        k->avg_item_price_cents = (double)k->revenue_cents / (double)k->items_sold;
    if (k->purchases)
        k->avg_basket_cents = (double)k->revenue_cents / (double)k->purchases;
    if (k->sessions)
        k->conversion = (double)k->converted_sessions / (double)k->sessions;

    for (int d = 0; d < 4; d++) {
        s = stmt_get(st, SQL_GROUP[d]);
        if (!s)
            return SHOP_EDB;
        bind_range(s, from, to);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW && k->ngroups[d] < STORE_KPI_MAX_GROUPS) {
            struct store_kpi_group *g = &k->groups[d][k->ngroups[d]++];
            col_text(s, 0, g->key, sizeof(g->key));
            g->units = sqlite3_column_int64(s, 1);
            g->revenue_cents = sqlite3_column_int64(s, 2);
        }
        stmt_done(s);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            return store_fail(st, rc, "kpi groups");
    }

    s = stmt_get(st, store_sql_sizes);
    if (!s)
        return SHOP_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && k->nsizes < 8)
        col_text(s, 0, k->sizes[k->nsizes++], sizeof(k->sizes[0]));
    stmt_done(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, rc, "kpi sizes");

    s = stmt_get(st, SQL_PRODUCT_LIST);
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k->nproducts == cap) {
            cap = cap ? cap * 2 : 64;
            k->products = xreallocarray(k->products, cap, sizeof(*k->products));
        }
        struct store_kpi_product *p = &k->products[k->nproducts++];
        memset(p, 0, sizeof(*p));
        p->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, p->name, sizeof(p->name));
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi products");

    s = stmt_get(st, SQL_PRODUCT_SALES);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        if (p) {
            p->units = sqlite3_column_int64(s, 1);
            p->revenue_cents = sqlite3_column_int64(s, 2);
        }
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi product sales");

    s = stmt_get(st, SQL_PRODUCT_TRIES);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kpi_product *p = find(k, sqlite3_column_int64(s, 0));
        if (p)
            p->tries = sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi tries");

    s = stmt_get(st, SQL_STOCK);
    if (!s)
        return SHOP_EDB;
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
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi stock");

    static const char *const groups[3] = {"frustration", "happiness", "surprise"};
    static const char *const emo[7] = {"neutral", "happy", "sad", "angry",
                                       "fearful", "disgusted", "surprised"};
    s = stmt_get(st, SQL_EMOTIONS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char g[24], d[24];
        col_text(s, 0, g, sizeof(g));
        col_text(s, 1, d, sizeof(d));
        int64_t n = sqlite3_column_int64(s, 2);
        int gi = index_of(groups, 3, g), di = index_of(emo, 7, d);
        if (gi >= 0)
            k->emotions[gi] += n;
        if (di >= 0)
            k->dominant[di] += n;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "kpi emotions");

    s = stmt_get(st, SQL_ALERTS);
    if (!s)
        return SHOP_EDB;
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
        return store_fail(st, rc, "kpi alerts");
    return SHOP_OK;
}

void store_kpi_release(struct store_kpi *k)
{
    free(k->products);
    k->products = NULL;
    k->nproducts = 0;
}
