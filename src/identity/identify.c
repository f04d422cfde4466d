/* identity/identify.c - 1:N decision and the login state machine. */
#include "identity/identify.h"

#include <math.h>
#include <string.h>

void identify_opts_default(struct identify_opts *o)
{
    face_opts_default(&o->face);
    o->threshold = IDENTIFY_THRESHOLD;
    o->margin = IDENTIFY_MARGIN;
    o->min_face_px = 60;
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
    gallery_search(g, descriptor, &m);
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

void identify_login_init(struct identify_login *l, int need)
{
    memset(l, 0, sizeof(*l));
    l->need = need < 1 ? 1 : need;
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
}
