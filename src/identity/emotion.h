/* identity/emotion.h - emotion peaks of one logged-in customer at one mirror.
 *
 * Each frame's 7 expression probabilities (neutral, happy, sad, angry, fearful, disgusted,
 * surprised) fold into three group scores in %: frustration = 100 * (angry + sad + fearful
 * + disgusted), happiness = 100 * happy, surprise = 100 * surprised. For each group:
 *   - its streak counts consecutive frames whose score is at or over the threshold
 *     (a frame at or under it sets the streak to 0);
 *   - a peak fires on a frame where the streak has reached `streak` frames and no peak of
 *     that group fired in the last `cooldown` seconds (t - last_fire >= cooldown); firing
 *     sets the streak to 0, so a long peak fires again only after the cooldown and with
 *     `streak` more frames over the threshold (frames during the cooldown count);
 *   - the event keeps what the detector decided on: the firing frame's group score and its
 *     strongest expression (frame_score, frame_dominant); beside them, as the trend, the
 *     mean group score of the frames in the window (t - window, t] (the firing frame
 *     included), their mean probabilities and the largest of those means. A calm window
 *     with a sudden angry streak thus reads "frustration 80 %, angry" with a trend of
 *     "17 %, neutral", not as a calm false alarm.
 * Defaults (the prototype's): frustration 50 % / 4 frames / 4 s / 10 s, surprise 60 / 3 /
 * 2 / 5, happiness 60 / 5 / 5 / 15. Several groups may fire on one frame.
 *     struct emotion_detector *em = emotion_new(NULL);        -- one per session
 *     struct emotion_peak peaks[EMOTION_GROUPS]; int n;
 *     if (emotion_feed(em, t, face.expressions, peaks, &n) == SHOP_OK) ... peaks[0..n-1] ...
 *     emotion_free(em);
 * Not thread-safe: one detector belongs to one mirror's loop.                             */
#ifndef SHOP_IDENTITY_EMOTION_H
#define SHOP_IDENTITY_EMOTION_H

#include "core/status.h"

#define EMOTION_CLASSES 7
#define EMOTION_MAX_FRAMES 1024 /* frames kept for the window mean (34 s at 30 fps) */

enum emotion_group { EMOTION_FRUSTRATION = 0, EMOTION_HAPPINESS, EMOTION_SURPRISE, EMOTION_GROUPS };

/* "frustration", "happiness", "surprise" */
extern const char *const emotion_group_names[EMOTION_GROUPS];

struct emotion_rule {
    double threshold; /* group score in %, 0..100 */
    int streak;       /* frames, >= 1 */
    double window;    /* seconds, > 0 */
    double cooldown;  /* seconds, >= 0 */
};

struct emotion_opts {
    struct emotion_rule rule[EMOTION_GROUPS];
};
void emotion_opts_default(struct emotion_opts *o);
/* SHOP_OK or SHOP_EINVAL when a rule is out of range */
SHOP_MUST_CHECK int emotion_opts_check(const struct emotion_opts *o);

struct emotion_peak {
    enum emotion_group group;
    double t;                  /* the firing frame's time */
    double frame_score;        /* the firing frame's group score, % */
    int frame_dominant;        /* index of the firing frame's largest probability */
    double score;              /* mean group score over the window, % (the trend) */
    double p[EMOTION_CLASSES]; /* mean probabilities over the window */
    int dominant;              /* index of the largest mean probability */
    int frames;                /* frames in the window */
};

struct emotion_detector;

/* opts NULL = defaults; an invalid opts is our caller's bug (asserts): check it first with
 * emotion_opts_check. Never NULL. */
struct emotion_detector *emotion_new(const struct emotion_opts *opts);
void emotion_free(struct emotion_detector *em); /* NULL is a no-op */
/* forgets the frames, streaks and cooldowns (a new session) */
void emotion_reset(struct emotion_detector *em);

/* Feeds one frame at time t (seconds, never decreasing) with its 7 probabilities; writes
 * the peaks that fire on it to out[0..*n-1] (at most EMOTION_GROUPS), in group order.
 * SHOP_EINVAL (state unchanged) when t goes back or is not finite, or a probability is
 * not in [0, 1]. */
SHOP_MUST_CHECK int emotion_feed(struct emotion_detector *em, double t, const float *p,
                                 struct emotion_peak *out, int *n);
/* a frame without a face: every streak is broken */
void emotion_miss(struct emotion_detector *em);
/* the group scores (%) of a probability vector */
void emotion_scores(const float *p, double score[EMOTION_GROUPS]);

#endif
