/* analytics/kmeans.h - mini-batch k-means over customer feature vectors (row-major floats).
 *
 *     struct kmeans_params p;
 *     kmeans_params_default(&p, dim);              // k 4, batch 1024, 100 passes, standardise
 *     struct kmeans *km;
 *     if (kmeans_new(&p, &km) == SHOP_OK && kmeans_fit(km, rows, n) == SHOP_OK)
 *         label = kmeans_assign(km, row);
 *     ...later, new customers or new sales:  kmeans_partial_fit(km, new_rows, m);
 *     kmeans_save_blob(km, &blob, &len);  ...  kmeans_load_blob(blob, len, &km2);
 *     kmeans_free(km);
 *
 * The model works in standardised space when p.standardise is set: fit() first fits a scaler
 * (mean 0, sd 1 per column; constant columns map to 0) and every verb taking rows takes them
 * raw and scales them itself. partial_fit() keeps that scaler fixed, so the centres never move
 * under a new coordinate system. Training follows sklearn's MiniBatchKMeans: k-means++ (greedy,
 * 2 + log k trials per centre) on a random sample of init_size rows, n_init times, keeping the
 * start with the lowest inertia on another sample; then max_iter * n / batch_size steps of
 * batch_size rows, each centre moving to the running mean of all rows it was ever given
 * (per-centre counts), with centres that starve (count < 1% of the largest) re-seeded from the
 * batch. One difference: a batch is a window at a random offset of a shuffled, scaled copy of
 * the rows (n * dim floats, held while fit runs) rather than rows drawn one by one; each row
 * has the same chance per step, and a step reads memory in order.
 * Deterministic for a given seed on a given machine (the AVX2 kernel, used when the CPU has
 * it, may round near-ties differently from the portable one). Not thread-safe per model;
 * distinct models are independent.                                                          */
#ifndef SHOP_ANALYTICS_KMEANS_H
#define SHOP_ANALYTICS_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define KMEANS_MAX_K 4096
#define KMEANS_MAX_DIM 65536

struct kmeans_params {
    int k;           /* clusters, 1..KMEANS_MAX_K (default 4) */
    int dim;         /* features per row, 1..KMEANS_MAX_DIM */
    int batch_size;  /* rows per mini-batch step (default 1024) */
    int max_iter;    /* passes over the data: steps = max_iter * n / batch_size (default 100) */
    int n_init;      /* k-means++ starts, best kept (default 3) */
    int init_size;   /* rows sampled for k-means++; 0 = 3 * batch_size (and at least 3 k) */
    int standardise; /* 1: fit a scaler and cluster standardised rows (default 1) */
    uint64_t seed;   /* default 42 */
};

struct kmeans;

/* Fills the defaults above for rows of dim features. */
void kmeans_params_default(struct kmeans_params *p, int dim);

/* A new, untrained model. SHOP_EINVAL (logged) when a parameter is out of range. The caller
 * frees *out with kmeans_free. */
SHOP_MUST_CHECK
int kmeans_new(const struct kmeans_params *p, struct kmeans **out);
void kmeans_free(struct kmeans *km); /* NULL is a no-op */

/* Trains from scratch on n raw rows (forgetting any previous training). SHOP_EINVAL when n is 0,
 * n < k or a value is not finite; the model is then untrained. Duplicate rows are fine: when
 * fewer than k distinct rows exist some centres coincide and stay empty. */
SHOP_MUST_CHECK
int kmeans_fit(struct kmeans *km, const float *rows, size_t n);

/* Updates the centres with n new raw rows without retraining (sklearn partial_fit): one step
 * per batch_size rows, each centre moving by the rows' weight against its count so far. On an
 * untrained model the first call fits the scaler and seeds the centres with k-means++ on these
 * rows (then needs n >= k). SHOP_EINVAL on n == 0, n < k for that first call, non-finite. */
SHOP_MUST_CHECK
int kmeans_partial_fit(struct kmeans *km, const float *rows, size_t n);

/* The nearest centre (0..k-1) of one raw row, or -1 when the model is untrained. */
int kmeans_assign(const struct kmeans *km, const float *row);
/* labels[i] = kmeans_assign of each of n rows (faster than calling it n times); when dist2 is
 * not NULL it gets each row's squared distance to its centre (standardised space).
 * SHOP_EINVAL when untrained. */
SHOP_MUST_CHECK
int kmeans_predict(const struct kmeans *km, const float *rows, size_t n, int *labels, float *dist2);
/* Sum of squared distances of n raw rows to their nearest centre, in the model's space
 * (standardised when p.standardise). SHOP_EINVAL when untrained. */
SHOP_MUST_CHECK
int kmeans_inertia(const struct kmeans *km, const float *rows, size_t n, double *out);

int kmeans_k(const struct kmeans *km);
int kmeans_dim(const struct kmeans *km);
int kmeans_trained(const struct kmeans *km);
/* borrowed [k, dim] centres in the model's (standardised) space, NULL when untrained; valid
 * until the next fit/partial_fit or the free */
const float *kmeans_centres(const struct kmeans *km);
/* copies the centres back to raw feature units into out [k, dim] (a segment's profile);
 * SHOP_EINVAL when untrained */
SHOP_MUST_CHECK
int kmeans_centres_raw(const struct kmeans *km, float *out);
/* borrowed [k]: how many rows each centre has absorbed (its weight in partial_fit) */
const double *kmeans_counts(const struct kmeans *km);
/* the scaler (borrowed), NULL when the model does not standardise */
const struct scaler *kmeans_scaler(const struct kmeans *km);

/* Serialises the model (parameters, scaler, centres, counts; versioned, checksummed) into a
 * new buffer that the caller frees with free(). SHOP_EINVAL when untrained. */
SHOP_MUST_CHECK
int kmeans_save_blob(const struct kmeans *km, unsigned char **blob, size_t *len);
/* A model from a blob of kmeans_save_blob. SHOP_EINVAL for a truncated, corrupt or foreign
 * blob, SHOP_EVERSION for a blob from a newer version; never reads past len. The caller
 * frees *out with kmeans_free. */
SHOP_MUST_CHECK
int kmeans_load_blob(const void *blob, size_t len, struct kmeans **out);

#endif
