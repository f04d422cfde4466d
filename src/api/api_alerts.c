/* api/api_alerts.c - staff alerts: the list, acknowledge, resolve, and the live feed
 * (GET /api/v1/alerts/stream, Server-Sent Events).
 *
 * Every change goes through the alert hub (identity/alerts.h): this process publishes its
 * own changes there as it makes them; a poller thread publishes the changes other
 * processes (the CLI) make on the same store, found by a cheap query (PRAGMA data_version
 * first, then new rows by id and acknowledgements by time). A stream's event id is the
 * hub's sequence number, so a dashboard that reconnects with Last-Event-ID gets what it
 * missed while the hub still keeps it (else an "event: resync": reload the list).      */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "identity/alerts.h"
#include "identity/alerts_json.h"

#define STREAMS_DEFAULT_MAX 16
#define STREAM_HEARTBEAT_S 15    /* a comment line keeps proxies and the browser connected */
#define STREAM_RECHECK_S 2       /* the caller's login is checked again this often */
#define POLL_MS 250              /* the poller's period */
#define SEEN_MAX 512             /* changes remembered as published */
#define LIST_MAX 200

struct seen {
    int64_t alert_id;
    int kind;
};

struct streams {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* a note was published, or the server stops */
    uint64_t seq;         /* the hub's last note, as told by the subscription */
    int active, max;
    int sub;              /* the hub subscription */
    pthread_t poller;
    int polling;          /* the poller thread runs */
    struct app *app;
};

static void on_note(void *ctx, const struct alerts_note *n)
{
    struct streams *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->seq = n->seq;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* ---- the poller: changes made by other processes ---- */

static int seen_has(const struct seen *v, size_t n, int64_t id, int kind)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].alert_id == id && v[i].kind == kind)
            return 1;
    return 0;
}

/* 1 when the hub already holds a note of this kind for this alert */
static int hub_has(struct alerts *hub, int64_t id, int kind)
{
    static _Thread_local struct alerts_note notes[64];
    uint64_t last = alerts_last_seq(hub), after = last > 256 ? last - 256 : 0;
    for (;;) {
        size_t got = alerts_since(hub, after, notes, 64);
        for (size_t i = 0; i < got; i++)
            if (notes[i].alert.id == id && (int)notes[i].kind == kind)
                return 1;
        if (got < 64)
            return 0;
        after = notes[got - 1].seq;
    }
}

static void remember(struct seen *seen, size_t *nseen, size_t *iseen, int64_t id, int kind)
{
    seen[*iseen] = (struct seen){id, kind};
    *iseen = (*iseen + 1) % SEEN_MAX;
    if (*nseen < SEEN_MAX)
        (*nseen)++;
}

static void publish_change(struct alerts *hub, const struct store_alert_change *c)
{
    const struct store_alert_row *r = &c->row;
    int kind = (int)c->kind; /* same order as enum alerts_kind */
    const char *staff = kind == ALERTS_ACKNOWLEDGED ? r->acknowledged_by
                        : kind == ALERTS_RESOLVED  ? r->resolved_by
                                                   : NULL;
    int64_t at = kind == ALERTS_ACKNOWLEDGED ? r->acknowledged_at
                 : kind == ALERTS_RESOLVED  ? r->resolved_at
                                            : r->a.created_at;
    alerts_publish(hub, (enum alerts_kind)kind, &r->a, staff, at);
    log_info("api: alert %lld %s by another process", (long long)r->a.id,
             alerts_kind_names[kind]);
}

/* A change found in the store is published unless the hub already has it (this process
 * made it and published it itself). Such a change is committed a moment before it is
 * published, so a change missing from the hub waits one period before it counts as made
 * by another process. */
static void *poll_thread(void *arg)
{
    struct streams *ss = arg;
    struct app *a = ss->app;
    struct store *st = NULL;
    if (store_open(a->cfg.db_path, 0, &st) != SHOP_OK) {
        log_error("api: the alert poller cannot open the store: %s", shop_errmsg());
        return NULL;
    }
    store_set_busy_timeout(st, 100);
    struct store_alert_cursor cur;
    int64_t version = -1;
    struct seen seen[SEEN_MAX];
    struct store_alert_change *pending = NULL;
    size_t nseen = 0, iseen = 0, npending = 0;
    int ready = store_alert_cursor_now(st, &cur) == SHOP_OK;
    int first = 1;
    while (!atomic_load(&a->stopping)) {
        struct timespec ts;
        deadline_in(&ts, POLL_MS);
        pthread_mutex_lock(&ss->mu);
        if (!atomic_load(&a->stopping))
            pthread_cond_timedwait(&ss->cv, &ss->mu, &ts);
        pthread_mutex_unlock(&ss->mu);
        if (atomic_load(&a->stopping))
            break;
        /* last period's unpublished changes: still not in the hub, then another process */
        for (size_t i = 0; i < npending; i++) {
            const struct store_alert_change *c = &pending[i];
            if (!hub_has(a->hub, c->row.a.id, (int)c->kind))
                publish_change(a->hub, c);
        }
        free(pending);
        pending = NULL;
        npending = 0;
        int64_t v;
        if (!ready)
            ready = store_alert_cursor_now(st, &cur) == SHOP_OK;
        if (!ready || store_data_version(st, &v) != SHOP_OK || v == version)
            continue; /* nobody else committed anything */
        version = v;
        struct store_alert_change *ch = NULL;
        size_t n = 0;
        if (store_alert_changes(st, &cur, 256, &ch, &n) != SHOP_OK) {
            log_warn("api: the alert poller cannot read the store: %s", shop_errmsg());
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            const struct store_alert_row *r = &ch[i].row;
            int kind = (int)ch[i].kind;
            if (seen_has(seen, nseen, r->a.id, kind))
                continue;
            remember(seen, &nseen, &iseen, r->a.id, kind);
            if (first || hub_has(a->hub, r->a.id, kind))
                continue; /* history at the start, or published by this process */
            ch[npending++] = ch[i];
        }
        if (npending)
            pending = ch;
        else
            free(ch);
        first = 0;
    }
    free(pending);
    store_close(st);
    return NULL;
}

int app_streams_open(struct app *a)
{
    struct streams *s = xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->app = a;
    s->max = a->cfg.max_streams > 0 ? a->cfg.max_streams : STREAMS_DEFAULT_MAX;
    s->seq = alerts_last_seq(a->hub);
    s->sub = alerts_subscribe(a->hub, on_note, s);
    a->streams = s;
    if (s->sub < 0)
        return shop_fail(SHOP_EINTERNAL, "cannot subscribe to the alert hub");
    s->polling = pthread_create(&s->poller, NULL, poll_thread, s) == 0;
    if (!s->polling)
        log_warn("api: no alert poller thread: changes by other processes are not pushed");
    return SHOP_OK;
}

void app_streams_wake(struct app *a)
{
    struct streams *s = a->streams;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void app_streams_close(struct app *a)
{
    struct streams *s = a->streams;
    if (!s)
        return;
    atomic_store(&a->stopping, 1);
    app_streams_wake(a);
    if (s->polling)
        pthread_join(s->poller, NULL);
    if (s->sub > 0)
        alerts_unsubscribe(a->hub, s->sub);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
    a->streams = NULL;
}

/* ---- one live stream ---- */

struct stream {
    struct app *app;
    uint64_t after;     /* the last note sent */
    time_t last_write;  /* for the heartbeat */
    char *buf;          /* formatted, not yet sent */
    size_t len, off;
    int hello;          /* the first read sends the retry hint (and a resync) */
    int resync;
    char token[CRYPTO_TOKEN_CHARS + 1]; /* the caller's login cookie: the stream ends with it */
    time_t checked;     /* when the login was last checked */
};

static void stream_release(void *ctx)
{
    struct stream *s = ctx;
    struct streams *ss = s->app->streams;
    pthread_mutex_lock(&ss->mu);
    ss->active--;
    pthread_mutex_unlock(&ss->mu);
    free(s->buf);
    crypto_wipe(s->token, sizeof(s->token));
    free(s);
}

/* formats the notes after s->after into s->buf; 1 when there was something */
static int stream_fill(struct stream *s)
{
    struct alerts_note notes[16];
    size_t got = alerts_since(s->app->hub, s->after, notes, 16);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!s->hello) {
        fputs("retry: 2000\n\n", f);
        s->hello = 1;
    }
    if (got && notes[0].seq > s->after + 1 && s->after)
        s->resync = 1; /* notes left the hub's ring before this stream read them */
    if (s->resync) {
        fprintf(f, "event: resync\ndata: {\"seq\":%llu}\n\n",
                (unsigned long long)(got ? notes[0].seq - 1 : s->after));
        s->resync = 0;
    }
    for (size_t i = 0; i < got; i++) {
        struct jsonw w;
        fprintf(f, "id: %llu\nevent: alert\ndata: ", (unsigned long long)notes[i].seq);
        jw_init(&w, f, 0);
        alerts_note_write_json(&w, &notes[i]);
        jw_finish(&w); /* ends the line */
        fputs("\n", f);
        s->after = notes[i].seq;
    }
    fclose(f);
    if (!len) {
        free(text);
        return 0;
    }
    free(s->buf);
    s->buf = text;
    s->len = len;
    s->off = 0;
    return 1;
}

static ssize_t stream_read(void *ctx, char *out, size_t max)
{
    struct stream *s = ctx;
    struct streams *ss = s->app->streams;
    if (atomic_load(&s->app->stopping))
        return -1;
    time_t t = time(NULL);
    if (t - s->checked >= STREAM_RECHECK_S) {
        s->checked = t;
        if (!app_session_valid(s->app, s->token, (int64_t)t))
            return -1; /* logged out, expired or removed: the feed ends */
    }
    if (s->off == s->len) {
        /* never waits: it runs on the server's event thread, which parks the stream after a
         * 0 and reads it again a moment later */
        pthread_mutex_lock(&ss->mu);
        int quiet = ss->seq <= s->after && s->hello;
        pthread_mutex_unlock(&ss->mu);
        if (quiet && time(NULL) - s->last_write < STREAM_HEARTBEAT_S)
            return 0;
        if (!stream_fill(s)) {
            time_t now = time(NULL);
            if (now - s->last_write < STREAM_HEARTBEAT_S)
                return 0;
            free(s->buf);
            s->buf = xstrdup(": keep-alive\n\n");
            s->len = strlen(s->buf);
            s->off = 0;
        }
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    s->last_write = time(NULL);
    return (ssize_t)n;
}

static int get_stream(struct api_ctx *c)
{
    struct streams *ss = c->app->streams;
    uint64_t last = alerts_last_seq(c->app->hub), after = last;
    const char *lei = http_header(c->req, "Last-Event-ID");
    int64_t v;
    int resync = 0;
    if (lei && parse_int64(lei, 0, INT64_MAX, &v) == SHOP_OK) {
        if ((uint64_t)v <= last)
            after = (uint64_t)v;
        else
            resync = 1; /* an id from before a restart */
    }
    pthread_mutex_lock(&ss->mu);
    int full = ss->active >= ss->max;
    if (!full)
        ss->active++;
    pthread_mutex_unlock(&ss->mu);
    if (full) {
        http_res_header(c->res, "Retry-After", "10");
        return api_error(c, shop_fail(SHOP_EBUSY, "too many live alert streams (%d)", ss->max));
    }
    struct stream *s = xcalloc(1, sizeof(*s));
    s->app = c->app;
    s->after = after;
    s->resync = resync;
    s->last_write = time(NULL);
    s->checked = s->last_write;
    const char *cookie = http_cookie(c->req, "shopper_session");
    snprintf(s->token, sizeof(s->token), "%s", cookie ? cookie : "");
    c->res->ctype = "text/event-stream";
    c->res->stream_read = stream_read;
    c->res->stream_release = stream_release;
    c->res->stream_ctx = s;
    http_res_header(c->res, "Cache-Control", "no-store");
    http_res_header(c->res, "X-Accel-Buffering", "no");
    return 200;
}

/* ---- list, acknowledge, resolve ---- */

static int get_alerts(struct api_ctx *c)
{
    const char *status = NULL;
    int64_t limit;
    int rc = api_query_str(c, "status", 16, &status);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, LIST_MAX, 50, &limit);
    if (rc == SHOP_OK && status && strcmp(status, "all") && strcmp(status, "open") &&
        strcmp(status, "acknowledged") && strcmp(status, "resolved"))
        rc = shop_fail(SHOP_EINVAL, "status is open, acknowledged, resolved or all");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    if (status && strcmp(status, "all") == 0)
        status = NULL;
    struct store_alert_row *rows = NULL;
    size_t n = 0;
    rc = store_alerts_list(c->st, status, (size_t)limit, &rows, &n);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "alerts");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        alerts_row_write_json(w, &rows[i]);
    jw_end(w);
    jw_key(w, "seq");
    jw_int(w, (int64_t)alerts_last_seq(c->app->hub));
    jw_end(w);
    jw_finish(w);
    free(rows);
    return 200;
}

static int write_alert(struct api_ctx *c, int64_t id)
{
    struct store_alert_row r;
    int rc = store_alert_get(c->st, id, &r);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    alerts_row_write_json(w, &r);
    jw_finish(w);
    return 200;
}

static int post_ack(struct api_ctx *c)
{
    int64_t id;
    int rc = api_param_id(c, 0, &id);
    if (rc == SHOP_OK)
        rc = alerts_acknowledge(c->st, c->app->hub, id, c->who.user.username, c->now);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    return write_alert(c, id);
}

static int post_resolve(struct api_ctx *c)
{
    int64_t id;
    const char *note = NULL;
    int rc = api_param_id(c, 0, &id);
    if (rc == SHOP_OK)
        rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "note", 1, 255, &note);
    if (rc == SHOP_OK && !*note)
        rc = shop_fail(SHOP_EINVAL, "say what was done in 'note'");
    if (rc == SHOP_OK)
        rc = alerts_resolve(c->st, c->app->hub, id, c->who.user.username, note, c->now);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    return write_alert(c, id);
}

const struct api_route alerts_routes[] = {
    {"GET", "/api/v1/alerts", get_alerts, API_STAFF, 0},
    {"GET", "/api/v1/alerts/stream", get_stream, API_STAFF, 0},
    {"POST", "/api/v1/alerts/{id}/ack", post_ack, API_STAFF, 0},
    {"POST", "/api/v1/alerts/{id}/resolve", post_resolve, API_STAFF, 0},
    {NULL, NULL, NULL, 0, 0},
};
