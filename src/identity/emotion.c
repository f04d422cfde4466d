/* identity/emotion.c - the per-group peak detector: streaks, window means, cooldowns. */
#include "identity/emotion.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

const char *const emotion_group_names[EMOTION_GROUPS] = {"frustration", "happiness", "surprise"};

struct frame {
    double t;
    float p[EMOTION_CLASSES];
};

struct emotion_detector {
    struct emotion_opts o;
    struct frame ring[EMOTION_MAX_FRAMES]; /* the last frames, oldest at head */
    int head, count;
    double last_t;
    int have_t;
    int streak[EMOTION_GROUPS];
    int fired[EMOTION_GROUPS];
    double last_fire[EMOTION_GROUPS];
};

void emotion_opts_default(struct emotion_opts *o)
{
    o->rule[EMOTION_FRUSTRATION] = (struct emotion_rule){50, 4, 4, 10};
    o->rule[EMOTION_HAPPINESS] = (struct emotion_rule){60, 5, 5, 15};
    o->rule[EMOTION_SURPRISE] = (struct emotion_rule){60, 3, 2, 5};
}

int emotion_opts_check(const struct emotion_opts *o)
{
    for (int g = 0; g < EMOTION_GROUPS; g++) {
        const struct emotion_rule *r = &o->rule[g];
        if (!(r->threshold >= 0 && r->threshold <= 100) || r->streak < 1 ||
            r->streak > EMOTION_MAX_FRAMES || !(r->window > 0 && r->window <= 3600) ||
            !(r->cooldown >= 0 && r->cooldown <= 86400))
            return SHOP_EINVAL;
    }
    return SHOP_OK;
}

struct emotion_detector *emotion_new(const struct emotion_opts *opts)
{
    struct emotion_detector *em = xcalloc(1, sizeof(*em));
    if (opts)
        em->o = *opts;
    else
        emotion_opts_default(&em->o);
    assert(emotion_opts_check(&em->o) == SHOP_OK);
    return em;
}

void emotion_free(struct emotion_detector *em)
{
    free(em);
}

void emotion_reset(struct emotion_detector *em)
{
    struct emotion_opts o = em->o;
    memset(em, 0, sizeof(*em));
    em->o = o;
}

void emotion_miss(struct emotion_detector *em)
{
    memset(em->streak, 0, sizeof(em->streak));
}

void emotion_scores(const float *p, double score[EMOTION_GROUPS])
{
    score[EMOTION_FRUSTRATION] = 100.0 * ((double)p[2] + p[3] + p[4] + p[5]);
    score[EMOTION_HAPPINESS] = 100.0 * p[1];
    score[EMOTION_SURPRISE] = 100.0 * p[6];
}

/* the mean over the frames in (t - window, t] */
static void window_mean(const struct emotion_detector *em, enum emotion_group g, double t,
                        struct emotion_peak *pk)
{
    double window = em->o.rule[g].window, sum[EMOTION_CLASSES] = {0};
    int frames = 0;
    for (int i = em->count - 1; i >= 0; i--) { /* newest first */
        const struct frame *f = &em->ring[(em->head + i) % EMOTION_MAX_FRAMES];
        if (!(f->t > t - window))
            break;
        for (int k = 0; k < EMOTION_CLASSES; k++)
            sum[k] += f->p[k];
        frames++;
    }
    pk->group = g;
    pk->t = t;
    pk->frames = frames;
    pk->dominant = 0;
    for (int k = 0; k < EMOTION_CLASSES; k++) {
        pk->p[k] = sum[k] / frames;
        if (pk->p[k] > pk->p[pk->dominant])
            pk->dominant = k;
    }
    switch (g) {
    case EMOTION_FRUSTRATION:
        pk->score = 100.0 * (pk->p[2] + pk->p[3] + pk->p[4] + pk->p[5]);
        break;
    case EMOTION_HAPPINESS:
        pk->score = 100.0 * pk->p[1];
        break;
    default:
        pk->score = 100.0 * pk->p[6];
        break;
    }
}

int emotion_feed(struct emotion_detector *em, double t, const float *p, struct emotion_peak *out,
                 int *n)
{
    *n = 0;
    if (!isfinite(t) || (em->have_t && t < em->last_t))
        return SHOP_EINVAL;
    for (int k = 0; k < EMOTION_CLASSES; k++)
        if (!(p[k] >= 0.0f && p[k] <= 1.0f))
            return SHOP_EINVAL;
    em->have_t = 1;
    em->last_t = t;
    struct frame *f;
    if (em->count < EMOTION_MAX_FRAMES) {
        f = &em->ring[(em->head + em->count++) % EMOTION_MAX_FRAMES];
    } else { /* full: the oldest frame makes room */
        f = &em->ring[em->head];
        em->head = (em->head + 1) % EMOTION_MAX_FRAMES;
    }
    f->t = t;
    memcpy(f->p, p, sizeof(f->p));
    double score[EMOTION_GROUPS];
    emotion_scores(p, score);
    for (int g = 0; g < EMOTION_GROUPS; g++) {
        const struct emotion_rule *r = &em->o.rule[g];
        em->streak[g] = score[g] >= r->threshold ? em->streak[g] + 1 : 0;
        if (em->streak[g] < r->streak)
            continue;
        if (em->fired[g] && t - em->last_fire[g] < r->cooldown)
            continue;
        struct emotion_peak *pk = &out[(*n)++];
        window_mean(em, (enum emotion_group)g, t, pk);
        pk->frame_score = score[g];
        pk->frame_dominant = 0;
        for (int k = 1; k < EMOTION_CLASSES; k++)
            if (p[k] > p[pk->frame_dominant])
                pk->frame_dominant = k;
        em->fired[g] = 1;
        em->last_fire[g] = t;
        em->streak[g] = 0;
    }
    return SHOP_OK;
}
