/* store/store_profiles.c - customer feature rows, profiles and saved models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_CUSTOMER_IDS = "SELECT id FROM customers ORDER BY id";
static const char *const SQL_FEATURES_STAMP =
    "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'store.generation'), "
    "(SELECT max(id) FROM customers), (SELECT max(id) FROM products), "
    "(SELECT max(id) FROM items), (SELECT max(id) FROM sessions), "
    "(SELECT max(id) FROM tryons), (SELECT max(id) FROM purchases)";
static const char *const SQL_CATS = "SELECT DISTINCT category FROM products ORDER BY 1";
static const char *const SQL_FABS = "SELECT DISTINCT fabric FROM products ORDER BY 1";
static const char *const SQL_BUYS =
    "SELECT p.customer_id, count(DISTINCT p.id), count(*), sum(l.price_cents), "
    "avg(l.price_cents), coalesce(avg(CASE WHEN l.discount > 0 THEN l.discount END), 0) "
    "FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id "
    "WHERE p.customer_id IS NOT NULL AND p.purchased_at < :before GROUP BY p.customer_id";
static const char *const SQL_TRIES =
    "SELECT s.customer_id, count(*) FROM tryons t JOIN sessions s ON s.id = t.session_id "
    "WHERE s.customer_id IS NOT NULL AND t.tried_at < :before GROUP BY s.customer_id";
static const char *const SQL_BY_CAT =
    "SELECT p.customer_id, pr.category, count(*) FROM purchases p JOIN purchase_lines l ON "
    "l.purchase_id = p.id JOIN products pr ON pr.id = l.product_id WHERE p.customer_id IS NOT "
    "NULL AND p.purchased_at < :before GROUP BY 1, 2";
static const char *const SQL_BY_FAB =
    "SELECT p.customer_id, pr.fabric, count(*) FROM purchases p JOIN purchase_lines l ON "
    "l.purchase_id = p.id JOIN products pr ON pr.id = l.product_id WHERE p.customer_id IS NOT "
    "NULL AND p.purchased_at < :before GROUP BY 1, 2";
static const char *const SQL_BY_SIZE =
    "SELECT p.customer_id, i.size, count(*) FROM purchases p JOIN purchase_lines l ON "
    "l.purchase_id = p.id JOIN items i ON i.id = l.item_id WHERE p.customer_id IS NOT NULL "
    "AND p.purchased_at < :before GROUP BY 1, 2";

static const char *const SQL_PROFILE_PUT =
    "INSERT INTO customer_profiles(customer_id, segment, purchases, items, spend_cents, "
    "mean_price_cents, mean_discount, times_tried, pref_category, pref_fabric, pref_size, "
    "updated_at) VALUES (:id, :seg, :purchases, :items, :spend, :mean_price, :mean_disc, "
    ":tried, :cat, :fab, :size, :at) ON CONFLICT(customer_id) DO UPDATE SET "
    "segment = excluded.segment, purchases = excluded.purchases, items = excluded.items, "
    "spend_cents = excluded.spend_cents, mean_price_cents = excluded.mean_price_cents, "
    "mean_discount = excluded.mean_discount, times_tried = excluded.times_tried, "
    "pref_category = excluded.pref_category, pref_fabric = excluded.pref_fabric, "
    "pref_size = excluded.pref_size, updated_at = excluded.updated_at";
#define PROFILE_COLS                                                                          \
    "SELECT customer_id, segment, purchases, items, spend_cents, mean_price_cents, "           \
    "mean_discount, times_tried, pref_category, pref_fabric, pref_size, updated_at "           \
    "FROM customer_profiles "
static const char *const SQL_PROFILE_GET = PROFILE_COLS "WHERE customer_id = :id";
static const char *const SQL_PROFILES = PROFILE_COLS "ORDER BY customer_id";
static const char *const SQL_PROFILE_COUNT_ALL = "SELECT count(*) FROM customer_profiles";
static const char *const SQL_PROFILE_POINTS =
    "SELECT customer_id, segment, purchases, spend_cents FROM customer_profiles "
    "ORDER BY customer_id";
static const char *const SQL_MODEL_PUT =
    "INSERT INTO models(name, version, data, info, trained_at) VALUES (:name, :version, :data, "
    ":info, :at) ON CONFLICT(name) DO UPDATE SET version = excluded.version, "
    "data = excluded.data, info = excluded.info, trained_at = excluded.trained_at";
static const char *const SQL_MODEL_GET = "SELECT version, data, info FROM models WHERE name = :name";

static size_t find_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? lo : SIZE_MAX;
}

/* distinct values of a dimension into names[] (at most STORE_FEAT_MAX_VALUES) */
static int values(struct store *st, const char *sql, char *names, size_t width, int *n)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < STORE_FEAT_MAX_VALUES)
        col_text(s, 0, names + (size_t)(*n)++ * width, width);
    stmt_done(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "features");
}

/* adds count into the share column of the value (by name) for each row; shares are
 * normalised by the caller */
static int shares(struct store *st, const char *sql, int64_t before, struct store_features *f,
                  const char *names, size_t width, int nvalues, int col0)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":before", before);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t row = find_id(f->ids, f->n, sqlite3_column_int64(s, 0));
        const unsigned char *v = sqlite3_column_text(s, 1);
        if (row == SIZE_MAX || !v)
            continue;
        for (int k = 0; k < nvalues; k++)
            if (strcmp(names + (size_t)k * width, (const char *)v) == 0)
                f->x[row * (size_t)f->dim + (size_t)(col0 + k)] += (float)sqlite3_column_int64(s, 2);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "features");
}

int store_features_get(struct store *st, int64_t before, struct store_features *f)
{
    memset(f, 0, sizeof(*f));
    int rc = values(st, SQL_CATS, f->cat[0], sizeof(f->cat[0]), &f->ncat);
    if (rc == SHOP_OK)
        rc = values(st, SQL_FABS, f->fab[0], sizeof(f->fab[0]), &f->nfab);
    if (rc == SHOP_OK)
        rc = values(st, store_sql_sizes, f->size[0], sizeof(f->size[0]), &f->nsize);
    if (rc != SHOP_OK)
        return rc;
    f->dim = STORE_FEAT_BASE + f->ncat + f->nfab + f->nsize;
    f->names = xcalloc((size_t)f->dim, sizeof(*f->names));
    static const char *const base[STORE_FEAT_BASE] = {"purchases", "items", "spend_cents",
                                                      "mean_price_cents", "mean_discount",
                                                      "times_tried"};
    for (int k = 0; k < STORE_FEAT_BASE; k++)
        snprintf(f->names[k], sizeof(f->names[k]), "%s", base[k]);
    for (int k = 0; k < f->ncat; k++)
        snprintf(f->names[STORE_FEAT_BASE + k], 32, "category:%s", f->cat[k]);
    for (int k = 0; k < f->nfab; k++)
        snprintf(f->names[STORE_FEAT_BASE + f->ncat + k], 32, "fabric:%s", f->fab[k]);
    for (int k = 0; k < f->nsize; k++)
        snprintf(f->names[STORE_FEAT_BASE + f->ncat + f->nfab + k], 32, "size:%s", f->size[k]);

    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_IDS);
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (f->n == cap) {
            cap = cap ? cap * 2 : 256;
            f->ids = xreallocarray(f->ids, cap, sizeof(int64_t));
        }
        f->ids[f->n++] = sqlite3_column_int64(s, 0);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "features");
    f->x = xcalloc(f->n ? f->n * (size_t)f->dim : 1, sizeof(float));

    s = stmt_get(st, SQL_BUYS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":before", before);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t row = find_id(f->ids, f->n, sqlite3_column_int64(s, 0));
        if (row == SIZE_MAX)
            continue;
        float *x = f->x + row * (size_t)f->dim;
        for (int k = 0; k < 5; k++)
            x[k] = (float)sqlite3_column_double(s, k + 1);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "features");
    s = stmt_get(st, SQL_TRIES);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":before", before);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t row = find_id(f->ids, f->n, sqlite3_column_int64(s, 0));
        if (row != SIZE_MAX)
            f->x[row * (size_t)f->dim + 5] = (float)sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "features");
    int c0 = STORE_FEAT_BASE, c1 = c0 + f->ncat, c2 = c1 + f->nfab;
    rc = shares(st, SQL_BY_CAT, before, f, f->cat[0], sizeof(f->cat[0]), f->ncat, c0);
    if (rc == SHOP_OK)
        rc = shares(st, SQL_BY_FAB, before, f, f->fab[0], sizeof(f->fab[0]), f->nfab, c1);
    if (rc == SHOP_OK)
        rc = shares(st, SQL_BY_SIZE, before, f, f->size[0], sizeof(f->size[0]), f->nsize, c2);
    if (rc != SHOP_OK)
        return rc;
    /* counts to shares of the customer's items */
    for (size_t i = 0; i < f->n; i++) {
        float *x = f->x + i * (size_t)f->dim;
        if (x[1] <= 0)
            continue;
        for (int k = c0; k < f->dim; k++)
            x[k] /= x[1];
    }
    return SHOP_OK;
}

void store_features_release(struct store_features *f)
{
    free(f->ids);
    free(f->x);
    free(f->names);
    memset(f, 0, sizeof(*f));
}

static int profile_put(struct store *st, const struct store_profile *p)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PROFILE_PUT);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", p->customer_id);
    if (p->segment >= 0)
        bind_int(s, ":seg", p->segment);
    else
        bind_null(s, ":seg");
    bind_int(s, ":purchases", p->purchases);
    bind_int(s, ":items", p->items);
    bind_int(s, ":spend", p->spend_cents);
    bind_int(s, ":mean_price", p->mean_price_cents);
    bind_double(s, ":mean_disc", p->mean_discount);
    bind_int(s, ":tried", p->times_tried);
    bind_text(s, ":cat", p->pref_category);
    bind_text(s, ":fab", p->pref_fabric);
    bind_text(s, ":size", p->pref_size);
    bind_int(s, ":at", p->updated_at);
    return stmt_exec(st, s, "write profile");
}

int store_profile_put(struct store *st, const struct store_profile *p)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = profile_put(st, p);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

void store_read_profile(sqlite3_stmt *s, struct store_profile *p)
{
    memset(p, 0, sizeof(*p));
    p->customer_id = sqlite3_column_int64(s, 0);
    p->segment = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
    p->purchases = sqlite3_column_int64(s, 2);
    p->items = sqlite3_column_int64(s, 3);
    p->spend_cents = sqlite3_column_int64(s, 4);
    p->mean_price_cents = sqlite3_column_int64(s, 5);
    p->mean_discount = sqlite3_column_double(s, 6);
    p->times_tried = sqlite3_column_int64(s, 7);
    col_text(s, 8, p->pref_category, sizeof(p->pref_category));
    col_text(s, 9, p->pref_fabric, sizeof(p->pref_fabric));
    col_text(s, 10, p->pref_size, sizeof(p->pref_size));
    p->updated_at = sqlite3_column_int64(s, 11);
}

int store_profile_get(struct store *st, int64_t customer_id, struct store_profile *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PROFILE_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", customer_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        store_read_profile(s, out);
    else if (rc == SQLITE_DONE)
        ret = SHOP_ENOTFOUND;
    else
        ret = store_fail(st, rc, "read profile");
    stmt_done(s);
    return ret;
}

int store_profiles(struct store *st, struct store_profile **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PROFILES);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        store_read_profile(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list profiles");
}

int store_profile_sample(struct store *st, size_t k, struct store_profile **out, size_t *n,
                         int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    int began = 0;
    int rc = store_snapshot_begin(st, &began); /* the count and the walk see the same rows */
    if (rc == SHOP_OK)
        rc = query_int(st, SQL_PROFILE_COUNT_ALL, 0, total);
    sqlite3_stmt *s = rc == SHOP_OK ? stmt_get(st, SQL_PROFILE_POINTS) : NULL;
    if (rc == SHOP_OK && !s)
        rc = SHOP_EDB;
    if (rc != SHOP_OK) {
        store_snapshot_end(st, began);
        return rc;
    }
    size_t all = (size_t)*total, want = all < k ? all : k;
    *out = xcalloc(want ? want : 1, sizeof(**out));
    /* only the rows sampled are read: a walk of the table, no copy of every profile */
    size_t row = 0;
    int step = SQLITE_DONE;
    while (*n < want && (step = sqlite3_step(s)) == SQLITE_ROW) {
        size_t next = (size_t)((unsigned __int128)*n * all / want);
        if (row++ != next)
            continue;
        struct store_profile *p = &(*out)[(*n)++];
        p->customer_id = sqlite3_column_int64(s, 0);
        p->segment = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
        p->purchases = sqlite3_column_int64(s, 2);
        p->spend_cents = sqlite3_column_int64(s, 3);
    }
    if (*n < want && step != SQLITE_DONE)
        rc = store_fail(st, step, "profile sample");
    stmt_done(s);
    store_snapshot_end(st, began);
    if (rc != SHOP_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int model_put(struct store *st, const char *name, int version, const void *data, size_t n,
                     const char *info_json, int64_t at)
{
    if (n > 1u << 30)
        return SHOP_ETOOBIG;
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_PUT);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", name);
    bind_int(s, ":version", version);
    bind_blob(s, ":data", data, (int)n);
    bind_text(s, ":info", info_json);
    bind_int(s, ":at", at);
    return stmt_exec(st, s, "save model");
}

int store_model_put(struct store *st, const char *name, int version, const void *data, size_t n,
                    const char *info_json, int64_t at)
{
    /* the row and the store's generation (what cached engines depend on) together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = model_put(st, name, version, data, n, info_json, at);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

int store_model_get(struct store *st, const char *name, int *version, void **data, size_t *n,
                    char **info)
{
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_GET);
    *data = NULL;
    *n = 0;
    if (info)
        *info = NULL;
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", name);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        const void *b = sqlite3_column_blob(s, 1);
        *n = (size_t)sqlite3_column_bytes(s, 1);
        *data = xmalloc(*n ? *n : 1);
        if (*n)
            memcpy(*data, b, *n);
        if (info) {
            const unsigned char *t = sqlite3_column_text(s, 2);
            *info = t ? xstrdup((const char *)t) : NULL;
        }
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "no model '%s' (train it first)", name);
        ret = SHOP_ENOTFOUND;
    } else {
        ret = store_fail(st, rc, "load model");
    }
    stmt_done(s);
    return ret;
}

static const char *const SQL_LAST_PURCHASE = "SELECT max(purchased_at) FROM purchases";
static const char *const SQL_BUYING_SINCE =
    "SELECT DISTINCT customer_id FROM purchases WHERE purchased_at >= :since AND customer_id "
    "IS NOT NULL ORDER BY 1";

int store_last_purchase_at(struct store *st, int64_t *out)
{
    return query_int(st, SQL_LAST_PURCHASE, 0, out);
}

int store_customers_buying_since(struct store *st, int64_t since, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_BUYING_SINCE);
    *ids = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":since", since);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *ids = xreallocarray(*ids, cap, sizeof(int64_t));
        }
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "customers buying");
}

static const char *const SQL_CUSTOMERS_AFTER = "SELECT count(*) FROM customers WHERE id > :last";

int store_customers_after(struct store *st, int64_t last_id, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMERS_AFTER);
    if (!s)
        return SHOP_EDB;
    /* a range of the rowid: as cheap as there are customers after last_id */
    bind_int(s, ":last", last_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        ret = store_fail(st, rc, "customers since");
    stmt_done(s);
    return ret;
}

int store_features_stamp(struct store *st, int64_t out[STORE_FEATURES_STAMP])
{
    sqlite3_stmt *s = stmt_get(st, SQL_FEATURES_STAMP);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        for (int i = 0; i < STORE_FEATURES_STAMP; i++)
            out[i] = sqlite3_column_int64(s, i);
    else
        ret = store_fail(st, rc, "features stamp");
    stmt_done(s);
    return ret;
}
