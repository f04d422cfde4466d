/* identity/enrol.c - registration: the quality gates and the kept frames. */
#include "identity/enrol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "identity/gallery.h"
#include "identity/identify.h"
#include "identity/privacy.h"
#include "store/store.h"

const char *const enrol_phase_names[ENROL_PHASES] = {"straight", "left", "right", "file"};

int enrol_phase_parse(const char *name)
{
    for (int i = 0; i < ENROL_PHASES; i++)
        if (name && strcmp(name, enrol_phase_names[i]) == 0)
            return i;
    return -1;
}

const char *enrol_gate_reason(enum enrol_gate g)
{
    switch (g) {
    case ENROL_OK:
        return "ok";
    case ENROL_NO_FACE:
        return "no face";
    case ENROL_SEVERAL_FACES:
        return "several faces";
    case ENROL_TOO_SMALL:
        return "face too small";
    case ENROL_BLURRY:
        return "not sharp enough";
    case ENROL_WRONG_POSE:
        return "pose does not match the phase";
    }
    return "?";
}

void enrol_opts_default(struct enrol_opts *o)
{
    identify_face_opts(&o->face); /* templates and login frames described alike */
    o->min_face_px = 80;
    o->min_sharpness = 60;
    o->straight_max = 0.15;
    o->turn_min = 0.15;
    o->turn_max = 0.7;
    o->keep = 3;
    o->jitter = IDENTIFY_ENROL_JITTER;
}

double enrol_sharpness(const struct image *img, const double box[4])
{
    int x0 = (int)floor(box[0]), y0 = (int)floor(box[1]);
    int x1 = (int)ceil(box[0] + box[2]), y1 = (int)ceil(box[1] + box[3]);
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->w ? img->w : x1;
    y1 = y1 > img->h ? img->h : y1;
    int bw = x1 - x0, bh = y1 - y0;
    if (bw < 3 || bh < 3)
        return 0;
    /* The face box in grey (OpenCV's BGR2GRAY weights), area-averaged to ENROL_SHARP_SIDE
     * columns so that the measure does not depend on the camera's resolution or the
     * distance to it; a smaller box is used as it is. */
    int ow = bw > ENROL_SHARP_SIDE ? ENROL_SHARP_SIDE : bw;
    int oh = (int)((double)bh * ow / bw + 0.5);
    if (oh < 3)
        return 0;
    double *grey = xmalloc((size_t)ow * oh * sizeof(*grey));
    for (int oy = 0; oy < oh; oy++) {
        int ya = y0 + (int)((double)oy * bh / oh), yb = y0 + (int)((double)(oy + 1) * bh / oh);
        yb = yb > ya ? yb : ya + 1;
        for (int ox = 0; ox < ow; ox++) {
            int xa = x0 + (int)((double)ox * bw / ow), xb = x0 + (int)((double)(ox + 1) * bw / ow);
            xb = xb > xa ? xb : xa + 1;
            double sum = 0;
            for (int y = ya; y < yb; y++)
                for (int x = xa; x < xb; x++) {
                    const uint8_t *px = img->rgb + ((size_t)y * img->w + x) * 3;
                    sum += 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
                }
            grey[(size_t)oy * ow + ox] = sum / ((double)(yb - ya) * (xb - xa));
        }
    }
    /* the Laplacian [0 1 0; 1 -4 1; 0 1 0] over the interior, and its variance */
    double sum = 0, sum2 = 0;
    long n = 0;
    for (int y = 1; y < oh - 1; y++)
        for (int x = 1; x < ow - 1; x++) {
            const double *g = grey + (size_t)y * ow + x;
            double l = g[-1] + g[1] + g[-ow] + g[ow] - 4 * g[0];
            sum += l;
            sum2 += l * l;
            n++;
        }
    free(grey);
    double mean = sum / n;
    return sum2 / n - mean * mean;
}

double enrol_yaw(const double lm[68][2])
{
    double span = lm[16][0] - lm[0][0];
    if (fabs(span) < 1e-9)
        return 0;
    return 2 * (lm[30][0] - lm[0][0]) / span - 1;
}

static int pose_ok(const struct enrol_opts *o, enum enrol_phase phase, double yaw)
{
    switch (phase) {
    case ENROL_STRAIGHT:
        return fabs(yaw) <= o->straight_max;
    case ENROL_LEFT:
        return yaw >= o->turn_min && yaw <= o->turn_max;
    case ENROL_RIGHT:
        return -yaw >= o->turn_min && -yaw <= o->turn_max;
    default:
        return 1;
    }
}

const char *enrol_hint(enum enrol_phase phase, const struct enrol_frame *fr,
                       const struct enrol_opts *o)
{
    switch (fr->gate) {
    case ENROL_OK:
        return "ok";
    case ENROL_NO_FACE:
        return "step_in";
    case ENROL_SEVERAL_FACES:
        return "one_person";
    case ENROL_TOO_SMALL:
        return "move_closer";
    case ENROL_BLURRY:
        return "hold_still";
    case ENROL_WRONG_POSE:
        break;
    }
    if (phase == ENROL_STRAIGHT)
        return "look_straight";
    /* the turn phases want yaw of one sign: + for left, - for right */
    double toward = phase == ENROL_LEFT ? fr->yaw : -fr->yaw;
    if (toward < 0 && -toward > o->straight_max)
        return "turn_other_way";
    return toward > o->turn_max ? "turn_less" : "turn_more";
}

int enrol_check(struct face_ws *ws, const struct image *img, enum enrol_phase phase,
                const struct enrol_opts *o, struct enrol_frame *fr)
{
    struct face_opts fo = o->face;
    fo.largest_only = 0;
    fo.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR | FACE_WANT_EXPRESSIONS;
    struct face faces[2];
    int n = 0;
    memset(fr, 0, sizeof(*fr));
    int rc = face_detect(ws, img, &fo, faces, 2, &n);
    if (rc != SHOP_OK)
        return rc;
    fr->faces = n;
    if (n == 0) {
        fr->gate = ENROL_NO_FACE;
        return SHOP_OK;
    }
    fr->face = faces[0];
    fr->face_px = faces[0].box[2];
    fr->sharpness = enrol_sharpness(img, faces[0].box);
    fr->yaw = enrol_yaw(faces[0].landmarks);
    if (n > 1)
        fr->gate = ENROL_SEVERAL_FACES;
    else if (fr->face_px < o->min_face_px)
        fr->gate = ENROL_TOO_SMALL;
    else if (fr->sharpness < o->min_sharpness)
        fr->gate = ENROL_BLURRY;
    else if (!pose_ok(o, phase, fr->yaw))
        fr->gate = ENROL_WRONG_POSE;
    else
        fr->gate = ENROL_OK;
    memset(faces, 0, sizeof(faces));
    if (fr->gate == ENROL_OK && o->jitter != fo.jitter) {
        fo.jitter = o->jitter;
        return face_describe(ws, img, &fo, &fr->face);
    }
    return SHOP_OK;
}

void enrol_session_init(struct enrol_session *s, const struct enrol_opts *o)
{
    memset(s, 0, sizeof(*s));
    s->o = *o;
    if (s->o.keep < 1)
        s->o.keep = 1;
    if (s->o.keep > ENROL_MAX_KEEP)
        s->o.keep = ENROL_MAX_KEEP;
}

void enrol_session_release(struct enrol_session *s)
{
    memset(s->kept, 0, sizeof(s->kept));
    __asm__ __volatile__("" : : "r"(s->kept) : "memory");
    memset(s->n, 0, sizeof(s->n));
}

int enrol_session_offer(struct enrol_session *s, enum enrol_phase phase,
                        const struct enrol_frame *fr)
{
    if (fr->gate != ENROL_OK || phase < 0 || phase >= ENROL_PHASES)
        return 0;
    struct enrol_kept *k = s->kept[phase];
    int n = s->n[phase];
    if (n == s->o.keep && fr->sharpness <= k[n - 1].quality)
        return 0;
    int at = n < s->o.keep ? n++ : n - 1; /* the least sharp one gives way */
    for (; at > 0 && k[at - 1].quality < fr->sharpness; at--)
        k[at] = k[at - 1];
    memcpy(k[at].descriptor, fr->face.descriptor, sizeof(k[at].descriptor));
    k[at].quality = fr->sharpness;
    s->n[phase] = n;
    return 1;
}

int enrol_session_complete(const struct enrol_session *s)
{
    return s->n[ENROL_FILE] > 0 ||
           (s->n[ENROL_STRAIGHT] > 0 && s->n[ENROL_LEFT] > 0 && s->n[ENROL_RIGHT] > 0);
}

/* the kept frames, flat: *n rows of FACE_DESCRIPTOR */
static int kept_rows(const struct enrol_session *s, float rows[][FACE_DESCRIPTOR])
{
    int n = 0;
    for (int p = 0; p < ENROL_PHASES; p++)
        for (int i = 0; i < s->n[p]; i++)
            memcpy(rows[n++], s->kept[p][i].descriptor, sizeof(rows[0]));
    return n;
}

/* refusals before anything is written: several people, or a face enrolled already */
static int check_one_person(const struct enrol_session *s, struct gallery *g,
                            int64_t customer_id, float rows[][FACE_DESCRIPTOR], int n,
                            struct enrol_result *r)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double d = face_distance(rows[i], rows[j]);
            r->spread = d > r->spread ? d : r->spread;
        }
    if (r->spread >= ENROL_MAX_SPREAD)
        return shop_fail(SHOP_ECONFLICT,
                         "the accepted frames show more than one person (%.3f apart, one person "
                         "is under %.2f): enrol each person on their own",
                         r->spread, ENROL_MAX_SPREAD);
    (void)s;
    if (!g)
        return SHOP_OK;
    double best = INFINITY;
    for (int i = 0; i < n; i++) {
        struct gallery_match m;
        gallery_search(g, rows[i], &m);
        for (int k = 0; k < m.n; k++)
            if (m.best[k].customer_id != customer_id && m.best[k].distance < best) {
                best = m.best[k].distance;
                r->other_customer = m.best[k].customer_id;
            }
    }
    r->other_distance = best;
    if (best < ENROL_DUPLICATE)
        return shop_fail(SHOP_ECONFLICT,
                         "this face is already enrolled as customer %lld (distance %.3f, under "
                         "%.2f): one person, one customer",
                         (long long)r->other_customer, best, ENROL_DUPLICATE);
    r->other_customer = 0;
    return SHOP_OK;
}

int enrol_register(const struct enrol_session *s, struct store *st, struct gallery *g,
                   int64_t customer_id, const char *consent_version,
                   const struct enrol_photo *photos, int nphotos, const char *actor, int64_t now,
                   struct enrol_result *r)
{
    float rows[ENROL_PHASES * ENROL_MAX_KEEP][FACE_DESCRIPTOR];
    struct store_face_template t;
    memset(r, 0, sizeof(*r));
    int n = kept_rows(s, rows);
    int rc = SHOP_OK;
    int64_t replaced = 0;
    struct store_customer c;
    if (n == 0) {
        rc = shop_fail(SHOP_EINVAL, "no accepted frame to enrol");
        goto out;
    }
    if (consent_version && (rc = privacy_version_check(consent_version)) != SHOP_OK)
        goto out;
    if ((rc = store_customer_get(st, customer_id, &c)) != SHOP_OK)
        goto out;
    if ((rc = check_one_person(s, g, customer_id, rows, n, r)) != SHOP_OK)
        goto out;
    if ((rc = store_begin(st)) != SHOP_OK)
        goto out;
    /* consent first: templates may only exist for a consenting customer */
    if (consent_version)
        rc = privacy_consent(st, customer_id, consent_version, actor, now);
    else if ((rc = store_face_consent_get(st, customer_id, NULL, 0, NULL)) == SHOP_ENOTFOUND)
        rc = shop_fail(SHOP_ECONFLICT, "customer %lld has no biometric consent",
                       (long long)customer_id);
    if (rc == SHOP_OK)
        rc = store_face_templates_clear(st, customer_id, &replaced);
    for (int p = 0, k = 0; p < ENROL_PHASES && rc == SHOP_OK; p++)
        for (int i = 0; i < s->n[p] && rc == SHOP_OK; i++, k++) {
            memset(&t, 0, sizeof(t));
            t.customer_id = customer_id;
            snprintf(t.phase, sizeof(t.phase), "%s", enrol_phase_names[p]);
            memcpy(t.descriptor, rows[k], sizeof(t.descriptor));
            t.quality = s->kept[p][i].quality;
            t.created_at = now;
            rc = store_face_template_add(st, &t);
        }
    for (int i = 0; i < nphotos && rc == SHOP_OK; i++)
        rc = store_face_photo_add(st, customer_id, photos[i].data, photos[i].n, now);
    if (rc == SHOP_OK) {
        char detail[128];
        snprintf(detail, sizeof(detail),
                 "templates %d (straight %d, left %d, right %d, file %d), replaced %lld, "
                 "photos %d",
                 n, s->n[ENROL_STRAIGHT], s->n[ENROL_LEFT], s->n[ENROL_RIGHT], s->n[ENROL_FILE],
                 (long long)replaced, nphotos);
        rc = store_privacy_audit_add(st, customer_id, "enrol", actor, now, detail);
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK) {
        /* keep the store's reason: the rollback must not overwrite it */
        char why[SHOP_ERRMSG_MAX];
        snprintf(why, sizeof(why), "%s", shop_errmsg());
        store_rollback(st);
        (void)shop_fail(rc, "%s", why);
        goto out;
    }
    if (g)
        gallery_replace(g, customer_id, &rows[0][0], (size_t)n);
    r->saved = n;
    r->photos = nphotos;
out:
    memset(&t, 0, sizeof(t));
    memset(rows, 0, sizeof(rows));
    __asm__ __volatile__("" : : "r"(rows), "r"(&t) : "memory");
    return rc;
}

int enrol_session_save(const struct enrol_session *s, struct store *st, struct gallery *g,
                       int64_t customer_id, const char *actor, int64_t now, int *saved)
{
    struct enrol_result r;
    int rc = enrol_register(s, st, g, customer_id, NULL, NULL, 0, actor, now, &r);
    *saved = r.saved;
    return rc;
}
