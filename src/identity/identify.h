/* identity/identify.h - face login: 1:N identification of a frame's main face against the
 * gallery, and the per-mirror state machine that logs a customer in only when the mean
 * descriptor of several frames in a row matches.
 *     struct identify_opts o; identify_opts_default(&o);
 *     struct identify_login login; identify_login_init(&login, o.frames); -- one per mirror
 *     for each frame:
 *         struct identify_result r;
 *         if (identify_frame(ws, gallery, &img, &o, &r) != SHOP_OK) ...
 *         int64_t who = identify_login_feed_frame(&login, &r, &o);
 *         if (who) ... greet customer `who`, open a session ...
 * The threshold was chosen with `shopper eval faces` (see IDENTIFY_THRESHOLD).          */
#ifndef SHOP_IDENTITY_IDENTIFY_H
#define SHOP_IDENTITY_IDENTIFY_H

#include <stdint.h>

#include "core/status.h"
#include "identity/gallery.h"
#include "vision/face.h"

/* The login rule, chosen with `shopper eval faces` on faces-calib (50 real people; every
 * rate and command in bench/descnets/README.md): the mean descriptor of the last
 * IDENTIFY_CONFIRMATIONS frames in a row with a face is compared with the mean of each
 * customer's templates (gallery_search_mean); the nearest customer is accepted under
 * IDENTIFY_THRESHOLD and ahead of the next one by IDENTIFY_MARGIN. One photo (shopper
 * identify, the verdict of each mirror frame) is the same rule on its own descriptor.
 * Chosen on the tune half of the people (--people tune) alone: the largest threshold at
 * which 3 photos in a row logged in no stranger and no wrong person with 3, 5 or 9
 * templates per person, and still none 0.02 further with 3 templates (0.44 lets 5 of
 * 1,220 stranger windows in with 3 templates, 0.40 one with 5). Tune half, 3 templates:
 * 3 in a row 99.91 % right, 1 photo 82.85 %, never a wrong person or a stranger; the rule
 * it replaces (each of 3 frames under 0.45 from the nearest template) logged in 80.6 % of
 * 3 in a row. Held-out half: 3 in a row 99.81 % right (2,108 windows), 1 photo 80.59 %
 * (2,308), wrong person and stranger 0 of 602 and 652 stranger attempts. */
#define IDENTIFY_THRESHOLD 0.39
#define IDENTIFY_MARGIN 0.03
#define IDENTIFY_CONFIRMATIONS 3
/* templates kept per customer by enrolment from files (the protocol's K) */
#define IDENTIFY_TEMPLATES 3
/* 1: frames in a row are judged on their mean descriptor; 0: each frame must match (the
 * streak rule, no longer the login rule) */
#define IDENTIFY_AVERAGE 1
/* 1: against the mean of each customer's templates (gallery_search_mean); 0: against their
 * nearest template (gallery_search) */
#define IDENTIFY_MEAN_TEMPLATE 1
/* no face at the image's own scale: look again on a padded canvas, half then a quarter of
 * the image's size (face_opts.fallback). On faces-calib face-api's SSD finds no face on 188
 * of 1,922 photos, the half border on all but 1, the quarter border on that one (one or two
 * more SSD runs on those frames only; always padding halves the resolution left for
 * distant faces). Only weak faces at the own scale (best score under 0.6, 28 photos): the
 * half border too, the larger largest face kept (a corner face at 0.501 otherwise hid
 * Ariel_Sharon_0004's with the BF16 detector) */
#define IDENTIFY_FALLBACK 1
/* descriptors averaged with the mirrored crop's (face_opts.mirror): one more recognition
 * pass; on the held-out half one photo right 82.7 -> 89.8 % (the 0.45 streak rule), pair
 * EER 0.99 -> 0.81 % (all, on the padded canvas; with the padded retry that login uses,
 * 1.00 % - bench/descnets/README.md) */
#define IDENTIFY_MIRROR 1
/* landmark and descriptor crops sampled at real-valued positions (face_opts.subpixel):
 * face-api's integer crops move a descriptor by 0.06-0.09 whenever a box moves by a fraction
 * of a pixel; these move it by about 0.1 per pixel, smoothly. On faces-calib (all 50 people,
 * exact detector) as accurate as the integer crops: pair EER 1.00 -> 0.99 %, one photo right
 * 82.17 -> 82.34 %, 3 in a row 99.88 -> 99.82 %, no wrong person or stranger either way
 * (bench/descnets/README.md) */
#define IDENTIFY_SUBPIXEL 1
/* the detector's pointwise convs with 128 outputs or more in BF16 where the CPU has
 * AVX512-BF16 (face_opts.bf16_detector): SSD 39-41 -> 26-30 ms of CPU on a 640x480 frame.
 * With subpixel crops a descriptor moves little (median 0.006 from the exact detector's).
 * On faces-calib, all 50 people, against the exact detector: pair EER 0.989 -> 0.993 %,
 * one photo right 82.34 % and 3 in a row 99.82 % both (the same counts), no wrong person or
 * stranger either way (the halves: bench/descnets/README.md) */
#define IDENTIFY_BF16 1

/* jittered copies of the crop averaged into each login frame's descriptor (face_opts.jitter;
 * two recognition passes each with the mirror, ~4 ms each on a 640x480 frame) and into each
 * template by enrolment (enrol_opts.jitter, only on the frames that pass its gates).
 * Measured on faces-calib (bench/descnets/README.md): 8 copies lower the pair EER by 0.06
 * points on the tune half (0.92 -> 0.86 %) and 0.11 on the held-out (1.27 -> 1.16 %) for
 * 52 -> 111 ms of CPU per mirror frame; at equal errors the single-photo curve is nearly
 * the same, and templates jittered more than frames log in fewer people. Not adopted. */
#define IDENTIFY_JITTER 0
#define IDENTIFY_ENROL_JITTER 0

/* the face pipeline of login and enrolment (the same for both, so that templates and frames
 * compare): face-api's, plus IDENTIFY_FALLBACK and IDENTIFY_MIRROR */
void identify_face_opts(struct face_opts *o);

struct identify_opts {
    struct face_opts face; /* identify_face_opts; largest_only, want set by identify_frame */
    double threshold;      /* IDENTIFY_THRESHOLD */
    double margin;         /* IDENTIFY_MARGIN */
    double min_face_px;    /* a smaller main face is not identified (default 60) */
    int average;           /* login on the mean descriptor of the frames (IDENTIFY_AVERAGE) */
    int mean_template;     /* against each customer's mean template (IDENTIFY_MEAN_TEMPLATE) */
    int frames;            /* frames in a row for a login (IDENTIFY_CONFIRMATIONS) */
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
    struct gallery *gallery;  /* what it was identified against (NULL: not identified) */
    enum identify_verdict verdict;
    int64_t customer_id;      /* the match, else 0 */
    double distance;          /* to the nearest customer (INFINITY when the gallery is empty) */
    int64_t nearest_id;       /* the nearest customer, accepted or not (0 when none) */
    double second_distance;   /* to the nearest other customer (INFINITY when none) */
    struct face face;         /* the main (largest) face: landmarks, descriptor, expressions */
};

/* The decision for one descriptor (no image): threshold and margin against the gallery
 * (each customer's mean template or nearest one, as o->mean_template says). */
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
/* The login rule on one frame's result (from identify_frame or mirror_analyse): with
 * o->average the mean descriptor of the last `need` frames in a row with a face is
 * identified against r->gallery (identify_descriptor with o) and a match logs in; a frame
 * without a usable face (or not identified against a gallery) empties the window. Without
 * it, identify_login_feed(l, r->customer_id). Returns the customer id on the frame that
 * logs in, else 0; ignores frames while somebody is logged in. */
int64_t identify_login_feed_frame(struct identify_login *l, const struct identify_result *r,
                                  const struct identify_opts *o);
/* Feeds one frame's match (0: no face, unknown or ambiguous - breaks the streak). Returns
 * the customer id on the frame that completes `need` frames in a row, else 0. While a
 * customer is logged in, frames are ignored until identify_login_logout. */
int64_t identify_login_feed(struct identify_login *l, int64_t customer_id);
void identify_login_logout(struct identify_login *l);

#endif
