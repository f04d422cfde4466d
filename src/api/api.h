/* api/api.h - the JSON API and the web apps' files behind `shopper serve`.
 *
 * One `struct app` per server holds what requests share (store handles, the face engine
 * and its workspaces, the gallery, the alert hub, the login limiter, metrics, the mirrors'
 * state). Each resource file (api_<resource>.c) has one route table; a handler parses and
 * validates its input, calls one domain function, renders the result with the domain's
 * JSON writer and returns the HTTP status:
 *     static int get_product(struct api_ctx *c)
 *     {
 *         int64_t id;
 *         if (api_param_id(c, 0, &id) != SHOP_OK) return api_error(c, SHOP_EINVAL);
 *         ... rc = store_product_get(c->st, id, &p); if (rc) return api_error(c, rc);
 *         product_write_json(api_json(c), &p);
 *         return 200;
 *     }
 *     const struct api_route products_routes[] = {
 *         {"GET", "/api/v1/products/{id}", get_product, API_ANY_USER}, {0}};
 * Errors are always {"error": "...", "code": "..."} with the status of the SHOP_E* code
 * (api_status_of, the one mapping).                                                        */
#ifndef SHOP_API_API_H
#define SHOP_API_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "auth/auth.h"
#include "core/jsonw.h"
#include "core/status.h"
#include "http/http.h"

struct store;
struct face_engine;
struct gallery;
struct alerts;

/* who may call a route (bit mask) */
enum api_allow {
    API_PUBLIC = 1 << 0,  /* no login */
    API_MIRROR = 1 << 1,  /* a paired mirror (bearer token) */
    API_STAFF = 1 << 2,   /* staff (managers too) */
    API_MANAGER = 1 << 3, /* managers only */
    API_ANY_USER = API_STAFF | API_MANAGER,
    API_ANY = API_MIRROR | API_STAFF | API_MANAGER,
};

struct api_ctx;
typedef int (*api_fn)(struct api_ctx *c);

struct api_route {
    const char *method;
    const char *pattern; /* "/api/v1/products/{id}": {x} matches one path segment */
    api_fn fn;
    unsigned allow; /* enum api_allow bits */
    size_t max_body; /* 0: API_JSON_MAX */
};

#define API_JSON_MAX ((size_t)64 << 10)
#define API_MAX_PARAMS 4

struct app_config {
    const char *db_path;
    const char *models_dir; /* NULL: no face engine (frames answer 503) */
    const char *web_root;   /* the web apps' folder */
    int vision_threads;     /* face workspaces (frames analysed at once) */
    size_t max_frame_bytes; /* the largest camera frame accepted */
    int max_frame_pixels;   /* and its largest width x height */
    double idle_logout;     /* seconds without a face before a mirror logs out (0: 30) */
    int max_streams;        /* live alert streams at once (0: 16) */
    int secure_cookies;     /* mark cookies Secure (behind TLS) */
    int64_t cart_hold_seconds; /* how long a cart holds an item (0: SHOP_CART_HOLD) */
    int maintenance_s;      /* pending erasures are completed this often (0: every 60 s) */
};

struct app; /* opaque; api_int.h for the resource files */

/* Opens what the server needs: checks the store (creating nothing), loads the face models
 * when models_dir is set, the gallery. SHOP_E* with shop_errmsg(). */
SHOP_MUST_CHECK int app_open(const struct app_config *cfg, struct app **out);
void app_close(struct app *a);
/* builds every face workspace's runtimes (slow, ~0.4 s each) so that no shopper waits for
 * it; the server runs it on a thread after it starts listening */
void app_warm_up(struct app *a);
/* the http layer's callbacks: app_handle_fast answers on an event thread what needs no
 * wait (static files, /healthz, /metrics, response-cache hits, errors found first) */
int app_handle_fast(void *ctx, const struct http_req *req, struct http_res *res);
void app_handle(void *ctx, const struct http_req *req, struct http_res *res);
/* 1 for a camera frame (the http layer's heavy lane, app_config.vision_threads workers) */
int app_lane(void *ctx, const struct http_req *req);
size_t app_body_limit(void *ctx, const char *method, const char *path);
void app_done(void *ctx, const struct http_req *req, int tag, int status, uint64_t bytes,
              double seconds);
/* tells long-lived streams to end (shutdown) */
void app_stop_streams(struct app *a);
/* the shutdown deadline passed with requests still running: stops the maintenance thread
 * and closes the store handles no request holds (the process ends next) */
void app_abandon(struct app *a);

/* every route, one line each: "GET /api/v1/products/{id} mirror staff" */
void app_routes_write(FILE *f);

/* the HTTP status of a SHOP_E* code (the one mapping), and its short code name
 * ("not_found") */
int api_status_of(int rc);
const char *api_code_name(int rc);

#endif
