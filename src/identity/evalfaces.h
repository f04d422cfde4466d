/* identity/evalfaces.h - how well face login works on labelled photos of real people: the
 * maths of `shopper eval faces` (issue 11's login protocol and the pair error rates).
 *
 * Input: the photos of P people as an array, one person's photos next to each other in
 * their folder's (name) order - the order stands for time, so photos next to each other
 * are "frames in a row". Each photo says whether a face was found and, if so, its
 * descriptor.
 *
 * Login protocol (evalfaces_login_new): the people used (a mask, e.g. one half of a people
 * split) are dealt in turn into `folds` groups; in fold f group f are strangers, never
 * enrolled, and everybody else is enrolled with their first `templates` photos that have a
 * face (the rest of their photos are attempts; a template is described as enrolment does,
 * evalfaces_photo.t when set). Every photo of a stranger is an attempt.
 * Over all folds each person is a stranger once and enrolled folds-1 times. An attempt is
 * one photo (frames = 1) or `frames` photos in a row of one person (every window of the
 * attempt photos, sliding by one). Each frame is decided as identify_descriptor does: the
 * nearest person's mean template (or closest template) under the threshold and ahead of
 * the next person by the margin (the real gallery search). A multi-frame attempt logs in when
 *   EVALFACES_CONFIRM: every frame matches the same person (the mirror's streak rule);
 *   EVALFACES_AVERAGE: the mean descriptor of its frames with a face matches.
 *
 *     struct evalfaces_login *L = evalfaces_login_new(photos, n, npeople, use, &proto);
 *     struct evalfaces_rates r;
 *     evalfaces_login_rates(L, 0.5, 0.03, &r);   -- cheap: sweep as many rules as wanted
 *     evalfaces_login_free(L);
 *
 * Photos' descriptors are biometric data when the people are customers: this module
 * copies none of them out and logs nothing.                                              */
#ifndef SHOP_IDENTITY_EVALFACES_H
#define SHOP_IDENTITY_EVALFACES_H

#include <stdint.h>

#include "vision/face.h"

struct evalfaces_photo {
    int person; /* 0 .. npeople-1 */
    int found;  /* a face was found: d holds its descriptor */
    float d[FACE_DESCRIPTOR];
    /* 1: t holds the descriptor that enrolment's pipeline gives the photo (when it differs
     * from login's, e.g. more augmentation), used when the photo is a template; 0: d is */
    int has_t;
    float t[FACE_DESCRIPTOR];
};

enum evalfaces_combine {
    EVALFACES_CONFIRM = 0, /* every frame matches the same person (the login streak) */
    EVALFACES_AVERAGE,     /* one decision on the mean descriptor of the frames */
};
/* "confirm", "average"; evalfaces_combine_parse gives -1 for another name */
const char *evalfaces_combine_name(enum evalfaces_combine c);
int evalfaces_combine_parse(const char *name);

struct evalfaces_protocol {
    int templates; /* photos enrolled per person, >= 1 */
    int frames;    /* photos per attempt, >= 1 */
    enum evalfaces_combine combine;
    int folds; /* one person in `folds` is a stranger in each fold, >= 2 (5: 40 of 50 enrolled) */
    int mean_template; /* 1: frames against each person's mean template (gallery_search_mean),
                          0: against their nearest template (gallery_search) */
};

struct evalfaces_rates {
    double threshold, margin;
    int64_t enrolled;       /* attempts by enrolled people */
    int64_t right;          /* ... logged in as themselves */
    int64_t wrong;          /* ... logged in as somebody else */
    int64_t rejected;       /* ... not logged in (unknown, ambiguous, or the frames disagree) */
    int64_t no_face;        /* ... with no face on any frame (counted in rejected too) */
    int64_t strangers;      /* attempts by never-enrolled people */
    int64_t stranger_in;    /* ... logged in as somebody */
    int64_t stranger_no_face;
};
/* a / b, 0 when b is 0 */
double evalfaces_rate(int64_t a, int64_t b);

struct evalfaces_login;

/* Prepares the protocol over the people with use[p] != 0 (use NULL: everybody): builds the
 * galleries of each fold and decides every frame once, so that rates at any threshold and
 * margin are cheap. Never NULL; a protocol field out of range is clamped to its minimum. */
struct evalfaces_login *evalfaces_login_new(const struct evalfaces_photo *photos, int n,
                                            int npeople, const unsigned char *use,
                                            const struct evalfaces_protocol *p);
void evalfaces_login_free(struct evalfaces_login *L); /* NULL is a no-op */
/* the outcome counts of every attempt at this threshold and margin */
void evalfaces_login_rates(const struct evalfaces_login *L, double threshold, double margin,
                           struct evalfaces_rates *r);

/* every pair of found faces among the people used: same person (genuine) or not */
struct evalfaces_pairs {
    int64_t genuine, impostor;
    double genuine_mean, genuine_max, impostor_mean, impostor_min;
    double eer;           /* equal error rate: where false rejects = false accepts */
    double eer_threshold; /* the distance at which it holds */
};
void evalfaces_pairs(const struct evalfaces_photo *photos, int n, int npeople,
                     const unsigned char *use, struct evalfaces_pairs *out);
/* false rejects (genuine pairs at >= t) and false accepts (impostor pairs < t) at t */
void evalfaces_pairs_at(const struct evalfaces_photo *photos, int n, int npeople,
                        const unsigned char *use, double t, int64_t *frr, int64_t *far);

/* The people split for tuning: person p belongs to half p % 2 (people in name order, so
 * the halves do not depend on the photos). use[p] = 1 for the people of `half` (0 or 1). */
void evalfaces_split(int npeople, int half, unsigned char *use);

#endif
