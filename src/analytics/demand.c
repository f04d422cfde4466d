/* analytics/demand.c - the demand model over XGBoost's C API. XGBoost's -1 returns and
 * XGBGetLastError() stop here: they are logged and become SHOP_EMODEL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "analytics/demand.h"
#include "core/log.h"
#include "core/xalloc.h"

/* blob header: magic, format version, feature count, payload length, payload checksum */
#define BLOB_MAGIC "SHDM"
#define BLOB_VERSION 1
#define BLOB_HEADER 32
/* rows per XGBoost matrix when predicting, so that a large price search stays in memory */
#define PREDICT_CHUNK 262144
/* early stopping: held-out loss checked every CHECK_EVERY trees, given up after PATIENCE */
#define CHECK_EVERY 10
#define PATIENCE 60

enum feat {
    F_RATIO, F_DISCOUNT, F_DISCOUNTED, /* the price group */
    F_CATEGORY, F_GENDER, F_FABRIC, F_SEASON, F_BASE, F_COST, F_POPULARITY,
    F_MONTH, F_WEEKDAY, F_WEEKEND, F_IN_SEASON, F_COUNT
};
_Static_assert(F_COUNT == DEMAND_NFEAT, "feature count");
#define PRICE_GROUP_END F_CATEGORY

static const char *const feat_names[F_COUNT] = {
    "price_ratio", "discount", "discounted", "category", "gender",
    "fabric", "season", "base_price", "cost", "popularity", "month", "weekday", "weekend",
    "in_season"};

/* the vocabulary the codes come from; another name is a missing value */
static const char *const categories[] = {"T-Shirt", "Sweater", "Pants", "Coat", NULL};
static const char *const genders[] = {"women", "men", "unisex", NULL};
static const char *const fabrics[] = {"Cotton", "Wool", "Polyester", NULL};
static const char *const seasons[] = {"Winter", "Summer", "All seasons", NULL};

struct demand {
    BoosterHandle booster;
    int rounds;
};

void demand_params_default(struct demand_params *p)
{
    memset(p, 0, sizeof(*p));
    p->objective = DEMAND_POISSON;
    p->max_rounds = 600;
    p->max_depth = 3;
    p->eta = 0.05;
    p->nthread = 2;
    p->monotone = 1;
    p->interaction = 1;
    p->seed = 42;
}

int demand_objective_parse(const char *name)
{
    if (strcmp(name, "poisson") == 0)
        return DEMAND_POISSON;
    if (strcmp(name, "squared") == 0)
        return DEMAND_SQUARED;
    return -1;
}

const char *demand_objective_name(int objective)
{
    return objective == DEMAND_SQUARED ? "squared" : "poisson";
}

const char *demand_feature_name(int i)
{
    return i >= 0 && i < F_COUNT ? feat_names[i] : "";
}

/* logs XGBoost's message for a failed call */
static int xgb_fail(const char *what)
{
    log_error("demand: %s: %s", what, XGBGetLastError());
    return SHOP_EMODEL;
}

static float code_of(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return (float)i;
    return NAN;
}

/* days since 1970-01-01 -> month 1..12 (civil calendar, Howard Hinnant's algorithm) */
static int month_of(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return (int)(mp < 10 ? mp + 3 : mp - 9);
}

static int weekday_of(int64_t day)
{
    int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday; 0 = Monday */
    return (int)(w < 0 ? w + 7 : w);
}

/* One row of features into f[DEMAND_NFEAT]. The price enters only as price / base price:
 * the charged price in currency units mostly tells products apart (a coat costs more than a
 * T-shirt), and trees used it to carry product levels into the price response, which then
 * moved with every candidate price (capture fell from 99.5 % to 98.7 % on the 200-product
 * store). The product's level comes from its base price and attributes instead. */
static void features(const struct demand_product *p, int64_t day, int64_t price_cents,
                     double discount, float *f)
{
    double base = (double)p->base_price_cents;
    f[F_RATIO] = (float)((double)price_cents / base);
    f[F_DISCOUNT] = (float)discount;
    f[F_DISCOUNTED] = discount > 0 ? 1.0f : 0.0f;
    f[F_CATEGORY] = code_of(categories, p->category);
    f[F_GENDER] = code_of(genders, p->gender);
    f[F_FABRIC] = code_of(fabrics, p->fabric);
    f[F_SEASON] = code_of(seasons, p->season);
    f[F_BASE] = (float)(base / 100.0);
    f[F_COST] = (float)((double)p->cost_cents / 100.0);
    f[F_POPULARITY] = (float)p->popularity;
    int month = month_of(day), wd = weekday_of(day);
    f[F_MONTH] = (float)month;
    f[F_WEEKDAY] = (float)wd;
    f[F_WEEKEND] = wd >= 5 ? 1.0f : 0.0f;
    int winter = month >= 11 || month <= 2, summer = month >= 5 && month <= 8;
    float in = 0;
    if (strcmp(p->season, "Winter") == 0)
        in = winter ? 1.0f : summer ? -1.0f : 0.0f;
    else if (strcmp(p->season, "Summer") == 0)
        in = summer ? 1.0f : winter ? -1.0f : 0.0f;
    f[F_IN_SEASON] = in;
}

static int set_params(BoosterHandle b, const struct demand_params *pr)
{
    char buf[256];
    struct {
        const char *k;
        char v[128];
    } kv[] = {
        {"objective", ""}, {"max_depth", ""}, {"eta", ""}, {"nthread", ""}, {"seed", ""},
        {"tree_method", "hist"}, {"verbosity", "0"}, {"min_child_weight", "1"},
        {"subsample", "0.8"}, {"colsample_bytree", "1"},
    };
    snprintf(kv[0].v, sizeof(kv[0].v), "%s",
             pr->objective == DEMAND_SQUARED ? "reg:squarederror" : "count:poisson");
    snprintf(kv[1].v, sizeof(kv[1].v), "%d", pr->max_depth);
    snprintf(kv[2].v, sizeof(kv[2].v), "%g", pr->eta);
    snprintf(kv[3].v, sizeof(kv[3].v), "%d", pr->nthread > 0 ? pr->nthread : 1);
    snprintf(kv[4].v, sizeof(kv[4].v), "%llu", (unsigned long long)(pr->seed % 2147483647));
    for (size_t i = 0; i < sizeof(kv) / sizeof(*kv); i++)
        if (XGBoosterSetParam(b, kv[i].k, kv[i].v) != 0)
            return xgb_fail("set parameter");
    if (pr->monotone) {
        /* demand falls with the charged price; a promotion flag never lowers it */
        int n = snprintf(buf, sizeof(buf), "(");
        for (int i = 0; i < F_COUNT; i++) {
            int c = i == F_RATIO ? -1 : i == F_DISCOUNTED ? 1 : 0;
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%d", i ? "," : "", c);
        }
        snprintf(buf + n, sizeof(buf) - (size_t)n, ")");
        if (XGBoosterSetParam(b, "monotone_constraints", buf) != 0)
            return xgb_fail("set monotone constraints");
    }
    if (pr->interaction) {
        /* the price acts the same way on every product in log space (the simulator's and
         * most demand models' shape), so price splits never mix with product splits */
        int n = snprintf(buf, sizeof(buf), "[[");
        for (int i = 0; i < PRICE_GROUP_END; i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%d", i ? "," : "", i);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "],[");
        for (int i = PRICE_GROUP_END; i < F_COUNT; i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%d",
                          i > PRICE_GROUP_END ? "," : "", i);
        snprintf(buf + n, sizeof(buf) - (size_t)n, "]]");
        if (XGBoosterSetParam(b, "interaction_constraints", buf) != 0)
            return xgb_fail("set interaction constraints");
    }
    return SHOP_OK;
}

/* a matrix of the rows idx[0..n) of obs (all rows when idx is NULL), with labels */
static int obs_matrix(const struct demand_product *prods, const struct demand_obs *obs,
                      const size_t *idx, size_t n, int nthread, DMatrixHandle *out)
{
    float *x = xmalloc(n * F_COUNT * sizeof(float));
    float *y = xmalloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        const struct demand_obs *o = &obs[idx ? idx[i] : i];
        features(&prods[o->product], o->day, o->price_cents, o->discount,
                 x + i * F_COUNT);
        y[i] = (float)o->units;
    }
    int rc = SHOP_OK;
    *out = NULL;
    if (XGDMatrixCreateFromMat_omp(x, n, F_COUNT, NAN, out, nthread) != 0)
        rc = xgb_fail("create training matrix");
    else if (XGDMatrixSetFloatInfo(*out, "label", y, n) != 0)
        rc = xgb_fail("set labels");
    if (rc != SHOP_OK && *out) {
        XGDMatrixFree(*out);
        *out = NULL;
    }
    free(x);
    free(y);
    return rc;
}

/* predictions of the first `rounds` trees (0 = all) on a matrix, copied to out[n] */
static int predict_matrix(BoosterHandle b, DMatrixHandle m, int rounds, size_t n, double *out)
{
    char cfg[160];
    snprintf(cfg, sizeof(cfg),
             "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}",
             rounds);
    const bst_ulong *shape;
    bst_ulong dim;
    const float *res;
    if (XGBoosterPredictFromDMatrix(b, m, cfg, &shape, &dim, &res) != 0)
        return xgb_fail("predict");
    for (size_t i = 0; i < n; i++) {
        double v = res[i];
        /* squared error can go below zero; a count cannot */
        out[i] = isfinite(v) && v > 0 ? v : 0;
    }
    return SHOP_OK;
}

/* a booster over the training matrix; the test matrix (when not NULL) joins its prediction
 * cache, so that evaluating it after more trees only adds the new trees' outputs */
static int booster_new(DMatrixHandle train, DMatrixHandle test, const struct demand_params *pr,
                       BoosterHandle *out)
{
    DMatrixHandle cache[2] = {train, test};
    *out = NULL;
    if (XGBoosterCreate(cache, test ? 2 : 1, out) != 0)
        return xgb_fail("create booster");
    int rc = set_params(*out, pr);
    if (rc == SHOP_OK && test &&
        XGBoosterSetParam(*out, "eval_metric",
                          pr->objective == DEMAND_SQUARED ? "rmse" : "poisson-nloglik") != 0)
        rc = xgb_fail("set eval metric");
    if (rc != SHOP_OK) {
        XGBoosterFree(*out);
        *out = NULL;
    }
    return rc;
}

/* the held-out loss after the trees so far: XGBoost's "[i]\ttest-metric:value" */
static int held_out_loss(BoosterHandle b, int it, DMatrixHandle test, double *loss)
{
    const char *names[1] = {"test"}, *res;
    DMatrixHandle d[1] = {test};
    if (XGBoosterEvalOneIter(b, it, d, names, 1, &res) != 0)
        return xgb_fail("evaluate");
    const char *colon = strrchr(res, ':');
    char *end;
    *loss = colon ? strtod(colon + 1, &end) : NAN;
    if (!colon || end == colon + 1 || !isfinite(*loss)) {
        log_error("demand: unexpected evaluation '%s'", res);
        return SHOP_EMODEL;
    }
    return SHOP_OK;
}

/* Fits on train; with a test matrix, stops early (the held-out Poisson negative
 * log-likelihood or RMSE, checked every CHECK_EVERY trees) and reports the best number of
 * trees in *best. */
static int fit(const struct demand_params *pr, DMatrixHandle train, DMatrixHandle test,
               int rounds, BoosterHandle *out, int *best)
{
    BoosterHandle b;
    int rc = booster_new(train, test, pr, &b);
    if (rc != SHOP_OK)
        return rc;
    double best_loss = INFINITY;
    *best = rounds;
    for (int it = 0; it < rounds; it++) {
        if (XGBoosterUpdateOneIter(b, it, train) != 0) {
            rc = xgb_fail("train");
            goto out;
        }
        if (!test || ((it + 1) % CHECK_EVERY != 0 && it + 1 != rounds))
            continue;
        double l;
        rc = held_out_loss(b, it, test, &l);
        if (rc != SHOP_OK)
            goto out;
        if (l < best_loss - 1e-12) {
            best_loss = l;
            *best = it + 1;
        } else if (it + 1 - *best >= PATIENCE) {
            break;
        }
    }
out:
    if (rc != SHOP_OK) {
        XGBoosterFree(b);
        b = NULL;
    }
    *out = b;
    return rc;
}

/* held-out MAE/RMSE/deviance of the model (pred) and of each product's training mean */
static void measure(const struct demand_obs *obs, size_t n, int64_t split_day, size_t nprod,
                    const size_t *test, size_t ntest, const double *pred,
                    struct demand_metrics *mt)
{
    double *sum = xcalloc(nprod, sizeof(double)), *cnt = xcalloc(nprod, sizeof(double));
    double gsum = 0, gcnt = 0;
    for (size_t i = 0; i < n; i++)
        if (obs[i].day < split_day) {
            sum[obs[i].product] += obs[i].units;
            cnt[obs[i].product] += 1;
            gsum += obs[i].units;
            gcnt += 1;
        }
    double gmean = gcnt > 0 ? gsum / gcnt : 0;
    double ae = 0, se = 0, ae0 = 0, se0 = 0, dv = 0, dv0 = 0;
    for (size_t k = 0; k < ntest; k++) {
        const struct demand_obs *o = &obs[test[k]];
        double base = cnt[o->product] > 0 ? sum[o->product] / cnt[o->product] : gmean;
        double y = o->units, p = pred[k];
        ae += fabs(y - p);
        se += (y - p) * (y - p);
        ae0 += fabs(y - base);
        se0 += (y - base) * (y - base);
        double mp = p > 1e-9 ? p : 1e-9, mb = base > 1e-9 ? base : 1e-9;
        dv += 2 * ((y > 0 ? y * log(y / mp) : 0) - (y - mp));
        dv0 += 2 * ((y > 0 ? y * log(y / mb) : 0) - (y - mb));
    }
    double m = ntest ? (double)ntest : 1;
    mt->mae = ae / m;
    mt->rmse = sqrt(se / m);
    mt->mae_base = ae0 / m;
    mt->rmse_base = sqrt(se0 / m);
    mt->deviance = dv / m;
    mt->deviance_base = dv0 / m;
    free(sum);
    free(cnt);
}

int demand_train(const struct demand_params *pr, const struct demand_product *prods,
                 size_t nprod, const struct demand_obs *obs, size_t n, int64_t split_day,
                 struct demand_metrics *mt, struct demand **out)
{
    *out = NULL;
    memset(mt, 0, sizeof(*mt));
    mt->rows = (int64_t)n;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (obs[i].product >= nprod || prods[obs[i].product].base_price_cents <= 0) {
            log_error("demand: training row %zu refers to a bad product", i);
            return SHOP_EINVAL;
        }
        total += obs[i].units;
        mt->zero_rows += obs[i].units == 0;
    }
    if (n == 0 || total <= 0) {
        log_error("demand: no sales to learn from (%zu in-stock product-days)", n);
        return SHOP_EINVAL;
    }
    if (pr->max_rounds < 1 || pr->max_rounds > DEMAND_MAX_ROUNDS) {
        log_error("demand: max_rounds %d out of range", pr->max_rounds);
        return SHOP_EINVAL;
    }
    size_t *test = xmalloc(n * sizeof(size_t)), *train = xmalloc(n * sizeof(size_t));
    size_t ntest = 0, ntrain = 0;
    for (size_t i = 0; i < n; i++) {
        if (obs[i].day >= split_day)
            test[ntest++] = i;
        else
            train[ntrain++] = i;
    }
    DMatrixHandle dtrain = NULL, dtest = NULL, dall = NULL;
    BoosterHandle b = NULL;
    double *pred = NULL;
    int rounds = pr->max_rounds, rc = SHOP_OK;
    mt->split_day = split_day;
    if (ntest > 0 && ntrain > 0) {
        rc = obs_matrix(prods, obs, train, ntrain, pr->nthread, &dtrain);
        if (rc == SHOP_OK)
            rc = obs_matrix(prods, obs, test, ntest, pr->nthread, &dtest);
        if (rc != SHOP_OK)
            goto out;
        rc = fit(pr, dtrain, dtest, pr->max_rounds, &b, &rounds);
        if (rc != SHOP_OK)
            goto out;
        pred = xmalloc(ntest * sizeof(double));
        rc = predict_matrix(b, dtest, rounds, ntest, pred);
        if (rc != SHOP_OK)
            goto out;
        mt->rows_train = (int64_t)ntrain;
        mt->rows_test = (int64_t)ntest;
        measure(obs, n, split_day, nprod, test, ntest, pred, mt);
        XGBoosterFree(b);
        b = NULL;
    } else {
        mt->rows_train = (int64_t)n;
    }
    /* the model in use learns from every day, the most recent ones included */
    rc = obs_matrix(prods, obs, NULL, n, pr->nthread, &dall);
    if (rc == SHOP_OK)
        rc = fit(pr, dall, NULL, rounds, &b, &rounds);
    if (rc != SHOP_OK)
        goto out;
    struct demand *m = xcalloc(1, sizeof(*m));
    m->booster = b;
    m->rounds = rounds;
    b = NULL;
    mt->rounds = rounds;
    *out = m;
out:
    if (b)
        XGBoosterFree(b);
    if (dtrain)
        XGDMatrixFree(dtrain);
    if (dtest)
        XGDMatrixFree(dtest);
    if (dall)
        XGDMatrixFree(dall);
    free(pred);
    free(test);
    free(train);
    return rc;
}

int demand_predict(struct demand *m, const struct demand_product *prods,
                   const struct demand_query *q, size_t n, double *out)
{
    size_t chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
    float *x = xmalloc((chunk ? chunk : 1) * F_COUNT * sizeof(float));
    int rc = SHOP_OK;
    for (size_t at = 0; at < n && rc == SHOP_OK; at += chunk) {
        size_t k = n - at < chunk ? n - at : chunk;
        for (size_t i = 0; i < k; i++) {
            const struct demand_query *r = &q[at + i];
            const struct demand_product *p = &prods[r->product];
            features(p, r->day, r->price_cents, r->discount, x + i * F_COUNT);
        }
        DMatrixHandle d;
        if (XGDMatrixCreateFromMat(x, k, F_COUNT, NAN, &d) != 0) {
            rc = xgb_fail("create prediction matrix");
            break;
        }
        rc = predict_matrix(m->booster, d, 0, k, out + at);
        XGDMatrixFree(d);
    }
    free(x);
    return rc;
}

/* FNV-1a over the payload: a corrupt or truncated blob never reaches XGBoost's parser */
static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int demand_save(struct demand *m, void **buf, size_t *len)
{
    bst_ulong n;
    const char *raw;
    *buf = NULL;
    *len = 0;
    if (XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"ubj\"}", &n, &raw) != 0)
        return xgb_fail("save model");
    unsigned char *b = xmalloc(BLOB_HEADER + (size_t)n);
    memcpy(b, BLOB_MAGIC, 4);
    put_le(b + 4, BLOB_VERSION, 4);
    put_le(b + 8, F_COUNT, 4);
    put_le(b + 12, (uint64_t)m->rounds, 4);
    put_le(b + 16, (uint64_t)n, 8);
    memcpy(b + BLOB_HEADER, raw, (size_t)n);
    put_le(b + 24, checksum(b + BLOB_HEADER, (size_t)n), 8);
    *buf = b;
    *len = BLOB_HEADER + (size_t)n;
    return SHOP_OK;
}

int demand_load(const void *buf, size_t len, int nthread, struct demand **out)
{
    const unsigned char *b = buf;
    *out = NULL;
    if (!b || len < BLOB_HEADER || memcmp(b, BLOB_MAGIC, 4) != 0) {
        log_error("demand: the stored model is not a demand model");
        return SHOP_EMODEL;
    }
    uint64_t version = get_le(b + 4, 4), nfeat = get_le(b + 8, 4), n = get_le(b + 16, 8);
    if (version != BLOB_VERSION || nfeat != F_COUNT) {
        log_error("demand: the stored model has format %llu with %llu features, this program "
                  "reads format %d with %d: retrain it",
                  (unsigned long long)version, (unsigned long long)nfeat, BLOB_VERSION, F_COUNT);
        return SHOP_EMODEL;
    }
    if (n != len - BLOB_HEADER || checksum(b + BLOB_HEADER, (size_t)n) != get_le(b + 24, 8)) {
        log_error("demand: the stored model is truncated or corrupt: retrain it");
        return SHOP_EMODEL;
    }
    BoosterHandle h = NULL;
    char nt[16];
    snprintf(nt, sizeof(nt), "%d", nthread > 0 ? nthread : 1);
    bst_ulong feats = 0;
    int rounds = 0;
    if (XGBoosterCreate(NULL, 0, &h) != 0)
        return xgb_fail("create booster");
    if (XGBoosterLoadModelFromBuffer(h, b + BLOB_HEADER, (bst_ulong)n) != 0 ||
        XGBoosterSetParam(h, "nthread", nt) != 0 || XGBoosterGetNumFeature(h, &feats) != 0 ||
        XGBoosterBoostedRounds(h, &rounds) != 0) {
        int rc = xgb_fail("load model");
        XGBoosterFree(h);
        return rc;
    }
    if (feats != F_COUNT) {
        log_error("demand: the stored model has %llu features, not %d: retrain it",
                  (unsigned long long)feats, F_COUNT);
        XGBoosterFree(h);
        return SHOP_EMODEL;
    }
    struct demand *m = xcalloc(1, sizeof(*m));
    m->booster = h;
    m->rounds = rounds;
    *out = m;
    return SHOP_OK;
}

int demand_rounds(const struct demand *m)
{
    return m->rounds;
}

void demand_free(struct demand *m)
{
    if (!m)
        return;
    XGBoosterFree(m->booster);
    free(m);
}
