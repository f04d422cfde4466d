/* analytics/segments.c - features -> k-means -> segments in words -> profiles. */
#include "analytics/segments.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/kmeans.h"
#include "analytics/profiles.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"

#define MODEL_NAME "segments"
#define MODEL_VERSION 1
#define META_SEEN "segments.seen_until"
#define META_COLUMNS "segments.columns"
#define META_ASSIGNMENT "segments.assignment"
#define ASSIGNMENT_FORMAT 1

/* the feature columns as one string, to check that a saved model still fits the data */
static void column_key(const struct store_features *f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < f->dim && used < n; c++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", c ? "|" : "", f->names[c]);
}

/* The feature columns a model was trained on, from its saved column_key (no rows): what its
 * centres are named with. SHOP_EMODEL when the key is not one column_key writes. */
static int columns_from_key(const char *key, struct store_features *f)
{
    static const char *const base[STORE_FEAT_BASE] = {"purchases",        "items",
                                                      "spend_cents",      "mean_price_cents",
                                                      "mean_discount",    "times_tried"};
    static const char *const kinds[3] = {"category:", "fabric:", "size:"};
    memset(f, 0, sizeof(*f));
    int cap = STORE_FEAT_BASE + 3 * STORE_FEAT_MAX_VALUES;
    f->names = xcalloc((size_t)cap, sizeof(*f->names));
    int kind = 0, ok = 1;
    for (const char *p = key; ok && *p;) {
        size_t n = strcspn(p, "|");
        ok = f->dim < cap && n > 0 && n < sizeof(f->names[0]);
        if (ok) {
            memcpy(f->names[f->dim], p, n);
            f->names[f->dim][n] = '\0';
        }
        const char *name = f->names[f->dim];
        if (ok && f->dim < STORE_FEAT_BASE) {
            ok = strcmp(name, base[f->dim]) == 0;
        } else if (ok) {
            while (kind < 3 && strncmp(name, kinds[kind], strlen(kinds[kind])) != 0)
                kind++; /* the categories, then the fabrics, then the sizes */
            int *count = kind == 0 ? &f->ncat : kind == 1 ? &f->nfab : &f->nsize;
            size_t width = kind == 2 ? sizeof(f->size[0]) : sizeof(f->cat[0]);
            const char *v = kind < 3 ? name + strlen(kinds[kind]) : "";
            ok = kind < 3 && *count < STORE_FEAT_MAX_VALUES && strlen(v) < width;
            if (ok) {
                char *dst = kind == 0 ? f->cat[*count] : kind == 1 ? f->fab[*count]
                                                                   : f->size[*count];
                memcpy(dst, v, strlen(v) + 1);
                (*count)++;
            }
        }
        f->dim += ok;
        p += n + (p[n] == '|');
    }
    if (!ok || f->dim < STORE_FEAT_BASE) {
        store_features_release(f);
        return shop_fail(SHOP_EMODEL, "the saved segments' columns are corrupt: retrain with "
                                      "shopper train segments");
    }
    return SHOP_OK;
}

/* index of the largest of x[0..n), -1 when all are 0 */
static int argmax(const float *x, int n)
{
    int best = -1;
    float v = 0;
    for (int i = 0; i < n; i++)
        if (x[i] > v) {
            v = x[i];
            best = i;
        }
    return best;
}

/* "s" to make a category name plural, unless it already ends in s */
static const char *plural(const char *word)
{
    size_t n = strlen(word);
    return n == 0 || word[n - 1] == 's' ? "" : "s";
}

/* the population's mean of each base column: what the names measure the centres against */
static void population_means(const struct store_features *f, double mean[STORE_FEAT_BASE])
{
    for (int c = 0; c < STORE_FEAT_BASE; c++)
        mean[c] = 0;
    for (size_t i = 0; i < f->n; i++)
        for (int c = 0; c < STORE_FEAT_BASE; c++)
            mean[c] += f->x[i * (size_t)f->dim + (size_t)c];
    for (int c = 0; c < STORE_FEAT_BASE; c++)
        mean[c] /= f->n ? (double)f->n : 1;
}

/* each segment's centre in raw units, its label and description; f gives only the columns */
static void name_segments(const struct store_features *f, const float *centres, int k,
                          const double mean[STORE_FEAT_BASE], struct segments_report *out)
{
    out->k = k;
    for (int s = 0; s < k; s++) {
        struct segment_info *g = &out->seg[s];
        memset(g, 0, sizeof(*g));
        g->id = s;
        const float *c = centres + (size_t)s * (size_t)f->dim;
        g->purchases = c[0];
        g->items = c[1];
        g->spend_cents = c[2];
        g->mean_price_cents = c[3];
        g->mean_discount = c[4];
        g->times_tried = c[5];
        int cat = argmax(c + STORE_FEAT_BASE, f->ncat);
        int fab = argmax(c + STORE_FEAT_BASE + f->ncat, f->nfab);
        int size = argmax(c + STORE_FEAT_BASE + f->ncat + f->nfab, f->nsize);
        snprintf(g->top_category, sizeof(g->top_category), "%s", cat >= 0 ? f->cat[cat] : "");
        snprintf(g->top_fabric, sizeof(g->top_fabric), "%s", fab >= 0 ? f->fab[fab] : "");
        snprintf(g->top_size, sizeof(g->top_size), "%s", size >= 0 ? f->size[size] : "");
        const char *label;
        if (g->purchases < 0.5)
            label = "new or inactive customers";
        else if (g->mean_discount >= 0.3 && g->mean_discount >= 1.2 * mean[4])
            label = "bargain hunters";
        else if (g->spend_cents >= 1.5 * mean[2])
            label = "big spenders";
        else if (g->purchases >= 1.3 * mean[0])
            label = "loyal regulars";
        else if (g->mean_price_cents >= 1.15 * mean[3])
            label = "premium buyers";
        else if (g->purchases <= 0.7 * mean[0])
            label = "occasional buyers";
        else
            label = "regulars";
        snprintf(g->label, sizeof(g->label), "%s", label);
        for (int t = 0; t < s; t++)
            if (strcmp(out->seg[t].label, g->label) == 0) {
                snprintf(g->label, sizeof(g->label), "%s (%d)", label, s + 1);
                break;
            }
        char name[sizeof(g->label)];
        memcpy(name, g->label, sizeof(name));
        if (g->purchases < 0.5)
            snprintf(g->description, sizeof(g->description),
                     "%s: %.1f purchases on average, %.1f items tried", name, g->purchases,
                     g->times_tried);
        else
            snprintf(g->description, sizeof(g->description),
                     "%s: %.1f purchases, %.1f items, spends %.2f, average item %.2f, %.0f %% "
                     "average discount, mostly %s%s in %s, size %s",
                     name, g->purchases, g->items, g->spend_cents / 100.0,
                     g->mean_price_cents / 100.0, 100.0 * g->mean_discount,
                     g->top_category[0] ? g->top_category : "-",
                     plural(g->top_category), g->top_fabric[0] ? g->top_fabric : "-",
                     g->top_size[0] ? g->top_size : "-");
    }
}

/* the members of each segment and the buyers among every customer labelled */
static void tally(const struct store_features *f, const int *labels, int k,
                  struct segments_report *out)
{
    for (size_t i = 0; i < f->n; i++)
        if (labels[i] >= 0 && labels[i] < k)
            out->seg[labels[i]].customers++;
    out->customers = (int64_t)f->n;
    out->assigned = (int64_t)f->n;
    for (size_t i = 0; i < f->n; i++)
        out->buyers += f->x[i * (size_t)f->dim] > 0;
}

/* writes every customer's profile: totals from the features, preferences from the largest
 * shares, or the customer's stated ones for a customer without purchases */
static int write_profiles(struct store *st, const struct store_features *f, const int *labels,
                          int64_t now)
{
    struct store_customer *cs;
    size_t nc;
    int rc = store_customers(st, &cs, &nc);
    if (rc != SHOP_OK)
        return rc;
    for (size_t i = 0, j = 0; i < f->n && rc == SHOP_OK; i++) {
        const float *x = f->x + i * (size_t)f->dim;
        while (j < nc && cs[j].id < f->ids[i])
            j++;
        const struct store_customer *c = j < nc && cs[j].id == f->ids[i] ? &cs[j] : NULL;
        struct store_profile p = {0};
        p.customer_id = f->ids[i];
        p.segment = labels[i];
        p.purchases = llround(x[0]);
        p.items = llround(x[1]);
        p.spend_cents = llround(x[2]);
        p.mean_price_cents = llround(x[3]);
        p.mean_discount = x[4];
        p.times_tried = llround(x[5]);
        int cat = argmax(x + STORE_FEAT_BASE, f->ncat);
        int fab = argmax(x + STORE_FEAT_BASE + f->ncat, f->nfab);
        int size = argmax(x + STORE_FEAT_BASE + f->ncat + f->nfab, f->nsize);
        snprintf(p.pref_category, sizeof(p.pref_category), "%s",
                 cat >= 0 ? f->cat[cat] : c ? c->pref_category : "");
        snprintf(p.pref_fabric, sizeof(p.pref_fabric), "%s",
                 fab >= 0 ? f->fab[fab] : c ? c->pref_fabric : "");
        snprintf(p.pref_size, sizeof(p.pref_size), "%s",
                 size >= 0 ? f->size[size] : c ? c->size : "");
        p.updated_at = now;
        rc = store_profile_put(st, &p);
    }
    free(cs);
    return rc;
}

/* The last assignment of every customer, saved with the model in the same transaction as
 * the profiles it wrote: describing the segments needs only this and the model, not a feature
 * row per customer. Stored as the text of meta key META_ASSIGNMENT:
 *     "1 at last_id buyers inertia mean[0..5] k count[0..k)"
 * (format 1; the doubles with 17 digits, so that they read back exactly). */
struct assignment {
    int64_t at;      /* the time of the training or update */
    int64_t last_id; /* the largest customer id assigned: those above registered since */
    int64_t buyers;  /* customers assigned who had bought */
    double inertia;
    double mean[STORE_FEAT_BASE]; /* the population the segments' names were measured against */
    int k;
    int64_t count[SEGMENTS_MAX_K];
};

static int assignment_put(struct store *st, const struct assignment *a)
{
    char buf[4096];
    size_t used =
        (size_t)snprintf(buf, sizeof(buf), "%d %lld %lld %lld %.17g", ASSIGNMENT_FORMAT,
                         (long long)a->at, (long long)a->last_id, (long long)a->buyers, a->inertia);
    for (int c = 0; c < STORE_FEAT_BASE && used < sizeof(buf); c++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %.17g", a->mean[c]);
    if (used < sizeof(buf))
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %d", a->k);
    for (int s = 0; s < a->k && used < sizeof(buf); s++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %lld", (long long)a->count[s]);
    assert(used < sizeof(buf)); /* 64 counts of 20 digits and 12 numbers fit */
    return store_meta_set(st, META_ASSIGNMENT, buf);
}

/* The saved assignment of a model with k segments. SHOP_ENOTFOUND when the model was saved
 * without one (by a shopper older than this); SHOP_EMODEL when it is corrupt. */
static int assignment_get(struct store *st, int k, struct assignment *a)
{
    char buf[4096];
    memset(a, 0, sizeof(*a));
    int rc = store_meta_get(st, META_ASSIGNMENT, buf, sizeof(buf));
    if (rc != SHOP_OK)
        return rc;
    const char *p = buf;
    int64_t format = 0, nk = 0, sum = 0;
    int ok = parse_next_int(&p, &format) && format == ASSIGNMENT_FORMAT &&
             parse_next_int(&p, &a->at) && parse_next_int(&p, &a->last_id) &&
             parse_next_int(&p, &a->buyers) && parse_next_double(&p, &a->inertia) &&
             a->at >= 0 && a->buyers >= 0 && a->inertia >= 0;
    for (int c = 0; c < STORE_FEAT_BASE && ok; c++)
        ok = parse_next_double(&p, &a->mean[c]);
    ok = ok && parse_next_int(&p, &nk) && nk == k;
    for (int s = 0; s < k && ok; s++) {
        ok = parse_next_int(&p, &a->count[s]) && a->count[s] >= 0 && a->count[s] <= INT64_MAX - sum;
        sum += ok ? a->count[s] : 0;
    }
    if (!ok || *p != '\0' || a->buyers > sum)
        return shop_fail(SHOP_EMODEL, "the saved segments' assignment is corrupt: retrain with "
                                      "shopper train segments");
    a->k = k;
    return SHOP_OK;
}

static int save(struct store *st, const struct kmeans *km, const struct store_features *f,
                const struct assignment *a, int64_t now)
{
    unsigned char *blob;
    size_t len;
    int rc = kmeans_save_blob(km, &blob, &len);
    if (rc != SHOP_OK)
        return rc;
    char info[256];
    snprintf(info, sizeof(info), "{\"k\":%d,\"dim\":%d,\"customers\":%zu}", kmeans_k(km),
             f->dim, f->n);
    rc = store_model_put(st, MODEL_NAME, MODEL_VERSION, blob, len, info, now);
    free(blob);
    char key[2048], buf[32];
    column_key(f, key, sizeof(key));
    int64_t last = 0;
    if (rc == SHOP_OK)
        rc = store_meta_set(st, META_COLUMNS, key);
    if (rc == SHOP_OK)
        rc = store_last_purchase_at(st, &last);
    snprintf(buf, sizeof(buf), "%lld", (long long)last);
    if (rc == SHOP_OK)
        rc = store_meta_set(st, META_SEEN, buf);
    if (rc == SHOP_OK)
        rc = assignment_put(st, a);
    return rc;
}

/* labels every customer (into *labels, caller frees), describes the segments and gives the
 * population means their names were measured against */
static int label(const struct kmeans *km, const struct store_features *f, int **labels,
                 double mean[STORE_FEAT_BASE], struct segments_report *out)
{
    int k = kmeans_k(km);
    *labels = xcalloc(f->n ? f->n : 1, sizeof(int));
    float *centres = xcalloc((size_t)k * (size_t)f->dim, sizeof(float));
    int rc = kmeans_predict(km, f->x, f->n, *labels, NULL);
    if (rc == SHOP_OK)
        rc = kmeans_centres_raw(km, centres);
    if (rc == SHOP_OK)
        rc = kmeans_inertia(km, f->x, f->n, &out->inertia);
    if (rc == SHOP_OK) {
        population_means(f, mean);
        name_segments(f, centres, k, mean, out);
        tally(f, *labels, k, out);
    }
    free(centres);
    return rc;
}

/* labels and describes, then writes the profiles, the model and the assignment (as of now) */
static int finish(struct store *st, const struct kmeans *km, const struct store_features *f,
                  int64_t now, struct segments_report *out)
{
    int *labels;
    struct assignment a = {.at = now, .k = kmeans_k(km)};
    int rc = label(km, f, &labels, a.mean, out);
    if (rc == SHOP_OK) {
        a.last_id = f->n ? f->ids[f->n - 1] : 0;
        a.buyers = out->buyers;
        a.inertia = out->inertia;
        for (int s = 0; s < a.k; s++)
            a.count[s] = out->seg[s].customers;
        out->assigned_at = now;
        rc = write_profiles(st, f, labels, now);
    }
    if (rc == SHOP_OK)
        rc = save(st, km, f, &a, now);
    if (rc == SHOP_OK)
        rc = profiles_summary_save(st); /* the Customers screen's numbers, with the profiles */
    free(labels);
    return rc;
}

int segments_train(struct store *st, int k, uint64_t seed, int64_t now,
                   struct segments_report *out)
{
    memset(out, 0, sizeof(*out));
    shop_err_clear();
    if (k < 1 || k > SEGMENTS_MAX_K)
        return shop_fail(SHOP_EINVAL, "the number of segments must be 1..%d, not %d",
                         SEGMENTS_MAX_K, k);
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    struct store_features f;
    struct kmeans *km = NULL;
    rc = store_features_get(st, INT64_MAX, &f);
    if (rc == SHOP_OK && f.n < (size_t)k)
        rc = shop_fail(SHOP_EINVAL, "%zu customers cannot make %d segments", f.n, k);
    if (rc == SHOP_OK) {
        struct kmeans_params p;
        kmeans_params_default(&p, f.dim);
        p.k = k;
        p.seed = seed;
        p.batch_size = f.n < 1024 ? (int)f.n : 1024;
        rc = kmeans_new(&p, &km);
    }
    if (rc == SHOP_OK)
        rc = kmeans_fit(km, f.x, f.n);
    if (rc == SHOP_OK)
        rc = finish(st, km, &f, now, out);
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    kmeans_free(km);
    store_features_release(&f);
    return rc;
}

static int load(struct store *st, struct kmeans **km)
{
    void *blob;
    size_t len;
    int version;
    int rc = store_model_get(st, MODEL_NAME, &version, &blob, &len, NULL);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no saved segments: run shopper train segments");
    if (rc != SHOP_OK)
        return rc;
    if (version > MODEL_VERSION)
        rc = shop_fail(SHOP_EVERSION,
                       "the saved segments model is version %d, from a newer shopper (this one "
                       "reads %d)",
                       version, MODEL_VERSION);
    else if (version != MODEL_VERSION)
        rc = shop_fail(SHOP_EMODEL, "the saved segments model has an unknown version %d: "
                                    "retrain with shopper train segments",
                       version);
    else if ((rc = kmeans_load_blob(blob, len, km)) == SHOP_EVERSION)
        rc = shop_fail(rc, "the saved segments model is from a newer shopper");
    else if (rc != SHOP_OK)
        rc = shop_fail(SHOP_EMODEL, "the saved segments model (%zu bytes) is corrupt: retrain "
                                    "with shopper train segments",
                       len);
    free(blob);
    return rc;
}

/* the model loaded and checked against the current feature columns */
static int load_matching(struct store *st, const struct store_features *f, struct kmeans **km)
{
    int rc = load(st, km);
    if (rc != SHOP_OK)
        return rc;
    char key[2048], saved[2048];
    column_key(f, key, sizeof(key));
    if (store_meta_get(st, META_COLUMNS, saved, sizeof(saved)) != SHOP_OK ||
        strcmp(key, saved) != 0 || kmeans_dim(*km) != f->dim) {
        kmeans_free(*km);
        *km = NULL;
        return shop_fail(SHOP_ECONFLICT, "the catalogue changed since the segments were "
                                         "trained: retrain with shopper train segments");
    }
    return SHOP_OK;
}

int segments_update(struct store *st, int64_t now, struct segments_report *out)
{
    memset(out, 0, sizeof(*out));
    shop_err_clear();
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    struct store_features f;
    struct kmeans *km = NULL;
    int64_t *ids = NULL;
    size_t nids = 0;
    float *rows = NULL;
    rc = store_features_get(st, INT64_MAX, &f);
    if (rc == SHOP_OK)
        rc = load_matching(st, &f, &km);
    if (rc == SHOP_OK) {
        int64_t seen = store_meta_int(st, META_SEEN, 0);
        rc = store_customers_buying_since(st, seen + 1, &ids, &nids);
    }
    if (rc == SHOP_OK && nids > 0) {
        /* the new buyers' rows, as they are now, move the centres */
        rows = xcalloc(nids * (size_t)f.dim, sizeof(float));
        size_t m = 0;
        for (size_t i = 0, j = 0; i < nids; i++) {
            while (j < f.n && f.ids[j] < ids[i])
                j++;
            if (j < f.n && f.ids[j] == ids[i])
                memcpy(rows + m++ * (size_t)f.dim, f.x + j * (size_t)f.dim,
                       (size_t)f.dim * sizeof(float));
        }
        out->updated = (int64_t)m;
        if (m > 0)
            rc = kmeans_partial_fit(km, rows, m);
    }
    if (rc == SHOP_OK)
        rc = finish(st, km, &f, now, out);
    out->incremental = 1;
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    free(rows);
    free(ids);
    kmeans_free(km);
    store_features_release(&f);
    return rc;
}

/* every customer labelled now from their features (seconds on a big store) */
static int describe_scan(struct store *st, struct segments_report *out)
{
    struct store_features f;
    struct kmeans *km = NULL;
    int rc = store_features_get(st, INT64_MAX, &f);
    if (rc == SHOP_OK)
        rc = load_matching(st, &f, &km);
    if (rc == SHOP_OK) {
        int *labels;
        double mean[STORE_FEAT_BASE];
        rc = label(km, &f, &labels, mean, out);
        free(labels);
    }
    kmeans_free(km);
    store_features_release(&f);
    return rc;
}

int segments_describe_scan(struct store *st, struct segments_report *out)
{
    memset(out, 0, sizeof(*out));
    shop_err_clear();
    int began = 0;
    int rc = store_snapshot_begin(st, &began);
    if (rc == SHOP_OK)
        rc = describe_scan(st, out);
    store_snapshot_end(st, began);
    return rc;
}

/* the model's centres named with its columns against the saved population, the saved
 * counts, and the customers registered since */
static int describe_saved(struct store *st, const struct kmeans *km, const struct assignment *a,
                          struct segments_report *out)
{
    char key[2048];
    struct store_features cols;
    int rc = store_meta_get(st, META_COLUMNS, key, sizeof(key));
    if (rc == SHOP_ENOTFOUND)
        rc = shop_fail(SHOP_EMODEL, "the saved segments have no columns: retrain with shopper "
                                    "train segments");
    if (rc != SHOP_OK)
        return rc;
    rc = columns_from_key(key, &cols);
    if (rc != SHOP_OK)
        return rc;
    if (cols.dim != kmeans_dim(km)) {
        store_features_release(&cols);
        return shop_fail(SHOP_EMODEL, "the saved segments' columns do not fit the model: "
                                      "retrain with shopper train segments");
    }
    float *centres = xcalloc((size_t)a->k * (size_t)cols.dim, sizeof(float));
    rc = kmeans_centres_raw(km, centres);
    if (rc == SHOP_OK) {
        name_segments(&cols, centres, a->k, a->mean, out);
        for (int s = 0; s < a->k; s++) {
            out->seg[s].customers = a->count[s];
            out->assigned += a->count[s];
        }
        out->buyers = a->buyers;
        out->inertia = a->inertia;
        out->assigned_at = a->at;
        rc = store_customers_after(st, a->last_id, &out->unassigned);
        out->customers = out->assigned + out->unassigned; /* customers are never deleted */
    }
    free(centres);
    store_features_release(&cols);
    return rc;
}

int segments_describe(struct store *st, struct segments_report *out)
{
    memset(out, 0, sizeof(*out));
    shop_err_clear();
    int began = 0;
    int rc = store_snapshot_begin(st, &began); /* the model and its assignment together */
    if (rc != SHOP_OK)
        return rc;
    struct kmeans *km = NULL;
    struct assignment a;
    int scan = 0;
    rc = load(st, &km);
    if (rc == SHOP_OK && (rc = assignment_get(st, kmeans_k(km), &a)) == SHOP_ENOTFOUND) {
        scan = 1; /* a model saved without its assignment: count everyone now, as it did */
        rc = SHOP_OK;
    }
    if (rc == SHOP_OK && !scan)
        rc = describe_saved(st, km, &a, out);
    kmeans_free(km);
    if (rc == SHOP_OK && scan)
        rc = describe_scan(st, out);
    store_snapshot_end(st, began);
    return rc;
}

struct segments_cache {
    pthread_mutex_t mu;
    int valid;
    int64_t stamp[STORE_FEATURES_STAMP];
    struct segments_report r;
};

struct segments_cache *segments_cache_new(void)
{
    struct segments_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void segments_cache_free(struct segments_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int segments_describe_cached(struct segments_cache *c, struct store *st,
                             struct segments_report *out)
{
    int64_t stamp[STORE_FEATURES_STAMP];
    int rc = store_features_stamp(st, stamp);
    if (rc != SHOP_OK)
        return rc;
    pthread_mutex_lock(&c->mu); /* held while computing: the others wait for this answer */
    if (c->valid && memcmp(stamp, c->stamp, sizeof(stamp)) == 0) {
        *out = c->r;
        pthread_mutex_unlock(&c->mu);
        return SHOP_OK;
    }
    /* the stamp is read before the rows: a change in between moves it past this answer */
    rc = segments_describe(st, out);
    c->valid = rc == SHOP_OK;
    if (c->valid) {
        memcpy(c->stamp, stamp, sizeof(stamp));
        c->r = *out;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void segments_write_json(struct jsonw *w, const struct segments_report *r)
{
    jw_obj(w);
    jw_key(w, "k");
    jw_int(w, r->k);
    jw_key(w, "customers");
    jw_int(w, r->customers);
    jw_key(w, "buyers");
    jw_int(w, r->buyers);
    jw_key(w, "inertia");
    jw_num(w, r->inertia);
    if (r->incremental) {
        jw_key(w, "updated_customers");
        jw_int(w, r->updated);
    }
    char at[24];
    format_time(r->assigned_at, at, sizeof(at));
    jw_key(w, "assigned_at");
    jw_str(w, r->assigned_at ? at : NULL);
    jw_key(w, "assigned");
    jw_int(w, r->assigned);
    jw_key(w, "unassigned");
    jw_int(w, r->unassigned);
    jw_key(w, "segments");
    jw_arr(w);
    for (int s = 0; s < r->k; s++) {
        const struct segment_info *g = &r->seg[s];
        jw_obj(w);
        jw_key(w, "id");
        jw_int(w, g->id);
        jw_key(w, "label");
        jw_str(w, g->label);
        jw_key(w, "description");
        jw_str(w, g->description);
        jw_key(w, "customers");
        jw_int(w, g->customers);
        jw_key(w, "centre");
        jw_obj(w);
        jw_key(w, "purchases");
        jw_num(w, g->purchases);
        jw_key(w, "items");
        jw_num(w, g->items);
        jw_key(w, "spend_cents");
        jw_num(w, g->spend_cents);
        jw_key(w, "mean_price_cents");
        jw_num(w, g->mean_price_cents);
        jw_key(w, "mean_discount");
        jw_num(w, g->mean_discount);
        jw_key(w, "times_tried");
        jw_num(w, g->times_tried);
        jw_key(w, "top_category");
        jw_str(w, g->top_category[0] ? g->top_category : NULL);
        jw_key(w, "top_fabric");
        jw_str(w, g->top_fabric[0] ? g->top_fabric : NULL);
        jw_key(w, "top_size");
        jw_str(w, g->top_size[0] ? g->top_size : NULL);
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}
