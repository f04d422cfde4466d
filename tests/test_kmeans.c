#include <stdlib.h>
#include <string.h>

#include "analytics/kmeans.h"
#include "analytics/scaler.h"
#include "core/log.h"
#include "core/rng.h"
#include "test.h"

/* n rows of dim features around `nc` centres at (10 * c, 10 * c, ...), sd 0.5; truth[i] = c */
static float *blobs(size_t n, int dim, int nc, uint64_t seed, int *truth)
{
    struct rng r;
    rng_seed(&r, seed);
    float *x = malloc(n * (size_t)dim * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)nc);
        if (truth)
            truth[i] = c;
        for (int j = 0; j < dim; j++)
            x[i * (size_t)dim + (size_t)j] =
                (float)(10.0 * c * (j % 2 ? 1 : -1) + 0.5 * rng_normal(&r));
    }
    return x;
}

static struct kmeans *model(int k, int dim, int standardise)
{
    struct kmeans_params p;
    kmeans_params_default(&p, dim);
    p.k = k;
    p.standardise = standardise;
    p.batch_size = 64;
    p.max_iter = 20;
    struct kmeans *km = NULL;
    CHECK(kmeans_new(&p, &km) == SHOP_OK);
    return km;
}

static void scaler_standardises(void)
{
    /* column 0: 1..4, column 1 constant */
    const float rows[] = {1, 7, 2, 7, 3, 7, 4, 7};
    float out[8];
    struct scaler *sc = scaler_new(2);
    CHECK(scaler_fit(sc, rows, 0) == SHOP_EINVAL);
    CHECK(scaler_fit(sc, rows, 4) == SHOP_OK);
    CHECK_NEAR(scaler_mean(sc)[0], 2.5, 1e-12);
    CHECK_NEAR(scaler_sd(sc)[0], sqrt(1.25), 1e-12);
    CHECK(scaler_sd(sc)[1] == 0.0);
    scaler_transform(sc, rows, out, 4);
    double s = 0, s2 = 0;
    for (int i = 0; i < 4; i++) {
        s += out[2 * i];
        s2 += out[2 * i] * out[2 * i];
        CHECK(out[2 * i + 1] == 0.0f); /* constant column: 0, not NaN */
    }
    CHECK_NEAR(s, 0, 1e-6);
    CHECK_NEAR(s2 / 4, 1, 1e-6);
    const float unseen[] = {2.5f, 100.0f};
    scaler_transform(sc, unseen, out, 1);
    CHECK(out[0] == 0.0f && out[1] == 0.0f);
    scaler_inverse(sc, out, out, 1);
    CHECK_NEAR(out[0], 2.5, 1e-6);
    CHECK_NEAR(out[1], 7.0, 1e-6);
    const float bad[] = {1, NAN};
    CHECK(scaler_fit(sc, bad, 1) == SHOP_EINVAL);
    CHECK_NEAR(scaler_mean(sc)[0], 2.5, 1e-12); /* unchanged */
    scaler_free(sc);
}

static void separates_obvious_blobs(void)
{
    size_t n = 600;
    int truth[600];
    float *x = blobs(n, 3, 3, 1, truth);
    for (int standardise = 0; standardise <= 1; standardise++) {
        struct kmeans *km = model(3, 3, standardise);
        CHECK(kmeans_fit(km, x, n) == SHOP_OK);
        int map[3] = {-1, -1, -1}, ok = 1;
        for (size_t i = 0; i < n; i++) {
            int l = kmeans_assign(km, x + i * 3);
            if (map[truth[i]] < 0)
                map[truth[i]] = l;
            ok &= map[truth[i]] == l;
        }
        CHECK(ok);
        CHECK(map[0] != map[1] && map[1] != map[2] && map[0] != map[2]);
        float raw[9];
        CHECK(kmeans_centres_raw(km, raw) == SHOP_OK);
        for (int c = 0; c < 3; c++) /* raw centres come back in feature units */
            CHECK_NEAR(raw[map[c] * 3 + 0], -10.0 * c, 0.3);
        kmeans_free(km);
    }
    free(x);
}

static void the_style_example(void)
{
    const float rows[] = {0.0f, 0.1f, 0.1f, 0.0f, 9.9f, 10.0f, 10.0f, 9.8f};
    struct kmeans *km = model(2, 2, 1);
    CHECK(kmeans_fit(km, rows, 4) == SHOP_OK);
    CHECK(kmeans_assign(km, rows + 0) == kmeans_assign(km, rows + 2));
    CHECK(kmeans_assign(km, rows + 0) != kmeans_assign(km, rows + 4));
    CHECK(kmeans_assign(km, rows + 4) == kmeans_assign(km, rows + 6));
    kmeans_free(km);
}

static void deterministic_with_a_seed(void)
{
    size_t n = 500;
    float *x = blobs(n, 4, 5, 2, NULL);
    struct kmeans *a = model(5, 4, 1), *b = model(5, 4, 1);
    CHECK(kmeans_fit(a, x, n) == SHOP_OK);
    CHECK(kmeans_fit(b, x, n) == SHOP_OK);
    CHECK(memcmp(kmeans_centres(a), kmeans_centres(b), 5 * 4 * sizeof(float)) == 0);
    CHECK(kmeans_fit(a, x, n) == SHOP_OK); /* refit from zero: same again */
    CHECK(memcmp(kmeans_centres(a), kmeans_centres(b), 5 * 4 * sizeof(float)) == 0);
    kmeans_free(a);
    kmeans_free(b);
    free(x);
}

static void kmeanspp_picks_distinct_points(void)
{
    /* 4 well separated points, each repeated: with n_init 1 and no steps worth speaking of the
     * centres are the k-means++ picks, and each must be one of the 4 distinct points */
    float x[4 * 5 * 2];
    for (int i = 0; i < 20; i++) {
        x[2 * i] = (float)(i % 4) * 100.0f;
        x[2 * i + 1] = (float)((i % 4) * (i % 4));
    }
    struct kmeans_params p;
    kmeans_params_default(&p, 2);
    p.standardise = 0;
    p.n_init = 1;
    p.max_iter = 1;
    p.batch_size = 20;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        p.seed = seed;
        struct kmeans *km;
        CHECK(kmeans_new(&p, &km) == SHOP_OK);
        CHECK(kmeans_fit(km, x, 20) == SHOP_OK);
        const float *c = kmeans_centres(km);
        int seen[4] = {0};
        for (int i = 0; i < 4; i++) {
            int which = (int)(c[2 * i] / 100.0f + 0.5f);
            CHECK(which >= 0 && which < 4 && c[2 * i] == which * 100.0f);
            if (which >= 0 && which < 4)
                seen[which]++;
        }
        CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1);
        kmeans_free(km);
    }
}

static void partial_fit_moves_towards_new_data(void)
{
    size_t n = 400;
    float *x = blobs(n, 2, 2, 3, NULL); /* around (0,0) and (-10,10) */
    struct kmeans *km = model(2, 2, 0);
    CHECK(kmeans_fit(km, x, n) == SHOP_OK);
    float before[4];
    memcpy(before, kmeans_centres(km), sizeof(before));
    double count_before = kmeans_counts(km)[0] + kmeans_counts(km)[1];
    /* new customers near (1, 1): the centre near the origin moves towards them, the other not */
    float fresh[2 * 50];
    for (int i = 0; i < 50; i++)
        fresh[2 * i] = fresh[2 * i + 1] = 1.0f;
    int near = kmeans_assign(km, fresh);
    CHECK(kmeans_partial_fit(km, fresh, 50) == SHOP_OK);
    const float *after = kmeans_centres(km);
    for (int j = 0; j < 2; j++) {
        CHECK(after[near * 2 + j] > before[near * 2 + j]);
        CHECK(after[near * 2 + j] < 1.0f); /* a weighted step, not a jump */
        CHECK(after[(1 - near) * 2 + j] == before[(1 - near) * 2 + j]);
    }
    CHECK_NEAR(kmeans_counts(km)[0] + kmeans_counts(km)[1], count_before + 50, 1e-9);
    /* a fresh model can be trained by partial_fit alone */
    struct kmeans *inc = model(2, 2, 1);
    CHECK(kmeans_partial_fit(inc, x, 1) == SHOP_EINVAL); /* first call needs n >= k */
    CHECK(kmeans_partial_fit(inc, x, 200) == SHOP_OK);
    CHECK(kmeans_partial_fit(inc, x + 400, 200) == SHOP_OK);
    CHECK(kmeans_assign(inc, x) != kmeans_assign(inc, x + 2));
    kmeans_free(inc);
    kmeans_free(km);
    free(x);
}

static void inertia_matches_direct_computation(void)
{
    size_t n = 301;       /* odd: the kernel's single-row tail runs too */
    int dim = 13, k = 11; /* more than one centre block, a partial one */
    float *x = blobs(n, dim, 6, 4, NULL);
    struct kmeans *km = model(k, dim, 0);
    CHECK(kmeans_fit(km, x, n) == SHOP_OK);
    const float *c = kmeans_centres(km);
    double direct = 0;
    int *labels = malloc(n * sizeof(int));
    CHECK(kmeans_predict(km, x, n, labels, NULL) == SHOP_OK);
    int labels_ok = 1;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        int arg = -1;
        for (int m = 0; m < k; m++) {
            double d = 0;
            for (int j = 0; j < dim; j++) {
                double e = (double)x[i * (size_t)dim + (size_t)j] - c[m * dim + j];
                d += e * e;
            }
            if (d < best) {
                best = d;
                arg = m;
            }
        }
        direct += best;
        labels_ok &= labels[i] == arg;
    }
    CHECK(labels_ok);
    double in;
    CHECK(kmeans_inertia(km, x, n, &in) == SHOP_OK);
    CHECK_NEAR(in, direct, 1e-5 * direct);
    free(labels);
    kmeans_free(km);
    free(x);
}

static void serialise_round_trip(void)
{
    size_t n = 300;
    float *x = blobs(n, 3, 3, 5, NULL);
    struct kmeans *km = model(3, 3, 1);
    unsigned char *blob;
    size_t len;
    CHECK(kmeans_save_blob(km, &blob, &len) == SHOP_EINVAL); /* untrained */
    CHECK(kmeans_fit(km, x, n) == SHOP_OK);
    CHECK(kmeans_save_blob(km, &blob, &len) == SHOP_OK);
    struct kmeans *back = NULL;
    CHECK(kmeans_load_blob(blob, len, &back) == SHOP_OK);
    CHECK(back && kmeans_k(back) == 3 && kmeans_dim(back) == 3);
    if (back) {
        CHECK(memcmp(kmeans_centres(km), kmeans_centres(back), 9 * sizeof(float)) == 0);
        CHECK(memcmp(kmeans_counts(km), kmeans_counts(back), 3 * sizeof(double)) == 0);
        for (size_t i = 0; i < n; i++)
            CHECK(kmeans_assign(km, x + 3 * i) == kmeans_assign(back, x + 3 * i));
        /* both continue identically */
        CHECK(kmeans_partial_fit(km, x, 100) == SHOP_OK);
        CHECK(kmeans_partial_fit(back, x, 100) == SHOP_OK);
        CHECK(memcmp(kmeans_centres(km), kmeans_centres(back), 9 * sizeof(float)) == 0);
    }
    kmeans_free(back);

    /* corrupt blobs: every truncation, every single flipped byte, garbage, a newer version */
    int level = log_level_current;
    log_set_level(LOG_OFF);
    int all_rejected = 1;
    for (size_t cut = 0; cut < len; cut++) {
        back = NULL;
        all_rejected &= kmeans_load_blob(blob, cut, &back) == SHOP_EINVAL && !back;
    }
    for (size_t at = 0; at < len; at++) {
        blob[at] ^= 0x5a;
        back = NULL;
        all_rejected &= kmeans_load_blob(blob, at, &back) != SHOP_OK && !back;
        all_rejected &= kmeans_load_blob(blob, len, &back) != SHOP_OK && !back;
        blob[at] ^= 0x5a;
    }
    CHECK(all_rejected);
    CHECK(kmeans_load_blob(NULL, 0, &back) == SHOP_EINVAL);
    CHECK(kmeans_load_blob("hello world, not a model at all, not at all......", 49, &back) ==
          SHOP_EINVAL);
    blob[4] = 9; /* version 9 */
    CHECK(kmeans_load_blob(blob, len, &back) == SHOP_EVERSION);
    blob[4] = 1;
    /* found by fuzz/fuzz_model_blob: a sub-normal sd under a valid checksum loaded as a
     * constant column (and saved back as 0); kmeans never writes one, so it is corrupt */
    const size_t sd0 = 60 + 3 * 8; /* header, then 3 means, then the first sd */
    double tiny = 1.6e-311, sd_was;
    memcpy(&sd_was, blob + sd0, 8);
    CHECK(sd_was > 0);
    memcpy(blob + sd0, &tiny, 8); /* the blob is little-endian, as this host */
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len - 4; i++) {
        crc ^= blob[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    crc = ~crc;
    for (int i = 0; i < 4; i++)
        blob[len - 4 + i] = (unsigned char)(crc >> (8 * i));
    back = NULL;
    CHECK(kmeans_load_blob(blob, len, &back) == SHOP_EINVAL && back == NULL);
    log_set_level(level);
    free(blob);
    kmeans_free(km);
    free(x);
}

static void bad_inputs(void)
{
    int level = log_level_current;
    log_set_level(LOG_OFF);
    struct kmeans_params p;
    struct kmeans *km = (struct kmeans *)&p;
    kmeans_params_default(&p, 2);
    p.k = 0;
    CHECK(kmeans_new(&p, &km) == SHOP_EINVAL && km == NULL);
    kmeans_params_default(&p, 0);
    CHECK(kmeans_new(&p, &km) == SHOP_EINVAL);
    kmeans_params_default(&p, 2);
    p.batch_size = 0;
    CHECK(kmeans_new(&p, &km) == SHOP_EINVAL);

    const float rows[] = {1, 2, 3, 4, 5, 6};
    km = model(4, 2, 1);
    CHECK(kmeans_assign(km, rows) == -1); /* untrained */
    double in;
    CHECK(kmeans_inertia(km, rows, 3, &in) == SHOP_EINVAL);
    CHECK(kmeans_fit(km, rows, 0) == SHOP_EINVAL); /* zero rows */
    CHECK(kmeans_fit(km, rows, 3) == SHOP_EINVAL); /* n < k */
    CHECK(!kmeans_trained(km));
    const float nan_rows[] = {1, 2, NAN, 4, 5, 6, 7, 8};
    CHECK(kmeans_fit(km, nan_rows, 4) == SHOP_EINVAL);
    kmeans_free(km);
    kmeans_free(NULL);
    log_set_level(level);

    /* non-finite values are refused by fit and partial_fit, scaled or not, before any change */
    log_set_level(LOG_OFF);
    const float inf_rows[] = {1, 2, INFINITY, 4, 5, 6, 7, 8};
    for (int standardise = 0; standardise <= 1; standardise++) {
        km = model(2, 2, standardise);
        CHECK(kmeans_fit(km, inf_rows, 4) == SHOP_EINVAL);
        CHECK(kmeans_fit(km, rows, 3) == SHOP_OK);
        float before[4];
        memcpy(before, kmeans_centres(km), sizeof(before));
        CHECK(kmeans_partial_fit(km, nan_rows, 4) == SHOP_EINVAL);
        CHECK(memcmp(before, kmeans_centres(km), sizeof(before)) == 0);
        kmeans_free(km);
    }
    log_set_level(level);

    /* k = 1: the centre is the mean */
    km = model(1, 2, 0);
    CHECK(kmeans_fit(km, rows, 3) == SHOP_OK);
    CHECK(kmeans_assign(km, rows + 4) == 0);
    CHECK_NEAR(kmeans_centres(km)[0], 3.0, 1.0); /* a running mean of sampled rows */
    kmeans_free(km);

    /* all rows identical, k = 3: no NaN, no crash, everything in one cluster */
    float same[40];
    for (int i = 0; i < 40; i++)
        same[i] = 2.5f;
    km = model(3, 2, 1);
    CHECK(kmeans_fit(km, same, 20) == SHOP_OK);
    const float *c = kmeans_centres(km);
    for (int i = 0; i < 6; i++)
        CHECK(c[i] == 0.0f); /* standardised constant columns are 0 */
    CHECK(kmeans_inertia(km, same, 20, &in) == SHOP_OK && in == 0.0);
    kmeans_free(km);
}

void test_kmeans(void)
{
    RUN(scaler_standardises);
    RUN(separates_obvious_blobs);
    RUN(the_style_example);
    RUN(deterministic_with_a_seed);
    RUN(kmeanspp_picks_distinct_points);
    RUN(partial_fit_moves_towards_new_data);
    RUN(inertia_matches_direct_computation);
    RUN(serialise_round_trip);
    RUN(bad_inputs);
}
