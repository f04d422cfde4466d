/* store/store_sales.c - sessions, try-ons, purchases, walking paths, daily prices,
 * emotion events and alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_SESSION_ADD =
    "INSERT INTO sessions(customer_id, started_at, ended_at, mirror, tracked, simulated) "
    "VALUES (:customer, :start, :end, :mirror, :tracked, :sim)";
static const char *const SQL_TRYON_ADD =
    "INSERT INTO tryons(session_id, item_id, tried_at) VALUES (:session, :item, :at)";
static const char *const SQL_PURCHASE_ADD =
    "INSERT INTO purchases(session_id, customer_id, purchased_at, total_cents) "
    "VALUES (:session, :customer, :at, :total)";
static const char *const SQL_LINE_ADD =
    "INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, price_cents, "
    "discount) VALUES (:purchase, :item, :product, :list, :price, :discount)";
static const char *const SQL_POSITION_ADD =
    "INSERT INTO positions(session_id, t, x, y) VALUES (:session, :t, :x, :y)";
static const char *const SQL_DAILY_PRICE_ADD =
    "INSERT INTO daily_prices(day, product_id, list_cents, price_cents, discount, stock_start) "
    "VALUES (:day, :product, :list, :price, :discount, :stock)";
static const char *const SQL_UNITS_SOLD =
    "SELECT l.product_id, i.size, count(*) FROM purchase_lines l "
    "JOIN purchases p ON p.id = l.purchase_id JOIN items i ON i.id = l.item_id "
    "WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "GROUP BY l.product_id, i.size ORDER BY l.product_id, i.size";
static const char *const SQL_DAILY_PRICES =
    "SELECT day, product_id, list_cents, price_cents, discount FROM daily_prices "
    "ORDER BY day, product_id";
static const char *const SQL_EVENT_ADD =
    "INSERT INTO emotion_events(session_id, customer_id, at, grp, dominant, score, p_neutral, "
    "p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised, mirror, simulated, peak_score, "
    "peak_dominant) VALUES (:session, :customer, :at, :grp, :dominant, :score, :p0, :p1, :p2, "
    ":p3, :p4, :p5, :p6, :mirror, :sim, :peak_score, :peak_dominant)";
static const char *const SQL_ALERT_ADD =
    "INSERT INTO alerts(event_id, customer_id, session_id, location, created_at, status, "
    "simulated) VALUES (:event, :customer, :session, :location, :at, :status, :sim)";
static const char *const SQL_ALERT_RESOLVE =
    "UPDATE alerts SET status = 'resolved', acknowledged_by = coalesce(acknowledged_by, :staff), "
    "acknowledged_at = coalesce(acknowledged_at, :at) WHERE id = :id AND status <> 'resolved'";
static const char *const SQL_RESOLUTION_ADD =
    "INSERT INTO alert_resolutions(alert_id, staff, note, resolved_at) "
    "VALUES (:id, :staff, :note, :at)";

static void bind_id_or_null(sqlite3_stmt *s, const char *name, int64_t id)
{
    if (id > 0)
        bind_int(s, name, id);
    else
        bind_null(s, name);
}

/* the daily aggregates follow these rows by trigger (schema.sql, version 7) */

int store_session_add(struct store *st, struct store_session *x)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_ADD);
    rc = s ? SHOP_OK : SHOP_EDB;
    if (rc == SHOP_OK) {
        bind_id_or_null(s, ":customer", x->customer_id);
        bind_int(s, ":start", x->started_at);
        bind_int(s, ":end", x->ended_at);
        bind_text(s, ":mirror", x->mirror);
        bind_int(s, ":tracked", x->tracked);
        bind_int(s, ":sim", x->simulated);
        rc = stmt_exec(st, s, "add session");
    }
    if (rc == SHOP_OK)
        x->id = sqlite3_last_insert_rowid(st->db);
    return store_end(st, rc);
}

static const char *const SQL_SESSION_END =
    "UPDATE sessions SET ended_at = :at WHERE id = :id AND ended_at <= :at";

int store_session_end(struct store *st, int64_t session_id, int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_END);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", session_id);
    bind_int(s, ":at", at);
    return stmt_exec(st, s, "end session");
}

int store_tryon_add(struct store *st, int64_t session_id, int64_t item_id, int64_t at)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_TRYON_ADD);
    rc = s ? SHOP_OK : SHOP_EDB;
    if (rc == SHOP_OK) {
        bind_int(s, ":session", session_id);
        bind_int(s, ":item", item_id);
        bind_int(s, ":at", at);
        rc = stmt_exec(st, s, "add try-on");
    }
    return store_end(st, rc);
}

static int purchase_insert(struct store *st, int64_t session_id, int64_t customer_id, int64_t at,
                           const struct store_line *lines, int n, int64_t total,
                           int64_t *purchase_id)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PURCHASE_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":session", session_id);
    bind_id_or_null(s, ":customer", customer_id);
    bind_int(s, ":at", at);
    bind_int(s, ":total", total);
    int rc = stmt_exec(st, s, "add purchase");
    if (rc != SHOP_OK)
        return rc;
    int64_t pid = sqlite3_last_insert_rowid(st->db);
    s = stmt_get(st, SQL_LINE_ADD);
    if (!s)
        return SHOP_EDB;
    for (int i = 0; i < n && rc == SHOP_OK; i++) {
        bind_int(s, ":purchase", pid);
        bind_int(s, ":item", lines[i].item_id);
        bind_int(s, ":product", lines[i].product_id);
        bind_int(s, ":list", lines[i].list_cents);
        bind_int(s, ":price", lines[i].price_cents);
        bind_double(s, ":discount", lines[i].discount);
        rc = stmt_exec(st, s, "add purchase line");
    }
    if (rc == SHOP_OK)
        *purchase_id = pid;
    return rc;
}

int store_purchase_add(struct store *st, int64_t session_id, int64_t customer_id, int64_t at,
                       const struct store_line *lines, int n, int64_t *purchase_id)
{
    if (n <= 0)
        return SHOP_EINVAL;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (lines[i].price_cents < 0)
            return SHOP_EINVAL;
        total += lines[i].price_cents;
    }
    /* the purchase and its lines together or not at all, whoever calls */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = purchase_insert(st, session_id, customer_id, at, lines, n, total, purchase_id);
    if (rc == SHOP_OK)
        rc = store_generation_bump(st);
    return store_end(st, rc);
}

int store_position_add(struct store *st, int64_t session_id, int64_t t, double x, double y)
{
    sqlite3_stmt *s = stmt_get(st, SQL_POSITION_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":session", session_id);
    bind_int(s, ":t", t);
    bind_double(s, ":x", x);
    bind_double(s, ":y", y);
    return stmt_exec(st, s, "add position");
}

int store_daily_price_add(struct store *st, int64_t day, int64_t product_id, int64_t list_cents,
                          int64_t price_cents, double discount, int64_t stock_start)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DAILY_PRICE_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":day", day);
    bind_int(s, ":product", product_id);
    bind_int(s, ":list", list_cents);
    bind_int(s, ":price", price_cents);
    bind_double(s, ":discount", discount);
    bind_int(s, ":stock", stock_start);
    return stmt_exec(st, s, "add daily price");
}

int store_units_sold(struct store *st, int64_t from, int64_t to,
                     void (*fn)(void *ctx, int64_t product_id, const char *size, int64_t units),
                     void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_UNITS_SOLD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char size[8];
        col_text(s, 1, size, sizeof(size));
        fn(ctx, sqlite3_column_int64(s, 0), size, sqlite3_column_int64(s, 2));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "units sold");
}

int store_daily_prices(struct store *st,
                       void (*fn)(void *ctx, int64_t day, int64_t product_id, int64_t list_cents,
                                  int64_t price_cents, double discount),
                       void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DAILY_PRICES);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
           sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_double(s, 4));
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "daily prices");
}

int store_emotion_event_add(struct store *st, struct store_emotion_event *e)
{
    static const char *const pn[7] = {":p0", ":p1", ":p2", ":p3", ":p4", ":p5", ":p6"};
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_EVENT_ADD);
    if (!s)
        return store_end(st, SHOP_EDB);
    bind_id_or_null(s, ":session", e->session_id);
    bind_id_or_null(s, ":customer", e->customer_id);
    bind_int(s, ":at", e->at);
    bind_text(s, ":grp", e->grp);
    bind_text(s, ":dominant", e->dominant);
    bind_double(s, ":score", e->score);
    for (int i = 0; i < 7; i++)
        bind_double(s, pn[i], e->p[i]);
    bind_text(s, ":mirror", e->mirror);
    if (e->peak_dominant[0]) {
        bind_double(s, ":peak_score", e->peak_score);
        bind_text(s, ":peak_dominant", e->peak_dominant);
    }
    bind_int(s, ":sim", e->simulated);
    rc = stmt_exec(st, s, "add emotion event");
    if (rc == SHOP_OK)
        e->id = sqlite3_last_insert_rowid(st->db); /* its day is counted by a trigger */
    return store_end(st, rc);
}

int store_alert_add(struct store *st, struct store_alert *a)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_ADD);
    if (!s)
        return SHOP_EDB;
    bind_id_or_null(s, ":event", a->event_id);
    bind_id_or_null(s, ":customer", a->customer_id);
    bind_id_or_null(s, ":session", a->session_id);
    bind_text(s, ":location", a->location);
    bind_int(s, ":at", a->created_at);
    bind_text(s, ":status", a->status[0] ? a->status : "open");
    bind_int(s, ":sim", a->simulated);
    int rc = stmt_exec(st, s, "add alert");
    if (rc == SHOP_OK)
        a->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int store_alert_resolve(struct store *st, int64_t alert_id, const char *staff, const char *note,
                        int64_t at)
{
    if (!staff || !*staff || !note) {
        store_msg(st, "resolving an alert needs a staff name and a note");
        return SHOP_EINVAL;
    }
    /* the status and the resolution row together */
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_RESOLVE);
    rc = s ? SHOP_OK : SHOP_EDB;
    if (rc == SHOP_OK) {
        bind_int(s, ":id", alert_id);
        bind_text(s, ":staff", staff);
        bind_int(s, ":at", at);
        rc = stmt_exec(st, s, "resolve alert");
    }
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no open alert %lld", (long long)alert_id);
        rc = SHOP_ENOTFOUND;
    }
    if (rc == SHOP_OK && !(s = stmt_get(st, SQL_RESOLUTION_ADD)))
        rc = SHOP_EDB;
    if (rc == SHOP_OK) {
        bind_int(s, ":id", alert_id);
        bind_text(s, ":staff", staff);
        bind_text(s, ":note", note);
        bind_int(s, ":at", at);
        rc = stmt_exec(st, s, "add alert resolution");
    }
    return store_end(st, rc);
}

static const char *const SQL_TRACKS =
    "SELECT p.session_id, p.t, p.x, p.y FROM positions p JOIN sessions s ON s.id = p.session_id "
    "WHERE s.started_at >= :from AND s.started_at < :to "
    "AND (:customer = 0 OR s.customer_id = :customer) AND (:session = 0 OR s.id = :session) "
    "ORDER BY p.session_id, p.t";

int store_tracks(struct store *st, int64_t customer_id, int64_t session_id, int64_t from,
                 int64_t to, struct store_track *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = stmt_get(st, SQL_TRACKS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    bind_int(s, ":customer", customer_id);
    bind_int(s, ":session", session_id);
    return store_read_track(st, s, out, "positions");
}

int store_read_track(struct store *st, sqlite3_stmt *s, struct store_track *out,
                     const char *what)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            out->session = xreallocarray(out->session, cap, sizeof(int64_t));
            out->t = xreallocarray(out->t, cap, sizeof(double));
            out->x = xreallocarray(out->x, cap, sizeof(double));
            out->y = xreallocarray(out->y, cap, sizeof(double));
        }
        out->session[out->n] = sqlite3_column_int64(s, 0);
        out->t[out->n] = (double)sqlite3_column_int64(s, 1);
        out->x[out->n] = sqlite3_column_double(s, 2);
        out->y[out->n] = sqlite3_column_double(s, 3);
        out->n++;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        store_track_release(out);
        return store_fail(st, rc, what);
    }
    return SHOP_OK;
}

void store_track_release(struct store_track *t)
{
    free(t->session);
    free(t->t);
    free(t->x);
    free(t->y);
    memset(t, 0, sizeof(*t));
}

/* ---- alert handling (identity) ---- */

static const char *const SQL_ALERT_ACK =
    "UPDATE alerts SET status = 'acknowledged', acknowledged_by = :staff, acknowledged_at = :at "
    "WHERE id = :id AND status = 'open'";
#define ALERT_SELECT                                                                          \
    "SELECT a.id, a.event_id, a.customer_id, a.session_id, a.location, a.created_at, "        \
    "a.status, a.simulated, a.acknowledged_by, a.acknowledged_at, r.staff, r.note, "          \
    "r.resolved_at FROM "
#define ALERT_JOIN                                                                            \
    " a LEFT JOIN alert_resolutions r ON r.id = "                                             \
    "(SELECT max(id) FROM alert_resolutions WHERE alert_id = a.id) "
#define ALERT_COLS ALERT_SELECT "alerts" ALERT_JOIN
/* the page of alerts first, then their resolutions: the resolution lookup (a scan of
 * alert_resolutions) runs for the page's rows only, not for every alert before the sort
 * (2.7 s -> 13 ms for 50 of 12,000 alerts) */
static const char *const SQL_ALERTS_ALL =
    ALERT_SELECT "(SELECT * FROM alerts ORDER BY created_at DESC, id DESC LIMIT :limit)"
    ALERT_JOIN "ORDER BY a.created_at DESC, a.id DESC";
static const char *const SQL_ALERTS_STATUS =
    ALERT_SELECT "(SELECT * FROM alerts WHERE status = :status ORDER BY created_at DESC, id DESC "
    "LIMIT :limit)" ALERT_JOIN "ORDER BY a.created_at DESC, a.id DESC";
static const char *const SQL_ALERT_GET = ALERT_COLS "WHERE a.id = :id";

int store_alert_acknowledge(struct store *st, int64_t alert_id, const char *staff, int64_t at)
{
    if (!staff || !*staff) {
        store_msg(st, "acknowledging an alert needs a staff name");
        return SHOP_EINVAL;
    }
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_ACK);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", alert_id);
    bind_text(s, ":staff", staff);
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "acknowledge alert");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no open alert %lld", (long long)alert_id);
        return SHOP_ENOTFOUND;
    }
    return rc;
}

static void read_alert_row(sqlite3_stmt *s, struct store_alert_row *r)
{
    memset(r, 0, sizeof(*r));
    r->a.id = sqlite3_column_int64(s, 0);
    r->a.event_id = sqlite3_column_int64(s, 1);
    r->a.customer_id = sqlite3_column_int64(s, 2);
    r->a.session_id = sqlite3_column_int64(s, 3);
    col_text(s, 4, r->a.location, sizeof(r->a.location));
    r->a.created_at = sqlite3_column_int64(s, 5);
    col_text(s, 6, r->a.status, sizeof(r->a.status));
    r->a.simulated = sqlite3_column_int(s, 7);
    col_text(s, 8, r->acknowledged_by, sizeof(r->acknowledged_by));
    r->acknowledged_at = sqlite3_column_int64(s, 9);
    col_text(s, 10, r->resolved_by, sizeof(r->resolved_by));
    col_text(s, 11, r->note, sizeof(r->note));
    r->resolved_at = sqlite3_column_int64(s, 12);
}

int store_alerts_list(struct store *st, const char *status, size_t limit,
                      struct store_alert_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int all = !status || !*status;
    sqlite3_stmt *s = stmt_get(st, all ? SQL_ALERTS_ALL : SQL_ALERTS_STATUS);
    if (!s)
        return SHOP_EDB;
    if (!all)
        bind_text(s, ":status", status);
    bind_int(s, ":limit", limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        read_alert_row(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list alerts");
}

int store_alert_get(struct store *st, int64_t alert_id, struct store_alert_row *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", alert_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        read_alert_row(s, out);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no alert %lld", (long long)alert_id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read alert");
    stmt_done(s);
    return ret;
}

/* ---- alert changes made by any process (the live feed's poller) ---- */

static const char *const SQL_ALERT_CURSOR =
    "SELECT (SELECT coalesce(max(id), 0) FROM alerts), "
    "(SELECT coalesce(max(id), 0) FROM alert_resolutions), "
    "(SELECT coalesce(max(acknowledged_at), 0) FROM alerts)";
static const char *const SQL_ALERTS_NEW = ALERT_COLS "WHERE a.id > :id ORDER BY a.id LIMIT :limit";
static const char *const SQL_ALERTS_ACKED =
    ALERT_COLS "WHERE a.acknowledged_at >= :at ORDER BY a.acknowledged_at, a.id LIMIT :limit";
static const char *const SQL_RESOLUTIONS_NEW =
    "SELECT id, alert_id FROM alert_resolutions WHERE id > :id ORDER BY id LIMIT :limit";

int store_alert_cursor_now(struct store *st, struct store_alert_cursor *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_CURSOR);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->alert_id = sqlite3_column_int64(s, 0);
        out->resolution_id = sqlite3_column_int64(s, 1);
        out->ack_at = sqlite3_column_int64(s, 2);
    }
    stmt_done(s);
    return rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "alert cursor");
}

static void change_push(struct store_alert_change **out, size_t *n, size_t *cap,
                        enum store_alert_change_kind kind, const struct store_alert_row *r)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *out = xreallocarray(*out, *cap, sizeof(**out));
    }
    (*out)[*n].kind = kind;
    (*out)[*n].row = *r;
    (*n)++;
}

int store_alert_changes(struct store *st, struct store_alert_cursor *cur, size_t max,
                        struct store_alert_change **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int64_t lim = max > 1000 ? 1000 : (int64_t)max;
    struct store_alert_row r;
    int rc;
    sqlite3_stmt *s = stmt_get(st, SQL_ALERTS_NEW);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", cur->alert_id);
    bind_int(s, ":limit", lim);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_alert_row(s, &r);
        change_push(out, n, &cap, STORE_ALERT_RAISED, &r);
        cur->alert_id = r.a.id;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        goto fail;
    if (!(s = stmt_get(st, SQL_ALERTS_ACKED)))
        goto fail_db;
    bind_int(s, ":at", cur->ack_at);
    bind_int(s, ":limit", lim);
    int64_t ack_at = cur->ack_at;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_alert_row(s, &r);
        change_push(out, n, &cap, STORE_ALERT_ACKED, &r);
        if (r.acknowledged_at > ack_at)
            ack_at = r.acknowledged_at;
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        goto fail;
    cur->ack_at = ack_at; /* rows of that second come again: the caller skips repeats */
    if (!(s = stmt_get(st, SQL_RESOLUTIONS_NEW)))
        goto fail_db;
    bind_int(s, ":id", cur->resolution_id);
    bind_int(s, ":limit", lim);
    int64_t ids[64][2];
    int k = 0;
    while (k < 64 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ids[k][0] = sqlite3_column_int64(s, 0);
        ids[k][1] = sqlite3_column_int64(s, 1);
        k++;
    }
    stmt_done(s);
    if (k < 64 && rc != SQLITE_DONE)
        goto fail;
    for (int i = 0; i < k; i++) {
        int g = store_alert_get(st, ids[i][1], &r);
        if (g == SHOP_ENOTFOUND)
            continue;
        if (g != SHOP_OK) {
            free(*out);
            *out = NULL;
            *n = 0;
            return g;
        }
        change_push(out, n, &cap, STORE_ALERT_RESOLVED, &r);
        cur->resolution_id = ids[i][0];
    }
    return SHOP_OK;
fail:
    free(*out);
    *out = NULL;
    *n = 0;
    return store_fail(st, rc, "alert changes");
fail_db:
    free(*out);
    *out = NULL;
    *n = 0;
    return SHOP_EDB;
}

static const char *const SQL_DATA_VERSION = "PRAGMA data_version";

int store_data_version(struct store *st, int64_t *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DATA_VERSION);
    if (!s)
        return SHOP_EDB;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    stmt_done(s);
    return rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "data version");
}
