/* store/store.c - opening, schema versions and migrations, transactions, settings,
 * the statement cache, and whole-store reports (stats, invariant check, digest). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
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

/* Daily aggregates for the dashboards (schema.sql, "daily aggregates"): the tables, the
 * indexes the live updates and the buyers count need, and the aggregates of the rows already
 * there. Floor days with paths are only marked stale: their grids need the dwell computation
 * of analytics/floor.c, which recomputes a stale day when it is first read. Self-contained,
 * so that it can take any place in migrations[]. */
static const char MIGRATE_DAILY_AGGREGATES[] =
    "DROP INDEX IF EXISTS purchases_time;"
    "CREATE INDEX purchases_time ON purchases(purchased_at, customer_id);"
    "CREATE INDEX purchases_session ON purchases(session_id);"
    "CREATE INDEX items_in_stock ON items(product_id, size, status) WHERE status = 'in_stock';"
    "CREATE INDEX tryons_time ON tryons(tried_at);"
    "CREATE INDEX heatmaps_scope ON heatmaps(scope, from_t);"
    "CREATE TABLE kpi_days (day INTEGER PRIMARY KEY, sessions INTEGER NOT NULL DEFAULT 0,"
    " converted INTEGER NOT NULL DEFAULT 0, purchases INTEGER NOT NULL DEFAULT 0,"
    " lines INTEGER NOT NULL DEFAULT 0, revenue_cents INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE kpi_product_days (day INTEGER NOT NULL,"
    " product_id INTEGER NOT NULL REFERENCES products(id), units INTEGER NOT NULL DEFAULT 0,"
    " revenue_cents INTEGER NOT NULL DEFAULT 0, tries INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (day, product_id));"
    "CREATE TABLE kpi_emotion_days (day INTEGER NOT NULL, grp TEXT NOT NULL,"
    " dominant TEXT NOT NULL, events INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (day, grp, dominant));"
    "CREATE TABLE floor_days (day INTEGER PRIMARY KEY, stale INTEGER NOT NULL DEFAULT 0,"
    " positions INTEGER NOT NULL DEFAULT 0, sessions INTEGER NOT NULL DEFAULT 0,"
    " outside INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE floor_zone_days (day INTEGER NOT NULL, zone TEXT NOT NULL,"
    " visits INTEGER NOT NULL, sessions INTEGER NOT NULL, dwell_s REAL NOT NULL,"
    " PRIMARY KEY (day, zone));"
    "CREATE TABLE floor_transition_days (day INTEGER NOT NULL, from_zone TEXT NOT NULL,"
    " to_zone TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, from_zone, to_zone));"
    "INSERT INTO kpi_days(day, sessions, converted) SELECT s.started_at / 86400, count(*),"
    " sum(CASE WHEN EXISTS (SELECT 1 FROM purchases p WHERE p.session_id = s.id) THEN 1"
    " ELSE 0 END) FROM sessions s GROUP BY 1;"
    "INSERT INTO kpi_days(day, purchases, lines, revenue_cents) SELECT p.purchased_at / 86400,"
    " count(DISTINCT p.id), count(*), sum(l.price_cents) FROM purchases p JOIN purchase_lines l"
    " ON l.purchase_id = p.id WHERE true GROUP BY 1 ON CONFLICT(day) DO UPDATE SET"
    " purchases = excluded.purchases, lines = excluded.lines,"
    " revenue_cents = excluded.revenue_cents;"
    "INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)"
    " SELECT p.purchased_at / 86400, l.product_id, count(*), sum(l.price_cents)"
    " FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id GROUP BY 1, 2;"
    "INSERT INTO kpi_product_days(day, product_id, tries) SELECT t.tried_at / 86400,"
    " i.product_id, count(*) FROM tryons t JOIN items i ON i.id = t.item_id WHERE true"
    " GROUP BY 1, 2 ON CONFLICT(day, product_id) DO UPDATE SET tries = excluded.tries;"
    "INSERT INTO kpi_emotion_days(day, grp, dominant, events)"
    " SELECT at / 86400, grp, dominant, count(*) FROM emotion_events GROUP BY 1, 2, 3;"
    "INSERT INTO floor_days(day, stale) SELECT DISTINCT s.started_at / 86400, 1 FROM sessions s"
    " WHERE EXISTS (SELECT 1 FROM positions p WHERE p.session_id = s.id);";

/* Upgrades: migrations[v] takes a database from version v to v + 1. The schema file is
 * always the newest version; a new database gets it whole. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    [0] = NULL, /* version 0 is an empty file: it gets the whole schema */
    /* 1 -> 2: the server's accounts, devices, carts and stored association rules (the
     * comments are in schema.sql) */
    [1] =
    "CREATE TABLE auth_sessions ( "
    "    id           INTEGER PRIMARY KEY, "
    "    token_hash   TEXT NOT NULL UNIQUE, "
    "    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, "
    "    csrf         TEXT NOT NULL, "
    "    created_at   INTEGER NOT NULL, "
    "    expires_at   INTEGER NOT NULL, "
    "    last_seen_at INTEGER NOT NULL "
    "); "
    "CREATE INDEX auth_sessions_user ON auth_sessions(user_id); "
    "CREATE TABLE devices ( "
    "    id           INTEGER PRIMARY KEY, "
    "    name         TEXT NOT NULL UNIQUE, "
    "    location     TEXT NOT NULL, "
    "    token_hash   TEXT NOT NULL UNIQUE, "
    "    created_at   INTEGER NOT NULL, "
    "    revoked_at   INTEGER, "
    "    last_seen_at INTEGER "
    "); "
    "CREATE TABLE customer_pins ( "
    "    customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE, "
    "    pin_hash    TEXT NOT NULL, "
    "    set_at      INTEGER NOT NULL "
    "); "
    "CREATE TABLE carts ( "
    "    id          INTEGER PRIMARY KEY, "
    "    session_id  INTEGER NOT NULL UNIQUE REFERENCES sessions(id), "
    "    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL, "
    "    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'bought', 'closed')), "
    "    created_at  INTEGER NOT NULL, "
    "    updated_at  INTEGER NOT NULL, "
    "    purchase_id INTEGER REFERENCES purchases(id) "
    "); "
    "CREATE TABLE cart_items ( "
    "    cart_id        INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE, "
    "    item_id        INTEGER NOT NULL UNIQUE REFERENCES items(id), "
    "    added_at       INTEGER NOT NULL, "
    "    reserved_until INTEGER NOT NULL, "
    "    PRIMARY KEY (cart_id, item_id) "
    "); "
    "CREATE TABLE assoc_rules ( "
    "    id          INTEGER PRIMARY KEY, "
    "    antecedent  TEXT NOT NULL, "
    "    consequent  TEXT NOT NULL, "
    "    support     REAL NOT NULL, "
    "    confidence  REAL NOT NULL, "
    "    lift        REAL NOT NULL, "
    "    count       INTEGER NOT NULL, "
    "    mined_at    INTEGER NOT NULL "
    "); ",
    /* 2 -> 3: daily aggregates for the dashboards */
    [2] = MIGRATE_DAILY_AGGREGATES,
    /* 3 -> 4: an emotion event keeps the firing frame beside the window mean */
    [3] = "ALTER TABLE emotion_events ADD COLUMN peak_score REAL;"
          "ALTER TABLE emotion_events ADD COLUMN peak_dominant TEXT;"
          /* and an erasure's audit row says whether it is complete */
          "ALTER TABLE privacy_audit ADD COLUMN state TEXT;"
          "ALTER TABLE privacy_audit ADD COLUMN completed_at INTEGER;",
    /* 4 -> 5: an alert's resolutions found by the alert (the alert list and one alert's
     * latest resolution scanned the table) */
    [4] = "CREATE INDEX alert_resolutions_alert ON alert_resolutions(alert_id, id);",
    /* 5 -> 6: data generations, the counters and their triggers: schema.sql's own section
     * (NULL here: see schema_section) */
    [5] = NULL,
    /* 6 -> 7: the sales aggregates kept by triggers, the customers' days and the buyers'
     * days, all rebuilt from the rows: schema.sql's own section */
    [6] = NULL,
};

/* The part of schema.sql that version v added, from its "-- ==== version v" heading to the
 * next heading: a migration that only creates new objects runs the schema's own text instead
 * of a copy of it. Caller frees; NULL when the schema has no such section (our bug). */
static char *schema_section(int v)
{
    char head[32];
    snprintf(head, sizeof(head), "-- ==== version %d", v);
    const char *a = strstr(store_schema_sql, head);
    if (!a)
        return NULL;
    const char *b = strstr(a + strlen(head), "-- ==== version ");
    size_t n = b ? (size_t)(b - a) : strlen(a);
    char *sql = xmalloc(n + 1);
    memcpy(sql, a, n);
    sql[n] = 0;
    return sql;
}

/* The part of schema.sql that rebuilds the daily aggregates from the rows, between its
 * ">>>> the aggregates from the rows" and "<<<< the aggregates from the rows" lines: the v7
 * upgrade runs it as part of its section, store_bulk_end after a bulk load. Caller frees. */
static char *schema_rebuild(void)
{
    const char *a = strstr(store_schema_sql, "-- >>>> the aggregates from the rows");
    const char *b = a ? strstr(a, "-- <<<< the aggregates from the rows") : NULL;
    if (!b)
        return NULL;
    size_t n = (size_t)(b - a);
    char *sql = xmalloc(n + 1);
    memcpy(sql, a, n);
    sql[n] = 0;
    return sql;
}

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

static size_t slot_of(const struct stmt_slot *cache, size_t cap, const char *sql)
{
    size_t k = ((uintptr_t)sql >> 4) % cap;
    while (cache[k].sql && cache[k].sql != sql)
        k = (k + 1) % cap;
    return k;
}

/* doubles the table: a handle never runs out of statement slots */
static void cache_grow(struct store *st)
{
    size_t cap = st->cache_cap ? st->cache_cap * 2 : STMT_SLOTS_MIN;
    struct stmt_slot *c = xcalloc(cap, sizeof(*c));
    for (size_t i = 0; i < st->cache_cap; i++)
        if (st->cache[i].sql)
            c[slot_of(c, cap, st->cache[i].sql)] = st->cache[i];
    free(st->cache);
    st->cache = c;
    st->cache_cap = cap;
}

sqlite3_stmt *stmt_get(struct store *st, const char *sql)
{
    if (2 * (st->cache_used + 1) > st->cache_cap)
        cache_grow(st);
    size_t k = slot_of(st->cache, st->cache_cap, sql);
    if (st->cache[k].sql)
        return st->cache[k].stmt;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK) {
        store_fail(st, rc, "prepare");
        return NULL;
    }
    st->cache[k].sql = sql;
    st->cache[k].stmt = s;
    st->cache_used++;
    return s;
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

void bind_str(sqlite3_stmt *s, const char *name, const char *v)
{
    sqlite3_bind_text(s, param(s, name), v ? v : "", -1, SQLITE_TRANSIENT);
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

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction. Only a caller that will write
 * (writable) may create or migrate it: a read-only command never changes the file. */
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
    /* user_version is any 32-bit integer to SQLite; ours are 0 (empty) .. the newest */
    if (version < 0) {
        store_msg(st, "'%s' has an invalid schema version %lld: not a shopper database",
                  st->path, (long long)version);
        return SHOP_EDB;
    }
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
    if (version == 0 && tables == 0 && !writable) {
        store_msg(st, "'%s' is empty, not a shopper store (create one with shopper init)",
                  st->path);
        return SHOP_EDB;
    }
    if (!writable) {
        store_msg(st,
                  "database '%s' needs an upgrade from schema version %lld to %d, which only a "
                  "command that writes (on a writable file) does",
                  st->path, (long long)version, STORE_SCHEMA_VERSION);
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
        char *own = migrations[version] ? NULL : schema_section((int)version + 1);
        assert(migrations[version] || own);
        rc = exec(st, own ? own : migrations[version], "migrate");
        free(own);
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

/* SQLite's memory statistics take one process-wide mutex around every allocation: with a
 * handle per server thread that lock was contended on every query. Nothing reads them. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, int flags, struct store **out)
{
    *out = NULL;
    shop_err_clear();
    pthread_once(&sqlite_once, sqlite_setup);
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
    st->data_version = -1;
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
    st->busy_ms = flags & STORE_SHORT_BUSY ? STORE_SHORT_BUSY_MS : 5000;
    sqlite3_busy_timeout(st->db, st->busy_ms);
    sqlite3_extended_result_codes(st->db, 1);
    /* WAL for concurrent readers; NORMAL sync is safe in WAL (a crash loses at most the last
     * commits, never consistency) */
    ret = exec(st, "PRAGMA foreign_keys = ON", "open");
    /* only a command that will write may create, migrate or switch the journal mode */
    int will_write = writable && (flags & (STORE_CREATE | STORE_WRITE));
    if (ret == SHOP_OK)
        ret = upgrade(st, will_write);
    if (ret == SHOP_OK && will_write)
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
    for (size_t i = 0; i < st->cache_cap; i++)
        if (st->cache[i].stmt)
            sqlite3_finalize(st->cache[i].stmt);
    free(st->cache);
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

/* Level 1 is BEGIN IMMEDIATE ... COMMIT; level d > 1 is SAVEPOINT "t<d>" ... RELEASE, so that
 * a domain function can open its own level whoever calls it, and roll back only its part.
 * The statements of the first levels are static texts, prepared once (a bulk load opens a
 * savepoint per row). */
#define TXN_STATIC_DEPTH 8
static const char *const SQL_SAVEPOINT[TXN_STATIC_DEPTH + 1] = {
    NULL, "BEGIN IMMEDIATE", "SAVEPOINT t2", "SAVEPOINT t3", "SAVEPOINT t4",
    "SAVEPOINT t5", "SAVEPOINT t6", "SAVEPOINT t7", "SAVEPOINT t8",
};
static const char *const SQL_RELEASE[TXN_STATIC_DEPTH + 1] = {
    NULL, "COMMIT", "RELEASE t2", "RELEASE t3", "RELEASE t4",
    "RELEASE t5", "RELEASE t6", "RELEASE t7", "RELEASE t8",
};
static const char *const SQL_ROLLBACK_TO[TXN_STATIC_DEPTH + 1] = {
    NULL, "ROLLBACK", "ROLLBACK TO t2", "ROLLBACK TO t3", "ROLLBACK TO t4",
    "ROLLBACK TO t5", "ROLLBACK TO t6", "ROLLBACK TO t7", "ROLLBACK TO t8",
};

/* runs the level's statement: verb "SAVEPOINT", "RELEASE" or "ROLLBACK TO" */
static int level_exec(struct store *st, const char *const *table, const char *verb, int depth,
                      const char *what)
{
    if (depth <= TXN_STATIC_DEPTH) {
        sqlite3_stmt *s = stmt_get(st, table[depth]);
        return s ? stmt_exec(st, s, what) : SHOP_EDB;
    }
    char sql[48];
    snprintf(sql, sizeof(sql), "%s t%d", verb, depth);
    return exec(st, sql, what);
}

int store_begin(struct store *st)
{
    if (st->depth > 0 && sqlite3_get_autocommit(st->db)) {
        /* sqlite rolled the outer transaction back by itself (I/O error, full disk):
         * writing on would commit row by row */
        store_msg(st, "begin: the enclosing transaction was already rolled back");
        return SHOP_EDB;
    }
    /* the outermost level of a handle that shares a write lock waits for it first: the
     * process's writers queue on a mutex instead of sleeping in sqlite's busy handler */
    if (st->depth == 0 && st->write_lock)
        pthread_mutex_lock(st->write_lock);
    int rc = level_exec(st, SQL_SAVEPOINT, "SAVEPOINT", st->depth + 1, "begin");
    if (rc == SHOP_OK)
        st->depth++;
    else if (st->depth == 0 && st->write_lock)
        pthread_mutex_unlock(st->write_lock);
    return rc;
}

int store_snapshot_begin(struct store *st, int *began)
{
    *began = 0;
    if (st->depth > 0 || !sqlite3_get_autocommit(st->db))
        return SHOP_OK;
    int rc = exec(st, "BEGIN", "begin reading");
    if (rc == SHOP_OK)
        *began = 1;
    return rc;
}

void store_snapshot_end(struct store *st, int began)
{
    if (began && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

void store_share_write_lock(struct store *st, pthread_mutex_t *mu)
{
    assert(st->depth == 0);
    st->write_lock = mu;
}

int store_commit(struct store *st)
{
    assert(st->depth > 0 && "store_commit without store_begin");
    if (sqlite3_get_autocommit(st->db)) {
        store_msg(st, "commit: the transaction was already rolled back");
        return SHOP_EDB;
    }
    /* on failure the level stays open: the caller rolls it back */
    int rc = level_exec(st, SQL_RELEASE, "RELEASE", st->depth, "commit");
    if (rc == SHOP_OK && --st->depth == 0 && st->write_lock)
        pthread_mutex_unlock(st->write_lock);
    return rc;
}

void store_rollback(struct store *st)
{
    if (st->depth == 0) {
        bulk_forget(st);
        return;
    }
    if (st->nbulk && st->bulk_depth >= st->depth)
        bulk_forget(st); /* the rollback brings the dropped indexes back */
    if (st->depth == 1) {
        (void)level_exec(st, SQL_ROLLBACK_TO, "ROLLBACK", 1, "rollback");
    } else if (!sqlite3_get_autocommit(st->db)) {
        /* ROLLBACK TO undoes the level's work but keeps the savepoint: release it too */
        (void)level_exec(st, SQL_ROLLBACK_TO, "ROLLBACK TO", st->depth, "rollback");
        (void)level_exec(st, SQL_RELEASE, "RELEASE", st->depth, "rollback");
    }
    if (--st->depth == 0 && st->write_lock)
        pthread_mutex_unlock(st->write_lock);
}

int store_end(struct store *st, int rc)
{
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    return rc;
}

int store_txn_depth(const struct store *st)
{
    return st->depth;
}

/* ---- bulk loading ---- */

int store_bulk_journal(struct store *st, int on, int *active)
{
    assert(st->depth == 0);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, on ? "PRAGMA journal_mode = DELETE"
                                            : "PRAGMA journal_mode = WAL",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    /* the pragma answers the mode now in force: it cannot leave WAL while others read */
    int is_delete = rc == SQLITE_ROW &&
                    sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "delete") == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return store_fail(st, rc, on ? "bulk journal" : "back to WAL");
    if (active)
        *active = is_delete;
    if (!on && is_delete)
        return store_fail(st, SQLITE_BUSY, "back to WAL");
    return SHOP_OK;
}

/* purchases_session stays: each purchase looks up its session's earlier purchases. The data
 * generations' triggers go too (one counter update per row loaded), and store_bulk_end raises
 * every counter once instead; so do the daily aggregates' triggers (some look rows up by the
 * indexes dropped here), and store_bulk_end rebuilds the aggregates from the rows. */
static const char *const SQL_BULK_INDEXES =
    "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND ((type = 'index' AND "
    "tbl_name IN ('positions', 'tryons', 'sessions', 'purchases', 'purchase_lines', "
    "'emotion_events', 'items') AND name <> 'purchases_session') OR (type = 'trigger' AND "
    "(name LIKE 'gen\\_%' ESCAPE '\\' OR name LIKE 'agg\\_%' ESCAPE '\\'))) ORDER BY name";
static const char *const SQL_GENS_RAISE_ALL = "UPDATE data_gens SET gen = gen + 1";

int store_bulk_begin(struct store *st)
{
    if (st->depth == 0 || st->nbulk)
        return SHOP_EINVAL;
    st->bulk_depth = st->depth;
    sqlite3_stmt *s = stmt_get(st, SQL_BULK_INDEXES);
    if (!s)
        return SHOP_EDB;
    char **drops = NULL;
    int n = 0, rc, ret = SHOP_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        drops = xreallocarray(drops, (size_t)n + 1, sizeof(char *));
        /* names come from sqlite_schema, not from input */
        char sql[160];
        snprintf(sql, sizeof(sql), "DROP %s \"%s\"",
                 strcmp((const char *)sqlite3_column_text(s, 0), "trigger") == 0 ? "TRIGGER"
                                                                                  : "INDEX",
                 (const char *)sqlite3_column_text(s, 1));
        drops[n] = xstrdup(sql);
        st->bulk_sql = xreallocarray(st->bulk_sql, (size_t)n + 1, sizeof(char *));
        st->bulk_sql[n++] = xstrdup((const char *)sqlite3_column_text(s, 2));
    }
    stmt_done(s);
    st->nbulk = n;
    if (rc != SQLITE_DONE)
        ret = store_fail(st, rc, "bulk begin");
    for (int i = 0; i < n; i++) {
        if (ret == SHOP_OK)
            ret = exec(st, drops[i], "bulk begin");
        free(drops[i]);
    }
    free(drops);
    return ret;
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
    if (rc == SHOP_OK) {
        char *rebuild = schema_rebuild();
        assert(rebuild);
        rc = exec(st, rebuild, "bulk end");
        free(rebuild);
    }
    sqlite3_stmt *s = rc == SHOP_OK ? stmt_get(st, SQL_GENS_RAISE_ALL) : NULL;
    if (rc == SHOP_OK)
        rc = s ? stmt_exec(st, s, "bulk end") : SHOP_EDB;
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

static const char *const SQL_GENERATION_BUMP =
    "INSERT INTO meta(key, value) VALUES ('store.generation', '1') ON CONFLICT(key) DO UPDATE "
    "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)";
static const char *const SQL_GENERATION =
    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'store.generation'";

int store_generation_bump(struct store *st)
{
    sqlite3_stmt *s = stmt_get(st, SQL_GENERATION_BUMP);
    return s ? stmt_exec(st, s, "bump generation") : SHOP_EDB;
}

int store_generation(struct store *st, int64_t *out)
{
    return query_int(st, SQL_GENERATION, 0, out);
}

static const char *const SQL_DATA_VERSION = "PRAGMA data_version";

int store_data_moved(struct store *st)
{
    int64_t v;
    if (query_int(st, SQL_DATA_VERSION, -1, &v) != SHOP_OK || v < 0)
        return 1;
    int moved = v != st->data_version;
    st->data_version = v;
    return moved;
}

int64_t store_changes(struct store *st)
{
    return sqlite3_total_changes64(st->db);
}

static const char *const SQL_KIND_GENS = "SELECT kind, gen FROM data_gens";

int store_kind_gens(struct store *st, int64_t *gens)
{
    sqlite3_stmt *s = stmt_get(st, SQL_KIND_GENS);
    if (!s)
        return SHOP_EDB;
    memset(gens, 0, STORE_KIND_COUNT * sizeof(*gens));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t k = sqlite3_column_int64(s, 0);
        if (k >= 0 && k < STORE_KIND_COUNT)
            gens[k] = sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "read data generations");
}

const char *store_kind_name(enum store_kind k)
{
    static const char *const names[STORE_KIND_COUNT] = {
        "sales",  "sessions", "session_ends", "tryons",    "stock",    "catalog",
        "prices", "emotions", "alerts",       "floor",     "customers", "profiles",
        "models", "rules",    "reco",         "meta",
    };
    return k >= 0 && k < STORE_KIND_COUNT ? names[k] : "?";
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
    "models", "auth_sessions", "devices", "customer_pins", "carts", "cart_items", "assoc_rules",
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
    "SELECT count(*) FROM auth_sessions", "SELECT count(*) FROM devices",
    "SELECT count(*) FROM customer_pins", "SELECT count(*) FROM carts",
    "SELECT count(*) FROM cart_items", "SELECT count(*) FROM assoc_rules",
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

/* The daily aggregates against the rows they summarise: rows of either side that the other
 * lacks (a row of zeros left by a deletion is no row). Each is one pass over its tables. */
#define CHECK_DIFF(agg, rows) \
    "SELECT count(*) FROM (SELECT * FROM (" agg " EXCEPT " rows ") AS a UNION ALL " \
    "SELECT * FROM (" rows " EXCEPT " agg ") AS b) AS d"
static const char *const SQL_CHECK_DAYS = CHECK_DIFF(
    "SELECT day, sessions, converted, purchases, lines, revenue_cents FROM kpi_days WHERE "
    "sessions <> 0 OR converted <> 0 OR purchases <> 0 OR lines <> 0 OR revenue_cents <> 0",
    "SELECT day, sum(se), sum(cv), sum(pu), sum(li), sum(rv) FROM ("
    "SELECT s.started_at / 86400 AS day, 1 AS se, CASE WHEN EXISTS (SELECT 1 FROM purchases p "
    "WHERE p.session_id = s.id) THEN 1 ELSE 0 END AS cv, 0 AS pu, 0 AS li, 0 AS rv "
    "FROM sessions s UNION ALL SELECT purchased_at / 86400, 0, 0, 1, 0, 0 FROM purchases "
    "UNION ALL SELECT p.purchased_at / 86400, 0, 0, 0, 1, l.price_cents FROM purchase_lines l "
    "JOIN purchases p ON p.id = l.purchase_id) AS r GROUP BY day");
static const char *const SQL_CHECK_PRODUCT_DAYS = CHECK_DIFF(
    "SELECT day, product_id, units, revenue_cents, tries FROM kpi_product_days "
    "WHERE units <> 0 OR revenue_cents <> 0 OR tries <> 0",
    "SELECT day, product_id, sum(u), sum(r), sum(t) FROM ("
    "SELECT p.purchased_at / 86400 AS day, l.product_id, 1 AS u, l.price_cents AS r, 0 AS t "
    "FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id UNION ALL "
    "SELECT t.tried_at / 86400, i.product_id, 0, 0, 1 FROM tryons t JOIN items i "
    "ON i.id = t.item_id) AS x GROUP BY day, product_id");
static const char *const SQL_CHECK_CUSTOMER_DAYS = CHECK_DIFF(
    "SELECT customer_id, day, purchases FROM kpi_customer_days",
    "SELECT customer_id, purchased_at / 86400, count(*) FROM purchases "
    "WHERE customer_id IS NOT NULL GROUP BY 1, 2");
static const char *const SQL_CHECK_BUYER_DAYS = CHECK_DIFF(
    "SELECT day, prev_day, n FROM kpi_buyer_days WHERE n <> 0",
    "SELECT day, prev_day, count(*) FROM (SELECT day, coalesce(lag(day) OVER (PARTITION BY "
    "customer_id ORDER BY day), -1) AS prev_day FROM (SELECT DISTINCT customer_id, "
    "purchased_at / 86400 AS day FROM purchases WHERE customer_id IS NOT NULL) AS c) AS d "
    "GROUP BY 1, 2");
static const char *const SQL_CHECK_EMOTION_DAYS = CHECK_DIFF(
    "SELECT day, grp, dominant, events FROM kpi_emotion_days WHERE events <> 0",
    "SELECT at / 86400, grp, dominant, count(*) FROM emotion_events GROUP BY 1, 2, 3");
static const char *const SQL_CHECK_STOCK = CHECK_DIFF(
    "SELECT product_id, size, items, in_stock FROM kpi_stock WHERE items <> 0 OR in_stock <> 0",
    "SELECT product_id, size, count(*), sum(CASE WHEN status = 'in_stock' THEN 1 ELSE 0 END) "
    "FROM items GROUP BY 1, 2");

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
        {SQL_CHECK_DAYS, &out->aggregates_off[0]},
        {SQL_CHECK_PRODUCT_DAYS, &out->aggregates_off[1]},
        {SQL_CHECK_CUSTOMER_DAYS, &out->aggregates_off[2]},
        {SQL_CHECK_BUYER_DAYS, &out->aggregates_off[3]},
        {SQL_CHECK_EMOTION_DAYS, &out->aggregates_off[4]},
        {SQL_CHECK_STOCK, &out->aggregates_off[5]},
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
