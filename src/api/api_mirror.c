/* api/api_mirror.c - what each paired mirror has on the server: who is logged in and
 * their shopping session. Logging in by e-mail and PIN, and out. (Face login, enrolment
 * and emotions build on the same per-device state.) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/metrics.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "shop/shop.h"

struct mirror_state {
    int64_t device_id;
    char name[32];
    int64_t customer_id; /* 0: nobody logged in */
    int64_t session_id;
    int64_t since;       /* login time */
    const char *how;     /* "face", "pin" */
};

struct mirrors {
    pthread_mutex_t mu;
    struct mirror_state *m;
    size_t n, cap;
};

int app_mirrors_open(struct app *a)
{
    struct mirrors *ms = xcalloc(1, sizeof(*ms));
    pthread_mutex_init(&ms->mu, NULL);
    a->mirrors = ms;
    return SHOP_OK;
}

void app_mirrors_close(struct app *a)
{
    struct mirrors *ms = a->mirrors;
    if (!ms)
        return;
    pthread_mutex_destroy(&ms->mu);
    free(ms->m);
    free(ms);
    a->mirrors = NULL;
}

/* the device's state, created on first use; call with ms->mu held */
static struct mirror_state *state_of(struct mirrors *ms, const struct store_device *d)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->m[i].device_id == d->id)
            return &ms->m[i];
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 8;
        ms->m = xreallocarray(ms->m, ms->cap, sizeof(*ms->m));
    }
    struct mirror_state *s = &ms->m[ms->n++];
    memset(s, 0, sizeof(*s));
    s->device_id = d->id;
    snprintf(s->name, sizeof(s->name), "%s", d->name);
    return s;
}

int app_mirror_who(struct app *a, const struct store_device *d, struct mirror_who *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&a->mirrors->mu);
    struct mirror_state *s = state_of(a->mirrors, d);
    out->customer_id = s->customer_id;
    out->session_id = s->session_id;
    out->since = s->since;
    pthread_mutex_unlock(&a->mirrors->mu);
    if (!out->customer_id)
        return shop_fail(SHOP_EAUTH, "nobody is logged in at this mirror");
    return SHOP_OK;
}

int64_t app_mirror_sessions(struct app *a)
{
    int64_t n = 0;
    pthread_mutex_lock(&a->mirrors->mu);
    for (size_t i = 0; i < a->mirrors->n; i++)
        n += a->mirrors->m[i].customer_id != 0;
    pthread_mutex_unlock(&a->mirrors->mu);
    return n;
}

int app_mirror_login(struct api_ctx *c, int64_t customer_id, const char *how)
{
    const struct store_device *d = &c->who.device;
    /* a customer already logged in here is logged out first: their session ends */
    int rc = app_mirror_logout(c);
    if (rc != SHOP_OK && rc != SHOP_EAUTH)
        return rc;
    int64_t sid = 0;
    rc = shop_session_open(c->st, customer_id, d->name, c->now, &sid);
    if (rc != SHOP_OK)
        return rc;
    pthread_mutex_lock(&c->app->mirrors->mu);
    struct mirror_state *s = state_of(c->app->mirrors, d);
    s->customer_id = customer_id;
    s->session_id = sid;
    s->since = c->now;
    s->how = how;
    pthread_mutex_unlock(&c->app->mirrors->mu);
    return SHOP_OK;
}

int app_mirror_logout(struct api_ctx *c)
{
    pthread_mutex_lock(&c->app->mirrors->mu);
    struct mirror_state *s = state_of(c->app->mirrors, &c->who.device);
    int64_t sid = s->session_id, cid = s->customer_id;
    s->customer_id = s->session_id = s->since = 0;
    s->how = NULL;
    pthread_mutex_unlock(&c->app->mirrors->mu);
    if (!cid)
        return shop_fail(SHOP_EAUTH, "nobody is logged in at this mirror");
    return shop_session_close(c->st, sid, c->now);
}

void app_mirror_write_who(struct api_ctx *c, struct jsonw *w)
{
    struct mirror_who who;
    int in = app_mirror_who(c->app, &c->who.device, &who) == SHOP_OK;
    struct store_customer cu;
    jw_key(w, "logged_in");
    jw_bool(w, in && store_customer_get(c->st, who.customer_id, &cu) == SHOP_OK);
    jw_key(w, "customer");
    if (in && cu.id) {
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, cu.id);
        jw_key(w, "name");
        jw_str(w, cu.name);
        jw_end(w);
        jw_key(w, "session_id");
        jw_int(w, who.session_id);
    } else
        jw_null(w);
}

static int post_pin_login(struct api_ctx *c)
{
    const char *email, *pin;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "email", 1, 95, &email);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "pin", 1, AUTH_PIN_MAX + 1, &pin);
    int64_t customer = 0;
    if (rc == SHOP_OK)
        rc = auth_pin_login(c->st, c->app->limiter, email, pin, c->req->client, c->now,
                            &customer);
    if (rc == SHOP_ELIMIT)
        http_res_header(c->res, "Retry-After", "900");
    if (rc == SHOP_OK)
        rc = app_mirror_login(c, customer, "pin");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    metrics_add(c->app->metrics, METRICS_PIN_LOGINS, 1);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    app_mirror_write_who(c, w);
    jw_end(w);
    jw_finish(w);
    return 200;
}

static int post_logout(struct api_ctx *c)
{
    int rc = app_mirror_logout(c);
    if (rc != SHOP_OK && rc != SHOP_EAUTH)
        return api_error(c, rc);
    return api_ok(c, 200);
}

static int get_state(struct api_ctx *c)
{
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "mirror");
    auth_device_write_json(w, &c->who.device);
    app_mirror_write_who(c, w);
    jw_end(w);
    jw_finish(w);
    return 200;
}

const struct api_route mirror_routes[] = {
    {"GET", "/api/v1/mirror/state", get_state, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/login", post_pin_login, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/logout", post_logout, API_MIRROR, 0},
    {NULL, NULL, NULL, 0, 0},
};
