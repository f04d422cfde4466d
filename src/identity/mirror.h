/* identity/mirror.h - the face state of one Smart Mirror: face login after several frames in
 * a row (identify_login), the emotion peak detector of the customer logged in, the
 * logout after some time without a face, and an enrolment in progress. Pure domain: no
 * HTTP and no clock (the caller passes each frame's time t in seconds, never going back).
 *     struct mirror *m = mirror_new(NULL);                 -- one per paired mirror
 *     for each camera frame (identify_frame -> r, faces = every face in the frame):
 *         struct mirror_step s;
 *         mirror_feed(m, t, &r, faces, &s);
 *         if (s.login)  ... open a session, then mirror_login(m, s.login, t) ...
 *         if (s.logout) ... end the session, then mirror_logout(m) ...
 *         for (i < s.npeaks) alerts_record_peak(..., &s.peaks[i], ...);
 *     enrolment: mirror_enrol_start(m, st, customer) ; mirror_enrol_offer(m, phase, &fr, &p)
 *                ; mirror_enrol_finish(m, st, gallery, actor, now, &saved) or _cancel
 *     mirror_free(m);
 * Not thread-safe: the caller holds its own lock around each call. Descriptors held for an
 * enrolment are wiped on finish, cancel, logout and free.                                  */
#ifndef SHOP_IDENTITY_MIRROR_H
#define SHOP_IDENTITY_MIRROR_H

#include <stdint.h>

#include "core/status.h"
#include "identity/emotion.h"
#include "identity/enrol.h"
#include "identity/identify.h"

struct store;
struct gallery;

#define MIRROR_IDLE_LOGOUT 30.0 /* seconds without a face before a logged-in mirror logs out */

struct mirror_opts {
    int confirmations;           /* frames in a row before a face login (IDENTIFY_CONFIRMATIONS) */
    struct identify_opts login;  /* the login rule over them (identify_opts_default) */
    double idle_logout;          /* seconds without a face, > 0 (MIRROR_IDLE_LOGOUT) */
    struct emotion_opts emotion; /* the peak rules (emotion_opts_default) */
    struct enrol_opts enrol;     /* the enrolment gates (enrol_opts_default) */
};
void mirror_opts_default(struct mirror_opts *o);
/* SHOP_EINVAL with a message when an option is out of range */
SHOP_MUST_CHECK int mirror_opts_check(const struct mirror_opts *o);

struct mirror;
/* o NULL = defaults; an invalid o is the caller's bug (check it with mirror_opts_check).
 * Never NULL. */
struct mirror *mirror_new(const struct mirror_opts *o);
void mirror_free(struct mirror *m); /* NULL is a no-op */

#define MIRROR_MAX_FACES 8 /* faces reported per frame */

/* The face options of a mirror frame under identify options o: o's detection and descriptor
 * options, landmarks, descriptor and expressions of the largest face only (the others are
 * boxes). mirror_analyse runs these; bench-faces --login times them. */
void mirror_frame_opts(const struct identify_opts *o, struct face_opts *fo);

/* Finds the faces of a frame (up to max, with landmarks, descriptors and expressions, the
 * largest first) and identifies the largest one as identify_frame does (min_face_px,
 * threshold and margin of o): one detection for both. SHOP_EINVAL / SHOP_EMODEL from
 * face_detect. */
SHOP_MUST_CHECK int mirror_analyse(struct face_ws *ws, struct gallery *g, const struct image *img,
                                   const struct identify_opts *o, struct face *faces, int max,
                                   int *n, struct identify_result *r);

/* what one frame means for the mirror */
struct mirror_step {
    int64_t login;  /* a customer confirmed on this frame: log them in (0: nobody) */
    int logout;     /* the customer logged in has been away idle_logout seconds: log out */
    int emotions;   /* 1 when the frame was fed to the emotion detector */
    struct emotion_peak peaks[EMOTION_GROUPS]; /* peaks that fired on this frame */
    int npeaks;
};

/* Feeds one analysed frame at time t: r is identify_frame's result for the main face, faces
 * the number of faces in the frame. Nobody logged in: the login rule
 * (identify_login_feed_frame with o->login: the mean descriptor of the last
 * `confirmations` frames with a face, against r's gallery; a frame without one starts
 * over). A customer logged in: the main face's expressions go to the peak detector unless
 * the face is identified as another customer or there are several faces and the main one
 * is not the customer's; a frame without a face breaks the streaks and, idle_logout
 * seconds after the last face, asks for a logout. An enrolment in
 * progress takes no login. SHOP_EINVAL when t goes back by more than a second (an earlier
 * frame that arrived late is clamped to the last time). */
SHOP_MUST_CHECK int mirror_feed(struct mirror *m, double t, const struct identify_result *r,
                                int faces, struct mirror_step *out);
/* 1 when a customer is logged in and has been without a face for idle_logout seconds at t
 * (a mirror that stopped sending frames) */
int mirror_idle(const struct mirror *m, double t);
/* the customer logged in showed their face at t without a login frame (an enrolment frame
 * with one face while they register it): the idle clock starts again; nothing when nobody
 * is logged in or t is older than the last face */
void mirror_present(struct mirror *m, double t);
/* records a login (face or PIN) at time t: the peak detector starts afresh; an enrolment of
 * somebody else is cancelled */
void mirror_login(struct mirror *m, int64_t customer_id, double t);
/* forgets the customer, the peaks and any enrolment */
void mirror_logout(struct mirror *m);
/* the customer logged in, 0 = nobody */
int64_t mirror_customer(const struct mirror *m);

/* ---- enrolment (registration of the face of the customer logged in) ---- */

/* Starts (or restarts) an enrolment for customer_id: only the customer logged in at this
 * mirror (SHOP_EPERM otherwise: a mirror cannot enrol somebody else's face) who has a
 * biometric consent (SHOP_ECONFLICT without one; SHOP_ENOTFOUND for no such customer). */
SHOP_MUST_CHECK int mirror_enrol_start(struct mirror *m, struct store *st, int64_t customer_id);
/* the customer being enrolled, 0 = no enrolment in progress */
int64_t mirror_enrol_customer(const struct mirror *m);

struct mirror_enrol_progress {
    int accepted;            /* the frame passed the gates */
    int kept;                /* and is among its phase's best */
    int n[ENROL_PHASES];     /* frames kept per phase */
    int keep;                /* frames kept at most per phase */
    int complete;            /* every phase has a frame: finish may save */
};
/* Offers a frame judged by enrol_check for `phase` (a camera phase: straight, left,
 * right). SHOP_ECONFLICT when no enrolment is in progress, SHOP_EINVAL for phase "file". */
SHOP_MUST_CHECK int mirror_enrol_offer(struct mirror *m, enum enrol_phase phase,
                                       const struct enrol_frame *fr,
                                       struct mirror_enrol_progress *p);
/* the progress without a frame */
void mirror_enrol_progress(const struct mirror *m, struct mirror_enrol_progress *p);
/* Saves the kept frames as the customer's templates (enrol_session_save: one transaction,
 * replacing earlier ones, the gallery updated) and ends the enrolment. SHOP_ECONFLICT when
 * none is in progress or a phase has no frame yet (the enrolment goes on), or the consent
 * was withdrawn meanwhile; the customer must still be the one logged in (SHOP_EPERM). */
SHOP_MUST_CHECK int mirror_enrol_finish(struct mirror *m, struct store *st, struct gallery *g,
                                        const char *actor, int64_t now, int *saved);
/* ends an enrolment without saving (wipes the frames); no-op without one */
void mirror_enrol_cancel(struct mirror *m);

#endif
