/* identity/mirror.c - one mirror's login rule, peak detector, idle logout and enrolment. */
#include "identity/mirror.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "identity/gallery.h"
#include "store/store.h"

struct mirror {
    struct mirror_opts o;
    struct identify_login login;
    struct emotion_detector *em;
    int64_t customer;   /* logged in, 0 = nobody */
    double last_t;      /* the last frame's time */
    double last_face;   /* the last frame with a face of the customer (or the login) */
    int64_t enrolling;  /* the customer being enrolled, 0 = none */
    struct enrol_session enrol;
};

void mirror_opts_default(struct mirror_opts *o)
{
    o->confirmations = IDENTIFY_CONFIRMATIONS;
    identify_opts_default(&o->login);
    o->idle_logout = MIRROR_IDLE_LOGOUT;
    emotion_opts_default(&o->emotion);
    enrol_opts_default(&o->enrol);
}

int mirror_opts_check(const struct mirror_opts *o)
{
    if (o->confirmations < 1 || o->confirmations > 100)
        return shop_fail(SHOP_EINVAL, "confirmations must be in 1..100, not %d",
                         o->confirmations);
    if (!(o->idle_logout > 0 && o->idle_logout <= 86400))
        return shop_fail(SHOP_EINVAL, "the idle logout must be in (0, 86400] seconds");
    if (emotion_opts_check(&o->emotion) != SHOP_OK)
        return shop_fail(SHOP_EINVAL, "an emotion peak rule is out of range");
    if (o->enrol.keep < 1 || o->enrol.keep > ENROL_MAX_KEEP)
        return shop_fail(SHOP_EINVAL, "enrolment keeps 1..%d frames per phase", ENROL_MAX_KEEP);
    return SHOP_OK;
}

struct mirror *mirror_new(const struct mirror_opts *o)
{
    struct mirror *m = xcalloc(1, sizeof(*m));
    if (o)
        m->o = *o;
    else
        mirror_opts_default(&m->o);
    assert(mirror_opts_check(&m->o) == SHOP_OK);
    identify_login_init(&m->login, m->o.confirmations);
    m->em = emotion_new(&m->o.emotion);
    enrol_session_init(&m->enrol, &m->o.enrol);
    m->last_t = -INFINITY;
    return m;
}

void mirror_free(struct mirror *m)
{
    if (!m)
        return;
    emotion_free(m->em);
    enrol_session_release(&m->enrol);
    free(m);
}

int64_t mirror_customer(const struct mirror *m)
{
    return m->customer;
}

void mirror_enrol_cancel(struct mirror *m)
{
    enrol_session_release(&m->enrol);
    enrol_session_init(&m->enrol, &m->o.enrol);
    m->enrolling = 0;
}

void mirror_login(struct mirror *m, int64_t customer_id, double t)
{
    if (m->enrolling && m->enrolling != customer_id)
        mirror_enrol_cancel(m);
    identify_login_init(&m->login, m->o.confirmations);
    m->login.logged_in = customer_id; /* frames are ignored by the rule until the logout */
    m->customer = customer_id;
    m->last_face = t;
    emotion_reset(m->em);
}

void mirror_logout(struct mirror *m)
{
    identify_login_logout(&m->login);
    m->customer = 0;
    emotion_reset(m->em);
    mirror_enrol_cancel(m);
}

void mirror_present(struct mirror *m, double t)
{
    if (m->customer && isfinite(t) && t > m->last_face)
        m->last_face = t;
}

int mirror_idle(const struct mirror *m, double t)
{
    return m->customer && t - m->last_face >= m->o.idle_logout;
}

void mirror_frame_opts(const struct identify_opts *o, struct face_opts *fo)
{
    *fo = o->face;
    fo->largest_only = 0;
    fo->want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR | FACE_WANT_EXPRESSIONS;
    fo->skip_others = fo->want; /* only the largest face is identified and read; the others
                                   are boxes (the privacy rule counts them) */
}

int mirror_analyse(struct face_ws *ws, struct gallery *g, const struct image *img,
                   const struct identify_opts *o, struct face *faces, int max, int *n,
                   struct identify_result *r)
{
    struct face_opts fo;
    mirror_frame_opts(o, &fo);
    memset(r, 0, sizeof(*r));
    r->distance = r->second_distance = INFINITY;
    *n = 0;
    int rc = face_detect(ws, img, &fo, faces, max, n);
    if (rc != SHOP_OK)
        return rc;
    /* the largest box first (face_detect orders by score) */
    for (int i = 1; i < *n; i++)
        if (faces[i].box[2] * faces[i].box[3] > faces[0].box[2] * faces[0].box[3]) {
            struct face t = faces[0];
            faces[0] = faces[i];
            faces[i] = t;
        }
    if (*n == 0) {
        r->verdict = IDENTIFY_NO_FACE;
        return SHOP_OK;
    }
    r->face = faces[0];
    if (r->face.box[2] < o->min_face_px)
        r->verdict = IDENTIFY_TOO_SMALL;
    else
        identify_descriptor(g, r->face.descriptor, o, r);
    return SHOP_OK;
}

int mirror_feed(struct mirror *m, double t, const struct identify_result *r, int faces,
                struct mirror_step *out)
{
    memset(out, 0, sizeof(*out));
    if (!isfinite(t))
        return shop_fail(SHOP_EINVAL, "the frame time is not finite");
    if (t < m->last_t - 1)
        return shop_fail(SHOP_EINVAL, "the frame time goes back");
    if (t < m->last_t)
        t = m->last_t; /* two frames of one mirror analysed at once finished out of order */
    m->last_t = t;
    int face = r->verdict != IDENTIFY_NO_FACE;
    if (!m->customer) {
        if (!m->enrolling)
            out->login = identify_login_feed_frame(&m->login, r, &m->o.login);
        return SHOP_OK;
    }
    /* a customer is logged in: whose face is this? */
    int theirs = r->verdict == IDENTIFY_MATCH && r->customer_id == m->customer;
    int other = r->verdict == IDENTIFY_MATCH && r->customer_id != m->customer;
    if (face && (theirs || (!other && faces == 1)))
        m->last_face = t;
    if (!face || other || (faces > 1 && !theirs) || r->verdict == IDENTIFY_TOO_SMALL ||
        !(r->face.have & FACE_WANT_EXPRESSIONS)) {
        emotion_miss(m->em);
        out->logout = mirror_idle(m, t);
        return SHOP_OK;
    }
    int rc = emotion_feed(m->em, t, r->face.expressions, out->peaks, &out->npeaks);
    if (rc != SHOP_OK)
        return shop_fail(rc, "the frame's expressions are not probabilities");
    out->emotions = 1;
    return SHOP_OK;
}

/* ---- enrolment ---- */

int mirror_enrol_start(struct mirror *m, struct store *st, int64_t customer_id)
{
    if (!m->customer || m->customer != customer_id)
        return shop_fail(SHOP_EPERM, "only the customer logged in at this mirror can register "
                                     "their face here");
    struct store_customer c;
    int rc = store_customer_get(st, customer_id, &c);
    if (rc != SHOP_OK)
        return rc == SHOP_ENOTFOUND ? shop_fail(rc, "no customer %lld", (long long)customer_id)
                                    : rc;
    rc = store_face_consent_get(st, customer_id, NULL, 0, NULL);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(SHOP_ECONFLICT, "customer %lld has not consented to biometric "
                                         "processing", (long long)customer_id);
    if (rc != SHOP_OK)
        return rc;
    mirror_enrol_cancel(m);
    m->enrolling = customer_id;
    return SHOP_OK;
}

int64_t mirror_enrol_customer(const struct mirror *m)
{
    return m->enrolling;
}

void mirror_enrol_progress(const struct mirror *m, struct mirror_enrol_progress *p)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < ENROL_PHASES; i++)
        p->n[i] = m->enrol.n[i];
    p->keep = m->enrol.o.keep;
    p->complete = m->enrolling && m->enrol.n[ENROL_STRAIGHT] > 0 &&
                  m->enrol.n[ENROL_LEFT] > 0 && m->enrol.n[ENROL_RIGHT] > 0;
}

int mirror_enrol_offer(struct mirror *m, enum enrol_phase phase, const struct enrol_frame *fr,
                       struct mirror_enrol_progress *p)
{
    memset(p, 0, sizeof(*p));
    if (!m->enrolling)
        return shop_fail(SHOP_ECONFLICT, "no enrolment in progress at this mirror");
    if (phase != ENROL_STRAIGHT && phase != ENROL_LEFT && phase != ENROL_RIGHT)
        return shop_fail(SHOP_EINVAL, "a camera enrolment has the phases straight, left and "
                                      "right");
    int kept = enrol_session_offer(&m->enrol, phase, fr);
    mirror_enrol_progress(m, p);
    p->accepted = fr->gate == ENROL_OK;
    p->kept = kept;
    return SHOP_OK;
}

int mirror_enrol_finish(struct mirror *m, struct store *st, struct gallery *g, const char *actor,
                        int64_t now, int *saved)
{
    *saved = 0;
    if (!m->enrolling)
        return shop_fail(SHOP_ECONFLICT, "no enrolment in progress at this mirror");
    if (m->enrolling != m->customer)
        return shop_fail(SHOP_EPERM, "the customer being enrolled is no longer logged in");
    struct mirror_enrol_progress p;
    mirror_enrol_progress(m, &p);
    if (!p.complete)
        return shop_fail(SHOP_ECONFLICT, "the enrolment needs a good frame looking straight, "
                                         "left and right first");
    int rc = enrol_session_save(&m->enrol, st, g, m->enrolling, actor, now, saved);
    if (rc == SHOP_ECONFLICT)
        return shop_fail(rc, "customer %lld has no biometric consent", (long long)m->enrolling);
    if (rc != SHOP_OK)
        return rc;
    mirror_enrol_cancel(m);
    return SHOP_OK;
}
