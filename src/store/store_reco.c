/* store/store_reco.c - what the recommender reads (purchase lines, stock) and writes. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

static const char *const SQL_LINES =
    "SELECT p.id, p.customer_id, p.purchased_at, l.product_id, l.discount FROM purchases p "
    "JOIN purchase_lines l ON l.purchase_id = p.id WHERE p.customer_id IS NOT NULL "
    "ORDER BY p.purchased_at, p.id, l.id";
static const char *const SQL_STOCK =
    "SELECT product_id, size, count(*) FROM items WHERE status = 'in_stock' "
    "GROUP BY product_id, size ORDER BY product_id, size";
static const char *const SQL_DEL_PROMOS = "DELETE FROM promotions WHERE customer_id = :c";
static const char *const SQL_DEL_RECS = "DELETE FROM recommendations WHERE customer_id = :c";
static const char *const SQL_ADD_PROMO =
    "INSERT INTO promotions(customer_id, rank, product_id, discount, price_cents, reason, "
    "created_at, valid_until) VALUES (:c, :rank, :p, :d, :price, :reason, :at, :until)";
static const char *const SQL_ADD_REC =
    "INSERT INTO recommendations(customer_id, rank, product_id, score, reason, created_at) "
    "VALUES (:c, :rank, :p, :score, :reason, :at)";
static const char *const SQL_GET_PROMOS =
    "SELECT product_id, discount, price_cents, reason FROM promotions WHERE customer_id = :c "
    "ORDER BY rank";
static const char *const SQL_GET_RECS =
    "SELECT product_id, score, reason FROM recommendations WHERE customer_id = :c ORDER BY rank";

int store_lines_foreach(struct store *st,
                        void (*fn)(void *ctx, int64_t purchase_id, int64_t customer_id,
                                   int64_t at, int64_t product_id, double discount),
                        void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_LINES);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
           sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_double(s, 4));
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "purchase lines");
}

static const char *const SQL_STOCK_OF_SIZE =
    "SELECT product_id, count(*) FROM items WHERE status = 'in_stock' AND size = :size "
    "GROUP BY product_id";

int store_stock_of_size(struct store *st, const char *size,
                        void (*fn)(void *ctx, int64_t product_id, int64_t count), void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_STOCK_OF_SIZE);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":size", size);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "stock");
}

int store_stock_foreach(struct store *st,
                        void (*fn)(void *ctx, int64_t product_id, const char *size,
                                   int64_t count),
                        void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_STOCK);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char size[8];
        col_text(s, 1, size, sizeof(size));
        fn(ctx, sqlite3_column_int64(s, 0), size, sqlite3_column_int64(s, 2));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "stock");
}

static int reco_replace(struct store *st, int64_t customer_id, const struct store_reco *promos,
                        int npromos, const struct store_reco *recs, int nrecs, int64_t now,
                        int64_t valid_until)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEL_PROMOS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    int rc = stmt_exec(st, s, "clear promotions");
    if (rc == SHOP_OK && (s = stmt_get(st, SQL_DEL_RECS)) != NULL) {
        bind_int(s, ":c", customer_id);
        rc = stmt_exec(st, s, "clear recommendations");
    }
    for (int i = 0; i < npromos && rc == SHOP_OK; i++) {
        if (!(s = stmt_get(st, SQL_ADD_PROMO)))
            return SHOP_EDB;
        bind_int(s, ":c", customer_id);
        bind_int(s, ":rank", i + 1);
        bind_int(s, ":p", promos[i].product_id);
        bind_double(s, ":d", promos[i].discount);
        bind_int(s, ":price", promos[i].price_cents);
        bind_text(s, ":reason", promos[i].reason);
        bind_int(s, ":at", now);
        bind_int(s, ":until", valid_until);
        rc = stmt_exec(st, s, "add promotion");
    }
    for (int i = 0; i < nrecs && rc == SHOP_OK; i++) {
        if (!(s = stmt_get(st, SQL_ADD_REC)))
            return SHOP_EDB;
        bind_int(s, ":c", customer_id);
        bind_int(s, ":rank", i + 1);
        bind_int(s, ":p", recs[i].product_id);
        bind_double(s, ":score", recs[i].score);
        bind_text(s, ":reason", recs[i].reason);
        bind_int(s, ":at", now);
        rc = stmt_exec(st, s, "add recommendation");
    }
    return rc;
}

int store_reco_save(struct store *st, int64_t customer_id, const struct store_reco *promos,
                    int npromos, const struct store_reco *recs, int nrecs, int64_t now,
                    int64_t valid_until)
{
    /* never a customer with the old promotions cleared and the new ones half written */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = reco_replace(st, customer_id, promos, npromos, recs, nrecs, now, valid_until);
    return store_end(st, rc);
}

int store_reco_get(struct store *st, int64_t customer_id, struct store_reco *promos, int *np,
                   struct store_reco *recs, int *nr, int cap)
{
    *np = *nr = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_GET_PROMOS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *np < cap) {
        struct store_reco *r = &promos[(*np)++];
        memset(r, 0, sizeof(*r));
        r->product_id = sqlite3_column_int64(s, 0);
        r->discount = sqlite3_column_double(s, 1);
        r->price_cents = sqlite3_column_int64(s, 2);
        col_text(s, 3, r->reason, sizeof(r->reason));
    }
    stmt_done(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, rc, "promotions");
    if (!(s = stmt_get(st, SQL_GET_RECS)))
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *nr < cap) {
        struct store_reco *r = &recs[(*nr)++];
        memset(r, 0, sizeof(*r));
        r->product_id = sqlite3_column_int64(s, 0);
        r->score = sqlite3_column_double(s, 1);
        col_text(s, 2, r->reason, sizeof(r->reason));
    }
    stmt_done(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "recommendations");
}
