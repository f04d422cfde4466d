/* vision/tfjs.c - the tfjs weight format (vision-models.md section 2): a JSON manifest of
 * groups, each naming its shards and its tensors; the shards of a group, concatenated in
 * order, hold the tensors back to back (no alignment), little-endian, optionally uint8/uint16
 * affine-quantised or float16. Every size is checked before anything is allocated, so a
 * hostile manifest cannot make us allocate more than the bytes actually present. */
#include "vision/tfjs.h"

#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

/* Far above the largest face-api model (6.4 MB of weights, 19 kB of manifest), far below
 * what would hurt a 2-core shared box. */
#define TFJS_MAX_MANIFEST_BYTES (16u << 20)
#define TFJS_MAX_WEIGHT_BYTES (512u << 20)
#define TFJS_MAX_ELEMENTS (128u << 20)
#define TFJS_MAX_TENSORS 100000u /* names are sorted to find duplicates */

struct tfjs_model {
    size_t n;
    struct tfjs_tensor *t; /* t[i].name and t[i].data point into names[i] and data */
    char **names;
    float *data;
};

const char *tfjs_errmsg(void)
{
    return shop_errmsg();
}

static void set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_err(const char *fmt, ...)
{
    char msg[SHOP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)shop_fail(SHOP_EMODEL, "%s", msg);
}

enum stored { ST_F32, ST_I32, ST_U8, ST_U16, ST_F16 };

/* one manifest entry, checked, before any data is read */
struct entry {
    const char *name; /* borrowed from the JSON */
    int ndim, shape[TFJS_MAX_DIMS];
    size_t size;  /* elements */
    size_t bytes; /* stored bytes */
    enum stored stored;
    int to_int; /* dtype int32: dequantised values are rounded */
    double scale, min;
};

static size_t stored_width(enum stored s)
{
    switch (s) {
    case ST_U8:
        return 1;
    case ST_U16:
    case ST_F16:
        return 2;
    default:
        return 4;
    }
}

static int parse_entry(json_t *w, size_t idx, size_t *total_elems, struct entry *e)
{
    memset(e, 0, sizeof(*e));
    if (!json_is_object(w)) {
        set_err("weight #%zu is not an object", idx);
        return SHOP_EMODEL;
    }
    e->name = json_string_value(json_object_get(w, "name"));
    if (!e->name || !e->name[0]) {
        set_err("weight #%zu has no name", idx);
        return SHOP_EMODEL;
    }
    json_t *shape = json_object_get(w, "shape");
    if (!json_is_array(shape) || json_array_size(shape) > TFJS_MAX_DIMS) {
        set_err("'%s': shape is not a list of at most %d dimensions", e->name, TFJS_MAX_DIMS);
        return SHOP_EMODEL;
    }
    e->ndim = (int)json_array_size(shape);
    e->size = 1; /* an empty shape is a scalar */
    for (int d = 0; d < e->ndim; d++) {
        json_t *v = json_array_get(shape, (size_t)d);
        json_int_t dim = json_is_integer(v) ? json_integer_value(v) : -1;
        if (dim < 0 || dim > INT_MAX) {
            set_err("'%s': dimension %d is not an integer >= 0", e->name, d);
            return SHOP_EMODEL;
        }
        e->shape[d] = (int)dim;
        /* checked multiplication: the bound keeps every product far from overflow */
        if (dim != 0 && e->size > TFJS_MAX_ELEMENTS / (size_t)dim) {
            set_err("'%s': shape too large (over %u elements)", e->name, TFJS_MAX_ELEMENTS);
            return SHOP_EMODEL;
        }
        e->size *= (size_t)dim;
    }
    if (e->size > TFJS_MAX_ELEMENTS - *total_elems) {
        set_err("'%s': model too large (over %u elements)", e->name, TFJS_MAX_ELEMENTS);
        return SHOP_EMODEL;
    }
    *total_elems += e->size;

    const char *dtype = json_string_value(json_object_get(w, "dtype"));
    if (dtype && strcmp(dtype, "float32") == 0) {
        e->stored = ST_F32;
    } else if (dtype && strcmp(dtype, "int32") == 0) {
        e->stored = ST_I32;
        e->to_int = 1;
    } else {
        set_err("'%s': unsupported dtype '%s' (float32, int32)", e->name, dtype ? dtype : "?");
        return SHOP_EMODEL;
    }
    json_t *q = json_object_get(w, "quantization");
    if (q && !json_is_null(q)) {
        const char *qd = json_string_value(json_object_get(q, "dtype"));
        if (qd && strcmp(qd, "uint8") == 0) {
            e->stored = ST_U8;
        } else if (qd && strcmp(qd, "uint16") == 0) {
            e->stored = ST_U16;
        } else if (qd && strcmp(qd, "float16") == 0 && !e->to_int) {
            e->stored = ST_F16;
        } else {
            set_err("'%s': unsupported quantization dtype '%s' for %s", e->name, qd ? qd : "?",
                    dtype);
            return SHOP_EMODEL;
        }
        if (e->stored != ST_F16) {
            json_t *scale = json_object_get(q, "scale"), *min = json_object_get(q, "min");
            if (!json_is_number(scale) || !json_is_number(min)) {
                set_err("'%s': quantization without numeric scale and min", e->name);
                return SHOP_EMODEL;
            }
            e->scale = json_number_value(scale);
            e->min = json_number_value(min);
            /* every dequantised value must be a finite float (1e308 * 255 is not) */
            double qmax = e->stored == ST_U8 ? 255.0 : 65535.0, top = e->min + e->scale * qmax;
            if (!isfinite(e->scale) || !isfinite(e->min) || e->scale < 0 || !isfinite(top) ||
                fabs(top) > FLT_MAX || fabs(e->min) > FLT_MAX) {
                set_err("'%s': absurd quantization (scale %g, min %g)", e->name, e->scale,
                        e->min);
                return SHOP_EMODEL;
            }
        }
    }
    e->bytes = e->size * stored_width(e->stored); /* <= 4 * TFJS_MAX_ELEMENTS */
    return SHOP_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float half_to_float(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24); /* subnormal */
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 1024), exp - 25);
    return sign ? -v : v;
}

/* Decodes e's e->bytes bytes at p into out[0..e->size-1]. The affine step runs in double and
 * is rounded once to float, as tfjs does, so the values match it bit for bit. SHOP_EMODEL
 * (message set) when a value is not finite: no network computes with NaN or infinity. */
static int decode(const struct entry *e, const uint8_t *p, float *out)
{
    for (size_t i = 0; i < e->size; i++) {
        switch (e->stored) {
        case ST_F32: {
            uint32_t u = le32(p + 4 * i);
            memcpy(&out[i], &u, 4);
            break;
        }
        case ST_I32:
            out[i] = (float)(int32_t)le32(p + 4 * i);
            break;
        case ST_F16:
            out[i] = half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
            break;
        case ST_U8:
        case ST_U16: {
            double q = e->stored == ST_U8 ? p[i] : (double)(p[2 * i] | p[2 * i + 1] << 8);
            double v = q * e->scale + e->min;
            /* Math.round: halves go up */
            out[i] = e->to_int ? (float)(int32_t)floor(v + 0.5) : (float)v;
            break;
        }
        }
        if (!isfinite(out[i])) {
            set_err("'%s': value #%zu is not a finite number", e->name, i);
            return SHOP_EMODEL;
        }
    }
    return SHOP_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* tfjs_get looks names up, so two tensors with one name would hide one of them */
static int has_duplicate(const struct entry *es, size_t n)
{
    const char **names = xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = es[i].name;
    qsort(names, n, sizeof(*names), cmp_name);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            set_err("tensor '%s' appears twice", names[i]);
            dup = 1;
        }
    free(names);
    return dup;
}

/* the number of groups in a manifest, or -1 after set_err */
static int check_groups(json_t *root)
{
    if (!json_is_array(root) || json_array_size(root) == 0) {
        set_err("the manifest is not a non-empty list of weight groups");
        return -1;
    }
    size_t i;
    json_t *g;
    json_array_foreach(root, i, g)
    {
        json_t *paths = json_object_get(g, "paths");
        if (!json_is_object(g) || !json_is_array(json_object_get(g, "weights")) ||
            !json_is_array(paths) || json_array_size(paths) == 0) {
            set_err("group #%zu lacks 'paths' or 'weights'", i);
            return -1;
        }
        for (size_t k = 0; k < json_array_size(paths); k++)
            if (!json_is_string(json_array_get(paths, k))) {
                set_err("group #%zu: path #%zu is not a string", i, k);
                return -1;
            }
    }
    if (json_array_size(root) > 1024) {
        set_err("too many weight groups");
        return -1;
    }
    return (int)json_array_size(root);
}

/* Builds the model from a parsed manifest and the weight bytes of all its groups, laid end to
 * end; group_bytes[g] (optional) is the byte length of group g's shards. */
static int build(json_t *root, const uint8_t *buf, size_t len, const size_t *group_bytes,
                 struct tfjs_model **out)
{
    struct entry *es = NULL;
    struct tfjs_model *m = NULL;
    int rc = SHOP_EMODEL;
    int ngroups = check_groups(root);
    if (ngroups < 0)
        goto out;
    size_t n = 0;
    for (int g = 0; g < ngroups; g++)
        n += json_array_size(json_object_get(json_array_get(root, (size_t)g), "weights"));
    if (n > TFJS_MAX_TENSORS) {
        set_err("too many tensors (%zu)", n);
        goto out;
    }
    es = xcalloc(n ? n : 1, sizeof(*es));
    size_t k = 0, total_elems = 0, off = 0;
    for (int g = 0; g < ngroups; g++) {
        json_t *ws = json_object_get(json_array_get(root, (size_t)g), "weights");
        size_t gbytes = 0;
        for (size_t i = 0; i < json_array_size(ws); i++, k++) {
            if (parse_entry(json_array_get(ws, i), k, &total_elems, &es[k]) != SHOP_OK)
                goto out;
            if (es[k].bytes > len - off) {
                set_err("weights truncated: '%s' needs bytes %zu..%zu of %zu", es[k].name, off,
                        off + es[k].bytes, len);
                goto out;
            }
            off += es[k].bytes;
            gbytes += es[k].bytes;
        }
        if (group_bytes && gbytes != group_bytes[g]) {
            set_err("group #%d: tensors take %zu bytes but its shards hold %zu (%s)", g, gbytes,
                    group_bytes[g], gbytes < group_bytes[g] ? "extra bytes" : "truncated");
            goto out;
        }
    }
    if (off != len) {
        set_err("%zu extra bytes after the last tensor", len - off);
        goto out;
    }
    if (has_duplicate(es, n))
        goto out;

    m = xcalloc(1, sizeof(*m));
    m->n = n;
    m->t = xcalloc(n ? n : 1, sizeof(*m->t));
    m->names = xcalloc(n ? n : 1, sizeof(*m->names));
    m->data = xmalloc((total_elems ? total_elems : 1) * sizeof(float));
    off = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        struct tfjs_tensor *t = &m->t[i];
        m->names[i] = xstrdup(es[i].name);
        t->name = m->names[i];
        t->ndim = es[i].ndim;
        memcpy(t->shape, es[i].shape, sizeof(t->shape));
        t->size = es[i].size;
        t->data = m->data + at;
        if (decode(&es[i], buf + off, m->data + at) != SHOP_OK)
            goto out;
        off += es[i].bytes;
        at += es[i].size;
    }
    *out = m;
    m = NULL;
    rc = SHOP_OK;
out:
    free(es);
    tfjs_free(m);
    return rc;
}

int tfjs_parse(const char *manifest, size_t manifest_len, const uint8_t *weights,
               size_t weights_len, struct tfjs_model **out)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(manifest, manifest_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_err("manifest is not JSON: %s (line %d)", jerr.text, jerr.line);
        return SHOP_EMODEL;
    }
    int rc = build(root, weights, weights_len, NULL, out);
    json_decref(root);
    return rc;
}

/* Reads a whole regular file of at most cap bytes into *data (caller frees). */
static int read_file(const char *path, size_t cap, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO would block the open itself; fstat then refuses it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        (void)shop_fail(SHOP_EIO, "cannot open '%s': %s", path, strerror(errno));
        return SHOP_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        (void)shop_fail(SHOP_EIO, "'%s' is not a regular file", path);
        return SHOP_EIO;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        (void)shop_fail(SHOP_EIO, "cannot open '%s': %s", path, strerror(errno));
        return SHOP_EIO;
    }
    int rc = SHOP_EIO;
    if ((uint64_t)st.st_size > cap) {
        set_err("'%s' is too large (%lld bytes, limit %zu)", path, (long long)st.st_size, cap);
        rc = SHOP_ETOOBIG;
        goto out;
    }
    *data = xmalloc((size_t)st.st_size + 1);
    *len = fread(*data, 1, (size_t)st.st_size, f);
    if (*len != (size_t)st.st_size || ferror(f)) {
        set_err("cannot read '%s'", path);
        free(*data);
        *data = NULL;
        goto out;
    }
    rc = SHOP_OK;
out:
    fclose(f);
    return rc;
}

static char *join(const char *dir, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s%s", dir, name, suffix);
    return p;
}

/* A shard path must stay inside the model folder: a manifest is data, not a file browser. */
static int safe_path(const char *p)
{
    if (!p[0] || p[0] == '/')
        return 0;
    for (const char *s = p; *s; s = strchr(s, '/') ? strchr(s, '/') + 1 : s + strlen(s))
        if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == 0))
            return 0;
    return 1;
}

int tfjs_load(const char *dir, const char *name, struct tfjs_model **out)
{
    return tfjs_load_checked(dir, name, NULL, NULL, out);
}

int tfjs_load_checked(const char *dir, const char *name,
                      int (*check)(void *ctx, const char *dir, const char *rel,
                                   const uint8_t *data, size_t len),
                      void *ctx, struct tfjs_model **out)
{
    *out = NULL;
    char *mpath = join(dir, name, "-weights_manifest.json");
    size_t mrel_len = strlen(name) + sizeof("-weights_manifest.json");
    char *mrel = xmalloc(mrel_len);
    snprintf(mrel, mrel_len, "%s-weights_manifest.json", name);
    uint8_t *mtext = NULL, *weights = NULL;
    size_t mlen, wlen = 0, *group_bytes = NULL;
    json_t *root = NULL;
    int rc = read_file(mpath, TFJS_MAX_MANIFEST_BYTES, &mtext, &mlen);
    if (rc != SHOP_OK)
        goto out;
    /* the bytes checked are the bytes parsed: no window to swap the file in between */
    if (check && (rc = check(ctx, dir, mrel, mtext, mlen)) != SHOP_OK)
        goto out;
    rc = SHOP_EMODEL;
    json_error_t jerr;
    root = json_loadb((const char *)mtext, mlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_err("'%s' is not JSON: %s (line %d)", mpath, jerr.text, jerr.line);
        goto out;
    }
    int ngroups = check_groups(root);
    if (ngroups < 0)
        goto out;
    group_bytes = xcalloc((size_t)ngroups, sizeof(*group_bytes));
    for (int g = 0; g < ngroups; g++) {
        json_t *paths = json_object_get(json_array_get(root, (size_t)g), "paths");
        for (size_t k = 0; k < json_array_size(paths); k++) {
            const char *rel = json_string_value(json_array_get(paths, k));
            if (!safe_path(rel)) {
                set_err("'%s': shard path '%s' leaves the model folder", mpath, rel);
                goto out;
            }
            char *spath = join(dir, rel, "");
            uint8_t *shard;
            size_t slen;
            int src = read_file(spath, TFJS_MAX_WEIGHT_BYTES - wlen, &shard, &slen);
            free(spath);
            if (src != SHOP_OK) {
                /* the manifest was readable, so a missing shard is a broken model */
                char why[SHOP_ERRMSG_MAX];
                snprintf(why, sizeof(why), "%s", shop_errmsg());
                set_err("model '%s': shard %s", name, why);
                goto out;
            }
            if (check && (rc = check(ctx, dir, rel, shard, slen)) != SHOP_OK) {
                free(shard);
                goto out;
            }
            rc = SHOP_EMODEL;
            weights = xrealloc(weights, wlen + slen + 1);
            memcpy(weights + wlen, shard, slen);
            free(shard);
            wlen += slen;
            group_bytes[g] += slen;
        }
    }
    rc = build(root, weights, wlen, group_bytes, out);
    if (rc != SHOP_OK) {
        char why[SHOP_ERRMSG_MAX];
        snprintf(why, sizeof(why), "%s", shop_errmsg());
        set_err("model '%s' in '%s': %s", name, dir, why);
    }
out:
    json_decref(root);
    free(group_bytes);
    free(weights);
    free(mtext);
    free(mpath);
    free(mrel);
    return rc;
}

void tfjs_free(struct tfjs_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->names[i]);
    free(m->names);
    free(m->t);
    free(m->data);
    free(m);
}

const struct tfjs_tensor *tfjs_get(const struct tfjs_model *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->t[i].name, name) == 0)
            return &m->t[i];
    return NULL;
}

size_t tfjs_count(const struct tfjs_model *m)
{
    return m->n;
}

const struct tfjs_tensor *tfjs_at(const struct tfjs_model *m, size_t i)
{
    return i < m->n ? &m->t[i] : NULL;
}
