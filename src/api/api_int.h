/* api/api_int.h - what the resource files share: the app's fields, the request context
 * and the helpers every handler uses. Not for use outside src/api/. */
#ifndef SHOP_API_INT_H
#define SHOP_API_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "store/store.h"

struct metrics;

/* a bounded pool of store handles, one lent to each request */
struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *path;
    struct store **free_list;
    int nfree, nopen, max;
    pthread_mutex_t write_lock; /* the handles' shared write lock (store_share_write_lock) */
};

/* the face workspaces, one lent to each frame being analysed */
struct face_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct face_ws **ws;
    int n, nfree;
};
struct mirrors;   /* api_mirror.c: per-device state */
struct streams;   /* api_alerts.c: live event streams */

struct app {
    struct app_config cfg;
    struct store_pool pool;
    struct face_engine *faces;  /* NULL without models */
    struct face_pool *wss;      /* face workspaces */
    struct gallery *gallery;
    struct alerts *hub;
    struct auth_limiter *limiter;
    struct metrics *metrics;
    struct mirrors *mirrors;
    struct streams *streams;
    struct reco_cache *reco;    /* the recommender engine, rebuilt when the store changes */
    struct pricing_cache *pricing; /* the demand model, loaded once per trained version */
    struct rcache *rcache;      /* whole answers of read-only routes (app.c) */
    struct segments_cache *segments; /* the segments described, until the features change */
    /* moves when the response cache cannot tell what changed in the store (its counters of
     * the kinds of data could not be read): part of every cached answer's stamp */
    atomic_uint_fast64_t data_epoch;
    /* moves whenever a commit to the store by any connection may have happened since it
     * was last read (a watch handle saw PRAGMA data_version move): the callers' cache
     * (auth_peek_cached) keeps what it read only while this stays */
    atomic_uint_fast64_t commit_epoch;
    struct auth_cache *callers;
    /* the maintenance thread (pending erasures) and what wakes it to stop */
    pthread_t maint;
    int maint_running, maint_stop;
    pthread_mutex_t maint_mu;
    pthread_cond_t maint_cv;
    atomic_int stopping;
};

struct api_ctx {
    struct app *app;
    const struct http_req *req;
    struct http_res *res;
    const struct api_route *route;
    struct store *st; /* lent for this request */
    struct auth_who who;
    int64_t now;      /* unix seconds at the request's start */
    const char *params[API_MAX_PARAMS];
    size_t param_len[API_MAX_PARAMS];
    int nparams;
    void *json_in;    /* the parsed body (json_t *), when the handler asked for it */
    FILE *out;        /* the response body being written */
    char *out_buf;
    size_t out_len;
    struct jsonw w;
    int looked;           /* the store's counters below were read for this request */
    int64_t gens[STORE_KIND_COUNT]; /* the counters of every kind of data (app.c) */
    uint64_t data_epoch, commit_epoch; /* app->data_epoch, app->commit_epoch then */
    char *cache_key;      /* set when this answer may be kept in the response cache */
    uint64_t cache_epoch; /* the data epoch the answer was computed in */
    int cache_claimed;    /* this request computes the answer others wait for */
};

/* a route's max_body that means "a camera frame": app_config.max_frame_bytes */
#define API_BODY_FRAME ((size_t)-1)

/* static files of the web apps (api_system.c): GET/HEAD of any path no route matched */
int app_static(struct api_ctx *c);
/* "GET /api/v1/products/{id}" for route number i (metrics labels) */
const char *app_route_label(void *ctx, int i);

/* the route tables (one per resource file) */
extern const struct api_route system_routes[];
extern const struct api_route auth_routes[];
extern const struct api_route mirror_routes[];
/* the Manager Dashboard (api_kpi.c, api_sales.c, api_heatmap.c, api_segments.c, api_rules.c,
 * api_emotions.c, api_pricing.c) */
extern const struct api_route kpi_routes[], sales_routes[], heatmap_routes[], segments_routes[],
    rules_routes[], emotions_routes[], pricing_routes[];
/* ?from=&to= as dates or times (a date as `to` means the end of that day, as in the CLI);
 * absent: from the beginning, without an end (KPI_OPEN_END). SHOP_EINVAL with a message. */
SHOP_MUST_CHECK int api_query_range(struct api_ctx *c, int64_t *from, int64_t *to);
extern const struct api_route products_routes[];
extern const struct api_route customers_routes[];
extern const struct api_route cart_routes[];
extern const struct api_route foryou_routes[];
extern const struct api_route alerts_routes[];

/* ---- live alert streams (api_alerts.c) ---- */
/* subscribes to the hub and starts the poller of changes made by other processes */
int app_streams_open(struct app *a);
/* wakes every stream waiting for a note (they end when a->stopping is set) */
void app_streams_wake(struct app *a);
/* stops the poller (sets a->stopping) and unsubscribes */
void app_streams_close(struct app *a);

/* ---- customers (api_customers.c) ---- */
struct shop_registration;
/* registers the customer of the JSON body (name, email, gender, size, biometric_consent,
 * consent_version, pin; r points into the body), the caller named as the privacy audit's
 * actor: the staff's and the mirror's registration alike. SHOP_EINVAL with a message. */
SHOP_MUST_CHECK int api_customer_register(struct api_ctx *c, struct shop_registration *r,
                                          int64_t *id);
/* "mirror:NAME" or "staff:USER", the caller as the privacy audit names it, in buf */
const char *api_actor(const struct api_ctx *c, char *buf, size_t n);

/* ---- mirrors (api_mirror.c): who is logged in at each paired mirror ---- */
struct mirror_who {
    int64_t customer_id; /* the customer logged in */
    int64_t session_id;  /* their shopping session */
    int64_t since;
};
int app_mirrors_open(struct app *a);
void app_mirrors_close(struct app *a);
/* the customer logged in at mirror d; SHOP_EAUTH (with a message) when nobody is */
SHOP_MUST_CHECK int app_mirror_who(struct app *a, const struct store_device *d,
                                   struct mirror_who *out);
/* logs a customer in at the calling mirror (c->who.device), opening a shopping session;
 * whoever was logged in there is logged out first. how: "face", "pin", "register" */
SHOP_MUST_CHECK int app_mirror_login(struct api_ctx *c, int64_t customer_id, const char *how);
/* ends the calling mirror's login and session; SHOP_EAUTH when nobody was logged in */
SHOP_MUST_CHECK int app_mirror_logout(struct api_ctx *c);
/* a new shopping session for the customer logged in at the calling mirror (after a purchase:
 * a session holds one cart); SHOP_EAUTH when nobody is logged in */
SHOP_MUST_CHECK int app_mirror_renew(struct api_ctx *c);
/* "logged_in", "customer" {id, name} or null, "session_id" keys of the calling mirror */
void app_mirror_write_who(struct api_ctx *c, struct jsonw *w);
/* customers logged in at any mirror now */
int64_t app_mirror_sessions(struct app *a);

/* ---- responses ---- */
/* the JSON writer of the response body (application/json) */
struct jsonw *api_json(struct api_ctx *c);
/* writes {"error": shop_errmsg_or(rc), "code": ...} and returns the code's status */
int api_error(struct api_ctx *c, int rc);
/* an error of the HTTP layer itself (415, 405 ...), with a message */
int api_fail(struct api_ctx *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* {"ok": true} */
int api_ok(struct api_ctx *c, int status);

/* ---- inputs ---- */
/* path parameter i ({id} ...) as a positive id; SHOP_EINVAL with a message */
SHOP_MUST_CHECK int api_param_id(struct api_ctx *c, int i, int64_t *out);
/* path parameter i copied into buf */
SHOP_MUST_CHECK int api_param_str(struct api_ctx *c, int i, char *buf, size_t n);
/* query argument as an integer in [min, max]; def when absent; SHOP_EINVAL when bad */
SHOP_MUST_CHECK int api_query_int(struct api_ctx *c, const char *name, int64_t min, int64_t max,
                                  int64_t def, int64_t *out);
/* query argument as a date or time (parse_time); def when absent */
SHOP_MUST_CHECK int api_query_time(struct api_ctx *c, const char *name, int64_t def,
                                   int64_t *out);
/* query string argument (NULL when absent); SHOP_EINVAL when longer than max or not UTF-8 */
SHOP_MUST_CHECK int api_query_str(struct api_ctx *c, const char *name, size_t max,
                                  const char **out);
/* Parses the body as a JSON object (Content-Type application/json): SHOP_EINVAL for
 * broken JSON or not an object, with a message; the 415 for a wrong type is api_body_json's
 * caller's: use API_BODY_JSON(c) below. */
SHOP_MUST_CHECK int api_body_json(struct api_ctx *c);
/* string field of the body: required or not (absent -> *out NULL), at most max bytes */
SHOP_MUST_CHECK int api_body_str(struct api_ctx *c, const char *name, int required, size_t max,
                                 const char **out);
SHOP_MUST_CHECK int api_body_int(struct api_ctx *c, const char *name, int required, int64_t min,
                                 int64_t max, int64_t def, int64_t *out);
SHOP_MUST_CHECK int api_body_bool(struct api_ctx *c, const char *name, int required, int def,
                                  int *out);
/* 1 when the request's Content-Type is `type` (parameters after ';' ignored) */
int api_content_type_is(struct api_ctx *c, const char *type);

/* 1 while the login session of this cookie token is still valid (not logged out, expired,
 * or its user removed); checked on a store handle of the pool. For long-lived answers (the
 * alert stream) that must end when their caller's login does. */
int app_session_valid(struct app *a, const char *token, int64_t now);

/* ---- borrowed resources ---- */
/* a face workspace (waits while all are busy); NULL without a face engine */
struct face_ws *face_pool_get(struct app *a);
void face_pool_put(struct app *a, struct face_ws *ws);
struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *st);

#endif
