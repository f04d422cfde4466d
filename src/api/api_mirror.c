/* api/api_mirror.c - what each paired mirror has on the server: who is logged in and
 * their shopping session, and the face state of identity/mirror.h (the login rule, the
 * emotion peak detector, an enrolment in progress). Routes: logging in by e-mail and PIN
 * and out, registering at the mirror (logs the new customer in), consent, camera frames (face login, expressions, peaks -> staff alerts; enrolment
 * frames), enrolment start / finish / cancel, and erasing the customer's face data.
 * Frames are decoded, analysed and dropped: never stored, logged or returned, and no
 * answer carries a descriptor. */
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "api/metrics.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/alerts.h"
#include "identity/mirror.h"
#include "identity/privacy.h"
#include "shop/shop.h"
#include "vision/face.h"
#include "vision/image.h"

struct mirror_state {
    pthread_mutex_t mu;  /* the fields below; taken after mirrors.mu, never before */
    int64_t device_id;
    char name[32];
    char location[48];
    int64_t customer_id; /* 0: nobody logged in */
    int64_t session_id;
    int64_t since;       /* login time */
    const char *how;     /* "face", "pin", "register" */
    struct mirror *face; /* face login, emotion peaks, enrolment (identity/mirror.h) */
};

struct mirrors {
    pthread_mutex_t mu; /* the array */
    struct mirror_state **m;
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
    for (size_t i = 0; i < ms->n; i++) {
        pthread_mutex_destroy(&ms->m[i]->mu);
        mirror_free(ms->m[i]->face);
        free(ms->m[i]);
    }
    pthread_mutex_destroy(&ms->mu);
    free(ms->m);
    free(ms);
    a->mirrors = NULL;
}

/* the device's state, created on first use, returned locked (unlock s->mu) */
static struct mirror_state *state_lock(struct app *a, const struct store_device *d)
{
    struct mirrors *ms = a->mirrors;
    struct mirror_state *s = NULL;
    pthread_mutex_lock(&ms->mu);
    for (size_t i = 0; i < ms->n && !s; i++)
        if (ms->m[i]->device_id == d->id)
            s = ms->m[i];
    if (!s) {
        if (ms->n == ms->cap) {
            ms->cap = ms->cap ? ms->cap * 2 : 8;
            ms->m = xreallocarray(ms->m, ms->cap, sizeof(*ms->m));
        }
        s = xcalloc(1, sizeof(*s));
        pthread_mutex_init(&s->mu, NULL);
        s->device_id = d->id;
        struct mirror_opts o;
        mirror_opts_default(&o);
        o.idle_logout = a->cfg.idle_logout > 0 ? a->cfg.idle_logout : MIRROR_IDLE_LOGOUT;
        s->face = mirror_new(&o);
        ms->m[ms->n++] = s;
    }
    pthread_mutex_lock(&s->mu);
    pthread_mutex_unlock(&ms->mu);
    /* the device's name and place may change (re-pairing): the latest seen */
    snprintf(s->name, sizeof(s->name), "%s", d->name);
    snprintf(s->location, sizeof(s->location), "%s", d->location);
    return s;
}

int app_mirror_who(struct app *a, const struct store_device *d, struct mirror_who *out)
{
    memset(out, 0, sizeof(*out));
    struct mirror_state *s = state_lock(a, d);
    out->customer_id = s->customer_id;
    out->session_id = s->session_id;
    out->since = s->since;
    pthread_mutex_unlock(&s->mu);
    if (!out->customer_id)
        return shop_fail(SHOP_EAUTH, "nobody is logged in at this mirror");
    return SHOP_OK;
}

int64_t app_mirror_sessions(struct app *a)
{
    int64_t n = 0;
    pthread_mutex_lock(&a->mirrors->mu);
    for (size_t i = 0; i < a->mirrors->n; i++) {
        struct mirror_state *s = a->mirrors->m[i];
        pthread_mutex_lock(&s->mu);
        n += s->customer_id != 0;
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&a->mirrors->mu);
    return n;
}

/* seconds since the epoch with a fraction: the emotion detector's frame clock */
static double frame_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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
    struct mirror_state *s = state_lock(c->app, d);
    s->customer_id = customer_id;
    s->session_id = sid;
    s->since = c->now;
    s->how = how;
    mirror_login(s->face, customer_id, frame_time());
    pthread_mutex_unlock(&s->mu);
    return SHOP_OK;
}

int app_mirror_logout(struct api_ctx *c)
{
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int64_t sid = s->session_id, cid = s->customer_id;
    s->customer_id = s->session_id = s->since = 0;
    s->how = NULL;
    mirror_logout(s->face);
    pthread_mutex_unlock(&s->mu);
    if (!cid)
        return shop_fail(SHOP_EAUTH, "nobody is logged in at this mirror");
    return shop_session_close(c->st, sid, c->now);
}

int app_mirror_renew(struct api_ctx *c)
{
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int64_t cid = s->customer_id, sid = s->session_id;
    pthread_mutex_unlock(&s->mu);
    if (!cid)
        return shop_fail(SHOP_EAUTH, "nobody is logged in at this mirror");
    int rc = shop_session_close(c->st, sid, c->now);
    int64_t fresh = 0;
    if (rc == SHOP_OK)
        rc = shop_session_open(c->st, cid, c->who.device.name, c->now, &fresh);
    if (rc != SHOP_OK)
        return rc;
    s = state_lock(c->app, &c->who.device);
    int same = s->customer_id == cid && s->session_id == sid;
    if (same)
        s->session_id = fresh;
    pthread_mutex_unlock(&s->mu);
    /* the customer left (or another logged in) meanwhile: the new session is not theirs */
    return same ? SHOP_OK : shop_session_close(c->st, fresh, c->now);
}

/* a mirror whose customer has shown no face for the idle time (or stopped sending frames)
 * logs out; SHOP_OK when nothing was to be done */
static int logout_if_idle(struct api_ctx *c)
{
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int idle = mirror_idle(s->face, frame_time());
    pthread_mutex_unlock(&s->mu);
    if (!idle)
        return SHOP_OK;
    log_info("api: mirror '%s' logged out after %g s without a face", c->who.device.name,
             c->app->cfg.idle_logout > 0 ? c->app->cfg.idle_logout : MIRROR_IDLE_LOGOUT);
    int rc = app_mirror_logout(c);
    return rc == SHOP_EAUTH ? SHOP_OK : rc;
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
    int rc = logout_if_idle(c);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "mirror");
    auth_device_write_json(w, &c->who.device);
    app_mirror_write_who(c, w);
    jw_end(w);
    jw_finish(w);
    return 200;
}

/* registration at the mirror: the new customer (with their consent to biometric processing,
 * when given) is logged in here, so that the face capture can follow */
static int post_register(struct api_ctx *c)
{
    struct shop_registration r;
    int64_t id;
    int rc = api_customer_register(c, &r, &id);
    if (rc == SHOP_OK)
        rc = app_mirror_login(c, id, "register");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    log_info("api: customer %lld registered at '%s'", (long long)id, c->who.device.name);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    app_mirror_write_who(c, w);
    jw_key(w, "biometric_consent");
    jw_bool(w, r.biometric_consent);
    jw_end(w);
    jw_finish(w);
    return 201;
}

/* the logged-in customer agrees to biometric processing (the consent text's version): what
 * a customer who logged in by PIN needs before registering their face */
static int post_consent(struct api_ctx *c)
{
    const char *version;
    struct mirror_who who;
    int rc = app_mirror_who(c->app, &c->who.device, &who);
    if (rc == SHOP_OK)
        rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "consent_version", 1, 31, &version);
    char actor[80];
    if (rc == SHOP_OK)
        rc = privacy_consent(c->st, who.customer_id, version, api_actor(c, actor, sizeof(actor)),
                             c->now);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "customer_id");
    jw_int(w, who.customer_id);
    jw_key(w, "consent_version");
    jw_str(w, version);
    jw_end(w);
    jw_finish(w);
    return 200;
}

/* ---- camera frames ---- */

/* the boxes of every face (never descriptors: biometric data stays on the server) */
static void write_faces(struct jsonw *w, const struct face *faces, int n)
{
    jw_key(w, "faces");
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        jw_obj(w);
        jw_key(w, "box");
        jw_arr(w);
        for (int k = 0; k < 4; k++)
            jw_num(w, round(faces[i].box[k] * 10) / 10);
        jw_end(w);
        jw_key(w, "score");
        jw_num(w, round(faces[i].score * 1000) / 1000);
        jw_end(w);
    }
    jw_end(w);
}

static void write_expressions(struct jsonw *w, const float *p)
{
    jw_key(w, "expressions");
    jw_obj(w);
    for (int k = 0; k < FACE_EXPRESSIONS; k++) {
        jw_key(w, face_expression_names[k]);
        jw_num(w, round(p[k] * 1e4) / 1e4);
    }
    jw_end(w);
    double g[EMOTION_GROUPS];
    emotion_scores(p, g);
    jw_key(w, "groups");
    jw_obj(w);
    for (int k = 0; k < EMOTION_GROUPS; k++) {
        jw_key(w, emotion_group_names[k]);
        jw_num(w, round(g[k] * 100) / 100);
    }
    jw_end(w);
}

static void write_progress(struct jsonw *w, const struct mirror_enrol_progress *p)
{
    jw_key(w, "progress");
    jw_obj(w);
    for (int k = ENROL_STRAIGHT; k <= ENROL_RIGHT; k++) {
        jw_key(w, enrol_phase_names[k]);
        jw_int(w, p->n[k]);
    }
    jw_key(w, "keep");
    jw_int(w, p->keep);
    jw_key(w, "complete");
    jw_bool(w, p->complete);
    jw_end(w);
}

/* decodes the body as a camera frame: 415 for another type, 400 broken, 413 too many pixels */
static int read_frame(struct api_ctx *c, struct image *img)
{
    memset(img, 0, sizeof(*img));
    if (!api_content_type_is(c, "image/jpeg"))
        return api_fail(c, 415, "unsupported_media_type", "a camera frame is image/jpeg");
    if (!c->req->body || c->req->body_len < 4)
        return api_fail(c, 400, "invalid", "the frame is empty");
    const uint8_t *b = (const uint8_t *)c->req->body;
    if (b[0] != 0xff || b[1] != 0xd8 || b[2] != 0xff)
        return api_fail(c, 400, "invalid", "the frame is not a JPEG");
    if (!c->app->wss)
        return api_fail(c, 503, "unavailable", "the server runs without the face models");
    int rc = image_decode((const uint8_t *)c->req->body, c->req->body_len,
                          (size_t)c->app->cfg.max_frame_pixels, img);
    if (rc != SHOP_OK) {
        image_release(img);
        if (rc == SHOP_ETOOBIG)
            return api_fail(c, 413, "too_big", "the frame has more than %d pixels",
                            c->app->cfg.max_frame_pixels);
        return api_fail(c, 400, "invalid", "the frame is not a readable JPEG");
    }
    return 0;
}

/* an enrolment frame: the gates for the phase, then the session's progress */
static int enrol_frame(struct api_ctx *c, const struct image *img, enum enrol_phase phase)
{
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int64_t enrolling = mirror_enrol_customer(s->face);
    pthread_mutex_unlock(&s->mu);
    if (!enrolling)
        return api_error(c, shop_fail(SHOP_ECONFLICT, "no enrolment in progress at this "
                                                      "mirror: start one first"));
    struct enrol_opts o;
    enrol_opts_default(&o);
    struct enrol_frame fr;
    struct face_ws *ws = face_pool_get(c->app);
    int rc = enrol_check(ws, img, phase, &o, &fr);
    face_pool_put(c->app, ws);
    metrics_add(c->app->metrics, METRICS_FRAMES, 1);
    struct mirror_enrol_progress p;
    if (rc == SHOP_OK) {
        s = state_lock(c->app, &c->who.device);
        if (mirror_enrol_customer(s->face) == enrolling) {
            rc = mirror_enrol_offer(s->face, phase, &fr, &p);
            if (fr.faces == 1) /* the customer registering is here: no idle logout */
                mirror_present(s->face, frame_time());
        }
        else
            rc = shop_fail(SHOP_ECONFLICT, "the enrolment ended while the frame was analysed");
        pthread_mutex_unlock(&s->mu);
    }
    crypto_wipe(fr.face.descriptor, sizeof(fr.face.descriptor));
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "mode");
    jw_str(w, "enrol");
    jw_key(w, "phase");
    jw_str(w, enrol_phase_names[phase]);
    jw_key(w, "faces");
    jw_int(w, fr.faces);
    if (fr.faces == 1) {
        jw_key(w, "box");
        jw_arr(w);
        for (int k = 0; k < 4; k++)
            jw_num(w, round(fr.face.box[k] * 10) / 10);
        jw_end(w);
    }
    jw_key(w, "accepted");
    jw_bool(w, p.accepted);
    jw_key(w, "reason");
    jw_str(w, p.accepted ? NULL : enrol_gate_reason(fr.gate));
    /* what to tell the shopper: "move_closer", "turn_more", ... (enrol_hint) */
    jw_key(w, "hint");
    jw_str(w, p.accepted ? "ok" : enrol_hint(phase, &fr, &o));
    if (fr.faces) {
        jw_key(w, "yaw");
        jw_num(w, round(fr.yaw * 100) / 100);
    }
    jw_key(w, "kept");
    jw_bool(w, p.kept);
    write_progress(w, &p);
    jw_end(w);
    jw_finish(w);
    return 200;
}

/* records the peaks of a frame (emotion events; a frustration peak raises a staff alert) and
 * lists them in w ("peaks"), unless w is NULL (others can see the screen) */
static void record_peaks(struct api_ctx *c, const struct mirror_step *step, int64_t customer,
                         int64_t session, struct jsonw *w)
{
    struct alerts_context ac = {.customer_id = customer, .session_id = session};
    snprintf(ac.mirror, sizeof(ac.mirror), "%s", c->who.device.name);
    snprintf(ac.location, sizeof(ac.location), "%s", c->who.device.location);
    if (w) {
        jw_key(w, "peaks");
        jw_arr(w);
    }
    for (int i = 0; i < step->npeaks; i++) {
        int64_t ev = 0, al = 0;
        int rc = alerts_record_peak(c->st, c->app->hub, &ac, &step->peaks[i], c->now, &ev, &al);
        if (rc == SHOP_ECONFLICT)
            continue; /* no biometric consent: nothing is kept */
        if (rc != SHOP_OK) {
            log_error("api: cannot record an emotion peak at '%s': %s", ac.mirror,
                      shop_errmsg_or(rc));
            continue;
        }
        if (al)
            metrics_add(c->app->metrics, METRICS_ALERTS_RAISED, 1);
        if (!w)
            continue;
        jw_obj(w);
        jw_key(w, "group");
        jw_str(w, emotion_group_names[step->peaks[i].group]);
        jw_key(w, "score");
        jw_num(w, round(step->peaks[i].score * 100) / 100);
        jw_key(w, "event");
        jw_int(w, ev);
        jw_key(w, "alert");
        if (al)
            jw_int(w, al);
        else
            jw_null(w);
        jw_end(w);
    }
    if (w)
        jw_end(w);
}

static int post_frame(struct api_ctx *c)
{
    const char *mode = NULL, *phase_s = NULL;
    int rc = api_query_str(c, "mode", 16, &mode);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "phase", 16, &phase_s);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    int enrol = mode && strcmp(mode, "enrol") == 0;
    if (mode && !enrol && strcmp(mode, "login") != 0)
        return api_error(c, shop_fail(SHOP_EINVAL, "mode is login or enrol"));
    int phase = enrol ? enrol_phase_parse(phase_s ? phase_s : "") : 0;
    if (enrol && (phase < ENROL_STRAIGHT || phase > ENROL_RIGHT))
        return api_error(c, shop_fail(SHOP_EINVAL, "an enrolment frame needs "
                                                   "phase=straight, left or right"));
    double t0 = frame_time();
    struct image img;
    int status = read_frame(c, &img);
    if (status)
        return status;
    double t1 = frame_time();
    if (enrol) {
        status = enrol_frame(c, &img, (enum enrol_phase)phase);
        image_release(&img);
        return status;
    }
    struct identify_opts o;
    identify_opts_default(&o);
    struct face faces[MIRROR_MAX_FACES];
    struct identify_result r;
    int n = 0;
    struct face_ws *ws = face_pool_get(c->app);
    rc = mirror_analyse(ws, c->app->gallery, &img, &o, faces, MIRROR_MAX_FACES, &n, &r);
    face_pool_put(c->app, ws);
    int fw = img.w, fh = img.h;
    image_release(&img);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    log_debug("api: frame %dx%d decoded in %.1f ms, %d face(s) in %.1f ms", fw, fh,
              (t1 - t0) * 1e3, n, (frame_time() - t1) * 1e3);
    metrics_add(c->app->metrics, METRICS_FRAMES, 1);
    /* the login rule, the peak detector and the idle logout of this mirror */
    struct mirror_step step;
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    rc = mirror_feed(s->face, frame_time(), &r, n, &step);
    int64_t customer = s->customer_id, session = s->session_id;
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < n; i++)
        crypto_wipe(faces[i].descriptor, sizeof(faces[i].descriptor));
    crypto_wipe(r.face.descriptor, sizeof(r.face.descriptor));
    if (rc != SHOP_OK)
        return api_error(c, rc);
    if (step.login) {
        rc = app_mirror_login(c, step.login, "face");
        if (rc != SHOP_OK) {
            s = state_lock(c->app, &c->who.device);
            mirror_logout(s->face); /* the rule starts again on the next frames */
            pthread_mutex_unlock(&s->mu);
            return api_error(c, rc);
        }
        metrics_add(c->app->metrics, METRICS_FACE_LOGINS, 1);
        log_info("api: customer %lld logged in by face at '%s'", (long long)step.login,
                 c->who.device.name);
    } else if (step.logout) {
        log_info("api: mirror '%s' logged out after %g s without a face", c->who.device.name,
                 c->app->cfg.idle_logout > 0 ? c->app->cfg.idle_logout : MIRROR_IDLE_LOGOUT);
        rc = app_mirror_logout(c);
        if (rc != SHOP_OK && rc != SHOP_EAUTH)
            return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "mode");
    jw_str(w, "login");
    write_faces(w, faces, n);
    jw_key(w, "verdict");
    jw_str(w, identify_verdict_name(r.verdict));
    jw_key(w, "login");
    jw_bool(w, step.login != 0);
    jw_key(w, "logout");
    jw_bool(w, step.logout != 0);
    int private = customer && !step.logout && n > 1;
    if (private) {
        /* somebody else can see the screen: no name, no expressions, no personal content */
        jw_key(w, "logged_in");
        jw_bool(w, 1);
        jw_key(w, "customer");
        jw_null(w);
        jw_key(w, "privacy");
        jw_str(w, "several_faces");
    } else {
        app_mirror_write_who(c, w);
        if (customer && step.emotions)
            write_expressions(w, r.face.expressions);
    }
    if (customer && !step.logout)
        record_peaks(c, &step, customer, session, private ? NULL : w);
    jw_end(w);
    jw_finish(w);
    return 200;
}

/* ---- enrolment and face data ---- */

static void write_enrolment(struct api_ctx *c, struct jsonw *w)
{
    struct mirror_enrol_progress p;
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int64_t id = mirror_enrol_customer(s->face);
    mirror_enrol_progress(s->face, &p);
    pthread_mutex_unlock(&s->mu);
    jw_key(w, "enrolling");
    if (id)
        jw_int(w, id);
    else
        jw_null(w);
    write_progress(w, &p);
}

static int post_enrol_start(struct api_ctx *c)
{
    int64_t customer;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_int(c, "customer_id", 1, 1, INT64_MAX, 0, &customer);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    if (!c->app->wss)
        return api_fail(c, 503, "unavailable", "the server runs without the face models");
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    rc = mirror_enrol_start(s->face, c->st, customer);
    pthread_mutex_unlock(&s->mu);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    write_enrolment(c, w);
    jw_end(w);
    jw_finish(w);
    return 200;
}

static int post_enrol_finish(struct api_ctx *c)
{
    int saved = 0;
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    int64_t customer = mirror_enrol_customer(s->face);
    int rc = mirror_enrol_finish(s->face, c->st, c->app->gallery, c->who.device.name, c->now,
                                 &saved);
    pthread_mutex_unlock(&s->mu);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    log_info("api: customer %lld registered %d face templates at '%s'", (long long)customer,
             saved, c->who.device.name);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "customer_id");
    jw_int(w, customer);
    jw_key(w, "templates");
    jw_int(w, saved);
    jw_end(w);
    jw_finish(w);
    return 200;
}

static int post_enrol_cancel(struct api_ctx *c)
{
    struct mirror_state *s = state_lock(c->app, &c->who.device);
    mirror_enrol_cancel(s->face);
    pthread_mutex_unlock(&s->mu);
    return api_ok(c, 200);
}

/* the right to erasure at the mirror: the logged-in customer's face data, all of it */
static int delete_face(struct api_ctx *c)
{
    struct mirror_who who;
    int rc = app_mirror_who(c->app, &c->who.device, &who);
    struct store_face_erasure e = {0};
    if (rc == SHOP_OK) {
        struct mirror_state *s = state_lock(c->app, &c->who.device);
        mirror_enrol_cancel(s->face);
        pthread_mutex_unlock(&s->mu);
        rc = privacy_forget(c->st, c->app->gallery, who.customer_id, c->who.device.name,
                            c->now, &e);
    }
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "customer_id");
    jw_int(w, who.customer_id);
    jw_key(w, "templates_deleted");
    jw_int(w, e.templates);
    jw_key(w, "photos_deleted");
    jw_int(w, e.photos);
    jw_key(w, "emotion_events_deleted");
    jw_int(w, e.emotion_events);
    jw_key(w, "alerts_anonymised");
    jw_int(w, e.alerts);
    /* complete: no byte of it left in any file; pending: finished by the next checkpoint */
    jw_key(w, "erasure");
    jw_str(w, e.nothing ? "nothing" : e.complete ? "complete" : "pending");
    jw_end(w);
    jw_finish(w);
    return 200;
}

const struct api_route mirror_routes[] = {
    {"GET", "/api/v1/mirror/state", get_state, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/login", post_pin_login, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/logout", post_logout, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/register", post_register, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/consent", post_consent, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/frame", post_frame, API_MIRROR, API_BODY_FRAME},
    {"POST", "/api/v1/mirror/enrol/start", post_enrol_start, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/enrol/finish", post_enrol_finish, API_MIRROR, 0},
    {"POST", "/api/v1/mirror/enrol/cancel", post_enrol_cancel, API_MIRROR, 0},
    {"DELETE", "/api/v1/mirror/face", delete_face, API_MIRROR, 0},
    {NULL, NULL, NULL, 0, 0},
};
