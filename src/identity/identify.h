/* identity/identify.h - face login: 1:N identification of a frame's main face against the
 * gallery, and the per-mirror state machine that logs a customer in only after the same
 * identity on several frames in a row.
 *     struct identify_opts o; identify_opts_default(&o);
 *     struct identify_login login; identify_login_init(&login, 3);     -- one per mirror
 *     for each frame:
 *         struct identify_result r;
 *         if (identify_frame(ws, gallery, &img, &o, &r) != SHOP_OK) ...
 *         int64_t who = identify_login_feed(&login, r.customer_id);
 *         if (who) ... greet customer `who`, open a session ...
 * The threshold was chosen with `shopper eval faces` (see IDENTIFY_THRESHOLD).          */
#ifndef SHOP_IDENTITY_IDENTIFY_H
#define SHOP_IDENTITY_IDENTIFY_H

#include <stdint.h>

#include "core/status.h"
#include "identity/gallery.h"
#include "vision/face.h"

/* Euclidean distance under which the nearest customer is accepted, and the lead the nearest
 * customer needs over the next one. Chosen with `shopper eval faces` on faces-calib (50
 * real people), on the tune half of the people (--people tune): the largest threshold at
 * which neither one photo nor three in a row logged in a stranger or a wrong person
 * (0.46 lets 2 of 1,270 stranger photos in); the margin stops the wrong-person logins that
 * appear from 0.49 without it. On the held-out half: one photo right 89.8 %, wrong 0,
 * stranger 0 (2,308 + 652 attempts); three in a row 75.3 % right, wrong and stranger 0. */
#define IDENTIFY_THRESHOLD 0.45
#define IDENTIFY_MARGIN 0.03
#define IDENTIFY_CONFIRMATIONS 3
/* templates kept per customer by enrolment from files (the protocol's K) */
#define IDENTIFY_TEMPLATES 3
/* 1: frames in a row are judged on their mean descriptor; 0: each frame must match. The
 * mean logs more people in (99.6 % on the held-out half) but also strangers (2 of 1,220
 * windows on the tune half at 0.45), so each frame must match. */
#define IDENTIFY_AVERAGE 0
/* no face at the image's own scale: look again on a padded canvas (face_opts.fallback). On
 * faces-calib face-api's SSD finds no face on 188 of 1,922 photos, this 1 (one more SSD run
 * on those frames only; always padding halves the resolution left for distant faces) */
#define IDENTIFY_FALLBACK 1
/* descriptors averaged with the mirrored crop's (face_opts.mirror): one more recognition
 * pass; on the held-out half one photo right 82.7 -> 89.8 %, pair EER 0.99 -> 0.81 % (all) */
#define IDENTIFY_MIRROR 1

/* the face pipeline of login and enrolment (the same for both, so that templates and frames
 * compare): face-api's, plus IDENTIFY_FALLBACK and IDENTIFY_MIRROR */
void identify_face_opts(struct face_opts *o);

struct identify_opts {
    struct face_opts face; /* identify_face_opts; largest_only, want set by identify_frame */
    double threshold;      /* IDENTIFY_THRESHOLD */
    double margin;         /* IDENTIFY_MARGIN */
    double min_face_px;    /* a smaller main face is not identified (default 60) */
    int average;           /* login on the mean descriptor of the frames (IDENTIFY_AVERAGE) */
};
void identify_opts_default(struct identify_opts *o);

enum identify_verdict {
    IDENTIFY_NO_FACE = 0,
    IDENTIFY_TOO_SMALL,
    IDENTIFY_UNKNOWN,   /* nobody close enough: offer registration */
    IDENTIFY_AMBIGUOUS, /* two customers about as close: no decision on this frame */
    IDENTIFY_MATCH,
};
/* "no face", "face too small", "unknown", "ambiguous", "match" */
const char *identify_verdict_name(enum identify_verdict v);

struct identify_result {
    enum identify_verdict verdict;
    int64_t customer_id;      /* the match, else 0 */
    double distance;          /* to the nearest customer (INFINITY when the gallery is empty) */
    int64_t nearest_id;       /* the nearest customer, accepted or not (0 when none) */
    double second_distance;   /* to the nearest other customer (INFINITY when none) */
    struct face face;         /* the main (largest) face: landmarks, descriptor, expressions */
};

/* The decision for one descriptor (no image): threshold and margin against the gallery. */
void identify_descriptor(struct gallery *g, const float *descriptor, const struct identify_opts *o,
                         struct identify_result *r);
/* Finds the largest face of a frame, describes it (with expressions, for emotions) and
 * identifies it. SHOP_EINVAL / SHOP_EMODEL from face_detect. */
SHOP_MUST_CHECK int identify_frame(struct face_ws *ws, struct gallery *g, const struct image *img,
                                   const struct identify_opts *o, struct identify_result *r);

#define IDENTIFY_MAX_FRAMES 8

/* per-mirror login state; embed it, no allocation */
struct identify_login {
    int need;           /* confirmations in a row, 1 .. IDENTIFY_MAX_FRAMES */
    int64_t candidate;  /* the customer seen on the last frames */
    int streak;         /* frames in a row showing the candidate */
    int64_t logged_in;  /* the customer logged in, 0 = nobody */
    int held;           /* descriptors in recent (the averaged rule), <= need */
    int next;           /* where the next one goes */
    float recent[IDENTIFY_MAX_FRAMES][FACE_DESCRIPTOR]; /* wiped by logout and init */
};
void identify_login_init(struct identify_login *l, int need);
/* The login rule on one frame's result (from identify_frame): with o->average the
 * mean descriptor of the last `need` frames in a row with a face is identified (threshold
 * and margin of o) and a match logs in; a frame without a usable face empties the window.
 * Without it, identify_login_feed(l, r->customer_id). Returns the customer id on the frame
 * that logs in, else 0; ignores frames while somebody is logged in. */
int64_t identify_login_feed_frame(struct identify_login *l, struct gallery *g,
                                  const struct identify_result *r, const struct identify_opts *o);
/* Feeds one frame's match (0: no face, unknown or ambiguous - breaks the streak). Returns
 * the customer id on the frame that completes `need` frames in a row, else 0. While a
 * customer is logged in, frames are ignored until identify_login_logout. */
int64_t identify_login_feed(struct identify_login *l, int64_t customer_id);
void identify_login_logout(struct identify_login *l);

#endif
