/* store/store_floor.c - the daily floor aggregates (floor_days, its grid in heatmaps with
 * scope 'day', floor_zone_days, floor_transition_days) and the walking path of one session. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_DAYS =
    "SELECT f.day, f.stale, f.positions, f.sessions, f.outside, h.cell_m, h.rows, h.cols, "
    "h.grid FROM floor_days f LEFT JOIN heatmaps h ON h.scope = 'day' AND h.from_t = f.day * "
    "86400 WHERE f.day >= :d0 AND f.day < :d1 ORDER BY f.day";
static const char *const SQL_ZONE_SUMS =
    "SELECT zone, sum(visits), sum(sessions), sum(dwell_s), sum(converted) FROM floor_zone_days "
    "WHERE day >= :d0 AND day < :d1 GROUP BY zone";
static const char *const SQL_TRANSITION_SUMS =
    "SELECT from_zone, to_zone, sum(n) FROM floor_transition_days "
    "WHERE day >= :d0 AND day < :d1 GROUP BY from_zone, to_zone";
static const char *const SQL_DAY_PUT =
    "INSERT INTO floor_days(day, stale, positions, sessions, outside) "
    "VALUES (:day, 0, :positions, :sessions, :outside) ON CONFLICT(day) DO UPDATE SET "
    "stale = 0, positions = excluded.positions, sessions = excluded.sessions, "
    "outside = excluded.outside";
static const char *const SQL_DAY_STALE =
    "INSERT INTO floor_days(day, stale) VALUES (:day, 1) ON CONFLICT(day) DO UPDATE SET "
    "stale = 1, positions = 0, sessions = 0, outside = 0";
static const char *const SQL_DAY_DELETE = "DELETE FROM floor_days WHERE day = :day";
static const char *const SQL_GRID_DELETE =
    "DELETE FROM heatmaps WHERE scope = 'day' AND from_t = :from";
static const char *const SQL_GRID_ADD =
    "INSERT INTO heatmaps(scope, from_t, to_t, cell_m, cols, rows, grid, created_at) "
    "VALUES ('day', :from, :to, :cell, :cols, :rows, :grid, :at)";
static const char *const SQL_ZONES_DELETE = "DELETE FROM floor_zone_days WHERE day = :day";
static const char *const SQL_ZONE_ADD =
    "INSERT INTO floor_zone_days(day, zone, visits, sessions, dwell_s, converted) "
    "VALUES (:day, :zone, :visits, :sessions, :dwell, :converted)";
static const char *const SQL_TRANSITIONS_DELETE =
    "DELETE FROM floor_transition_days WHERE day = :day";
static const char *const SQL_TRANSITION_ADD =
    "INSERT INTO floor_transition_days(day, from_zone, to_zone, n) "
    "VALUES (:day, :from, :to, :n)";
static const char *const SQL_SESSION_TRACK =
    "SELECT session_id, t, x, y FROM positions WHERE session_id = :session ORDER BY t";
static const char *const SQL_SESSION_STARTED = "SELECT started_at FROM sessions WHERE id = :id";

int store_floor_days(struct store *st, int64_t d0, int64_t d1,
                     int (*fn)(void *ctx, const struct store_floor_day *d), void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DAYS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    double *grid = NULL;
    size_t cap = 0;
    int rc, ret = SHOP_OK;
    while (ret == SHOP_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_floor_day d = {
            .day = sqlite3_column_int64(s, 0),
            .stale = (int)sqlite3_column_int64(s, 1),
            .positions = sqlite3_column_int64(s, 2),
            .sessions = sqlite3_column_int64(s, 3),
            .outside = sqlite3_column_int64(s, 4),
            .cell = sqlite3_column_double(s, 5),
            .rows = (int)sqlite3_column_int64(s, 6),
            .cols = (int)sqlite3_column_int64(s, 7),
        };
        /* copied out: a blob's bytes need not be aligned for doubles */
        size_t n = (size_t)sqlite3_column_bytes(s, 8);
        if (n > 0 && d.rows > 0 && d.cols > 0 &&
            n == (size_t)d.rows * (size_t)d.cols * sizeof(double)) {
            if (n > cap) {
                cap = n;
                grid = xrealloc(grid, cap);
            }
            memcpy(grid, sqlite3_column_blob(s, 8), n);
            d.grid = grid;
        }
        ret = fn(ctx, &d);
    }
    stmt_done(s);
    free(grid);
    if (ret != SHOP_OK)
        return ret;
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "floor days");
}

int store_floor_zone_sums(struct store *st, int64_t d0, int64_t d1,
                          void (*fn)(void *ctx, const char *zone, int64_t visits, int64_t sessions,
                                     double dwell, int64_t converted),
                          void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ZONE_SUMS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char zone[64];
        col_text(s, 0, zone, sizeof(zone));
        fn(ctx, zone, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
           sqlite3_column_double(s, 3), sqlite3_column_int64(s, 4));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "floor zones");
}

int store_floor_transition_sums(struct store *st, int64_t d0, int64_t d1,
                                void (*fn)(void *ctx, const char *from, const char *to, int64_t n),
                                void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_TRANSITION_SUMS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":d0", d0);
    bind_int(s, ":d1", d1);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char from[64], to[64];
        col_text(s, 0, from, sizeof(from));
        col_text(s, 1, to, sizeof(to));
        fn(ctx, from, to, sqlite3_column_int64(s, 2));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "floor transitions");
}

static int day_exec(struct store *st, const char *sql, const char *name, int64_t v,
                    const char *what)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_int(s, name, v);
    return stmt_exec(st, s, what);
}

/* removes the day's grid, zone and transition rows */
static int day_clear(struct store *st, int64_t day)
{
    int rc = day_exec(st, SQL_GRID_DELETE, ":from", day * 86400, "clear floor day");
    if (rc == SHOP_OK)
        rc = day_exec(st, SQL_ZONES_DELETE, ":day", day, "clear floor day");
    if (rc == SHOP_OK)
        rc = day_exec(st, SQL_TRANSITIONS_DELETE, ":day", day, "clear floor day");
    return rc;
}

static int day_put(struct store *st, const struct store_floor_day *d,
                   const struct store_floor_zones *z, int64_t at)
{
    int rc = day_clear(st, d->day);
    if (rc != SHOP_OK || d->positions == 0)
        return rc == SHOP_OK ? day_exec(st, SQL_DAY_DELETE, ":day", d->day, "floor day") : rc;
    sqlite3_stmt *s = stmt_get(st, SQL_DAY_PUT);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":day", d->day);
    bind_int(s, ":positions", d->positions);
    bind_int(s, ":sessions", d->sessions);
    bind_int(s, ":outside", d->outside);
    rc = stmt_exec(st, s, "floor day");
    if (rc == SHOP_OK && d->grid) {
        if (!(s = stmt_get(st, SQL_GRID_ADD)))
            return SHOP_EDB;
        bind_int(s, ":from", d->day * 86400);
        bind_int(s, ":to", d->day * 86400 + 86400);
        bind_double(s, ":cell", d->cell);
        bind_int(s, ":cols", d->cols);
        bind_int(s, ":rows", d->rows);
        bind_blob(s, ":grid", d->grid, (int)((size_t)d->rows * (size_t)d->cols * sizeof(double)));
        bind_int(s, ":at", at);
        rc = stmt_exec(st, s, "floor grid");
    }
    for (int i = 0; rc == SHOP_OK && i < z->n; i++) {
        if (z->visits[i] == 0 && z->sessions[i] == 0 && z->dwell[i] == 0)
            continue;
        if (!(s = stmt_get(st, SQL_ZONE_ADD)))
            return SHOP_EDB;
        bind_int(s, ":day", d->day);
        bind_text(s, ":zone", z->name[i]);
        bind_int(s, ":visits", z->visits[i]);
        bind_int(s, ":sessions", z->sessions[i]);
        bind_double(s, ":dwell", z->dwell[i]);
        bind_int(s, ":converted", z->converted ? z->converted[i] : 0);
        rc = stmt_exec(st, s, "floor zone");
    }
    for (int a = 0; rc == SHOP_OK && a < z->n; a++)
        for (int b = 0; rc == SHOP_OK && b < z->n; b++) {
            int64_t n = z->transitions[(size_t)a * (size_t)z->n + (size_t)b];
            if (n == 0)
                continue;
            if (!(s = stmt_get(st, SQL_TRANSITION_ADD)))
                return SHOP_EDB;
            bind_int(s, ":day", d->day);
            bind_text(s, ":from", z->name[a]);
            bind_text(s, ":to", z->name[b]);
            bind_int(s, ":n", n);
            rc = stmt_exec(st, s, "floor transition");
        }
    return rc;
}

int store_floor_day_put(struct store *st, const struct store_floor_day *d,
                        const struct store_floor_zones *z, int64_t at)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    return store_end(st, day_put(st, d, z, at));
}

int store_floor_day_stale(struct store *st, int64_t day)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = day_clear(st, day);
    if (rc == SHOP_OK)
        rc = day_exec(st, SQL_DAY_STALE, ":day", day, "floor day stale");
    return store_end(st, rc);
}

int store_session_track(struct store *st, int64_t session_id, struct store_track *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_TRACK);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":session", session_id);
    return store_read_track(st, s, out, "session positions");
}

int store_session_started(struct store *st, int64_t session_id, int64_t *started_at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_STARTED);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", session_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        *started_at = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no session %lld", (long long)session_id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "session");
    stmt_done(s);
    return ret;
}
