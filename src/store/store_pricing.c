/* store/store_pricing.c - what dynamic pricing reads and writes: the demand model's training
 * rows, the stored model, and the price history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* Units per product and day come from purchase lines; a day is purchased_at / 86400 (integer
 * division, the same in PostgreSQL). Days without a sale are kept by the outer join: the
 * model has to see the zeros, else it learns demand only from days something sold. */
static const char *const SQL_DEMAND_ROWS =
    "SELECT d.day, d.product_id, d.list_cents, d.price_cents, d.discount, d.stock_start, "
    "coalesce(u.units, 0) FROM daily_prices d LEFT JOIN ("
    "SELECT l.product_id AS product_id, p.purchased_at / 86400 AS day, count(*) AS units "
    "FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id "
    "GROUP BY l.product_id, p.purchased_at / 86400) u "
    "ON u.product_id = d.product_id AND u.day = d.day "
    "WHERE d.stock_start > 0 ORDER BY d.day, d.product_id";
static const char *const SQL_LAST_DAY = "SELECT max(day) FROM daily_prices";
static const char *const SQL_SALES_COUNT = "SELECT count(*) FROM purchase_lines";
static const char *const SQL_MODEL_SAVE =
    "INSERT INTO models(name, version, data, info, trained_at) "
    "VALUES ('demand', 1, :data, :info, :at) ON CONFLICT(name) DO UPDATE SET "
    "version = models.version + 1, data = excluded.data, info = excluded.info, "
    "trained_at = excluded.trained_at";
static const char *const SQL_MODEL_VERSION =
    "SELECT version FROM models WHERE name = 'demand'";
static const char *const SQL_MODEL_LOAD =
    "SELECT data, info, version, trained_at FROM models WHERE name = 'demand'";
static const char *const SQL_HISTORY_ADD =
    "INSERT INTO price_history(product_id, old_cents, new_cents, suggested_cents, demand_old, "
    "demand_new, profit_old, profit_new, rule, applied, changed_at) VALUES (:product, :old, "
    ":new, :suggested, :dold, :dnew, :pold, :pnew, :rule, :applied, :at)";
static const char *const SQL_HISTORY_ALL = PRICE_CHANGE_COLS "ORDER BY changed_at, id";
static const char *const SQL_HISTORY_ONE =
    PRICE_CHANGE_COLS "WHERE product_id = :product ORDER BY changed_at, id";

void store_read_price_change(sqlite3_stmt *s, struct store_price_change *c)
{
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(s, 0);
    c->product_id = sqlite3_column_int64(s, 1);
    c->old_cents = sqlite3_column_int64(s, 2);
    c->new_cents = sqlite3_column_int64(s, 3);
    c->suggested_cents = sqlite3_column_int64(s, 4);
    c->demand_old = sqlite3_column_double(s, 5);
    c->demand_new = sqlite3_column_double(s, 6);
    c->profit_old = sqlite3_column_double(s, 7);
    c->profit_new = sqlite3_column_double(s, 8);
    col_text(s, 9, c->rule, sizeof(c->rule));
    c->applied = sqlite3_column_int(s, 10);
    c->changed_at = sqlite3_column_int64(s, 11);
}

int store_demand_rows(struct store *st, void (*fn)(void *ctx, const struct store_demand_row *r),
                      void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEMAND_ROWS);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_demand_row r = {
            .day = sqlite3_column_int64(s, 0),
            .product_id = sqlite3_column_int64(s, 1),
            .list_cents = sqlite3_column_int64(s, 2),
            .price_cents = sqlite3_column_int64(s, 3),
            .discount = sqlite3_column_double(s, 4),
            .stock_start = sqlite3_column_int64(s, 5),
            .units = sqlite3_column_int64(s, 6),
        };
        fn(ctx, &r);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "demand rows");
}

int store_demand_last_day(struct store *st, int64_t def, int64_t *out)
{
    return query_int(st, SQL_LAST_DAY, def, out);
}

int store_demand_sales_count(struct store *st, int64_t *out)
{
    return query_int(st, SQL_SALES_COUNT, 0, out);
}

static int demand_model_save(struct store *st, const void *data, size_t n, const char *info,
                             int64_t at, int64_t *version)
{
    if (n == 0 || n > 1000000000) {
        store_msg(st, "demand model of %zu bytes refused", n);
        return SHOP_EINVAL;
    }
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_SAVE);
    if (!s)
        return SHOP_EDB;
    bind_blob(s, ":data", data, (int)n);
    bind_text(s, ":info", info);
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "save demand model");
    if (rc == SHOP_OK && version)
        rc = query_int(st, SQL_MODEL_VERSION, 0, version);
    return rc;
}

int store_demand_model_save(struct store *st, const void *data, size_t n, const char *info,
                            int64_t at, int64_t *version)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = demand_model_save(st, data, n, info, at, version);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

static const char *const SQL_MODEL_STAMP =
    "SELECT version, trained_at FROM models WHERE name = 'demand'";

int store_demand_model_stamp(struct store *st, int64_t *version, int64_t *trained_at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_STAMP);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
        *trained_at = sqlite3_column_int64(s, 1);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "no demand model");
        ret = SHOP_ENOTFOUND;
    } else {
        ret = store_fail(st, rc, "demand model version");
    }
    stmt_done(s);
    return ret;
}

int store_demand_model_load(struct store *st, void **data, size_t *n, char **info,
                            int64_t *version, int64_t *trained_at)
{
    *data = NULL;
    *n = 0;
    if (info)
        *info = NULL;
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_LOAD);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        int len = sqlite3_column_bytes(s, 0);
        const void *p = sqlite3_column_blob(s, 0);
        *data = xmalloc(len > 0 ? (size_t)len : 1);
        if (len > 0)
            memcpy(*data, p, (size_t)len);
        *n = (size_t)(len > 0 ? len : 0);
        if (info) {
            const unsigned char *t = sqlite3_column_text(s, 1);
            *info = xstrdup(t ? (const char *)t : "");
        }
        if (version)
            *version = sqlite3_column_int64(s, 2);
        if (trained_at)
            *trained_at = sqlite3_column_int64(s, 3);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "no demand model");
        ret = SHOP_ENOTFOUND;
    } else {
        ret = store_fail(st, rc, "load demand model");
    }
    stmt_done(s);
    return ret;
}

int store_price_history_add(struct store *st, struct store_price_change *c)
{
    sqlite3_stmt *s = stmt_get(st, SQL_HISTORY_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":product", c->product_id);
    bind_int(s, ":old", c->old_cents);
    bind_int(s, ":new", c->new_cents);
    bind_int(s, ":suggested", c->suggested_cents);
    bind_double(s, ":dold", c->demand_old);
    bind_double(s, ":dnew", c->demand_new);
    bind_double(s, ":pold", c->profit_old);
    bind_double(s, ":pnew", c->profit_new);
    bind_text(s, ":rule", c->rule);
    bind_int(s, ":applied", c->applied);
    bind_int(s, ":at", c->changed_at);
    int rc = stmt_exec(st, s, "add price history");
    if (rc == SHOP_OK)
        c->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int store_price_history(struct store *st, int64_t product_id, struct store_price_change **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, product_id > 0 ? SQL_HISTORY_ONE : SQL_HISTORY_ALL);
    if (!s)
        return SHOP_EDB;
    if (product_id > 0)
        bind_int(s, ":product", product_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        struct store_price_change *c = &(*out)[(*n)++];
        store_read_price_change(s, c);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "price history");
}
