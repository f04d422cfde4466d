/* identity/identify.c - 1:N decision and the login state machine. */
#include "identity/identify.h"

#include <math.h>
#include <string.h>

void identify_face_opts(struct face_opts *o)
{
    face_opts_default(o);
    o->fallback = IDENTIFY_FALLBACK;
    o->mirror = IDENTIFY_MIRROR;
    o->subpixel = IDENTIFY_SUBPIXEL;
    o->bf16_detector = IDENTIFY_BF16;
    o->jitter = IDENTIFY_JITTER;
}

void identify_opts_default(struct identify_opts *o)
{
    identify_face_opts(&o->face);
    o->threshold = IDENTIFY_THRESHOLD;
    o->margin = IDENTIFY_MARGIN;
    o->min_face_px = 60;
    o->average = IDENTIFY_AVERAGE;
    o->mean_template = IDENTIFY_MEAN_TEMPLATE;
    o->frames = IDENTIFY_CONFIRMATIONS;
}

const char *identify_verdict_name(enum identify_verdict v)
{
    static const char *const names[] = {"no face", "face too small", "unknown", "ambiguous",
                                        "match"};
    return v <= IDENTIFY_MATCH ? names[v] : "?";
}

void identify_descriptor(struct gallery *g, const float *descriptor, const struct identify_opts *o,
                         struct identify_result *r)
{
    struct gallery_match m;
    if (o->mean_template)
        gallery_search_mean(g, descriptor, &m);
    else
        gallery_search(g, descriptor, &m);
    r->gallery = g;
    r->customer_id = 0;
    r->nearest_id = m.n ? m.best[0].customer_id : 0;
    r->distance = m.n ? m.best[0].distance : INFINITY;
    r->second_distance = m.n > 1 ? m.best[1].distance : INFINITY;
    if (!(r->distance < o->threshold))
        r->verdict = IDENTIFY_UNKNOWN;
    else if (r->second_distance - r->distance < o->margin)
        r->verdict = IDENTIFY_AMBIGUOUS;
    else {
        r->verdict = IDENTIFY_MATCH;
        r->customer_id = r->nearest_id;
    }
}

int identify_frame(struct face_ws *ws, struct gallery *g, const struct image *img,
                   const struct identify_opts *o, struct identify_result *r)
{
    struct face_opts fo = o->face;
    fo.largest_only = 1;
    fo.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR | FACE_WANT_EXPRESSIONS;
    int n = 0;
    memset(r, 0, sizeof(*r));
    r->distance = r->second_distance = INFINITY;
    int rc = face_detect(ws, img, &fo, &r->face, 1, &n);
    if (rc != SHOP_OK)
        return rc;
    if (n == 0)
        r->verdict = IDENTIFY_NO_FACE;
    else if (r->face.box[2] < o->min_face_px)
        r->verdict = IDENTIFY_TOO_SMALL;
    else
        identify_descriptor(g, r->face.descriptor, o, r);
    return SHOP_OK;
}

/* zeroes descriptors in a way the compiler keeps */
static void wipe_recent(struct identify_login *l)
{
    memset(l->recent, 0, sizeof(l->recent));
    __asm__ __volatile__("" : : "r"(l->recent) : "memory");
    l->held = 0;
    l->next = 0;
}

void identify_login_init(struct identify_login *l, int need)
{
    memset(l, 0, sizeof(*l));
    l->need = need < 1 ? 1 : need > IDENTIFY_MAX_FRAMES ? IDENTIFY_MAX_FRAMES : need;
}

int64_t identify_login_feed_frame(struct identify_login *l, const struct identify_result *r,
                                  const struct identify_opts *o)
{
    if (!o->average)
        return identify_login_feed(l, r->verdict == IDENTIFY_MATCH ? r->customer_id : 0);
    if (l->logged_in)
        return 0;
    if (r->verdict == IDENTIFY_NO_FACE || r->verdict == IDENTIFY_TOO_SMALL || !r->gallery) {
        wipe_recent(l);
        return 0;
    }
    memcpy(l->recent[l->next], r->face.descriptor, sizeof(l->recent[0]));
    l->next = (l->next + 1) % l->need;
    l->held += l->held < l->need;
    if (l->held < l->need)
        return 0;
    /* summed oldest first, then divided: the arithmetic of evalfaces (eval faces) */
    float mean[FACE_DESCRIPTOR] = {0};
    for (int i = 0; i < l->need; i++)
        for (int k = 0; k < FACE_DESCRIPTOR; k++)
            mean[k] += l->recent[(l->next + i) % l->need][k];
    for (int k = 0; k < FACE_DESCRIPTOR; k++)
        mean[k] /= (float)l->need;
    struct identify_result m;
    identify_descriptor(r->gallery, mean, o, &m);
    memset(mean, 0, sizeof(mean));
    __asm__ __volatile__("" : : "r"(mean) : "memory");
    if (m.verdict != IDENTIFY_MATCH)
        return 0;
    l->logged_in = m.customer_id;
    wipe_recent(l);
    return m.customer_id;
}

int64_t identify_login_feed(struct identify_login *l, int64_t customer_id)
{
    if (l->logged_in)
        return 0;
    if (customer_id <= 0) {
        l->candidate = 0;
        l->streak = 0;
        return 0;
    }
    if (customer_id == l->candidate)
        l->streak++;
    else {
        l->candidate = customer_id;
        l->streak = 1;
    }
    if (l->streak < l->need)
        return 0;
    l->logged_in = customer_id;
    l->candidate = 0;
    l->streak = 0;
    return customer_id;
}

void identify_login_logout(struct identify_login *l)
{
    l->logged_in = 0;
    l->candidate = 0;
    l->streak = 0;
    wipe_recent(l);
}
