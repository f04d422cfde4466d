/* analytics/scaler.c - see scaler.h */
#include "analytics/scaler.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct scaler {
    int dim;
    double *mean;
    double *sd;
    double *inv; /* 1/sd, or 0 for a constant column: multiplying by it gives the 0 we want */
};

struct scaler *scaler_new(int dim)
{
    assert(dim > 0);
    struct scaler *sc = xcalloc(1, sizeof(*sc));
    sc->dim = dim;
    sc->mean = xcalloc((size_t)dim, sizeof(double));
    sc->sd = xcalloc((size_t)dim, sizeof(double));
    sc->inv = xcalloc((size_t)dim, sizeof(double));
    for (int j = 0; j < dim; j++)
        sc->sd[j] = sc->inv[j] = 1.0;
    return sc;
}

void scaler_free(struct scaler *sc)
{
    if (!sc)
        return;
    free(sc->mean);
    free(sc->sd);
    free(sc->inv);
    free(sc);
}

/* A column whose sd is only rounding noise around its mean counts as constant; the two-pass
 * sums below give exactly 0 for a truly constant column, the margin covers near-constant. */
static double inverse_sd(double sd, double mean)
{
    return sd <= 1e-12 * fmax(1.0, fabs(mean)) ? 0.0 : 1.0 / sd;
}

int scaler_fit(struct scaler *sc, const float *rows, size_t n)
{
    int d = sc->dim, rc = SHOP_OK;
    double *mean = xcalloc((size_t)d, sizeof(double));
    double *var = xcalloc((size_t)d, sizeof(double));
    if (n == 0) {
        rc = SHOP_EINVAL;
        goto out;
    }
    /* two passes in double: exact zero variance for constant columns, no cancellation */
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * (size_t)d;
        for (int j = 0; j < d; j++) {
            if (!isfinite(r[j])) {
                rc = SHOP_EINVAL;
                goto out;
            }
            mean[j] += r[j];
        }
    }
    for (int j = 0; j < d; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * (size_t)d;
        for (int j = 0; j < d; j++) {
            double e = r[j] - mean[j];
            var[j] += e * e;
        }
    }
    for (int j = 0; j < d; j++) {
        sc->mean[j] = mean[j];
        sc->sd[j] = sqrt(var[j] / (double)n);
        sc->inv[j] = inverse_sd(sc->sd[j], mean[j]);
        if (sc->inv[j] == 0.0)
            sc->sd[j] = 0.0;
    }
out:
    free(mean);
    free(var);
    return rc;
}

void scaler_transform(const struct scaler *sc, const float *in, float *out, size_t n)
{
    int d = sc->dim;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            size_t at = i * (size_t)d + (size_t)j;
            out[at] = (float)((in[at] - sc->mean[j]) * sc->inv[j]);
        }
}

void scaler_inverse(const struct scaler *sc, const float *in, float *out, size_t n)
{
    int d = sc->dim;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            size_t at = i * (size_t)d + (size_t)j;
            out[at] = (float)(in[at] * sc->sd[j] + sc->mean[j]);
        }
}

int scaler_dim(const struct scaler *sc)
{
    return sc->dim;
}
const double *scaler_mean(const struct scaler *sc)
{
    return sc->mean;
}
const double *scaler_sd(const struct scaler *sc)
{
    return sc->sd;
}

int scaler_set(struct scaler *sc, const double *mean, const double *sd)
{
    for (int j = 0; j < sc->dim; j++)
        if (!isfinite(mean[j]) || !isfinite(sd[j]) || sd[j] < 0)
            return SHOP_EINVAL;
    for (int j = 0; j < sc->dim; j++) {
        sc->mean[j] = mean[j];
        sc->inv[j] = inverse_sd(sd[j], mean[j]);
        sc->sd[j] = sc->inv[j] == 0.0 ? 0.0 : sd[j];
    }
    return SHOP_OK;
}
