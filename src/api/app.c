/* api/app.c - the server's shared state, the router and the per-request frame around
 * every handler: borrow a store handle, find the route, check who is calling, run the
 * handler, map errors, log the request. */
#include "api/api_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/pricing.h"
#include "analytics/recommend.h"
#include "analytics/segments.h"
#include "api/metrics.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/alerts.h"
#include "identity/gallery.h"
#include "identity/identify.h"
#include "identity/privacy.h"
#include "vision/face.h"

/* every resource's routes; a route's number (for metrics) is its place in this order */
static const struct api_route *const route_tables[] = {
    system_routes,
    auth_routes,
    mirror_routes,
    kpi_routes,
    sales_routes,
    heatmap_routes,
    segments_routes,
    rules_routes,
    emotions_routes,
    pricing_routes,
    products_routes,
    customers_routes,
    cart_routes,
    foryou_routes,
    alerts_routes,
};
#define NTABLES (sizeof(route_tables) / sizeof(*route_tables))

static int nroutes(void)
{
    int n = 0;
    for (size_t t = 0; t < NTABLES; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++)
            n++;
    return n;
}

static const struct api_route *route_at(int i)
{
    for (size_t t = 0; t < NTABLES; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++)
            if (i-- == 0)
                return r;
    return NULL;
}

/* ---- store handles ---- */

#define POOL_MAX 64
#define STORE_BUSY_MS 2000

static int pool_init(struct store_pool *p, const char *path)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->write_lock, NULL);
    p->path = path;
    p->max = POOL_MAX;
    p->free_list = xcalloc(POOL_MAX, sizeof(*p->free_list));
    /* one handle now: it checks the file (and upgrades its schema once, before threads) */
    struct store *st;
    int rc = store_open(path, STORE_WRITE, &st);
    if (rc != SHOP_OK)
        return rc;
    store_set_busy_timeout(st, STORE_BUSY_MS);
    store_share_write_lock(st, &p->write_lock);
    p->free_list[p->nfree++] = st;
    p->nopen = 1;
    return SHOP_OK;
}

static void pool_release(struct store_pool *p)
{
    for (int i = 0; i < p->nfree; i++)
        store_close(p->free_list[i]);
    free(p->free_list);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->write_lock);
}

struct store *store_pool_get(struct store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->nfree) {
            struct store *st = p->free_list[--p->nfree];
            pthread_mutex_unlock(&p->mu);
            return st;
        }
        if (p->nopen < p->max) {
            p->nopen++;
            pthread_mutex_unlock(&p->mu);
            struct store *st = NULL;
            if (store_open(p->path, STORE_WRITE, &st) != SHOP_OK) {
                log_error("api: cannot open another store handle: %s", shop_errmsg());
                pthread_mutex_lock(&p->mu);
                p->nopen--;
                pthread_mutex_unlock(&p->mu);
                return NULL;
            }
            store_set_busy_timeout(st, STORE_BUSY_MS);
            store_share_write_lock(st, &p->write_lock);
            return st;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

void store_pool_put(struct store_pool *p, struct store *st)
{
    if (!st)
        return;
    store_rollback(st); /* a handler that failed half-way leaves no open transaction */
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = st;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int app_session_valid(struct app *a, const char *token, int64_t now)
{
    struct store *st = store_pool_get(&a->pool);
    if (!st)
        return 1; /* cannot tell now: asked again at the next check */
    struct auth_who who;
    int rc = auth_session_check(st, token, now, &who);
    store_pool_put(&a->pool, st);
    crypto_wipe(&who, sizeof(who));
    return rc == SHOP_OK || (rc != SHOP_EAUTH && rc != SHOP_ENOTFOUND);
}

/* ---- face workspaces ---- */

static void faces_init(struct app *a)
{
    struct face_pool *p = xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->n = a->cfg.vision_threads > 0 ? a->cfg.vision_threads : 1;
    p->ws = xcalloc((size_t)p->n, sizeof(*p->ws));
    for (int i = 0; i < p->n; i++)
        p->ws[i] = face_ws_new(a->faces);
    p->nfree = p->n;
    a->wss = p;
}

static void faces_release(struct app *a)
{
    struct face_pool *p = a->wss;
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        face_ws_free(p->ws[i]);
    free(p->ws);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    a->wss = NULL;
}

struct face_ws *face_pool_get(struct app *a)
{
    struct face_pool *p = a->wss;
    if (!p)
        return NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->nfree)
        pthread_cond_wait(&p->cv, &p->mu);
    struct face_ws *ws = p->ws[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return ws;
}

void face_pool_put(struct app *a, struct face_ws *ws)
{
    struct face_pool *p = a->wss;
    if (!p || !ws)
        return;
    pthread_mutex_lock(&p->mu);
    p->ws[p->nfree++] = ws;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void app_warm_up(struct app *a)
{
    if (!a->wss)
        return;
    /* every network the mirror's frames use, built and sized for a camera frame in every
     * workspace (face_ws_warm), so that no shopper waits for a first-frame build */
    struct face_opts o;
    identify_face_opts(&o);
    o.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR | FACE_WANT_EXPRESSIONS;
    struct face_ws **taken = xcalloc((size_t)a->wss->n, sizeof(*taken));
    for (int i = 0; i < a->wss->n; i++) {
        taken[i] = face_pool_get(a);
        if (face_ws_warm(taken[i], 640, 480, &o) != SHOP_OK)
            log_warn("api: warm-up of a face workspace failed: %s", shop_errmsg());
    }
    for (int i = 0; i < a->wss->n; i++)
        face_pool_put(a, taken[i]);
    free(taken);
    log_info("api: %d face workspaces ready", a->wss->n);
}

/* ---- the response cache ----
 * Whole answers of read-only routes, each valid while the kinds of data it was computed from
 * stay the same (enum store_kind: sales, stock, emotions, ...). The store counts the writes of
 * every kind (schema v6, data_gens, raised by triggers whoever writes); before every lookup
 * a watch handle (whichever is free) asks PRAGMA data_version, and only when another
 * connection (of this process or another) committed does it read the counters again. An answer's stamp is
 * the sum of its kinds' counters plus app->data_epoch (moved when the counters cannot be
 * read): counters only grow, so a write of any of its kinds moves the stamp, and a write of
 * another kind (a login, a cart reservation, an emotion event for the sales series) does not.
 * An answer is computed after its stamp was read, so a commit it may have missed moves the
 * stamp past it. Keyed by the caller's role, the route's path and every query argument, and
 * for routes that say so by the shopper logged in at the mirror and the request's second.
 * Concurrent misses of one key wait for one computation. */

#define RCACHE_SLOTS 512
#define RCACHE_MAX_BODY ((size_t)4 << 20)
#define RCACHE_MAX_BYTES ((size_t)64 << 20)
#define RCACHE_KEY_MAX 2048

enum {
    VARY_NOW = 1,     /* the handler reads c->now */
    VARY_SHOPPER = 2, /* the answer depends on the customer logged in at the calling mirror */
};

#define K(kind) (1u << STORE_KIND_##kind)
/* what the segments' description is built from (store_features_stamp): customers, their
 * purchases, try-ons and sessions, the catalogue, items, profiles, the model, settings */
#define SEGMENT_KINDS                                                                         \
    (K(CUSTOMERS) | K(SALES) | K(TRYONS) | K(SESSIONS) | K(CATALOG) | K(PRICES) | K(STOCK) |  \
     K(PROFILES) | K(MODELS) | K(META))

/* the routes whose GET answers depend on the store's rows of `kinds` (and on what `vary`
 * says) only: a route reading another kind must list it, or its answers go stale */
static const struct {
    const char *pattern;
    unsigned vary;
    unsigned kinds;
} cached_routes[] = {
    {"/api/v1/kpi", 0,
     K(SALES) | K(SESSIONS) | K(TRYONS) | K(STOCK) | K(CATALOG) | K(EMOTIONS) | K(ALERTS)},
    {"/api/v1/sales/daily", 0, K(SALES)},
    {"/api/v1/sales/by", 0, K(SALES) | K(CATALOG)},
    {"/api/v1/sales/products", 0, K(SALES) | K(TRYONS) | K(CATALOG) | K(PRICES) | K(STOCK)},
    {"/api/v1/inventory", 0, K(STOCK) | K(CATALOG) | K(PRICES)},
    {"/api/v1/inventory/tried-sold", 0,
     K(SALES) | K(TRYONS) | K(CATALOG) | K(PRICES) | K(STOCK)},
    {"/api/v1/heatmap", 0,
     K(FLOOR) | K(SESSIONS) | K(SESSION_ENDS) | K(SALES) | K(CUSTOMERS) | K(CATALOG)},
    {"/api/v1/segments", 0, SEGMENT_KINDS},
    {"/api/v1/segments/points", 0, K(PROFILES) | K(MODELS) | K(CUSTOMERS) | K(META)},
    {"/api/v1/profiles/summary", 0, K(PROFILES) | K(CUSTOMERS)},
    {"/api/v1/rules", 0, K(RULES) | K(CATALOG) | K(META)},
    {"/api/v1/emotions", 0, K(EMOTIONS) | K(ALERTS) | K(SESSIONS)},
    {"/api/v1/emotions/sessions", 0, K(EMOTIONS) | K(CUSTOMERS) | K(SESSIONS)},
    {"/api/v1/products", VARY_NOW | VARY_SHOPPER, K(CATALOG) | K(PRICES) | K(STOCK) | K(RECO)},
    {"/api/v1/products/{id}", VARY_NOW | VARY_SHOPPER,
     K(CATALOG) | K(PRICES) | K(STOCK) | K(RECO)},
};
#undef K

/* an answer's bytes, shared by the cache and the responses sending them */
struct rbody {
    atomic_int refs;
    size_t len;
    char data[];
};

static void rbody_unref(void *p)
{
    struct rbody *b = p;
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

struct rcache_entry {
    char *key;
    uint64_t epoch; /* the stamp of the data it was computed from */
    struct rbody *body; /* NULL while a request computes it */
    int computing;      /* a request is computing this key in this epoch */
    int png;            /* image/png, else JSON */
    char *extra;
};

/* a handle that only asks PRAGMA data_version, and then the counters of every kind of data:
 * it never writes, so it sees every commit to the file by any other connection, this
 * process's handles included */
struct watcher {
    pthread_mutex_t mu;
    struct store *st;
    int64_t gens[STORE_KIND_COUNT]; /* the counters at this watcher's last look */
    int gens_unknown;               /* the last look could not read them */
};

/* a request takes whichever watcher is free: with one, a thread that the scheduler stopped
 * while holding it held every cache hit behind it (measured: most answers over 2 ms waited
 * there, p99 12 ms under wrk) */
#define WATCHERS 4

struct rcache {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* an answer being computed is in (or given up) */
    struct rcache_entry e[RCACHE_SLOTS];
    size_t bytes;
    struct watcher w[WATCHERS];
    atomic_uint next; /* the watcher to wait for when none is free */
};

static struct rcache *rcache_new(const char *path)
{
    struct rcache *r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    for (int i = 0; i < WATCHERS; i++) {
        pthread_mutex_init(&r->w[i].mu, NULL);
        if (store_open(path, 0, &r->w[i].st) != SHOP_OK) {
            log_warn("api: no response cache: %s", shop_errmsg());
            r->w[i].st = NULL;
        }
    }
    return r;
}

static void entry_clear(struct rcache *r, struct rcache_entry *e)
{
    if (e->body)
        r->bytes -= e->body->len;
    free(e->key);
    rbody_unref(e->body);
    free(e->extra);
    memset(e, 0, sizeof(*e));
}

static void rcache_free(struct rcache *r)
{
    if (!r)
        return;
    for (int i = 0; i < RCACHE_SLOTS; i++)
        entry_clear(r, &r->e[i]);
    for (int i = 0; i < WATCHERS; i++) {
        store_close(r->w[i].st);
        pthread_mutex_destroy(&r->w[i].mu);
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

/* reads, once per request, the counters of every kind of data as they are now (again first
 * when the store changed since the watch handle's last look) and the epochs */
static void watch_look(struct api_ctx *c)
{
    if (c->looked)
        return;
    c->looked = 1;
    struct app *a = c->app;
    struct rcache *r = a->rcache;
    struct watcher *w = NULL;
    for (int i = 0; i < WATCHERS && !w; i++)
        if (pthread_mutex_trylock(&r->w[i].mu) == 0)
            w = &r->w[i];
    if (!w) {
        w = &r->w[atomic_fetch_add(&r->next, 1) % WATCHERS];
        pthread_mutex_lock(&w->mu);
    }
    if (!w->st) {
        atomic_fetch_add(&a->data_epoch, 1);
        atomic_fetch_add(&a->commit_epoch, 1);
    } else {
        int moved = store_data_moved(w->st);
        if (moved)
            atomic_fetch_add(&a->commit_epoch, 1);
        if ((moved || w->gens_unknown) &&
            (w->gens_unknown = store_kind_gens(w->st, w->gens) != SHOP_OK)) {
            /* cannot tell what changed: everything did, and it is asked again next time */
            log_warn("api: cannot read the data generations: %s", shop_errmsg());
            shop_err_clear();
            atomic_fetch_add(&a->data_epoch, 1);
        }
    }
    memcpy(c->gens, w->gens, sizeof(c->gens));
    c->data_epoch = atomic_load(&a->data_epoch);
    c->commit_epoch = atomic_load(&a->commit_epoch);
    pthread_mutex_unlock(&w->mu);
}

/* the stamp of the data of `kinds` for this request */
static uint64_t data_stamp(struct api_ctx *c, unsigned kinds)
{
    watch_look(c);
    uint64_t e = c->data_epoch;
    for (int k = 0; k < STORE_KIND_COUNT; k++)
        if (kinds & (1u << k))
            e += (uint64_t)c->gens[k];
    return e;
}

static uint64_t key_hash(const char *k)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 0x100000001b3ULL;
    return h;
}

/* the cache key of this request and the kinds of data its answer reads, or NULL when the
 * route's answers are not kept */
static char *cache_key_of(struct api_ctx *c, const struct api_route *r, unsigned *kinds)
{
    if (strcmp(c->req->method, "GET") != 0 && strcmp(c->req->method, "HEAD") != 0)
        return NULL;
    unsigned vary = 0;
    size_t i;
    for (i = 0; i < sizeof(cached_routes) / sizeof(*cached_routes); i++)
        if (strcmp(cached_routes[i].pattern, r->pattern) == 0)
            break;
    if (i == sizeof(cached_routes) / sizeof(*cached_routes))
        return NULL;
    vary = cached_routes[i].vary;
    *kinds = cached_routes[i].kinds;
    int64_t shopper = 0;
    struct mirror_who mw;
    if ((vary & VARY_SHOPPER) && c->who.role == AUTH_MIRROR &&
        app_mirror_who(c->app, &c->who.device, &mw) == SHOP_OK)
        shopper = mw.customer_id;
    shop_err_clear();
    char query[RCACHE_KEY_MAX];
    if (!http_query_key(c->req, query, sizeof(query)))
        return NULL;
    char *key = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&key, &len);
    fprintf(f, "%d|%lld|%lld|%s?%s", (int)c->who.role, (long long)shopper,
            (long long)((vary & VARY_NOW) ? c->now : 0), c->req->path, query);
    fclose(f);
    return key;
}

#define RCACHE_WAIT_S 10

/* Fills res from the cache: 1 on a hit. On a miss (0) *claimed says whether this request
 * computes the answer for the others: while it does, requests for the same key and epoch
 * wait for it (at most RCACHE_WAIT_S) instead of computing it again. claimed NULL: a look
 * that neither waits nor claims (on an event thread). */
static int rcache_get(struct rcache *r, const char *key, uint64_t epoch, struct http_res *res,
                      int *claimed)
{
    if (claimed)
        *claimed = 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += RCACHE_WAIT_S;
    pthread_mutex_lock(&r->mu);
    struct rcache_entry *e = &r->e[key_hash(key) % RCACHE_SLOTS];
    for (;;) {
        int same = e->key && e->epoch == epoch && strcmp(e->key, key) == 0;
        if (same && e->body) {
            atomic_fetch_add(&e->body->refs, 1);
            res->body = e->body->data;
            res->len = e->body->len;
            res->body_free = rbody_unref;
            res->body_cls = e->body;
            res->ctype = e->png ? "image/png" : NULL;
            snprintf(res->extra, sizeof(res->extra), "%s", e->extra ? e->extra : "");
            pthread_mutex_unlock(&r->mu);
            return 1;
        }
        if (!(same && e->computing) || !claimed)
            break;
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0) {
            pthread_mutex_unlock(&r->mu); /* still not in: compute it too */
            return 0;
        }
    }
    if (claimed && !e->computing) {
        entry_clear(r, e);
        e->key = xstrdup(key);
        e->epoch = epoch;
        e->computing = 1;
        *claimed = 1;
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* After a miss: keeps a copy of a 200 answer computed in `epoch` (res NULL: no answer to
 * keep), and wakes the requests waiting for it. */
static void rcache_put(struct rcache *r, const char *key, uint64_t epoch,
                       const struct http_res *res, int claimed)
{
    int png = res && res->ctype && strcmp(res->ctype, "image/png") == 0;
    if (res && (res->len > RCACHE_MAX_BODY || (res->ctype && !png) || res->fd >= 0 ||
                res->stream_read || res->body_free))
        res = NULL;
    pthread_mutex_lock(&r->mu);
    struct rcache_entry *e = &r->e[key_hash(key) % RCACHE_SLOTS];
    int mine = claimed && e->computing && e->epoch == epoch && strcmp(e->key, key) == 0;
    if (mine || (!e->computing && res)) {
        entry_clear(r, e);
        if (res && r->bytes + res->len <= RCACHE_MAX_BYTES) {
            e->key = xstrdup(key);
            e->epoch = epoch;
            e->body = xmalloc(sizeof(*e->body) + (res->len ? res->len : 1));
            atomic_init(&e->body->refs, 1);
            e->body->len = res->len;
            memcpy(e->body->data, res->body, res->len);
            e->png = png;
            e->extra = res->extra[0] ? xstrdup(res->extra) : NULL;
            r->bytes += res->len;
        }
    }
    if (mine)
        pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* ---- maintenance ---- */

/* An erasure that a reader held back (its deleted bytes still in the WAL) is completed by
 * the next checkpoint that can run: tried every maintenance_s seconds, not only by the next
 * `shopper purge`. */
static void maintain(struct app *a)
{
    struct store *st = store_pool_get(&a->pool);
    if (!st)
        return;
    int64_t done = 0, left = 0;
    int rc = privacy_complete_pending(st, (int64_t)time(NULL), &done, &left);
    if (rc != SHOP_OK)
        log_warn("api: completing pending erasures: %s", shop_errmsg());
    else if (left)
        log_info("api: %lld erasure(s) still pending (a reader holds an old snapshot)",
                 (long long)left);
    store_pool_put(&a->pool, st);
}

static void *maint_thread(void *p)
{
    struct app *a = p;
    int every = a->cfg.maintenance_s > 0 ? a->cfg.maintenance_s : 60;
    pthread_mutex_lock(&a->maint_mu);
    while (!a->maint_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += every;
        pthread_cond_timedwait(&a->maint_cv, &a->maint_mu, &ts);
        if (a->maint_stop)
            break;
        pthread_mutex_unlock(&a->maint_mu);
        maintain(a);
        pthread_mutex_lock(&a->maint_mu);
    }
    pthread_mutex_unlock(&a->maint_mu);
    return NULL;
}

static void maint_start(struct app *a)
{
    pthread_mutex_init(&a->maint_mu, NULL);
    pthread_cond_init(&a->maint_cv, NULL);
    a->maint_running = pthread_create(&a->maint, NULL, maint_thread, a) == 0;
    if (!a->maint_running)
        log_warn("api: no maintenance thread: pending erasures wait for `shopper purge`");
}

static void maint_stop(struct app *a)
{
    if (!a->maint_running)
        return;
    pthread_mutex_lock(&a->maint_mu);
    a->maint_stop = 1;
    pthread_cond_signal(&a->maint_cv);
    pthread_mutex_unlock(&a->maint_mu);
    pthread_join(a->maint, NULL);
    a->maint_running = 0;
    pthread_mutex_destroy(&a->maint_mu);
    pthread_cond_destroy(&a->maint_cv);
}

/* ---- the app ---- */

int app_open(const struct app_config *cfg, struct app **out)
{
    *out = NULL;
    struct app *a = xcalloc(1, sizeof(*a));
    a->cfg = *cfg;
    int rc = pool_init(&a->pool, cfg->db_path);
    if (rc != SHOP_OK) {
        free(a->pool.free_list);
        free(a);
        return rc;
    }
    a->gallery = gallery_new();
    a->hub = alerts_new(256);
    a->limiter = auth_limiter_new();
    a->reco = reco_cache_new(NULL);
    a->pricing = pricing_cache_new();
    a->metrics = metrics_new(nroutes());
    a->rcache = rcache_new(cfg->db_path);
    a->callers = auth_cache_new();
    a->segments = segments_cache_new();
    struct store *st = store_pool_get(&a->pool);
    rc = gallery_load(a->gallery, st);
    store_pool_put(&a->pool, st);
    if (rc == SHOP_OK)
        rc = app_mirrors_open(a);
    if (rc == SHOP_OK)
        rc = app_streams_open(a);
    if (rc == SHOP_OK && cfg->models_dir) {
        rc = face_engine_load(cfg->models_dir, FACE_NET_ALL, &a->faces);
        if (rc != SHOP_OK)
            rc = shop_fail(rc, "cannot load the face models from '%s': %s (run make models, "
                           "or serve without --models)", cfg->models_dir, shop_errmsg_or(rc));
    }
    if (rc != SHOP_OK) {
        app_close(a);
        return rc;
    }
    if (a->faces)
        faces_init(a);
    maint_start(a);
    *out = a;
    return SHOP_OK;
}

void app_close(struct app *a)
{
    if (!a)
        return;
    maint_stop(a);
    app_streams_close(a); /* joins the alert poller */
    faces_release(a);
    app_mirrors_close(a);
    face_engine_free(a->faces);
    gallery_free(a->gallery);
    alerts_free(a->hub);
    auth_limiter_free(a->limiter);
    reco_cache_free(a->reco);
    pricing_cache_free(a->pricing);
    metrics_free(a->metrics);
    rcache_free(a->rcache);
    auth_cache_free(a->callers);
    segments_cache_free(a->segments);
    pool_release(&a->pool);
    free(a);
}

void app_abandon(struct app *a)
{
    maint_stop(a);
    struct store_pool *p = &a->pool;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->nfree; i++)
        store_close(p->free_list[i]);
    p->nopen -= p->nfree;
    p->nfree = 0;
    p->max = 0; /* no new handle is opened from now on */
    pthread_mutex_unlock(&p->mu);
}

void app_stop_streams(struct app *a)
{
    atomic_store(&a->stopping, 1);
    app_streams_wake(a); /* streams waiting for a note end now */
}


/* ---- routing ---- */

/* matches path against pattern, collecting {x} segments; 1 when it matches */
static int match(const char *pattern, const char *path, struct api_ctx *c)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            size_t n = strcspn(s, "/");
            if (!pe || n == 0 || np == API_MAX_PARAMS)
                return 0;
            c->params[np] = s;
            c->param_len[np] = n;
            np++;
            p = pe + 1;
            s += n;
        } else if (*p++ != *s++)
            return 0;
    }
    if (*p || *s)
        return 0;
    c->nparams = np;
    return 1;
}

static int allowed(unsigned allow, enum auth_role role)
{
    switch (role) {
    case AUTH_MIRROR: return (allow & API_MIRROR) != 0;
    case AUTH_STAFF: return (allow & API_STAFF) != 0;
    case AUTH_MANAGER: return (allow & (API_STAFF | API_MANAGER)) != 0;
    default: return 0;
    }
}

/* who is calling: a mirror's bearer token, else a login cookie */
/* the caller of this request; fast (an event thread): without the once-a-minute renewal write,
 * which could wait on the store's write lock (*renew_due says one is due) */
static int identify_caller(struct api_ctx *c, int fast)
{
    const char *auth = http_header(c->req, "Authorization");
    int bearer = auth && strncmp(auth, "Bearer ", 7) == 0;
    const char *cookie = bearer ? NULL : http_cookie(c->req, "shopper_session");
    if (fast && (bearer || cookie)) { /* from memory while nothing was committed */
        watch_look(c);
        return auth_peek_cached(c->app->callers, c->commit_epoch, c->st, bearer,
                                bearer ? auth + 7 : cookie, c->now, &c->who);
    }
    if (bearer)
        return auth_device_check(c->st, auth + 7, c->now, &c->who);
    if (cookie)
        return auth_session_check(c->st, cookie, c->now, &c->who);
    return shop_fail(SHOP_EAUTH, "not logged in");
}

static int is_write(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* answered on the server's event threads when they can be: quick, and never waiting */
static int inline_route(const struct api_route *r)
{
    return strcmp(r->pattern, "/healthz") == 0 || strcmp(r->pattern, "/metrics") == 0;
}

#define DEFER (-1) /* dispatch on an event thread: this request goes to a worker */

/* fast: on an event thread, answering only what needs no wait (static files, errors found
 * before any handler, inline routes, response-cache hits), else DEFER before any output */
static int dispatch(struct api_ctx *c, int fast)
{
    const struct api_route *hit = NULL;
    int other_method = 0, idx = 0;
    for (size_t t = 0; t < NTABLES && !hit; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++, idx++)
            if (match(r->pattern, c->req->path, c)) {
                if (strcmp(r->method, c->req->method) == 0 ||
                    (strcmp(r->method, "GET") == 0 && strcmp(c->req->method, "HEAD") == 0)) {
                    hit = r;
                    break;
                }
                other_method = 1;
            }
    if (!hit) {
        c->res->tag = -1;
        if (other_method)
            return api_fail(c, 405, "method_not_allowed", "%s is not allowed on %s",
                            c->req->method, c->req->path);
        if (strncmp(c->req->path, "/api/", 5) == 0)
            return api_fail(c, 404, "not_found", "no such API route: %s", c->req->path);
        return app_static(c);
    }
    c->route = hit;
    c->res->tag = idx;
    /* only GETs can be cache hits: anything else goes to a worker before the caller is
     * looked up (a login's password hash, a frame) */
    if (fast && !inline_route(hit) && strcmp(c->req->method, "GET") != 0 &&
        strcmp(c->req->method, "HEAD") != 0)
        return DEFER;
    if (!(hit->allow & API_PUBLIC) || http_header(c->req, "Authorization") ||
        http_cookie(c->req, "shopper_session")) {
        int rc = identify_caller(c, fast);
        if (fast && rc == SHOP_OK && c->who.renew_due)
            return DEFER; /* a worker renews it */
        if (rc != SHOP_OK && !(hit->allow & API_PUBLIC))
            return api_error(c, rc == SHOP_ENOTFOUND ? SHOP_EAUTH : rc);
        if (rc != SHOP_OK)
            memset(&c->who, 0, sizeof(c->who)); /* a public route works without login */
    }
    if (!(hit->allow & API_PUBLIC) && !allowed(hit->allow, c->who.role))
        return api_fail(c, 403, "forbidden", "a %s may not %s %s", auth_role_name(c->who.role),
                        c->req->method, hit->pattern);
    /* a cookie is sent by the browser on its own: every write made with one must carry the
     * session's CSRF token, which only our pages can read */
    if (is_write(c->req->method) && (c->who.role == AUTH_STAFF || c->who.role == AUTH_MANAGER) &&
        http_cookie(c->req, "shopper_session")) {
        const char *t = http_header(c->req, "X-CSRF-Token");
        size_t n = strlen(c->who.csrf);
        if (!t || strlen(t) != n || !n || !crypto_equal(t, c->who.csrf, n))
            return api_fail(c, 403, "csrf", "missing or wrong X-CSRF-Token header");
    }
    /* a JSON route's body is JSON: anything else is refused before parsing */
    if (c->req->body_len && hit->max_body != API_BODY_FRAME &&
        !api_content_type_is(c, "application/json"))
        return api_fail(c, 415, "unsupported_media_type",
                        "the body must be JSON (Content-Type: application/json)");
    if (fast && inline_route(hit))
        return hit->fn(c);
    unsigned kinds = 0;
    c->cache_key = cache_key_of(c, hit, &kinds);
    if (c->cache_key) {
        c->cache_epoch = data_stamp(c, kinds);
        if (rcache_get(c->app->rcache, c->cache_key, c->cache_epoch, c->res,
                       fast ? NULL : &c->cache_claimed)) {
            metrics_add(c->app->metrics, METRICS_CACHE_HITS, 1);
            return 200;
        }
        if (!fast) /* a miss on an event thread is looked up again by the worker */
            metrics_add(c->app->metrics, METRICS_CACHE_COMPUTED, 1);
    }
    if (fast)
        return DEFER;
    return hit->fn(c);
}

/* one request, on a worker (fast 0) or an event thread (fast 1: 0 when it is left for a
 * worker, res untouched) */
static int handle(struct app *a, const struct http_req *req, struct http_res *res, int fast)
{
    struct api_ctx c = {.app = a, .req = req, .res = res, .now = (int64_t)time(NULL)};
    shop_err_clear();
    int status;
    c.st = store_pool_get(&a->pool);
    if (!c.st)
        status = api_fail(&c, 503, "unavailable", "the store cannot be opened now");
    else
        status = dispatch(&c, fast); /* its writes reach the cache through the data generations */
    store_pool_put(&a->pool, c.st);
    if (status == DEFER) {
        free(c.cache_key);
        res->tag = 0;
        return 0;
    }
    if (c.json_in)
        json_decref(c.json_in);
    if (c.out) {
        fclose(c.out);
        res->body = c.out_buf;
        res->len = c.out_len;
    }
    res->status = status;
    if (c.cache_key && (c.out || c.cache_claimed))
        rcache_put(a->rcache, c.cache_key, c.cache_epoch, status == 200 && c.out ? res : NULL,
                   c.cache_claimed);
    free(c.cache_key);
    if (!res->ctype && res->fd < 0 && !res->stream_read)
        http_res_header(res, "Cache-Control", "no-store");
    http_res_header(res, "X-Content-Type-Options", "nosniff");
    if (status >= 500)
        log_error("api: %s %s -> %d: %s", req->method, req->path, status, shop_errmsg());
    return 1;
}

void app_handle(void *ctx, const struct http_req *req, struct http_res *res)
{
    (void)handle(ctx, req, res, 0);
}

int app_handle_fast(void *ctx, const struct http_req *req, struct http_res *res)
{
    return handle(ctx, req, res, 1);
}

int app_lane(void *ctx, const struct http_req *req)
{
    (void)ctx;
    struct api_ctx c = {0};
    for (size_t t = 0; t < NTABLES; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++)
            if (r->max_body == API_BODY_FRAME && strcmp(r->method, req->method) == 0 &&
                match(r->pattern, req->path, &c))
                return 1;
    return 0;
}

size_t app_body_limit(void *ctx, const char *method, const char *path)
{
    struct app *a = ctx;
    struct api_ctx c = {0};
    for (size_t t = 0; t < NTABLES; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++)
            if (strcmp(r->method, method) == 0 && match(r->pattern, path, &c)) {
                if (r->max_body == API_BODY_FRAME)
                    return a->cfg.max_frame_bytes;
                return r->max_body ? r->max_body : API_JSON_MAX;
            }
    return 0; /* no route takes a body here */
}

void app_done(void *ctx, const struct http_req *req, int tag, int status, uint64_t bytes,
              double seconds)
{
    struct app *a = ctx;
    metrics_request(a->metrics, tag, status, seconds);
    /* the path only: query strings may hold e-mails; bodies (frames, passwords) never */
    log_info("%s %s %s %d %llu %.1fms", req->client, req->method, req->path, status,
             (unsigned long long)bytes, seconds * 1e3);
}

void app_routes_write(FILE *f)
{
    for (size_t t = 0; t < NTABLES; t++)
        for (const struct api_route *r = route_tables[t]; r->method; r++) {
            fprintf(f, "%s %s", r->method, r->pattern);
            static const char *const names[] = {"public", "mirror", "staff", "manager"};
            for (int b = 0; b < 4; b++)
                if (r->allow & (1u << b))
                    fprintf(f, " %s", names[b]);
            fputc('\n', f);
        }
}

const char *app_route_label(void *ctx, int i)
{
    (void)ctx;
    static _Thread_local char buf[160];
    const struct api_route *r = route_at(i);
    snprintf(buf, sizeof(buf), "%s %s", r ? r->method : "?", r ? r->pattern : "?");
    return buf;
}
