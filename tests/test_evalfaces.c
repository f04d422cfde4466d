/* tests/test_evalfaces.c - the login protocol's counts on made-up descriptors whose outcome
 * is known by construction (templates, strangers in turn, no-face photos, the margin, frames
 * in a row confirmed or averaged), the pair equal error rate against a naive sweep, and the
 * people split. */
#include <stdlib.h>
#include <string.h>

#include "identity/evalfaces.h"
#include "test.h"

/* person q's photo j: the unit vector on axis q, plus eps on axis 64 + j (so two photos of
 * one person are eps * sqrt(2) apart, two people about sqrt(2)) */
static void photo(struct evalfaces_photo *p, int q, int j, double eps, int found)
{
    memset(p, 0, sizeof(*p));
    p->person = q;
    p->found = found;
    if (!found)
        return;
    p->d[q] = 1;
    p->d[64 + j] = (float)eps;
}

static void counts_known_by_construction(void)
{
    /* 3 people x 4 photos; person 1's third photo has no face */
    struct evalfaces_photo ph[12];
    for (int q = 0; q < 3; q++)
        for (int j = 0; j < 4; j++)
            photo(&ph[q * 4 + j], q, j, 0.1, !(q == 1 && j == 2));
    struct evalfaces_protocol p = {1, 1, EVALFACES_CONFIRM, 3, 0};
    struct evalfaces_login *L = evalfaces_login_new(ph, 12, 3, NULL, &p);
    struct evalfaces_rates r;
    /* each fold: 1 stranger (4 attempts), 2 enrolled with 3 attempts each */
    evalfaces_login_rates(L, 0.5, 0.03, &r);
    CHECK(r.enrolled == 18 && r.strangers == 12);
    CHECK(r.right == 16 && r.wrong == 0 && r.rejected == 2 && r.no_face == 2);
    CHECK(r.stranger_in == 0 && r.stranger_no_face == 1);
    CHECK(r.threshold == 0.5 && r.margin == 0.03);
    /* a lax threshold: strangers are equally far from both enrolled people, so the margin
     * alone keeps them out; with no margin every stranger photo with a face gets in */
    evalfaces_login_rates(L, 2.0, 0.03, &r);
    CHECK(r.stranger_in == 0 && r.right == 16);
    evalfaces_login_rates(L, 2.0, 0.0, &r);
    CHECK(r.stranger_in == 11);
    /* too strict: nobody */
    evalfaces_login_rates(L, 0.1, 0.0, &r);
    CHECK(r.right == 0 && r.rejected == 18);
    CHECK_NEAR(evalfaces_rate(r.rejected, r.enrolled), 1.0, 1e-12);
    CHECK(evalfaces_rate(1, 0) == 0);
    evalfaces_login_free(L);

    /* person 2's last photo looks like person 0: a wrong login where both are enrolled
     * (fold 1), rejected where person 0 is the stranger (fold 0), and a stranger logged in
     * as person 0 where person 2 is the stranger (fold 2) */
    photo(&ph[11], 0, 3, 0.1, 1);
    ph[11].person = 2;
    L = evalfaces_login_new(ph, 12, 3, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.03, &r);
    CHECK(r.wrong == 1 && r.right == 14 && r.rejected == 3 && r.stranger_in == 1);
    evalfaces_login_free(L);
}

static void templates_and_people_mask(void)
{
    struct evalfaces_photo ph[20];
    for (int q = 0; q < 4; q++)
        for (int j = 0; j < 5; j++)
            photo(&ph[q * 5 + j], q, j, 0.1, 1);
    ph[0].found = 0; /* person 0's first photo: the next two become its templates */
    unsigned char use[4];
    evalfaces_split(4, 1, use);
    CHECK(!use[0] && use[1] && !use[2] && use[3]);
    struct evalfaces_protocol p = {2, 1, EVALFACES_CONFIRM, 2, 0};
    struct evalfaces_login *L = evalfaces_login_new(ph, 20, 4, use, &p);
    struct evalfaces_rates r;
    evalfaces_login_rates(L, 0.5, 0.03, &r);
    /* people 1 and 3 only: each a stranger once (5 attempts), enrolled once (3 attempts) */
    CHECK(r.enrolled == 6 && r.right == 6 && r.strangers == 10 && r.stranger_in == 0);
    evalfaces_login_free(L);
    evalfaces_split(4, 0, use);
    L = evalfaces_login_new(ph, 20, 4, use, &p);
    evalfaces_login_rates(L, 0.5, 0.03, &r);
    /* person 0: photo 0 (no face) is an attempt, photos 1-2 the templates */
    CHECK(r.enrolled == 6 && r.right == 5 && r.no_face == 1 && r.stranger_no_face == 1);
    evalfaces_login_free(L);
}

/* a photo's own template descriptor (enrolment's pipeline, has_t) is what its person is
 * enrolled with; its d stays the attempt's */
static void templates_use_their_own_descriptor(void)
{
    struct evalfaces_photo ph[8];
    for (int q = 0; q < 2; q++)
        for (int j = 0; j < 4; j++)
            photo(&ph[q * 4 + j], q, j, 0.1, 1);
    struct evalfaces_protocol p = {1, 1, EVALFACES_CONFIRM, 2, 0};
    struct evalfaces_rates r;
    struct evalfaces_login *L = evalfaces_login_new(ph, 8, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    CHECK(r.enrolled == 6 && r.right == 6); /* 2 folds: each person enrolled once */
    evalfaces_login_free(L);
    /* person 0's template described as lying on axis 2: its attempts no longer match */
    ph[0].has_t = 1;
    memset(ph[0].t, 0, sizeof(ph[0].t));
    ph[0].t[2] = 1;
    L = evalfaces_login_new(ph, 8, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    CHECK(r.enrolled == 6 && r.right == 3 && r.rejected == 3);
    evalfaces_login_free(L);
    /* an attempt photo's t is not used: person 0's second photo */
    ph[0].has_t = 0;
    ph[1].has_t = 1;
    memset(ph[1].t, 0, sizeof(ph[1].t));
    L = evalfaces_login_new(ph, 8, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    CHECK(r.right == 6);
    evalfaces_login_free(L);
}

static void frames_in_a_row(void)
{
    /* 2 people x 5 photos; person 1's photo 2 has no face, photo 4 is far off */
    struct evalfaces_photo ph[10];
    for (int q = 0; q < 2; q++)
        for (int j = 0; j < 5; j++)
            photo(&ph[q * 5 + j], q, j, 0.1, !(q == 1 && j == 2));
    ph[9].d[64 + 4] = 0.6f; /* 0.61 from the template: rejected alone, fine on average */
    struct evalfaces_protocol p = {1, 2, EVALFACES_CONFIRM, 2, 0};
    struct evalfaces_rates r;
    struct evalfaces_login *L = evalfaces_login_new(ph, 10, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    /* fold 0: person 1 enrolled, windows (1,2) (2,3) (3,4): the missing face and the far
     * photo break the streak; fold 1: person 0's windows all confirm */
    CHECK(r.enrolled == 6 && r.right == 3 && r.rejected == 3 && r.no_face == 0);
    CHECK(r.strangers == 8 && r.stranger_in == 0);
    evalfaces_login_free(L);
    p.combine = EVALFACES_AVERAGE;
    L = evalfaces_login_new(ph, 10, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    /* the mean of (3,4) is 0.32 from the template, (1,2) is photo 1 alone */
    CHECK(r.enrolled == 6 && r.right == 6);
    evalfaces_login_free(L);
    CHECK(evalfaces_combine_parse("average") == EVALFACES_AVERAGE);
    CHECK(evalfaces_combine_parse("confirm") == EVALFACES_CONFIRM);
    CHECK(evalfaces_combine_parse("vote") == -1);
    CHECK(strcmp(evalfaces_combine_name(EVALFACES_AVERAGE), "average") == 0);
}

static void mean_template(void)
{
    /* 2 people x 4 photos, 2 templates each; a photo is 0.4 * sqrt(2) = 0.57 from either
     * template of its person, but 0.4 * sqrt(1.5) = 0.49 from their mean */
    struct evalfaces_photo ph[8];
    for (int q = 0; q < 2; q++)
        for (int j = 0; j < 4; j++)
            photo(&ph[q * 4 + j], q, j, 0.4, 1);
    struct evalfaces_protocol p = {2, 1, EVALFACES_CONFIRM, 2, 0};
    struct evalfaces_rates r;
    struct evalfaces_login *L = evalfaces_login_new(ph, 8, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    CHECK(r.enrolled == 4 && r.right == 0 && r.rejected == 4);
    evalfaces_login_free(L);
    p.mean_template = 1;
    L = evalfaces_login_new(ph, 8, 2, NULL, &p);
    evalfaces_login_rates(L, 0.5, 0.0, &r);
    CHECK(r.enrolled == 4 && r.right == 4 && r.strangers == 8 && r.stranger_in == 0);
    evalfaces_login_rates(L, 0.48, 0.0, &r);
    CHECK(r.right == 0);
    evalfaces_login_free(L);
}

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void eer_matches_a_naive_sweep(void)
{
    enum { P = 6, J = 7, N = P * J };
    struct evalfaces_photo *ph = calloc(N, sizeof(*ph));
    uint64_t s = 11;
    for (int i = 0; i < N; i++) {
        ph[i].person = i / J;
        ph[i].found = i % 9 != 4;
        ph[i].d[ph[i].person] = 0.5f; /* people 0.71 apart, noise blurs it */
        for (int k = 0; k < 16; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            ph[i].d[32 + k] += (float)((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.6f;
        }
    }
    struct evalfaces_pairs pr;
    evalfaces_pairs(ph, N, P, NULL, &pr);
    /* naive: every pair distance as a candidate threshold, ascending; the first with the
     * smallest |FRR - FAR| */
    int64_t g = 0, im = 0;
    int nt = 0;
    float *ts = malloc(sizeof(float) * N * N);
    for (int a = 0; a < N; a++)
        for (int b = a + 1; b < N; b++)
            if (ph[a].found && ph[b].found) {
                int same = ph[a].person == ph[b].person;
                g += same;
                im += !same;
                ts[nt++] = (float)face_distance(ph[a].d, ph[b].d);
            }
    qsort(ts, (size_t)nt, sizeof(*ts), cmp_f);
    double best = INFINITY, eer = 0;
    for (int k = 0; k < nt; k++) {
        int64_t fr, fa;
        evalfaces_pairs_at(ph, N, P, NULL, ts[k], &fr, &fa);
        double frr = (double)fr / g, far = (double)fa / im;
        if (fabs(frr - far) < best)
            best = fabs(frr - far), eer = (frr + far) / 2;
    }
    free(ts);
    CHECK(pr.genuine == g && pr.impostor == im);
    CHECK(pr.eer > 0 && pr.eer < 0.5);
    CHECK_NEAR(pr.eer, eer, 1e-12);
    int64_t fr, fa;
    evalfaces_pairs_at(ph, N, P, NULL, pr.eer_threshold, &fr, &fa);
    CHECK_NEAR(((double)fr / g + (double)fa / im) / 2, pr.eer, 1e-12);
    CHECK(pr.genuine_mean < pr.impostor_mean && pr.impostor_min < pr.genuine_max);
    free(ph);
}

static void eer_zero_when_separated(void)
{
    /* on one axis: people at 0 / 0.3, 1.0 / 1.5 and 3: genuine 0.3, 0.5; impostors >= 0.7 */
    static const float x[5] = {0, 0.3f, 1.0f, 1.5f, 3.0f};
    static const int who[5] = {0, 0, 1, 1, 2};
    struct evalfaces_photo ph[5];
    memset(ph, 0, sizeof(ph));
    for (int i = 0; i < 5; i++) {
        ph[i].person = who[i];
        ph[i].found = 1;
        ph[i].d[0] = x[i];
    }
    struct evalfaces_pairs pr;
    evalfaces_pairs(ph, 5, 3, NULL, &pr);
    CHECK(pr.genuine == 2 && pr.impostor == 8);
    CHECK(pr.eer == 0);
    CHECK_NEAR(pr.eer_threshold, 0.7, 1e-6);
    CHECK_NEAR(pr.genuine_mean, 0.4, 1e-6);
    CHECK_NEAR(pr.impostor_min, 0.7, 1e-6);
}

void test_evalfaces(void)
{
    RUN(counts_known_by_construction);
    RUN(templates_and_people_mask);
    RUN(templates_use_their_own_descriptor);
    RUN(frames_in_a_row);
    RUN(mean_template);
    RUN(eer_matches_a_naive_sweep);
    RUN(eer_zero_when_separated);
}
