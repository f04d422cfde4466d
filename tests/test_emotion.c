/* tests/test_emotion.c - the emotion peak detector on synthetic streams: the exact firing
 * frames, strict thresholds, broken streaks, cooldowns, window means and bad input. */
#include <string.h>

#include "identity/emotion.h"
#include "test.h"

/* a frame: neutral takes what the others leave */
static void frame(float *p, float happy, float sad, float angry, float surprised)
{
    memset(p, 0, EMOTION_CLASSES * sizeof(float));
    p[1] = happy;
    p[2] = sad;
    p[3] = angry;
    p[6] = surprised;
    p[0] = 1.0f - happy - sad - angry - surprised;
    if (p[0] < 0)
        p[0] = 0;
}

/* feeds n frames of one kind at t0, t0 + dt, ...; records the times at which `group` fired */
static int feed_run(struct emotion_detector *em, double t0, double dt, int n, const float *p,
                    int group, double *fired, int nf, struct emotion_peak *last)
{
    for (int i = 0; i < n; i++) {
        struct emotion_peak pk[EMOTION_GROUPS];
        int k = 0;
        CHECK(emotion_feed(em, t0 + i * dt, p, pk, &k) == SHOP_OK);
        for (int j = 0; j < k; j++)
            if ((int)pk[j].group == group) {
                fired[nf++] = pk[j].t;
                if (last)
                    *last = pk[j];
            }
    }
    return nf;
}

static void frustration_fires_on_the_fourth_frame_then_cools_down(void)
{
    struct emotion_detector *em = emotion_new(NULL);
    float p[EMOTION_CLASSES];
    double fired[16];
    int nf = 0;
    struct emotion_peak pk[EMOTION_GROUPS], got = {0};
    int k;
    frame(p, 0, 0, 0, 0);
    CHECK(emotion_feed(em, 0, p, pk, &k) == SHOP_OK && k == 0);
    CHECK(emotion_feed(em, 1, p, pk, &k) == SHOP_OK && k == 0);
    /* frames at t = 2, 3, 4, 5 with anger 0.55, 0.65, 0.75, 0.85: the 4th over 50 fires */
    const float anger[4] = {0.55f, 0.65f, 0.75f, 0.85f};
    for (int i = 0; i < 4; i++) {
        frame(p, 0, 0, anger[i], 0);
        CHECK(emotion_feed(em, 2 + i, p, pk, &k) == SHOP_OK);
        CHECK(k == (i == 3));
        if (k == 1)
            got = pk[0];
    }
    CHECK(got.group == EMOTION_FRUSTRATION);
    CHECK_NEAR(got.t, 5, 0);
    /* window (1, 5]: the four angry frames, not the neutral one at t = 1 */
    CHECK(got.frames == 4);
    CHECK_NEAR(got.score, 70.0, 1e-4);
    CHECK_NEAR(got.p[3], 0.70, 1e-6);
    CHECK(got.dominant == 3);
    /* anger goes on: the cooldown (10 s from t = 5) holds it back until t = 15 */
    frame(p, 0, 0, 0.6f, 0);
    nf = feed_run(em, 6, 1, 20, p, EMOTION_FRUSTRATION, fired, nf, &got);
    CHECK(nf == 2);
    CHECK_NEAR(fired[0], 15, 0);
    CHECK_NEAR(fired[1], 25, 0);
    CHECK_NEAR(got.score, 60.0, 1e-4);
    emotion_free(em);
}

static void threshold_is_strict_and_streaks_break(void)
{
    struct emotion_detector *em = emotion_new(NULL);
    float p[EMOTION_CLASSES], q[EMOTION_CLASSES];
    double fired[16];
    frame(p, 0, 0.25f, 0.249f, 0); /* just under 50 % */
    int nf = feed_run(em, 0, 0.1, 50, p, EMOTION_FRUSTRATION, fired, 0, NULL);
    CHECK(nf == 0);
    /* at the threshold counts ("at or over"): exactly 50 % fires on the 4th frame */
    struct emotion_detector *at = emotion_new(NULL);
    frame(p, 0, 0.25f, 0.25f, 0);
    double fired_at[16];
    int na = feed_run(at, 0, 0.1, 6, p, EMOTION_FRUSTRATION, fired_at, 0, NULL);
    CHECK(na == 1);
    CHECK_NEAR(fired_at[0], 0.3, 1e-9);
    emotion_free(at);
    /* 3 over, 1 under, 3 over, a missing face, 3 over: never 4 in a row */
    frame(p, 0, 0.3f, 0.3f, 0);
    frame(q, 0.1f, 0, 0, 0);
    double t = 10;
    for (int rep = 0; rep < 3; rep++) {
        nf = feed_run(em, t, 0.1, 3, p, EMOTION_FRUSTRATION, fired, nf, NULL);
        t += 0.3;
        if (rep == 0)
            nf = feed_run(em, t, 0.1, 1, q, EMOTION_FRUSTRATION, fired, nf, NULL);
        else
            emotion_miss(em);
        t += 0.1;
    }
    CHECK(nf == 0);
    /* one more over-threshold frame after 3 makes 4 */
    nf = feed_run(em, t, 0.1, 3, p, EMOTION_FRUSTRATION, fired, nf, NULL);
    CHECK(nf == 0);
    nf = feed_run(em, t + 0.3, 0.1, 1, p, EMOTION_FRUSTRATION, fired, nf, NULL);
    CHECK(nf == 1);
    emotion_free(em);
}

static void surprise_and_happiness_defaults(void)
{
    struct emotion_detector *em = emotion_new(NULL);
    float p[EMOTION_CLASSES];
    double fired[32];
    struct emotion_peak last;
    /* surprise 60 / 3 frames / window 2 s / cooldown 5 s, at 4 frames per second */
    frame(p, 0, 0, 0, 0.7f);
    int nf = feed_run(em, 0, 0.25, 40, p, EMOTION_SURPRISE, fired, 0, &last);
    /* t = 0.5 (3rd frame), then 5.5 (cooldown over, streak rebuilt during it) */
    CHECK(nf == 2);
    CHECK_NEAR(fired[0], 0.5, 1e-9);
    CHECK_NEAR(fired[1], 5.5, 1e-9);
    CHECK(last.frames == 8); /* (3.5, 5.5]: 8 frames at 0.25 s */
    CHECK_NEAR(last.score, 70, 1e-4);
    CHECK(last.dominant == 6);
    emotion_reset(em);
    /* happiness 60 / 5 / 5 s / 15 s at 1 frame per second: fires at the 5th frame */
    frame(p, 0.9f, 0, 0, 0);
    nf = feed_run(em, 100, 1, 40, p, EMOTION_HAPPINESS, fired, 0, &last);
    CHECK(nf == 3);
    CHECK_NEAR(fired[0], 104, 0);
    CHECK_NEAR(fired[1], 119, 0);
    CHECK_NEAR(fired[2], 134, 0);
    CHECK(last.frames == 5);
    emotion_free(em);
}

static void window_mean_mixes_frames(void)
{
    struct emotion_opts o;
    emotion_opts_default(&o);
    o.rule[EMOTION_FRUSTRATION] = (struct emotion_rule){40, 2, 3, 0};
    CHECK(emotion_opts_check(&o) == SHOP_OK);
    struct emotion_detector *em = emotion_new(&o);
    float p[EMOTION_CLASSES];
    struct emotion_peak pk[EMOTION_GROUPS];
    int k;
    frame(p, 0.9f, 0, 0, 0); /* happy frames fill the window first */
    CHECK(emotion_feed(em, 0.0, p, pk, &k) == SHOP_OK);
    CHECK(emotion_feed(em, 1.0, p, pk, &k) == SHOP_OK);
    frame(p, 0, 0.5f, 0, 0);
    CHECK(emotion_feed(em, 2.0, p, pk, &k) == SHOP_OK && k == 0);
    frame(p, 0, 0.3f, 0.3f, 0);
    CHECK(emotion_feed(em, 3.0, p, pk, &k) == SHOP_OK);
    CHECK(k == 1 && pk[0].group == EMOTION_FRUSTRATION);
    /* window (0, 3]: t = 1 (happy), 2, 3: frustration (0 + 50 + 60) / 3 */
    CHECK(pk[0].frames == 3);
    CHECK_NEAR(pk[0].score, 110.0 / 3, 1e-4);
    CHECK_NEAR(pk[0].p[1], 0.3, 1e-6);
    /* means: neutral (0.1 + 0.5 + 0.4) / 3, happy 0.3, sad 0.8 / 3: neutral dominates */
    CHECK(pk[0].dominant == 0);
    CHECK_NEAR(pk[0].p[2], 0.8 / 3, 1e-6);
    emotion_free(em);
}

static void two_groups_fire_on_one_frame(void)
{
    struct emotion_opts o;
    emotion_opts_default(&o);
    for (int g = 0; g < EMOTION_GROUPS; g++)
        o.rule[g] = (struct emotion_rule){25, 2, 1, 0};
    struct emotion_detector *em = emotion_new(&o);
    float p[EMOTION_CLASSES];
    struct emotion_peak pk[EMOTION_GROUPS];
    int k = 0;
    frame(p, 0.3f, 0.3f, 0, 0.3f);
    CHECK(emotion_feed(em, 0, p, pk, &k) == SHOP_OK && k == 0);
    CHECK(emotion_feed(em, 0.1, p, pk, &k) == SHOP_OK && k == 3);
    CHECK(pk[0].group == EMOTION_FRUSTRATION && pk[1].group == EMOTION_HAPPINESS &&
          pk[2].group == EMOTION_SURPRISE);
    /* cooldown 0: fires again after another streak of 2 */
    CHECK(emotion_feed(em, 0.2, p, pk, &k) == SHOP_OK && k == 0);
    CHECK(emotion_feed(em, 0.3, p, pk, &k) == SHOP_OK && k == 3);
    emotion_free(em);
}

static void bad_frames_are_refused(void)
{
    struct emotion_detector *em = emotion_new(NULL);
    float p[EMOTION_CLASSES];
    struct emotion_peak pk[EMOTION_GROUPS];
    int k = 0;
    frame(p, 0, 0, 0.9f, 0);
    CHECK(emotion_feed(em, 10, p, pk, &k) == SHOP_OK);
    CHECK(emotion_feed(em, 9, p, pk, &k) == SHOP_EINVAL);       /* back in time */
    CHECK(emotion_feed(em, NAN, p, pk, &k) == SHOP_EINVAL);
    p[3] = -0.1f;
    CHECK(emotion_feed(em, 11, p, pk, &k) == SHOP_EINVAL);
    p[3] = NAN;
    CHECK(emotion_feed(em, 11, p, pk, &k) == SHOP_EINVAL);
    /* the refused frames changed nothing: 3 more good frames complete the streak of 4 */
    frame(p, 0, 0, 0.9f, 0);
    CHECK(emotion_feed(em, 10, p, pk, &k) == SHOP_OK && k == 0); /* same time is fine */
    CHECK(emotion_feed(em, 11, p, pk, &k) == SHOP_OK && k == 0);
    CHECK(emotion_feed(em, 12, p, pk, &k) == SHOP_OK && k == 1);
    struct emotion_opts o;
    emotion_opts_default(&o);
    o.rule[1].streak = 0;
    CHECK(emotion_opts_check(&o) == SHOP_EINVAL);
    emotion_opts_default(&o);
    o.rule[2].threshold = 101;
    CHECK(emotion_opts_check(&o) == SHOP_EINVAL);
    emotion_free(em);
}

static void long_streams_keep_a_bounded_window(void)
{
    struct emotion_opts o;
    emotion_opts_default(&o);
    o.rule[EMOTION_FRUSTRATION].window = 60; /* longer than the ring at 100 fps */
    struct emotion_detector *em = emotion_new(&o);
    float p[EMOTION_CLASSES];
    frame(p, 0, 0, 0.8f, 0);
    double fired[64];
    struct emotion_peak last;
    int nf = feed_run(em, 0, 0.01, 5000, p, EMOTION_FRUSTRATION, fired, 0, &last);
    CHECK(nf == 5); /* t = 0.03, 10.03, 20.03, 30.03, 40.03 */
    CHECK_NEAR(fired[4], 40.03, 1e-6);
    CHECK(last.frames == EMOTION_MAX_FRAMES);
    CHECK_NEAR(last.score, 80, 1e-3);
    emotion_free(em);
}

/* issue 12: 10 fps, 2 s calm, then angry at 0.8: the peak fires on the 4th angry frame and
 * says what it fired on (80 %, angry), with the calm window (13.3 %, neutral) as the trend */
static void a_peak_keeps_its_firing_frame(void)
{
    struct emotion_detector *em = emotion_new(NULL);
    float p[EMOTION_CLASSES];
    struct emotion_peak pk[EMOTION_GROUPS], got = {0};
    int k, fired = 0;
    for (int i = 0; i < 30 && !fired; i++) {
        frame(p, 0, 0, i < 20 ? 0 : 0.8f, 0);
        CHECK(emotion_feed(em, i / 10.0, p, pk, &k) == SHOP_OK);
        if (k) {
            got = pk[0];
            fired = i;
        }
    }
    CHECK(fired == 23 && got.group == EMOTION_FRUSTRATION && got.frames == 24);
    CHECK_NEAR(got.frame_score, 80.0, 1e-4);
    CHECK(got.frame_dominant == 3); /* angry */
    CHECK_NEAR(got.score, 100.0 * 4 * 0.8 / 24, 1e-4);
    CHECK(got.dominant == 0); /* neutral over the window */
    emotion_free(em);
}

void test_emotion(void)
{
    RUN(a_peak_keeps_its_firing_frame);
    RUN(frustration_fires_on_the_fourth_frame_then_cools_down);
    RUN(threshold_is_strict_and_streaks_break);
    RUN(surprise_and_happiness_defaults);
    RUN(window_mean_mixes_frames);
    RUN(two_groups_fire_on_one_frame);
    RUN(bad_frames_are_refused);
    RUN(long_streams_keep_a_bounded_window);
}
