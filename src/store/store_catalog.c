/* store/store_catalog.c - the floor plan, customers, products and items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* grows *v (of element size sz) to hold one more; returns the new element's slot */
static void *grow(void **v, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = xreallocarray(*v, *cap, sz);
    }
    return (char *)*v + (*n)++ * sz;
}

/* ---- zones ---- */

static const char *const SQL_ZONE_ADD =
    "INSERT INTO zones(name, x0, y0, x1, y1, door_x, door_y) "
    "VALUES (:name, :x0, :y0, :x1, :y1, :dx, :dy)";
static const char *const SQL_ZONES =
    "SELECT id, name, x0, y0, x1, y1, door_x, door_y FROM zones ORDER BY id";

int store_zone_add(struct store *st, struct store_zone *z)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ZONE_ADD);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", z->name);
    bind_double(s, ":x0", z->x0);
    bind_double(s, ":y0", z->y0);
    bind_double(s, ":x1", z->x1);
    bind_double(s, ":y1", z->y1);
    bind_double(s, ":dx", z->door_x);
    bind_double(s, ":dy", z->door_y);
    int rc = stmt_exec(st, s, "add zone");
    if (rc == SHOP_OK)
        z->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int store_zones(struct store *st, struct store_zone **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ZONES);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_zone *z = grow((void **)out, n, &cap, sizeof(*z));
        z->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, z->name, sizeof(z->name));
        z->x0 = sqlite3_column_double(s, 2);
        z->y0 = sqlite3_column_double(s, 3);
        z->x1 = sqlite3_column_double(s, 4);
        z->y1 = sqlite3_column_double(s, 5);
        z->door_x = sqlite3_column_double(s, 6);
        z->door_y = sqlite3_column_double(s, 7);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list zones");
}

/* ---- customers ---- */

static const char *const SQL_CUSTOMER_ADD =
    "INSERT INTO customers(id, name, email, gender, size, persona, pref_category, pref_fabric, "
    "pref_season, created_at, last_seen_at, simulated) VALUES (:id, :name, :email, :gender, "
    ":size, :persona, :cat, :fab, :season, :created, :seen, :sim)";
#define CUSTOMER_COLS                                                                         \
    "SELECT id, name, email, gender, size, persona, pref_category, pref_fabric, pref_season, " \
    "created_at, last_seen_at, simulated FROM customers "
static const char *const SQL_CUSTOMER_GET = CUSTOMER_COLS "WHERE id = :id";
static const char *const SQL_CUSTOMERS = CUSTOMER_COLS "ORDER BY id";
static const char *const SQL_CUSTOMER_SEEN =
    "UPDATE customers SET last_seen_at = :at WHERE id = :id AND "
    "(last_seen_at IS NULL OR last_seen_at < :at)";

static int customer_add(struct store *st, struct store_customer *c)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_ADD);
    if (!s)
        return SHOP_EDB;
    if (c->id > 0)
        bind_int(s, ":id", c->id);
    else
        bind_null(s, ":id");
    bind_text(s, ":name", c->name);
    bind_text(s, ":email", c->email);
    bind_text(s, ":gender", c->gender);
    bind_text(s, ":size", c->size);
    bind_text(s, ":persona", c->persona);
    bind_text(s, ":cat", c->pref_category);
    bind_text(s, ":fab", c->pref_fabric);
    bind_text(s, ":season", c->pref_season);
    bind_int(s, ":created", c->created_at);
    if (c->last_seen_at)
        bind_int(s, ":seen", c->last_seen_at);
    else
        bind_null(s, ":seen");
    bind_int(s, ":sim", c->simulated);
    int rc = stmt_exec(st, s, "add customer");
    if (rc == SHOP_OK)
        c->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int store_customer_add(struct store *st, struct store_customer *c)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = customer_add(st, c);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

void store_read_customer(sqlite3_stmt *s, struct store_customer *c)
{
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, c->name, sizeof(c->name));
    col_text(s, 2, c->email, sizeof(c->email));
    col_text(s, 3, c->gender, sizeof(c->gender));
    col_text(s, 4, c->size, sizeof(c->size));
    col_text(s, 5, c->persona, sizeof(c->persona));
    col_text(s, 6, c->pref_category, sizeof(c->pref_category));
    col_text(s, 7, c->pref_fabric, sizeof(c->pref_fabric));
    col_text(s, 8, c->pref_season, sizeof(c->pref_season));
    c->created_at = sqlite3_column_int64(s, 9);
    c->last_seen_at = sqlite3_column_int64(s, 10);
    c->simulated = sqlite3_column_int(s, 11);
}

int store_customer_get(struct store *st, int64_t id, struct store_customer *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        store_read_customer(s, out);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no customer %lld", (long long)id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read customer");
    stmt_done(s);
    return ret;
}

int store_customer_seen(struct store *st, int64_t id, int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_SEEN);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    bind_int(s, ":at", at);
    return stmt_exec(st, s, "update customer");
}

int store_customers(struct store *st, struct store_customer **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMERS);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        store_read_customer(s, grow((void **)out, n, &cap, sizeof(**out)));
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list customers");
}

/* ---- products ---- */

static const char *const SQL_PRODUCT_ADD =
    "INSERT INTO products(id, name, category, gender, fabric, season, base_price_cents, "
    "cost_cents, price_cents, popularity, zone, x, y, simulated) VALUES (:id, :name, :cat, "
    ":gender, :fabric, :season, :base, :cost, :price, :pop, :zone, :x, :y, :sim)";
#define PRODUCT_COLS                                                                          \
    "SELECT p.id, p.name, p.category, p.gender, p.fabric, p.season, p.base_price_cents, "     \
    "p.cost_cents, p.price_cents, p.popularity, p.zone, p.x, p.y, p.simulated, "              \
    "(SELECT count(*) FROM items i WHERE i.product_id = p.id AND i.status = 'in_stock') "     \
    "FROM products p "
static const char *const SQL_PRODUCT_GET = PRODUCT_COLS "WHERE p.id = :id";
static const char *const SQL_PRODUCTS = PRODUCT_COLS "ORDER BY p.id";
static const char *const SQL_PRODUCT_PRICE =
    "UPDATE products SET price_cents = :price WHERE id = :id";

static int product_add(struct store *st, struct store_product *p)
{
    if (p->base_price_cents <= 0 || p->price_cents <= 0 || p->cost_cents < 0) {
        store_msg(st, "product '%s': prices must be positive",
                 p->name);
        return SHOP_EINVAL;
    }
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCT_ADD);
    if (!s)
        return SHOP_EDB;
    if (p->id > 0)
        bind_int(s, ":id", p->id);
    else
        bind_null(s, ":id");
    bind_text(s, ":name", p->name);
    bind_text(s, ":cat", p->category);
    bind_text(s, ":gender", p->gender);
    bind_text(s, ":fabric", p->fabric);
    bind_text(s, ":season", p->season);
    bind_int(s, ":base", p->base_price_cents);
    bind_int(s, ":cost", p->cost_cents);
    bind_int(s, ":price", p->price_cents);
    bind_double(s, ":pop", p->popularity);
    bind_text(s, ":zone", p->zone);
    bind_double(s, ":x", p->x);
    bind_double(s, ":y", p->y);
    bind_int(s, ":sim", p->simulated);
    int rc = stmt_exec(st, s, "add product");
    if (rc == SHOP_OK)
        p->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int store_product_add(struct store *st, struct store_product *p)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = product_add(st, p);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

void store_read_product(sqlite3_stmt *s, struct store_product *p)
{
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, p->name, sizeof(p->name));
    col_text(s, 2, p->category, sizeof(p->category));
    col_text(s, 3, p->gender, sizeof(p->gender));
    col_text(s, 4, p->fabric, sizeof(p->fabric));
    col_text(s, 5, p->season, sizeof(p->season));
    p->base_price_cents = sqlite3_column_int64(s, 6);
    p->cost_cents = sqlite3_column_int64(s, 7);
    p->price_cents = sqlite3_column_int64(s, 8);
    p->popularity = sqlite3_column_double(s, 9);
    col_text(s, 10, p->zone, sizeof(p->zone));
    p->x = sqlite3_column_double(s, 11);
    p->y = sqlite3_column_double(s, 12);
    p->simulated = sqlite3_column_int(s, 13);
    p->stock = sqlite3_column_int64(s, 14);
}

int store_product_get(struct store *st, int64_t id, struct store_product *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCT_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        store_read_product(s, out);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no product %lld", (long long)id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read product");
    stmt_done(s);
    return ret;
}

static int product_set_price(struct store *st, int64_t id, int64_t price_cents)
{
    if (price_cents <= 0)
        return SHOP_EINVAL;
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCT_PRICE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    bind_int(s, ":price", price_cents);
    int rc = stmt_exec(st, s, "set price");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no product %lld", (long long)id);
        return SHOP_ENOTFOUND;
    }
    return rc;
}

int store_product_set_price(struct store *st, int64_t id, int64_t price_cents)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = product_set_price(st, id, price_cents);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

int store_products(struct store *st, struct store_product **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCTS);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        store_read_product(s, grow((void **)out, n, &cap, sizeof(**out)));
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list products");
}

/* ---- items ---- */

/* the sizes of the items there are, from the stock aggregate (kept by triggers on items) */
const char *const store_sql_sizes =
    "SELECT DISTINCT size FROM kpi_stock WHERE items > 0 ORDER BY CASE size WHEN 'XS' THEN 0 "
    "WHEN 'S' THEN 1 "
    "WHEN 'M' THEN 2 WHEN 'L' THEN 3 WHEN 'XL' THEN 4 WHEN 'XXL' THEN 5 ELSE 6 END, size";

static const char *const SQL_ITEM_ADD =
    "INSERT INTO items(id, product_id, size, rfid, zone, times_tried, status, received_at, "
    "sold_at) VALUES (:id, :product, :size, :rfid, :zone, :tried, :status, :received, :sold)";
static const char *const SQL_ITEM_UPDATE =
    "UPDATE items SET times_tried = :tried, zone = :zone, status = :status, sold_at = :sold "
    "WHERE id = :id";
static const char *const SQL_ITEMS_IN_STOCK =
    "SELECT id, product_id, size, rfid, zone, times_tried, received_at FROM items "
    "WHERE status = 'in_stock' ORDER BY id";
static const char *const SQL_ITEM_MAX = "SELECT max(id) FROM items";

static void bind_item_state(sqlite3_stmt *s, const struct store_item *it)
{
    bind_int(s, ":id", it->id);
    bind_int(s, ":tried", it->times_tried);
    bind_text(s, ":zone", it->zone);
    bind_text(s, ":status", it->sold ? "sold" : "in_stock");
    if (it->sold)
        bind_int(s, ":sold", it->sold_at);
    else
        bind_null(s, ":sold");
}

int store_item_add(struct store *st, const struct store_item *it)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ITEM_ADD);
    if (!s)
        return SHOP_EDB;
    bind_item_state(s, it);
    bind_int(s, ":product", it->product_id);
    bind_text(s, ":size", it->size);
    bind_text(s, ":rfid", it->rfid);
    bind_int(s, ":received", it->received_at);
    return stmt_exec(st, s, "add item");
}

int store_item_update(struct store *st, const struct store_item *it)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ITEM_UPDATE);
    if (!s)
        return SHOP_EDB;
    bind_item_state(s, it);
    return stmt_exec(st, s, "update item");
}

int store_items_in_stock(struct store *st, struct store_item **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ITEMS_IN_STOCK);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_item *it = grow((void **)out, n, &cap, sizeof(*it));
        memset(it, 0, sizeof(*it));
        it->id = sqlite3_column_int64(s, 0);
        it->product_id = sqlite3_column_int64(s, 1);
        col_text(s, 2, it->size, sizeof(it->size));
        col_text(s, 3, it->rfid, sizeof(it->rfid));
        col_text(s, 4, it->zone, sizeof(it->zone));
        it->times_tried = sqlite3_column_int64(s, 5);
        it->received_at = sqlite3_column_int64(s, 6);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list items");
}

int64_t store_item_max_id(struct store *st)
{
    int64_t v = 0;
    if (query_int(st, SQL_ITEM_MAX, 0, &v) != SHOP_OK)
        return -1;
    return v;
}
