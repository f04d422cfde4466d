/* store/store_shop.c - what the shop needs: catalogue queries with filters and paging,
 * customer search, carts with reserved items, and selling an item. The transactions are
 * the callers' (src/shop): a checkout reads and writes these inside one BEGIN IMMEDIATE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* ---- catalogue ---- */

/* NULL binds make a filter "any"; the size filter wants an item of that size in stock */
#define PRODUCT_WHERE                                                                         \
    "WHERE (:gender IS NULL OR lower(p.gender) = lower(:gender)) "                            \
    "AND (:cat IS NULL OR lower(p.category) = lower(:cat)) "                                  \
    "AND (:fabric IS NULL OR lower(p.fabric) = lower(:fabric)) "                              \
    "AND (:season IS NULL OR lower(p.season) = lower(:season)) "                              \
    "AND (:size IS NULL OR EXISTS (SELECT 1 FROM items s WHERE s.product_id = p.id "          \
    "AND s.size = upper(:size) AND s.status = 'in_stock')) "

static const char *const SQL_PRODUCTS_FIND =
    "SELECT p.id, p.name, p.category, p.gender, p.fabric, p.season, p.base_price_cents, "
    "p.cost_cents, p.price_cents, p.popularity, p.zone, p.x, p.y, p.simulated, "
    "(SELECT count(*) FROM items i WHERE i.product_id = p.id AND i.status = 'in_stock') "
    "FROM products p " PRODUCT_WHERE "ORDER BY p.id LIMIT :limit OFFSET :offset";
static const char *const SQL_PRODUCTS_COUNT =
    "SELECT count(*) FROM products p " PRODUCT_WHERE;
static const char *const SQL_STOCK_BY_SIZE =
    "SELECT product_id, size, count(*) FROM items WHERE status = 'in_stock' "
    "AND product_id BETWEEN :lo AND :hi GROUP BY product_id, size ORDER BY product_id, size";
static const char *const SQL_PROMOS_VALID =
    "SELECT product_id, min(price_cents), max(discount), min(reason) FROM promotions "
    "WHERE customer_id = :c AND valid_until > :now GROUP BY product_id ORDER BY product_id";

static void bind_filter(sqlite3_stmt *s, const struct store_product_filter *f)
{
    bind_text(s, ":gender", f->gender);
    bind_text(s, ":cat", f->category);
    bind_text(s, ":fabric", f->fabric);
    bind_text(s, ":season", f->season);
    bind_text(s, ":size", f->size);
}

int store_products_find(struct store *st, const struct store_product_filter *f,
                        struct store_product **out, size_t *n, int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCTS_COUNT);
    if (!s)
        return SHOP_EDB;
    bind_filter(s, f);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "count products");
    if (!(s = stmt_get(st, SQL_PRODUCTS_FIND)))
        return SHOP_EDB;
    bind_filter(s, f);
    bind_int(s, ":limit", f->limit);
    bind_int(s, ":offset", f->offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        store_read_product(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(st, rc, "find products");
    }
    return SHOP_OK;
}

int store_stock_by_size(struct store *st, int64_t lo, int64_t hi,
                        void (*fn)(void *ctx, int64_t product_id, const char *size,
                                   int64_t count),
                        void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_STOCK_BY_SIZE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":lo", lo);
    bind_int(s, ":hi", hi);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char size[8];
        col_text(s, 1, size, sizeof(size));
        fn(ctx, sqlite3_column_int64(s, 0), size, sqlite3_column_int64(s, 2));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "stock by size");
}

int store_promotions_valid(struct store *st, int64_t customer_id, int64_t now,
                           void (*fn)(void *ctx, int64_t product_id, int64_t price_cents,
                                      double discount, const char *reason),
                           void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PROMOS_VALID);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    bind_int(s, ":now", now);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char reason[96];
        col_text(s, 3, reason, sizeof(reason));
        fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
           sqlite3_column_double(s, 2), reason);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "promotions");
}

/* ---- customers ---- */

#define CUSTOMER_WHERE                                                                        \
    "WHERE (:q IS NULL OR instr(lower(name), lower(:q)) > 0 "                                 \
    "OR instr(lower(coalesce(email, '')), lower(:q)) > 0) "
static const char *const SQL_CUSTOMERS_FIND =
    "SELECT id, name, email, gender, size, persona, pref_category, pref_fabric, pref_season, "
    "created_at, last_seen_at, simulated FROM customers " CUSTOMER_WHERE
    "ORDER BY id LIMIT :limit OFFSET :offset";
static const char *const SQL_CUSTOMERS_COUNT = "SELECT count(*) FROM customers " CUSTOMER_WHERE;

int store_customers_find(struct store *st, const char *q, int64_t limit, int64_t offset,
                         struct store_customer **out, size_t *n, int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMERS_COUNT);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":q", q);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, "count customers");
    if (!(s = stmt_get(st, SQL_CUSTOMERS_FIND)))
        return SHOP_EDB;
    bind_text(s, ":q", q);
    bind_int(s, ":limit", limit);
    bind_int(s, ":offset", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        store_read_customer(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(st, rc, "find customers");
    }
    return SHOP_OK;
}

/* ---- carts ---- */

static const char *const SQL_CART_GET =
    "SELECT id, session_id, customer_id, purchase_id, status, created_at, updated_at "
    "FROM carts WHERE session_id = :session";
static const char *const SQL_CART_ADD =
    "INSERT INTO carts(session_id, customer_id, status, created_at, updated_at) "
    "VALUES (:session, :customer, 'open', :at, :at)";
static const char *const SQL_CART_FINISH =
    "UPDATE carts SET status = :status, purchase_id = :purchase, updated_at = :at "
    "WHERE id = :id AND status = 'open'";
static const char *const SQL_CART_LINES =
    "SELECT ci.item_id, i.product_id, p.name, i.size, i.status <> 'in_stock', p.price_cents, "
    "(SELECT min(pr.price_cents) FROM promotions pr WHERE pr.customer_id = c.customer_id "
    "AND pr.product_id = i.product_id AND pr.valid_until > :now), ci.added_at, "
    "ci.reserved_until FROM cart_items ci JOIN carts c ON c.id = ci.cart_id "
    "JOIN items i ON i.id = ci.item_id JOIN products p ON p.id = i.product_id "
    "WHERE ci.cart_id = :cart ORDER BY ci.added_at, ci.item_id";
/* a reservation blocks others while its cart is open and it has not expired */
static const char *const SQL_CART_PICK =
    "SELECT i.id FROM items i LEFT JOIN cart_items ci ON ci.item_id = i.id "
    "LEFT JOIN carts c ON c.id = ci.cart_id "
    "WHERE i.product_id = :product AND i.size = :size AND i.status = 'in_stock' "
    "AND (ci.cart_id IS NULL OR (ci.cart_id <> :cart AND (c.status <> 'open' "
    "OR ci.reserved_until <= :now))) "
    "ORDER BY ci.cart_id IS NOT NULL, i.id LIMIT 1";
static const char *const SQL_SIZE_STOCK =
    "SELECT count(*) FROM items WHERE product_id = :product AND size = :size "
    "AND status = 'in_stock'";
static const char *const SQL_RESERVATION_DROP = "DELETE FROM cart_items WHERE item_id = :item";
static const char *const SQL_RESERVE =
    "INSERT INTO cart_items(cart_id, item_id, added_at, reserved_until) "
    "VALUES (:cart, :item, :now, :until)";
static const char *const SQL_CART_RELEASE =
    "DELETE FROM cart_items WHERE cart_id = :cart AND item_id = :item";
static const char *const SQL_CART_RELEASE_ALL = "DELETE FROM cart_items WHERE cart_id = :cart";
static const char *const SQL_CART_RENEW =
    "UPDATE cart_items SET reserved_until = :until WHERE cart_id = :cart";
static const char *const SQL_CART_TOUCH = "UPDATE carts SET updated_at = :now WHERE id = :cart";
static const char *const SQL_ITEM_SELL =
    "UPDATE items SET status = 'sold', sold_at = :at WHERE id = :id AND status = 'in_stock'";

int store_cart_get(struct store *st, int64_t session_id, struct store_cart *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":session", session_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = sqlite3_column_int64(s, 0);
        out->session_id = sqlite3_column_int64(s, 1);
        out->customer_id = sqlite3_column_int64(s, 2);
        out->purchase_id = sqlite3_column_int64(s, 3);
        col_text(s, 4, out->status, sizeof(out->status));
        out->created_at = sqlite3_column_int64(s, 5);
        out->updated_at = sqlite3_column_int64(s, 6);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "session %lld has no cart", (long long)session_id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read cart");
    stmt_done(s);
    return ret;
}

int store_cart_add(struct store *st, struct store_cart *c)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":session", c->session_id);
    if (c->customer_id > 0)
        bind_int(s, ":customer", c->customer_id);
    else
        bind_null(s, ":customer");
    bind_int(s, ":at", c->created_at);
    int rc = stmt_exec(st, s, "add cart");
    if (rc == SHOP_OK) {
        c->id = sqlite3_last_insert_rowid(st->db);
        snprintf(c->status, sizeof(c->status), "open");
        c->updated_at = c->created_at;
    }
    return rc;
}

int store_cart_finish(struct store *st, int64_t cart_id, const char *status, int64_t purchase_id,
                      int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_FINISH);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", cart_id);
    bind_text(s, ":status", status);
    if (purchase_id > 0)
        bind_int(s, ":purchase", purchase_id);
    else
        bind_null(s, ":purchase");
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "finish cart");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "cart %lld is not open", (long long)cart_id);
        return SHOP_ECONFLICT;
    }
    return rc;
}

int store_cart_lines(struct store *st, int64_t cart_id, int64_t now,
                     struct store_cart_line **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_CART_LINES);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":now", now);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        struct store_cart_line *l = &(*out)[(*n)++];
        memset(l, 0, sizeof(*l));
        l->item_id = sqlite3_column_int64(s, 0);
        l->product_id = sqlite3_column_int64(s, 1);
        col_text(s, 2, l->name, sizeof(l->name));
        col_text(s, 3, l->size, sizeof(l->size));
        l->sold = sqlite3_column_int(s, 4);
        l->list_cents = sqlite3_column_int64(s, 5);
        l->promo_cents = sqlite3_column_int64(s, 6); /* NULL reads as 0: none */
        l->added_at = sqlite3_column_int64(s, 7);
        l->reserved_until = sqlite3_column_int64(s, 8);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(st, rc, "cart lines");
    }
    return SHOP_OK;
}

int store_cart_pick(struct store *st, int64_t cart_id, int64_t product_id, const char *size,
                    int64_t now, int64_t *item_id, int64_t *in_stock)
{
    *item_id = 0;
    *in_stock = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_CART_PICK);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":product", product_id);
    bind_text(s, ":size", size);
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":now", now);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *item_id = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(st, rc, "pick an item");
    if (!(s = stmt_get(st, SQL_SIZE_STOCK)))
        return SHOP_EDB;
    bind_int(s, ":product", product_id);
    bind_text(s, ":size", size);
    int rc2 = sqlite3_step(s);
    if (rc2 == SQLITE_ROW)
        *in_stock = sqlite3_column_int64(s, 0);
    stmt_done(s);
    if (rc2 != SQLITE_ROW)
        return store_fail(st, rc2, "count stock");
    return *item_id ? SHOP_OK : SHOP_ENOTFOUND;
}

int store_cart_reserve(struct store *st, int64_t cart_id, int64_t item_id, int64_t now,
                       int64_t until)
{
    sqlite3_stmt *s = stmt_get(st, SQL_RESERVATION_DROP);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":item", item_id);
    int rc = stmt_exec(st, s, "drop a reservation");
    if (rc != SHOP_OK)
        return rc;
    if (!(s = stmt_get(st, SQL_RESERVE)))
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":item", item_id);
    bind_int(s, ":now", now);
    bind_int(s, ":until", until);
    return stmt_exec(st, s, "reserve an item");
}

int store_cart_release(struct store *st, int64_t cart_id, int64_t item_id)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_RELEASE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":item", item_id);
    int rc = stmt_exec(st, s, "release an item");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "item %lld is not in the cart", (long long)item_id);
        return SHOP_ENOTFOUND;
    }
    return rc;
}

int store_cart_release_all(struct store *st, int64_t cart_id)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_RELEASE_ALL);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    return stmt_exec(st, s, "empty a cart");
}

int store_cart_renew(struct store *st, int64_t cart_id, int64_t now, int64_t until)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CART_RENEW);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":until", until);
    int rc = stmt_exec(st, s, "renew reservations");
    if (rc != SHOP_OK)
        return rc;
    if (!(s = stmt_get(st, SQL_CART_TOUCH)))
        return SHOP_EDB;
    bind_int(s, ":cart", cart_id);
    bind_int(s, ":now", now);
    return stmt_exec(st, s, "touch cart");
}

int store_item_sell(struct store *st, int64_t item_id, int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ITEM_SELL);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", item_id);
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "sell an item");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "item %lld is not in stock", (long long)item_id);
        return SHOP_ECONFLICT;
    }
    return rc;
}
