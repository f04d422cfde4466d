/* store/store.c - opening, schema versions and migrations, transactions, settings,
 * the statement cache, and whole-store reports (stats, invariant check, digest). */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_int.h"

/* 'SHOP': marks a database as ours, so that another program's file is refused */
#define STORE_APPLICATION_ID 0x53484F50

/* Upgrades: migrations[v] takes a database from version v to v + 1. The schema file is
 * always the newest version; a new database gets it whole. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    [0] = NULL, /* version 0 is an empty file: it gets the whole schema */
    /* v2: an emotion event keeps the firing frame beside the window mean */
    [1] = "ALTER TABLE emotion_events ADD COLUMN peak_score REAL;"
          "ALTER TABLE emotion_events ADD COLUMN peak_dominant TEXT;"
          /* and an erasure's audit row says whether it is complete */
          "ALTER TABLE privacy_audit ADD COLUMN state TEXT;"
          "ALTER TABLE privacy_audit ADD COLUMN completed_at INTEGER;",
};

static void bulk_forget(struct store *st);

const char *store_open_error(void)
{
    return shop_errmsg();
}

const char *store_errmsg(const struct store *st)
{
    return st ? st->errmsg : shop_errmsg();
}

static int map_code(struct store *st, int rc, const char *what);

void store_msg(struct store *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
    va_end(ap);
    (void)shop_fail(SHOP_EINVAL, "%s", st->errmsg);
}

int store_fail(struct store *st, int rc, const char *what)
{
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", what, msg);
    log_debug("store: %s", st->errmsg);
    int code = map_code(st, rc, what);
    (void)shop_fail(code, "%s", st->errmsg);
    return code;
}

static int map_code(struct store *st, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(st->errmsg, sizeof(st->errmsg), "%s: database '%s' is locked by another process",
                 what, st->path);
        return SHOP_EBUSY;
    case SQLITE_READONLY:
        snprintf(st->errmsg, sizeof(st->errmsg), "%s: database '%s' is read-only", what,
                 st->path);
        return SHOP_EREADONLY;
    case SQLITE_CONSTRAINT:
        return SHOP_ECONFLICT;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        snprintf(st->errmsg, sizeof(st->errmsg), "%s: '%s' is not a shopper database or is corrupt",
                 what, st->path);
        return SHOP_EDB;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return SHOP_EIO;
    default:
        return SHOP_EDB;
    }
}

/* ---- statement cache ---- */

sqlite3_stmt *stmt_get(struct store *st, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 4) % STMT_SLOTS;
    for (size_t i = 0; i < STMT_SLOTS; i++) {
        size_t k = (h + i) % STMT_SLOTS;
        if (st->cache[k].sql == sql)
            return st->cache[k].stmt;
        if (!st->cache[k].sql) {
            sqlite3_stmt *s = NULL;
            int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
            if (rc != SQLITE_OK) {
                store_fail(st, rc, "prepare");
                return NULL;
            }
            st->cache[k].sql = sql;
            st->cache[k].stmt = s;
            return s;
        }
    }
    assert(!"statement cache full: raise STMT_SLOTS");
    return NULL;
}

void stmt_done(sqlite3_stmt *s)
{
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

static int param(sqlite3_stmt *s, const char *name)
{
    int i = sqlite3_bind_parameter_index(s, name);
    assert(i > 0 && "unknown SQL parameter name");
    return i;
}

void bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
    sqlite3_bind_int64(s, param(s, name), v);
}

void bind_double(sqlite3_stmt *s, const char *name, double v)
{
    sqlite3_bind_double(s, param(s, name), v);
}

void bind_text(sqlite3_stmt *s, const char *name, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, param(s, name), v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, param(s, name));
}

void bind_blob(sqlite3_stmt *s, const char *name, const void *p, int n)
{
    sqlite3_bind_blob(s, param(s, name), p, n, SQLITE_TRANSIENT);
}

void bind_null(sqlite3_stmt *s, const char *name)
{
    sqlite3_bind_null(s, param(s, name));
}

void col_text(sqlite3_stmt *s, int i, char *buf, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(buf, n, "%s", t ? (const char *)t : "");
}

int stmt_exec(struct store *st, sqlite3_stmt *s, const char *what)
{
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s);
    int out = rc == SQLITE_DONE || rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, what);
    stmt_done(s);
    return out;
}

int query_int(struct store *st, const char *sql, int64_t def, int64_t *out)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_type(s, 0) == SQLITE_NULL ? def : sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE)
        *out = def;
    int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "query");
    stmt_done(s);
    return ret;
}

/* ---- opening ---- */

static int exec(struct store *st, const char *sql, const char *what)
{
    char *err = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &err);
    sqlite3_free(err);
    return rc == SQLITE_OK ? SHOP_OK : store_fail(st, rc, what);
}

static int pragma_int(struct store *st, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? SHOP_OK : store_fail(st, rc, "read schema version");
}

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction. */
static int upgrade(struct store *st, int writable)
{
    int64_t version = 0, app = 0, tables = 0;
    int rc = pragma_int(st, "PRAGMA user_version", &version);
    if (rc == SHOP_OK)
        rc = pragma_int(st, "PRAGMA application_id", &app);
    if (rc == SHOP_OK)
        rc = pragma_int(st, "SELECT count(*) FROM sqlite_schema", &tables);
    if (rc != SHOP_OK)
        return rc;
    if (version > STORE_SCHEMA_VERSION) {
        store_msg(st,
                 "database '%s' is from a newer shopper (schema version %lld, this program knows "
                 "%d): upgrade shopper",
                 st->path, (long long)version, STORE_SCHEMA_VERSION);
        return SHOP_EVERSION;
    }
    if ((tables > 0 || version > 0) && app != STORE_APPLICATION_ID) {
        store_msg(st, "'%s' is not a shopper database", st->path);
        return SHOP_EDB;
    }
    if (version == STORE_SCHEMA_VERSION)
        return SHOP_OK;
    if (!writable) {
        store_msg(st,
                 "database '%s' needs an upgrade to schema version %d but is read-only", st->path,
                 STORE_SCHEMA_VERSION);
        return SHOP_EREADONLY;
    }
    rc = exec(st, "BEGIN IMMEDIATE", "upgrade");
    if (rc != SHOP_OK)
        return rc;
    if (version == 0) {
        rc = exec(st, store_schema_sql, "create schema");
        version = STORE_SCHEMA_VERSION;
    }
    for (; rc == SHOP_OK && version < STORE_SCHEMA_VERSION; version++) {
        log_info("store: migrating '%s' from version %lld", st->path, (long long)version);
        rc = exec(st, migrations[version], "migrate");
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
             STORE_SCHEMA_VERSION, STORE_APPLICATION_ID);
    if (rc == SHOP_OK)
        rc = exec(st, sql, "set schema version");
    if (rc == SHOP_OK)
        rc = exec(st, "COMMIT", "upgrade");
    if (rc != SHOP_OK)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_open(const char *path, int flags, struct store **out)
{
    *out = NULL;
    shop_err_clear();
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && !(flags & STORE_CREATE)) {
        return shop_fail(SHOP_ENOTFOUND, "no store at '%s' (create one with shopper init)",
                         path);
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        return shop_fail(SHOP_EINVAL, "'%s' is not a regular file", path);
    }
    /* a file without write permission bits is read-only even for root, who could write it */
    int writable = !exists || (access(path, W_OK) == 0 && (sb.st_mode & 0222));
    if (!writable && (flags & STORE_WRITE)) {
        return shop_fail(SHOP_EREADONLY, "database '%s' is read-only", path);
    }
    struct store *st = xcalloc(1, sizeof(*st));
    st->keys_fd = -1;
    st->writable = writable;
    snprintf(st->path, sizeof(st->path), "%s", path);
    int oflags = writable ? SQLITE_OPEN_READWRITE | (flags & STORE_CREATE ? SQLITE_OPEN_CREATE : 0)
                          : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    int ret;
    if (rc != SQLITE_OK) {
        ret = store_fail(st, rc, "open");
        goto fail;
    }
    st->busy_ms = 5000;
    sqlite3_busy_timeout(st->db, st->busy_ms);
    sqlite3_extended_result_codes(st->db, 1);
    /* WAL for concurrent readers; NORMAL sync is safe in WAL (a crash loses at most the last
     * commits, never consistency) */
    ret = exec(st, "PRAGMA foreign_keys = ON", "open");
    if (ret == SHOP_OK)
        ret = upgrade(st, writable);
    if (ret == SHOP_OK && writable)
        ret = exec(st,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                   "PRAGMA cache_size = -32768",
                   "open");
    if (ret != SHOP_OK)
        goto fail;
    *out = st;
    return SHOP_OK;
fail:
    (void)shop_fail(ret, "%s", st->errmsg);
    store_close(st);
    return ret;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STMT_SLOTS; i++)
        if (st->cache[i].stmt)
            sqlite3_finalize(st->cache[i].stmt);
    if (st->db)
        sqlite3_close(st->db);
    store_keys_close(st);
    bulk_forget(st);
    free(st);
}

void store_set_busy_timeout(struct store *st, int ms)
{
    st->busy_ms = ms;
    sqlite3_busy_timeout(st->db, ms);
}

int store_schema_version(struct store *st)
{
    int64_t v = 0;
    if (pragma_int(st, "PRAGMA user_version", &v) != SHOP_OK)
        return -1;
    return (int)v;
}

/* ---- transactions ---- */

int store_begin(struct store *st)
{
    assert(!st->in_txn);
    int rc = exec(st, "BEGIN IMMEDIATE", "begin");
    if (rc == SHOP_OK)
        st->in_txn = 1;
    return rc;
}

int store_commit(struct store *st)
{
    assert(st->in_txn);
    int rc = exec(st, "COMMIT", "commit");
    if (rc == SHOP_OK)
        st->in_txn = 0;
    return rc;
}

void store_rollback(struct store *st)
{
    bulk_forget(st); /* the rollback brings the dropped indexes back */
    if (!st->in_txn)
        return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_txn = 0;
}

/* ---- bulk loading ---- */

static const char *const SQL_BULK_INDEXES =
    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
    "('positions', 'tryons', 'sessions', 'purchases', 'purchase_lines', 'emotion_events', "
    "'items') ORDER BY name";

int store_bulk_begin(struct store *st)
{
    if (!st->in_txn || st->nbulk)
        return SHOP_EINVAL;
    sqlite3_stmt *s = stmt_get(st, SQL_BULK_INDEXES);
    if (!s)
        return SHOP_EDB;
    char names[32][64];
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < 32) {
        snprintf(names[n], sizeof(names[n]), "%s", (const char *)sqlite3_column_text(s, 0));
        st->bulk_sql = xreallocarray(st->bulk_sql, (size_t)n + 1, sizeof(char *));
        st->bulk_sql[n++] = xstrdup((const char *)sqlite3_column_text(s, 1));
    }
    stmt_done(s);
    st->nbulk = n;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, rc, "bulk begin");
    for (int i = 0; i < n; i++) {
        char sql[128];
        /* names come from sqlite_schema, not from input */
        snprintf(sql, sizeof(sql), "DROP INDEX \"%s\"", names[i]);
        int ret = exec(st, sql, "bulk begin");
        if (ret != SHOP_OK)
            return ret;
    }
    return SHOP_OK;
}

static void bulk_forget(struct store *st)
{
    for (int i = 0; i < st->nbulk; i++)
        free(st->bulk_sql[i]);
    free(st->bulk_sql);
    st->bulk_sql = NULL;
    st->nbulk = 0;
}

int store_bulk_end(struct store *st)
{
    int rc = SHOP_OK;
    for (int i = 0; i < st->nbulk && rc == SHOP_OK; i++)
        rc = exec(st, st->bulk_sql[i], "bulk end");
    bulk_forget(st);
    return rc;
}

/* ---- meta ---- */

static const char *const SQL_META_GET = "SELECT value FROM meta WHERE key = :key";
static const char *const SQL_META_SET =
    "INSERT INTO meta(key, value) VALUES (:key, :value) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

int store_meta_get(struct store *st, const char *key, char *buf, size_t n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_META_GET);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":key", key);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        col_text(s, 0, buf, n);
    else if (rc == SQLITE_DONE)
        ret = SHOP_ENOTFOUND;
    else
        ret = store_fail(st, rc, "read setting");
    stmt_done(s);
    return ret;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
    sqlite3_stmt *s = stmt_get(st, SQL_META_SET);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":key", key);
    bind_text(s, ":value", value);
    return stmt_exec(st, s, "write setting");
}

int64_t store_meta_int(struct store *st, const char *key, int64_t def)
{
    char buf[64], *end;
    if (store_meta_get(st, key, buf, sizeof(buf)) != SHOP_OK)
        return def;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    return errno || *end || end == buf ? def : v;
}

/* ---- reports ---- */

static const char *const stat_tables[] = {
    "customers", "customer_profiles", "products", "items", "daily_prices", "sessions",
    "tryons", "purchases", "purchase_lines", "positions", "heatmaps", "emotion_events",
    "alerts", "alert_resolutions", "recommendations", "promotions", "price_history",
    "face_consents", "face_templates", "face_photos", "privacy_audit", "users", "zones",
    "models",
};
/* count(*) per table, each as its own static statement text */
static const char *const stat_sql[] = {
    "SELECT count(*) FROM customers", "SELECT count(*) FROM customer_profiles",
    "SELECT count(*) FROM products", "SELECT count(*) FROM items",
    "SELECT count(*) FROM daily_prices", "SELECT count(*) FROM sessions",
    "SELECT count(*) FROM tryons", "SELECT count(*) FROM purchases",
    "SELECT count(*) FROM purchase_lines", "SELECT count(*) FROM positions",
    "SELECT count(*) FROM heatmaps", "SELECT count(*) FROM emotion_events",
    "SELECT count(*) FROM alerts", "SELECT count(*) FROM alert_resolutions",
    "SELECT count(*) FROM recommendations", "SELECT count(*) FROM promotions",
    "SELECT count(*) FROM price_history", "SELECT count(*) FROM face_consents",
    "SELECT count(*) FROM face_templates", "SELECT count(*) FROM face_photos",
    "SELECT count(*) FROM privacy_audit", "SELECT count(*) FROM users",
    "SELECT count(*) FROM zones", "SELECT count(*) FROM models",
};
_Static_assert(sizeof(stat_tables) / sizeof(*stat_tables) == STORE_NTABLES, "tables");
_Static_assert(sizeof(stat_sql) / sizeof(*stat_sql) == STORE_NTABLES, "tables");

int store_stats(struct store *st, struct store_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->ntables = STORE_NTABLES;
    int rc = SHOP_OK;
    for (int i = 0; i < STORE_NTABLES && rc == SHOP_OK; i++) {
        out->table[i] = stat_tables[i];
        rc = query_int(st, stat_sql[i], 0, &out->rows[i]);
    }
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT sum(total_cents) FROM purchases", 0, &out->revenue_cents);
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT count(*) FROM purchase_lines", 0, &out->items_sold);
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT count(*) FROM purchases", 0, &out->purchases);
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT min(started_at) FROM sessions", 0, &out->first_at);
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT max(ended_at) FROM sessions", 0, &out->last_at);
    if (rc == SHOP_OK)
        rc = query_int(st, "SELECT count(*) FROM items WHERE status = 'in_stock'", 0,
                       &out->items_in_stock);
    struct stat sb;
    if (stat(st->path, &sb) == 0)
        out->file_bytes = sb.st_size;
    return rc;
}

int store_check_run(struct store *st, struct store_check *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        out->integrity_ok = t && strcmp((const char *)t, "ok") == 0;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "integrity check");
    s = NULL;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL);
    while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        out->fk_violations++;
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "foreign key check");
    struct {
        const char *sql;
        int64_t *dst;
    } q[] = {
        {"SELECT count(*) FROM (SELECT item_id FROM purchase_lines GROUP BY item_id "
         "HAVING count(*) > 1)",
         &out->sold_twice},
        {"SELECT count(*) FROM purchase_lines l JOIN items i ON i.id = l.item_id "
         "WHERE i.status <> 'sold'",
         &out->sold_not_marked},
        {"SELECT count(*) FROM items i WHERE i.status = 'sold' AND NOT EXISTS "
         "(SELECT 1 FROM purchase_lines l WHERE l.item_id = i.id)",
         &out->marked_not_sold},
        {"SELECT count(*) FROM purchases p WHERE p.total_cents <> "
         "(SELECT coalesce(sum(l.price_cents), 0) FROM purchase_lines l "
         "WHERE l.purchase_id = p.id)",
         &out->bad_totals},
        {"SELECT count(*) FROM purchases p JOIN sessions s ON s.id = p.session_id "
         "WHERE s.customer_id IS NOT p.customer_id",
         &out->foreign_sessions},
        {"SELECT count(*) FROM purchases p WHERE NOT EXISTS "
         "(SELECT 1 FROM purchase_lines l WHERE l.purchase_id = p.id)",
         &out->empty_purchases},
        {"SELECT count(*) FROM positions p WHERE NOT EXISTS (SELECT 1 FROM zones z WHERE "
         "p.x BETWEEN z.x0 AND z.x1 AND p.y BETWEEN z.y0 AND z.y1)",
         &out->outside_positions},
        {"SELECT count(*) FROM daily_prices WHERE stock_start < 0", &out->negative_stock},
    };
    for (size_t i = 0; i < sizeof(q) / sizeof(*q); i++) {
        rc = query_int(st, q[i].sql, 0, q[i].dst);
        if (rc != SHOP_OK)
            return rc;
    }
    return SHOP_OK;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

int store_digest(struct store *st, uint64_t *out)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int t = 0; t < STORE_NTABLES; t++) {
        char sql[128];
        /* every table has a rowid; its order is the insertion order of ids */
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid", stat_tables[t]);
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
        while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            int nc = sqlite3_column_count(s);
            for (int c = 0; c < nc; c++) {
                const void *b = sqlite3_column_blob(s, c);
                int n = sqlite3_column_bytes(s, c);
                h = fnv(h, &n, sizeof(n));
                if (b)
                    h = fnv(h, b, (size_t)n);
            }
            rc = SQLITE_OK;
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE && rc != SQLITE_OK)
            return store_fail(st, rc, "digest");
        h = fnv(h, &t, sizeof(t));
    }
    *out = h;
    return SHOP_OK;
}
