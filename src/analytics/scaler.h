/* analytics/scaler.h - per-column standardisation (mean 0, sd 1) of row-major float rows.
 *     struct scaler *sc = scaler_new(dim);
 *     if (scaler_fit(sc, rows, n) == SHOP_OK) scaler_transform(sc, rows, scaled, n);
 *     scaler_free(sc);
 * The sd is the population one (divides by n, as sklearn's StandardScaler). A constant column
 * (sd 0) maps every value, even an unseen one, to 0: never NaN or inf.                      */
#ifndef SHOP_ANALYTICS_SCALER_H
#define SHOP_ANALYTICS_SCALER_H

#include <stddef.h>

#include "core/status.h"

struct scaler;

/* A scaler for dim > 0 columns, fitted to the identity (mean 0, sd 1). Never NULL. */
struct scaler *scaler_new(int dim);
void scaler_free(struct scaler *sc); /* NULL is a no-op */

/* Fits mean and sd to n rows of dim floats. SHOP_EINVAL when n is 0 or a value is not finite
 * (the scaler is then left unchanged). */
SHOP_MUST_CHECK
int scaler_fit(struct scaler *sc, const float *rows, size_t n);

/* out = (in - mean) / sd for n rows; in == out is allowed. */
void scaler_transform(const struct scaler *sc, const float *in, float *out, size_t n);
/* out = in * sd + mean (constant columns come back as their mean); in == out is allowed. */
void scaler_inverse(const struct scaler *sc, const float *in, float *out, size_t n);

int scaler_dim(const struct scaler *sc);
/* borrowed arrays of dim values, valid until the next fit or set or the free */
const double *scaler_mean(const struct scaler *sc);
const double *scaler_sd(const struct scaler *sc);
/* Sets the parameters (e.g. read back from a model blob). SHOP_EINVAL when a value is not
 * finite or an sd is negative. */
SHOP_MUST_CHECK
int scaler_set(struct scaler *sc, const double *mean, const double *sd);

#endif
