/* identity/gallery.c - the in-memory template gallery and its brute-force 1:N search. */
#include "identity/gallery.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GALLERY_X86 1
#endif

#include "core/xalloc.h"
#include "store/store.h"

#define BLOCK 256 /* rows whose distances are computed before the top-k scan */

struct gallery {
    pthread_rwlock_t lock;
    size_t n, cap;
    float *rows;  /* [cap x 128], the first n in use */
    int64_t *ids; /* [cap] */
    /* one row per customer: the mean of their rows, rebuilt by removal, replacement and
     * load at once (no erased customer's mean stays behind) and after additions by the next
     * gallery_search_mean (dirty: so that adding in chunks costs one rebuild) */
    int dirty;
    size_t nc, ccap;
    float *cent;
    int64_t *cent_ids;
};

struct gallery *gallery_new(void)
{
    struct gallery *g = xcalloc(1, sizeof(*g));
    pthread_rwlock_init(&g->lock, NULL);
    return g;
}

/* zeroes biometric memory in a way the compiler keeps */
static void wipe(void *p, size_t n)
{
    if (!p || !n)
        return;
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

void gallery_free(struct gallery *g)
{
    if (!g)
        return;
    wipe(g->rows, g->cap * GALLERY_DIM * sizeof(float));
    free(g->rows);
    free(g->ids);
    wipe(g->cent, g->ccap * GALLERY_DIM * sizeof(float));
    free(g->cent);
    free(g->cent_ids);
    pthread_rwlock_destroy(&g->lock);
    free(g);
}

/* grows to hold `need` rows; the caller holds the write lock. Copying by hand instead of
 * realloc so that the old block is zeroed before it is freed. */
static void reserve(struct gallery *g, size_t need)
{
    if (need <= g->cap)
        return;
    size_t cap = g->cap ? g->cap : 64;
    while (cap < need)
        cap *= 2;
    float *rows = xmalloc(cap * GALLERY_DIM * sizeof(float));
    if (g->n)
        memcpy(rows, g->rows, g->n * GALLERY_DIM * sizeof(float));
    wipe(g->rows, g->cap * GALLERY_DIM * sizeof(float));
    free(g->rows);
    g->rows = rows;
    g->ids = xreallocarray(g->ids, cap, sizeof(*g->ids));
    g->cap = cap;
}

struct id_row {
    int64_t id;
    size_t row;
};

static int cmp_id_row(const void *a, const void *b)
{
    const struct id_row *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->row > y->row) - (x->row < y->row);
}

/* rebuilds the centroids from the rows: per customer the mean of their rows, summed in row
 * order in double; the caller holds the write lock */
static void centroids_locked(struct gallery *g)
{
    struct id_row *order = xmalloc((g->n + 1) * sizeof(*order));
    for (size_t i = 0; i < g->n; i++)
        order[i] = (struct id_row){g->ids[i], i};
    qsort(order, g->n, sizeof(*order), cmp_id_row);
    size_t nc = 0;
    for (size_t i = 0; i < g->n; i++)
        nc += i == 0 || order[i].id != order[i - 1].id;
    if (nc > g->ccap) {
        wipe(g->cent, g->ccap * GALLERY_DIM * sizeof(float));
        free(g->cent);
        g->ccap = nc;
        g->cent = xmalloc(g->ccap * GALLERY_DIM * sizeof(float));
        g->cent_ids = xreallocarray(g->cent_ids, g->ccap, sizeof(*g->cent_ids));
    }
    wipe(g->cent, g->ccap * GALLERY_DIM * sizeof(float));
    g->nc = 0;
    double sum[GALLERY_DIM];
    for (size_t i = 0; i < g->n;) {
        size_t j = i;
        memset(sum, 0, sizeof(sum));
        for (; j < g->n && order[j].id == order[i].id; j++)
            for (int k = 0; k < GALLERY_DIM; k++)
                sum[k] += g->rows[order[j].row * GALLERY_DIM + k];
        float *c = g->cent + g->nc * GALLERY_DIM;
        for (int k = 0; k < GALLERY_DIM; k++)
            c[k] = (float)(sum[k] / (double)(j - i));
        g->cent_ids[g->nc++] = order[i].id;
        i = j;
    }
    wipe(sum, sizeof(sum));
    free(order);
    g->dirty = 0;
}

void gallery_add(struct gallery *g, const int64_t *ids, const float *rows, size_t n)
{
    if (n == 0) /* nothing to add (eval faces: a fold whose people are all strangers) */
        return;
    pthread_rwlock_wrlock(&g->lock);
    reserve(g, g->n + n);
    memcpy(g->rows + g->n * GALLERY_DIM, rows, n * GALLERY_DIM * sizeof(float));
    memcpy(g->ids + g->n, ids, n * sizeof(*ids));
    g->n += n;
    g->dirty = 1;
    pthread_rwlock_unlock(&g->lock);
}

/* the caller holds the write lock */
static size_t remove_locked(struct gallery *g, int64_t customer_id)
{
    size_t removed = 0;
    for (size_t i = 0; i < g->n;) {
        if (g->ids[i] != customer_id) {
            i++;
            continue;
        }
        /* the last row moves into the hole; the last slot is zeroed */
        size_t last = g->n - 1;
        if (i != last) {
            memcpy(g->rows + i * GALLERY_DIM, g->rows + last * GALLERY_DIM,
                   GALLERY_DIM * sizeof(float));
            g->ids[i] = g->ids[last];
        }
        wipe(g->rows + last * GALLERY_DIM, GALLERY_DIM * sizeof(float));
        g->ids[last] = 0;
        g->n--;
        removed++;
    }
    return removed;
}

size_t gallery_remove(struct gallery *g, int64_t customer_id)
{
    pthread_rwlock_wrlock(&g->lock);
    size_t removed = remove_locked(g, customer_id);
    centroids_locked(g);
    pthread_rwlock_unlock(&g->lock);
    return removed;
}

void gallery_replace(struct gallery *g, int64_t customer_id, const float *rows, size_t n)
{
    pthread_rwlock_wrlock(&g->lock);
    remove_locked(g, customer_id);
    reserve(g, g->n + n);
    memcpy(g->rows + g->n * GALLERY_DIM, rows, n * GALLERY_DIM * sizeof(float));
    for (size_t i = 0; i < n; i++)
        g->ids[g->n + i] = customer_id;
    g->n += n;
    centroids_locked(g);
    pthread_rwlock_unlock(&g->lock);
}

size_t gallery_size(struct gallery *g)
{
    pthread_rwlock_rdlock(&g->lock);
    size_t n = g->n;
    pthread_rwlock_unlock(&g->lock);
    return n;
}

struct load_ctx {
    size_t n, cap;
    float *rows;
    int64_t *ids;
};

static int load_one(void *ctx, const struct store_face_template *t)
{
    struct load_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        float *rows = xmalloc(cap * GALLERY_DIM * sizeof(float));
        if (c->n)
            memcpy(rows, c->rows, c->n * GALLERY_DIM * sizeof(float));
        wipe(c->rows, c->cap * GALLERY_DIM * sizeof(float));
        free(c->rows);
        c->rows = rows;
        c->ids = xreallocarray(c->ids, cap, sizeof(*c->ids));
        c->cap = cap;
    }
    memcpy(c->rows + c->n * GALLERY_DIM, t->descriptor, GALLERY_DIM * sizeof(float));
    c->ids[c->n++] = t->customer_id;
    return 0;
}

int gallery_load(struct gallery *g, struct store *st)
{
    struct load_ctx c = {0};
    int rc = store_face_templates_foreach(st, load_one, &c);
    if (rc == SHOP_OK) {
        pthread_rwlock_wrlock(&g->lock);
        /* swap in the loaded arrays; the old ones are wiped after the lock is released */
        float *old_rows = g->rows;
        int64_t *old_ids = g->ids;
        size_t old_cap = g->cap;
        g->rows = c.rows;
        g->ids = c.ids;
        g->n = c.n;
        g->cap = c.cap;
        centroids_locked(g);
        pthread_rwlock_unlock(&g->lock);
        c.rows = old_rows;
        c.ids = old_ids;
        c.cap = old_cap;
    }
    wipe(c.rows, c.cap * GALLERY_DIM * sizeof(float));
    free(c.rows);
    free(c.ids);
    return rc;
}

/* ---- the kernel ---- */

float gallery_l2sq(const float *a, const float *b)
{
    /* eight independent partial sums: the compiler keeps them in registers, and the
     * summation order is fixed (same result on every call) */
    float acc[8] = {0};
    for (int i = 0; i < GALLERY_DIM; i += 8)
        for (int k = 0; k < 8; k++) {
            float d = a[i + k] - b[i + k];
            acc[k] += d * d;
        }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

static void block_generic(const float *q, const float *rows, size_t n, float *out)
{
    for (size_t r = 0; r < n; r++)
        out[r] = gallery_l2sq(q, rows + r * GALLERY_DIM);
}

#ifdef GALLERY_X86
__attribute__((target("avx2,fma"))) static void block_avx2(const float *q, const float *rows,
                                                           size_t n, float *out)
{
    for (size_t r = 0; r < n; r++) {
        const float *x = rows + r * GALLERY_DIM;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (int i = 0; i < GALLERY_DIM; i += 32) {
            __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(q + i));
            __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(q + i + 8));
            __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(q + i + 16));
            __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(q + i + 24));
            a0 = _mm256_fmadd_ps(d0, d0, a0);
            a1 = _mm256_fmadd_ps(d1, d1, a1);
            a2 = _mm256_fmadd_ps(d2, d2, a2);
            a3 = _mm256_fmadd_ps(d3, d3, a3);
        }
        __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        out[r] = _mm_cvtss_f32(h);
    }
}
#endif

typedef void (*block_fn)(const float *q, const float *rows, size_t n, float *out);

static block_fn kernel = block_generic;
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

static void pick_kernel(void)
{
#ifdef GALLERY_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        kernel = block_avx2;
#endif
}

/* the k nearest distinct customers seen so far, by squared distance */
static void offer(struct gallery_match *m, int64_t id, float d2)
{
    int at = -1;
    for (int i = 0; i < m->n; i++)
        if (m->best[i].customer_id == id) {
            at = i;
            break;
        }
    if (at >= 0) {
        if (d2 >= m->best[at].distance)
            return;
    } else if (m->n < GALLERY_TOPK) {
        at = m->n++;
    } else {
        at = GALLERY_TOPK - 1; /* d2 < the worst one: checked by the caller */
    }
    m->best[at].customer_id = id;
    m->best[at].distance = d2;
    for (; at > 0 && m->best[at].distance < m->best[at - 1].distance; at--) {
        struct gallery_hit t = m->best[at];
        m->best[at] = m->best[at - 1];
        m->best[at - 1] = t;
    }
}

/* the search over n rows with their ids; the caller holds the read lock */
static void search_rows(const float *rows, const int64_t *ids, size_t n, const float *q,
                        struct gallery_match *out)
{
    pthread_once(&kernel_once, pick_kernel);
    memset(out, 0, sizeof(*out));
    float d[BLOCK];
    for (size_t r0 = 0; r0 < n; r0 += BLOCK) {
        size_t nb = n - r0 < BLOCK ? n - r0 : BLOCK;
        kernel(q, rows + r0 * GALLERY_DIM, nb, d);
        for (size_t r = 0; r < nb; r++)
            if (out->n < GALLERY_TOPK || d[r] < out->best[GALLERY_TOPK - 1].distance)
                offer(out, ids[r0 + r], d[r]);
    }
    out->rows = n;
    for (int i = 0; i < out->n; i++)
        out->best[i].distance = sqrtf(out->best[i].distance);
}

void gallery_search_mean(struct gallery *g, const float *q, struct gallery_match *out)
{
    pthread_rwlock_rdlock(&g->lock);
    while (g->dirty) { /* rows were added: rebuild the means under the write lock */
        pthread_rwlock_unlock(&g->lock);
        pthread_rwlock_wrlock(&g->lock);
        if (g->dirty)
            centroids_locked(g);
        pthread_rwlock_unlock(&g->lock);
        pthread_rwlock_rdlock(&g->lock);
    }
    search_rows(g->cent, g->cent_ids, g->nc, q, out);
    pthread_rwlock_unlock(&g->lock);
}

void gallery_search(struct gallery *g, const float *q, struct gallery_match *out)
{
    pthread_rwlock_rdlock(&g->lock);
    search_rows(g->rows, g->ids, g->n, q, out);
    pthread_rwlock_unlock(&g->lock);
}
