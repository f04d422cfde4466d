/* analytics/kmeans.c - see kmeans.h */
#include "analytics/kmeans.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/scaler.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/xalloc.h"

/* The distance kernel handles centres in blocks of KB: centres are kept transposed per block,
 * [dim][KB], so the inner loop runs over KB contiguous floats and the compiler vectorises it. */
#define KB 8
/* rows per block in the batched kernel: the distances of a block are computed, then reduced */
#define RB 64

/* ---- the distance kernel ------------------------------------------------------------------ */

/* Centres packed for the kernel in blocks of KB: pc[blk][dim][KB] holds -2 c (transposed, so
 * the inner loop runs over KB contiguous floats) and cn[blk][KB] holds |c|^2, +inf in padding
 * lanes so that they never win. The nearest centre minimises |c|^2 - 2 x.c (|x|^2 is the same
 * for all centres), one fused multiply-add per feature and centre. */
struct packed {
    float *pc;
    float *cn;
    int k, dim, nblk;
};

static void packed_init(struct packed *p, int k, int dim)
{
    p->k = k;
    p->dim = dim;
    p->nblk = (k + KB - 1) / KB;
    p->pc = xcalloc((size_t)p->nblk * KB * (size_t)dim, sizeof(float));
    p->cn = xcalloc((size_t)p->nblk * KB, sizeof(float));
}

static void packed_release(struct packed *p)
{
    free(p->pc);
    free(p->cn);
}

static void packed_set(struct packed *p, const float *c)
{
    int k = p->k, dim = p->dim;
    memset(p->pc, 0, (size_t)p->nblk * KB * (size_t)dim * sizeof(float));
    for (int i = 0; i < p->nblk * KB; i++)
        p->cn[i] = INFINITY;
    for (int i = 0; i < k; i++) {
        const float *ci = c + (size_t)i * (size_t)dim;
        double norm = 0;
        for (int j = 0; j < dim; j++) {
            p->pc[((size_t)(i / KB) * (size_t)dim + (size_t)j) * KB + (size_t)(i % KB)] =
                -2.0f * ci[j];
            norm += (double)ci[j] * ci[j];
        }
        p->cn[i] = (float)norm;
    }
}

/* squared distance; 8 partial sums so that the compiler vectorises it at -O2 */
static float dist2(const float *a, const float *b, int dim)
{
    float acc[8] = {0};
    int j = 0;
    for (; j + 8 <= dim; j += 8)
        for (int c = 0; c < 8; c++) {
            float e = a[j + c] - b[j + c];
            acc[c] += e * e;
        }
    for (int c = 0; j < dim; j++, c++) {
        float e = a[j] - b[j];
        acc[c] += e * e;
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* label[i] = the nearest centre of row i of x [n, dim], portable C (the compiler vectorises
 * the KB-wide loops with whatever the baseline gives). Ties go to the lowest index. */
static void nearest_c(const float *x, size_t n, const struct packed *p, int *label)
{
    int dim = p->dim;
    for (size_t i = 0; i < n; i++) {
        const float *a = x + i * (size_t)dim;
        float best = INFINITY;
        int l = 0;
        for (int blk = 0; blk < p->nblk; blk++) {
            const float *cb = p->pc + (size_t)blk * (size_t)dim * KB;
            float acc[KB];
            memcpy(acc, p->cn + (size_t)blk * KB, sizeof(acc));
            for (int j = 0; j < dim; j++)
                for (int c = 0; c < KB; c++)
                    acc[c] += a[j] * cb[(size_t)j * KB + (size_t)c];
            for (int c = 0; c < KB; c++)
                if (acc[c] < best) {
                    best = acc[c];
                    l = blk * KB + c;
                }
        }
        label[i] = l;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1

/* the lowest lane index holding the smallest of v (idx: each lane's centre index) */
__attribute__((target("avx2,fma"))) static int argmin8(__m256 v, __m256i idx)
{
    __m256 m = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
    m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, 0x4e));
    m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, 0xb1));
    __m256i eq = _mm256_castps_si256(_mm256_cmp_ps(v, m, _CMP_EQ_OQ));
    __m256i cand = _mm256_blendv_epi8(_mm256_set1_epi32(0x7fffffff), idx, eq);
    cand = _mm256_min_epi32(cand, _mm256_permute2x128_si256(cand, cand, 1));
    cand = _mm256_min_epi32(cand, _mm256_shuffle_epi32(cand, 0x4e));
    cand = _mm256_min_epi32(cand, _mm256_shuffle_epi32(cand, 0xb1));
    int l = _mm256_cvtsi256_si32(cand);
    return l == 0x7fffffff ? 0 : l; /* all NaN or inf: centre 0, as nearest_c */
}

/* |a - b|^2 over dim floats, 8 lanes at a time */
__attribute__((target("avx2,fma"))) static float dist2_avx2(const float *a, const float *b, int dim)
{
    __m256 acc = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= dim; j += 8) {
        __m256 e = _mm256_sub_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j));
        acc = _mm256_fmadd_ps(e, e, acc);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float sum = _mm_cvtss_f32(h);
    for (; j < dim; j++) {
        float e = a[j] - b[j];
        sum += e * e;
    }
    return sum;
}

/* sums[label[i]] += row i for m rows of dim floats; see accumulate() */
__attribute__((target("avx2,fma"))) static void
accumulate_avx2(const float *x, size_t m, int dim, const int *label, float *sums, size_t kd)
{
    for (size_t i = 0; i < m; i++) {
        /* alternate rows go to two arrays: a run of one label would wait on its own stores */
        float *s = sums + (i & 1) * kd + (size_t)label[i] * (size_t)dim;
        const float *r = x + i * (size_t)dim;
        int j = 0;
        for (; j + 8 <= dim; j += 8)
            _mm256_storeu_ps(s + j, _mm256_add_ps(_mm256_loadu_ps(s + j), _mm256_loadu_ps(r + j)));
        for (; j + 4 <= dim; j += 4)
            _mm_storeu_ps(s + j, _mm_add_ps(_mm_loadu_ps(s + j), _mm_loadu_ps(r + j)));
        for (; j < dim; j++)
            s[j] += r[j];
    }
}

/* nearest_c with AVX2 + FMA, eight rows at a time: each load of a centre block serves eight
 * rows, and eight independent accumulators cover the latency of the multiply-adds (with four
 * the loop waited on them). Per block and row the running best and its index stay lane-wise. */
#define ROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
__attribute__((target("avx2,fma"))) static size_t nearest_avx2(const float *x, size_t n,
                                                               const struct packed *p, int *label)
{
    int dim = p->dim;
    size_t i = 0;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (; i + 8 <= n; i += 8) {
        const float *row = x + i * (size_t)dim;
#define DECL(q)                                                                                    \
    const float *r##q = row + (size_t)(q) * (size_t)dim;                                           \
    __m256 b##q = _mm256_set1_ps(INFINITY);                                                        \
    __m256i i##q = _mm256_setzero_si256();
        ROWS8(DECL)
#undef DECL
        for (int blk = 0; blk < p->nblk; blk++) {
            const float *cb = p->pc + (size_t)blk * (size_t)dim * KB;
            __m256 a0 = _mm256_loadu_ps(p->cn + (size_t)blk * KB), a1 = a0, a2 = a0, a3 = a0,
                   a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int j = 0; j < dim; j++) {
                __m256 c = _mm256_loadu_ps(cb + (size_t)j * KB);
#define FMA(q) a##q = _mm256_fmadd_ps(_mm256_broadcast_ss(r##q + j), c, a##q);
                ROWS8(FMA)
#undef FMA
            }
            __m256i idx = _mm256_add_epi32(iota, _mm256_set1_epi32(blk * KB));
            /* strictly less: an equal score in a later block keeps the earlier index */
#define KEEP(q)                                                                                    \
    {                                                                                              \
        __m256 m = _mm256_cmp_ps(a##q, b##q, _CMP_LT_OQ);                                          \
        b##q = _mm256_blendv_ps(b##q, a##q, m);                                                    \
        i##q = _mm256_blendv_epi8(i##q, idx, _mm256_castps_si256(m));                              \
    }
            ROWS8(KEEP)
#undef KEEP
        }
#define PUT(q) label[i + (q)] = argmin8(b##q, i##q);
        ROWS8(PUT)
#undef PUT
    }
    return i; /* the caller does the last n % 8 rows */
}
#undef ROWS8
#endif

/* label[i] = the nearest centre of row i of x [n, dim], ties to the lowest index (up to float
 * rounding: the AVX2 path may order near-ties differently from the portable one). */
static int have_avx2(void)
{
#ifdef HAVE_AVX2_KERNEL
    /* reads flags that libgcc filled in at start-up: cheap, and no cache of ours to race on */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* squared distance, AVX2 when the machine has it */
static float dist2_fast(const float *a, const float *b, int dim)
{
#ifdef HAVE_AVX2_KERNEL
    if (have_avx2())
        return dist2_avx2(a, b, dim);
#endif
    return dist2(a, b, dim);
}

static void nearest(const float *x, size_t n, const struct packed *p, int *label)
{
#ifdef HAVE_AVX2_KERNEL
    int avx2 = have_avx2();
    size_t done = avx2 ? nearest_avx2(x, n, p, label) : 0;
    if (done < n)
        nearest_c(x + done * (size_t)p->dim, n - done, p, label + done);
#else
    nearest_c(x, n, p, label);
#endif
}

/* Labels of n rows and, when d2 is not NULL, the exact squared distance to the chosen centre
 * (computed directly: the |c|^2 - 2 x.c score loses digits to cancellation). */
static void nearest_d2(const float *x, size_t n, const struct packed *p, const float *centres,
                       int *label, float *d2)
{
    nearest(x, n, p, label);
    if (d2)
        for (size_t i = 0; i < n; i++)
            d2[i] = dist2_fast(x + i * (size_t)p->dim, centres + (size_t)label[i] * (size_t)p->dim,
                               p->dim);
}

/* Sum of squared distances of n (already scaled) rows to the nearest of k centres. */
static double inertia_of(const float *x, size_t n, int dim, const float *centres, int k)
{
    struct packed p;
    packed_init(&p, k, dim);
    packed_set(&p, centres);
    int label[RB];
    float d2[RB];
    double sum = 0;
    for (size_t i = 0; i < n; i += RB) {
        size_t m = n - i < RB ? n - i : RB;
        nearest_d2(x + i * (size_t)dim, m, &p, centres, label, d2);
        for (size_t r = 0; r < m; r++)
            sum += d2[r];
    }
    packed_release(&p);
    return sum;
}

struct kmeans {
    struct kmeans_params p;
    int trained;
    float *centres;        /* [k, dim] row-major: the model */
    struct packed pk;      /* the centres laid out for the kernel */
    double *counts;        /* [k] rows absorbed per centre */
    struct scaler *sc;     /* NULL unless p.standardise */
    uint64_t steps;        /* mini-batch steps taken since the first fit: seeds partial_fit */
    size_t since_reassign; /* rows seen since starving centres were last re-seeded */
};

void kmeans_params_default(struct kmeans_params *p, int dim)
{
    memset(p, 0, sizeof(*p));
    p->k = 4;
    p->dim = dim;
    p->batch_size = 1024;
    p->max_iter = 100;
    p->n_init = 3;
    p->init_size = 0;
    p->standardise = 1;
    p->seed = 42;
}

static int params_check(const struct kmeans_params *p)
{
    if (p->k < 1 || p->k > KMEANS_MAX_K || p->dim < 1 || p->dim > KMEANS_MAX_DIM ||
        p->batch_size < 1 || p->max_iter < 1 || p->n_init < 1 || p->init_size < 0 ||
        (p->standardise != 0 && p->standardise != 1)) {
        log_error("kmeans: bad parameters k=%d dim=%d batch=%d max_iter=%d n_init=%d", p->k, p->dim,
                  p->batch_size, p->max_iter, p->n_init);
        return SHOP_EINVAL;
    }
    return SHOP_OK;
}

int kmeans_new(const struct kmeans_params *p, struct kmeans **out)
{
    *out = NULL;
    if (params_check(p) != SHOP_OK)
        return SHOP_EINVAL;
    struct kmeans *km = xcalloc(1, sizeof(*km));
    km->p = *p;
    km->centres = xcalloc((size_t)p->k * (size_t)p->dim, sizeof(float));
    packed_init(&km->pk, p->k, p->dim);
    km->counts = xcalloc((size_t)p->k, sizeof(double));
    if (p->standardise)
        km->sc = scaler_new(p->dim);
    *out = km;
    return SHOP_OK;
}

void kmeans_free(struct kmeans *km)
{
    if (!km)
        return;
    free(km->centres);
    packed_release(&km->pk);
    free(km->counts);
    scaler_free(km->sc);
    free(km);
}

/* ---- k-means++ ---------------------------------------------------------------------------- */

/* the first index whose cumulative weight exceeds u (cum is non-decreasing, cum[n-1] > u) */
static size_t search_cum(const double *cum, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Greedy k-means++ (as sklearn): each new centre is the best, by resulting potential, of
 * 2 + log k candidates drawn with probability proportional to D^2. When every row already sits
 * on a centre (duplicates) the candidates are drawn uniformly. x is [n, dim], out [k, dim]. */
static void kmeanspp(const float *x, size_t n, int dim, int k, struct rng *r, float *out)
{
    int trials = 2 + (int)log((double)k);
    double *closest = xmalloc(n * sizeof(double));
    double *cum = xmalloc(n * sizeof(double));
    double *cand_d = xmalloc((size_t)trials * n * sizeof(double));
    size_t *cand = xmalloc((size_t)trials * sizeof(size_t));

    size_t first = rng_below(r, n);
    memcpy(out, x + first * (size_t)dim, (size_t)dim * sizeof(float));
    double pot = 0;
    for (size_t i = 0; i < n; i++)
        pot += closest[i] = dist2_fast(x + i * (size_t)dim, out, dim);

    for (int c = 1; c < k; c++) {
        double acc = 0;
        for (size_t i = 0; i < n; i++)
            cum[i] = acc += closest[i];
        for (int t = 0; t < trials; t++)
            cand[t] = pot > 0 ? search_cum(cum, n, rng_uniform(r) * acc) : rng_below(r, n);
        int best = 0;
        double best_pot = DBL_MAX;
        for (int t = 0; t < trials; t++) {
            const float *cx = x + cand[t] * (size_t)dim;
            double *cd = cand_d + (size_t)t * n, p = 0;
            for (size_t i = 0; i < n; i++) {
                double d = dist2_fast(x + i * (size_t)dim, cx, dim);
                cd[i] = d < closest[i] ? d : closest[i];
                p += cd[i];
            }
            if (p < best_pot) {
                best_pot = p;
                best = t;
            }
        }
        memcpy(out + (size_t)c * (size_t)dim, x + cand[best] * (size_t)dim,
               (size_t)dim * sizeof(float));
        memcpy(closest, cand_d + (size_t)best * n, n * sizeof(double));
        pot = best_pot;
    }
    free(closest);
    free(cum);
    free(cand_d);
    free(cand);
}

/* ---- mini-batch steps --------------------------------------------------------------------- */

/* scratch for steps, sized once per fit */
struct work {
    float *wrap; /* [cap, dim]: a batch that wraps around the end of the shuffled rows */
    int *label;  /* [cap] */
    float *sums; /* [2][k, dim]: a batch's sums; float is plenty for one batch, and vectorises */
    double *nb;  /* [k] */
};

static void work_init(struct work *w, size_t cap, int k, int dim)
{
    w->wrap = xmalloc(cap * (size_t)dim * sizeof(float));
    w->label = xmalloc(cap * sizeof(int));
    w->sums = xmalloc(2 * (size_t)k * (size_t)dim * sizeof(float));
    w->nb = xmalloc((size_t)k * sizeof(double));
}

static void work_release(struct work *w)
{
    free(w->wrap);
    free(w->label);
    free(w->sums);
    free(w->nb);
}

/* s += x over dim floats; chunks of 8 so that the compiler vectorises without -O3 */
static void add_row(float *restrict s, const float *restrict x, int dim)
{
    int j = 0;
    for (; j + 8 <= dim; j += 8)
        for (int c = 0; c < 8; c++)
            s[j + c] += x[j + c];
    for (; j < dim; j++)
        s[j] += x[j];
}

/* sums[label[i]] += row i for m rows, even rows into sums[0 .. kd), odd rows into
 * sums[kd .. 2 kd): runs of rows with one label would otherwise wait on each other's stores */
static void accumulate(const float *x, size_t m, int dim, const int *label, float *sums, size_t kd)
{
#ifdef HAVE_AVX2_KERNEL
    if (have_avx2()) {
        accumulate_avx2(x, m, dim, label, sums, kd);
        return;
    }
#endif
    for (size_t i = 0; i < m; i++)
        add_row(sums + (i & 1) * kd + (size_t)label[i] * (size_t)dim, x + i * (size_t)dim, dim);
}

/* One step on m scaled rows: assign with the current centres, then move each centre to the
 * mean of everything it has absorbed, c = (c * count + sum) / (count + nb). Every 10 batches'
 * worth of rows (or at once while some centre is still empty) a centre that got less than 1%
 * of the largest count is re-seeded at a random row of this batch, its count raised to the
 * smallest of the others so it is not re-seeded again at once (as sklearn). */
static void step(struct kmeans *km, struct work *w, const float *batch, size_t m, struct rng *r)
{
    int k = km->p.k, dim = km->p.dim;
    nearest(batch, m, &km->pk, w->label);
    size_t kd = (size_t)k * (size_t)dim;
    memset(w->sums, 0, 2 * kd * sizeof(float));
    memset(w->nb, 0, (size_t)k * sizeof(double));
    accumulate(batch, m, dim, w->label, w->sums, kd);
    for (size_t i = 0; i < m; i++)
        w->nb[w->label[i]] += 1;
    add_row(w->sums, w->sums + kd, (int)kd);
    for (int c = 0; c < k; c++) {
        if (w->nb[c] == 0)
            continue;
        float *cc = km->centres + (size_t)c * (size_t)dim;
        double total = km->counts[c] + w->nb[c];
        const float *s = w->sums + (size_t)c * (size_t)dim;
        for (int j = 0; j < dim; j++)
            cc[j] = (float)(((double)cc[j] * km->counts[c] + s[j]) / total);
        km->counts[c] = total;
    }

    km->since_reassign += (size_t)km->p.batch_size;
    int any_empty = 0;
    double max_count = 0;
    for (int c = 0; c < k; c++) {
        any_empty |= km->counts[c] == 0;
        max_count = fmax(max_count, km->counts[c]);
    }
    if (k > 1 && (any_empty || km->since_reassign >= 10 * (size_t)km->p.batch_size)) {
        km->since_reassign = 0;
        double limit = 0.01 * max_count, min_kept = DBL_MAX;
        int n_re = 0;
        size_t cap = m / 2; /* at most half the batch becomes new centres, as sklearn */
        for (int c = 0; c < k; c++) {
            if (km->counts[c] < limit && (size_t)n_re < cap) {
                /* an index without replacement is not worth it: a repeat only wastes a centre
                 * until the next re-seed, and the batch is large against k */
                size_t at = rng_below(r, m);
                memcpy(km->centres + (size_t)c * (size_t)dim, batch + at * (size_t)dim,
                       (size_t)dim * sizeof(float));
                w->nb[c] = -1; /* mark: re-seeded */
                n_re++;
            } else {
                min_kept = fmin(min_kept, km->counts[c]);
            }
        }
        for (int c = 0; c < k && n_re; c++)
            if (w->nb[c] == -1)
                km->counts[c] = min_kept == DBL_MAX ? 0 : min_kept;
    }
    packed_set(&km->pk, km->centres);
    km->steps++;
}

/* A scaled copy of the n rows in a random order into *out, for the caller to free. Batches
 * are then windows of this copy at random offsets: every row has the same chance batch/n per
 * step as with sklearn's draws with replacement, but a step reads contiguous memory instead of
 * 1024 cache misses, and each row is scaled once rather than once per draw. The copy is also
 * where the values are checked: SHOP_EINVAL (logged, nothing to free) when one is not finite
 * after scaling. */
static int shuffled_copy(const struct kmeans *km, const float *rows, size_t n, struct rng *r,
                         float **out)
{
    int dim = km->p.dim, bad = 0;
    size_t *perm = xmalloc(n * sizeof(size_t));
    float *xs = xmalloc(n * (size_t)dim * sizeof(float));
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng_below(r, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n) { /* random rows: fetch a few ahead of the copy */
            const char *ahead = (const char *)(rows + perm[i + 16] * (size_t)dim);
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + (size_t)dim * sizeof(float) - 1);
        }
        const float *src = rows + perm[i] * (size_t)dim;
        float *d = xs + i * (size_t)dim;
        if (km->sc)
            scaler_transform(km->sc, src, d, 1);
        else
            for (int j = 0; j < dim; j++) /* a loop: memcpy of 80 bytes costs a libc call */
                d[j] = src[j];
        for (int j = 0; j < dim; j++)
            bad |= !isfinite(d[j]);
    }
    free(perm);
    if (bad) {
        log_error("kmeans: rows hold a value that is not finite");
        free(xs);
        *out = NULL;
        return SHOP_EINVAL;
    }
    *out = xs;
    return SHOP_OK;
}

/* m rows of the shuffled copy xs [n, dim] starting at row `at`, wrapping around its end: a
 * pointer into xs, or into w->wrap when the window wraps */
static const float *window(const float *xs, size_t n, int dim, size_t at, size_t m, float *wrap)
{
    if (at + m <= n)
        return xs + at * (size_t)dim;
    size_t first = n - at;
    memcpy(wrap, xs + at * (size_t)dim, first * (size_t)dim * sizeof(float));
    memcpy(wrap + first * (size_t)dim, xs, (m - first) * (size_t)dim * sizeof(float));
    return wrap;
}

/* Seeds the centres from the shuffled scaled rows xs [n, dim]: n_init k-means++ runs, each on
 * its own random window of init rows (all rows when n is small), keeping the one with the
 * lowest inertia on another window. */
static void seed_centres(struct kmeans *km, const float *xs, size_t n, struct rng *r)
{
    int k = km->p.k, dim = km->p.dim;
    size_t init = km->p.init_size ? (size_t)km->p.init_size : 3 * (size_t)km->p.batch_size;
    if (init < 3 * (size_t)k)
        init = 3 * (size_t)k;
    if (init > n)
        init = n;
    float *wrap_s = xmalloc(init * (size_t)dim * sizeof(float));
    float *wrap_v = xmalloc(init * (size_t)dim * sizeof(float));
    float *cand = xmalloc((size_t)k * (size_t)dim * sizeof(float));
    const float *xv = window(xs, n, dim, rng_below(r, n), init, wrap_v);
    double best = DBL_MAX;
    for (int t = 0; t < km->p.n_init; t++) {
        const float *xi = window(xs, n, dim, rng_below(r, n), init, wrap_s);
        kmeanspp(xi, init, dim, k, r, cand);
        double in = km->p.n_init > 1 ? inertia_of(xv, init, dim, cand, k) : 0;
        if (in < best) {
            best = in;
            memcpy(km->centres, cand, (size_t)k * (size_t)dim * sizeof(float));
        }
    }
    packed_set(&km->pk, km->centres);
    memset(km->counts, 0, (size_t)k * sizeof(double));
    km->since_reassign = 0;
    free(wrap_s);
    free(wrap_v);
    free(cand);
}

static int check_rows(const struct kmeans *km, const float *rows, size_t n, int first)
{
    if (n == 0 || !rows) {
        log_error("kmeans: no rows to train on");
        return SHOP_EINVAL;
    }
    if (first && n < (size_t)km->p.k) {
        log_error("kmeans: %zu rows cannot make %d clusters", n, km->p.k);
        return SHOP_EINVAL;
    }
    return SHOP_OK;
}

int kmeans_fit(struct kmeans *km, const float *rows, size_t n)
{
    int rc = check_rows(km, rows, n, 1);
    km->trained = 0;
    km->steps = 0;
    if (rc != SHOP_OK)
        return rc;
    if (km->sc && (rc = scaler_fit(km->sc, rows, n)) != SHOP_OK) {
        log_error("kmeans: rows hold a value that is not finite");
        return rc;
    }
    struct rng r;
    rng_seed(&r, km->p.seed);
    float *xs;
    if ((rc = shuffled_copy(km, rows, n, &r, &xs)) != SHOP_OK)
        return rc;
    seed_centres(km, xs, n, &r);

    size_t batch = (size_t)km->p.batch_size;
    if (batch > n)
        batch = n;
    /* same step count as sklearn: max_iter passes of n rows in batches */
    uint64_t nsteps = (uint64_t)km->p.max_iter * n / batch;
    if (nsteps == 0)
        nsteps = 1;
    struct work w;
    work_init(&w, batch, km->p.k, km->p.dim);
    for (uint64_t s = 0; s < nsteps; s++) {
        const float *b = window(xs, n, km->p.dim, rng_below(&r, n), batch, w.wrap);
        step(km, &w, b, batch, &r);
    }
    work_release(&w);
    free(xs);
    km->trained = 1;
    return SHOP_OK;
}

int kmeans_partial_fit(struct kmeans *km, const float *rows, size_t n)
{
    int first = !km->trained;
    int rc = check_rows(km, rows, n, first);
    if (rc != SHOP_OK)
        return rc;
    /* a stream of its own per call, so that a saved and reloaded model continues the same way */
    struct rng r;
    rng_seed(&r, rng_derive(km->p.seed, km->steps + 1));
    if (first && km->sc && (rc = scaler_fit(km->sc, rows, n)) != SHOP_OK) {
        log_error("kmeans: rows hold a value that is not finite");
        return rc;
    }
    float *xs;
    if ((rc = shuffled_copy(km, rows, n, &r, &xs)) != SHOP_OK)
        return rc;
    if (first) {
        seed_centres(km, xs, n, &r);
        km->steps = 0;
    }
    /* every new row once, in batches */
    size_t batch = (size_t)km->p.batch_size < n ? (size_t)km->p.batch_size : n;
    struct work w;
    work_init(&w, batch, km->p.k, km->p.dim);
    for (size_t at = 0; at < n; at += batch) {
        size_t m = n - at < batch ? n - at : batch;
        step(km, &w, xs + at * (size_t)km->p.dim, m, &r);
    }
    work_release(&w);
    free(xs);
    km->trained = 1;
    return SHOP_OK;
}

/* ---- using the model ---------------------------------------------------------------------- */

int kmeans_predict(const struct kmeans *km, const float *rows, size_t n, int *labels, float *d2)
{
    if (!km->trained)
        return SHOP_EINVAL;
    int dim = km->p.dim;
    float buf[RB * 16];
    float *tmp = km->sc ? (dim <= 16 ? buf : xmalloc(RB * (size_t)dim * sizeof(float))) : NULL;
    for (size_t i = 0; i < n; i += RB) {
        size_t m = n - i < RB ? n - i : RB;
        const float *x = rows + i * (size_t)dim;
        if (tmp) {
            scaler_transform(km->sc, x, tmp, m);
            x = tmp;
        }
        nearest_d2(x, m, &km->pk, km->centres, labels + i, d2 ? d2 + i : NULL);
    }
    if (tmp != buf)
        free(tmp);
    return SHOP_OK;
}

int kmeans_assign(const struct kmeans *km, const float *row)
{
    int label;
    if (kmeans_predict(km, row, 1, &label, NULL) != SHOP_OK)
        return -1;
    return label;
}

int kmeans_inertia(const struct kmeans *km, const float *rows, size_t n, double *out)
{
    *out = 0;
    if (!km->trained)
        return SHOP_EINVAL;
    int label[RB];
    float d2[RB];
    double sum = 0;
    for (size_t i = 0; i < n; i += RB) {
        size_t m = n - i < RB ? n - i : RB;
        int rc = kmeans_predict(km, rows + i * (size_t)km->p.dim, m, label, d2);
        if (rc != SHOP_OK)
            return rc;
        for (size_t r = 0; r < m; r++)
            sum += d2[r];
    }
    *out = sum;
    return SHOP_OK;
}

int kmeans_k(const struct kmeans *km)
{
    return km->p.k;
}

int kmeans_dim(const struct kmeans *km)
{
    return km->p.dim;
}

int kmeans_trained(const struct kmeans *km)
{
    return km->trained;
}

const float *kmeans_centres(const struct kmeans *km)
{
    return km->trained ? km->centres : NULL;
}

int kmeans_centres_raw(const struct kmeans *km, float *out)
{
    if (!km->trained)
        return SHOP_EINVAL;
    size_t total = (size_t)km->p.k * (size_t)km->p.dim;
    if (km->sc)
        scaler_inverse(km->sc, km->centres, out, (size_t)km->p.k);
    else
        memcpy(out, km->centres, total * sizeof(float));
    return SHOP_OK;
}

const double *kmeans_counts(const struct kmeans *km)
{
    return km->counts;
}

const struct scaler *kmeans_scaler(const struct kmeans *km)
{
    return km->sc;
}

/* ---- the blob ----------------------------------------------------------------------------- */

/* Layout, all little-endian:
 *   "SHKM" | u32 version | u32 k, dim, batch_size, max_iter, n_init, init_size, standardise
 *   | u64 seed, steps, since_reassign | standardise ? f64 mean[dim], f64 sd[dim]
 *   | f32 centres[k * dim] | f64 counts[k] | u32 crc32 of everything before it
 * The length follows from the header, so a blob must be exactly that long. */
#define BLOB_MAGIC "SHKM"
#define BLOB_VERSION 1u
#define BLOB_HEADER (4 + 4 + 7 * 4 + 3 * 8)

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static size_t blob_size(uint32_t k, uint32_t dim, uint32_t standardise)
{
    return BLOB_HEADER + (standardise ? 16 * (size_t)dim : 0) + 4 * (size_t)k * dim +
           8 * (size_t)k + 4;
}

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

static unsigned char *put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

static unsigned char *put_f32(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return put_u32(p, v);
}

static unsigned char *put_f64(unsigned char *p, double f)
{
    uint64_t v;
    memcpy(&v, &f, 8);
    return put_u64(p, v);
}

static uint32_t get_u32(const unsigned char **p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)(*p)[i] << (8 * i);
    *p += 4;
    return v;
}

static uint64_t get_u64(const unsigned char **p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)(*p)[i] << (8 * i);
    *p += 8;
    return v;
}

static float get_f32(const unsigned char **p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static double get_f64(const unsigned char **p)
{
    uint64_t v = get_u64(p);
    double f;
    memcpy(&f, &v, 8);
    return f;
}

int kmeans_save_blob(const struct kmeans *km, unsigned char **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    if (!km->trained)
        return SHOP_EINVAL;
    const struct kmeans_params *p = &km->p;
    size_t size = blob_size((uint32_t)p->k, (uint32_t)p->dim, (uint32_t)p->standardise);
    unsigned char *buf = xmalloc(size), *w = buf;
    memcpy(w, BLOB_MAGIC, 4);
    w += 4;
    w = put_u32(w, BLOB_VERSION);
    w = put_u32(w, (uint32_t)p->k);
    w = put_u32(w, (uint32_t)p->dim);
    w = put_u32(w, (uint32_t)p->batch_size);
    w = put_u32(w, (uint32_t)p->max_iter);
    w = put_u32(w, (uint32_t)p->n_init);
    w = put_u32(w, (uint32_t)p->init_size);
    w = put_u32(w, (uint32_t)p->standardise);
    w = put_u64(w, p->seed);
    w = put_u64(w, km->steps);
    w = put_u64(w, km->since_reassign);
    if (km->sc) {
        for (int j = 0; j < p->dim; j++)
            w = put_f64(w, scaler_mean(km->sc)[j]);
        for (int j = 0; j < p->dim; j++)
            w = put_f64(w, scaler_sd(km->sc)[j]);
    }
    for (size_t i = 0; i < (size_t)p->k * (size_t)p->dim; i++)
        w = put_f32(w, km->centres[i]);
    for (int c = 0; c < p->k; c++)
        w = put_f64(w, km->counts[c]);
    w = put_u32(w, crc32_of(buf, (size_t)(w - buf)));
    assert((size_t)(w - buf) == size);
    *blob = buf;
    *len = size;
    return SHOP_OK;
}

int kmeans_load_blob(const void *blob, size_t len, struct kmeans **out)
{
    const unsigned char *b = blob, *r = b;
    struct kmeans *km = NULL;
    double *mean = NULL, *sd = NULL;
    int rc = SHOP_EINVAL;
    *out = NULL;
    if (!b || len < BLOB_HEADER + 4 || memcmp(b, BLOB_MAGIC, 4) != 0)
        goto fail;
    r += 4;
    uint32_t version = get_u32(&r);
    if (version > BLOB_VERSION) {
        rc = SHOP_EVERSION;
        goto fail;
    }
    struct kmeans_params p;
    uint32_t k = get_u32(&r), dim = get_u32(&r);
    if (version != BLOB_VERSION || k < 1 || k > KMEANS_MAX_K || dim < 1 || dim > KMEANS_MAX_DIM)
        goto fail;
    p.k = (int)k;
    p.dim = (int)dim;
    p.batch_size = (int)get_u32(&r);
    p.max_iter = (int)get_u32(&r);
    p.n_init = (int)get_u32(&r);
    p.init_size = (int)get_u32(&r);
    p.standardise = (int)get_u32(&r);
    p.seed = get_u64(&r);
    if ((p.standardise != 0 && p.standardise != 1) ||
        len != blob_size(k, dim, (uint32_t)p.standardise))
        goto fail;
    const unsigned char *end = b + len - 4;
    if (crc32_of(b, len - 4) != get_u32(&end))
        goto fail;
    /* the header and its checksum agree from here; the values are still checked one by one */
    if (kmeans_new(&p, &km) != SHOP_OK)
        goto fail;
    km->steps = get_u64(&r);
    km->since_reassign = (size_t)get_u64(&r);
    if (p.standardise) {
        mean = xmalloc(dim * sizeof(double));
        sd = xmalloc(dim * sizeof(double));
        for (uint32_t j = 0; j < dim; j++)
            mean[j] = get_f64(&r);
        for (uint32_t j = 0; j < dim; j++)
            sd[j] = get_f64(&r);
        if (scaler_set(km->sc, mean, sd) != SHOP_OK)
            goto fail;
        /* an sd the scaler treats as a constant column is saved as 0: any other value there
         * (a sub-normal, say) was not written by us */
        for (uint32_t j = 0; j < dim; j++)
            if (scaler_sd(km->sc)[j] != sd[j])
                goto fail;
    }
    for (size_t i = 0; i < (size_t)k * dim; i++)
        if (!isfinite(km->centres[i] = get_f32(&r)))
            goto fail;
    for (uint32_t c = 0; c < k; c++) {
        km->counts[c] = get_f64(&r);
        if (!isfinite(km->counts[c]) || km->counts[c] < 0)
            goto fail;
    }
    packed_set(&km->pk, km->centres);
    km->trained = 1;
    free(mean);
    free(sd);
    *out = km;
    return SHOP_OK;
fail:
    log_error("kmeans: model blob of %zu bytes is %s", len,
              rc == SHOP_EVERSION ? "from a newer version" : "corrupt or not a k-means model");
    free(mean);
    free(sd);
    kmeans_free(km);
    return rc;
}
