/* vision/nets.c - loading a network's weights into a prepared tensor table, and the graph
 * dispatch and NMS shared by the networks. */
#include "vision/nets.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "vision/pins.h"
#include "vision/tfjs.h"

/* Every weight is within +-NET_MAX_ABS: the face-api models stay under 5400 (an int32 anchor
 * count; their weights under 30), and huge values only make a network that finds nothing or
 * everything. */
#define NET_MAX_ABS 1e6

struct entry {
    char *name;
    const float *data;
    float *owned; /* data when we derived it, else NULL (borrowed from the tfjs model) */
    size_t count;
    int ndim;
    int shape[4];
};

struct net {
    enum net_kind kind;
    struct tfjs_model *m;
    struct entry *e;
    size_t n, cap;
};

static const struct {
    const char *model;
    int size;
} info[NET_COUNT] = {
    [NET_TINY] = {"tiny_face_detector_model", 0},
    [NET_SSD] = {"ssd_mobilenetv1_model", 512},
    [NET_LM68] = {"face_landmark_68_model", 112},
    [NET_LM68_TINY] = {"face_landmark_68_tiny_model", 112},
    [NET_RECOG] = {"face_recognition_model", 150},
    [NET_EXPR] = {"face_expression_model", 112},
    [NET_AGEGENDER] = {"age_gender_model", 112},
};

const char *net_model_name(enum net_kind kind)
{
    return info[kind].model;
}

int net_input_size(enum net_kind kind)
{
    return info[kind].size;
}

static struct entry *find(const struct net *n, const char *name)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->e[i].name, name) == 0)
            return &n->e[i];
    return NULL;
}

static struct entry *add(struct net *n, const char *name)
{
    if (n->n == n->cap) {
        n->cap = n->cap ? 2 * n->cap : 64;
        n->e = xreallocarray(n->e, n->cap, sizeof(*n->e));
    }
    struct entry *e = &n->e[n->n++];
    memset(e, 0, sizeof(*e));
    e->name = xstrdup(name);
    return e;
}

void net_put(struct net *n, const char *name, float *data, size_t count)
{
    struct entry *e = find(n, name);
    if (!e) {
        e = add(n, name);
        e->ndim = 1;
        e->shape[0] = (int)count;
    }
    free(e->owned);
    e->owned = data;
    e->data = data;
    e->count = count;
}

static void shape_str(char *buf, size_t n, int ndim, const int *d)
{
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%d", i ? "," : "", d[i]);
    if (used < n)
        snprintf(buf + used, n - used, "]");
}

const float *net_w(const struct net *n, int *err, struct net_shape shape, const char *fmt, ...)
{
    char name[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    const struct entry *e = find(n, name);
    /* the exact shape, not just the count: [3,3,3,16] and [3,3,16,3] hold as many values */
    int same = e && e->ndim == shape.ndim;
    size_t count = 1;
    for (int i = 0; same && i < shape.ndim; i++) {
        same = e->shape[i] == shape.d[i];
        count *= (size_t)shape.d[i];
    }
    if (!same || e->count != count) {
        if (!*err) {
            char want[64], got[64];
            shape_str(want, sizeof(want), shape.ndim, shape.d);
            if (e)
                shape_str(got, sizeof(got), e->ndim, e->shape);
            (void)shop_fail(SHOP_EMODEL, "model '%s': tensor '%s' %s%s, want %s",
                            info[n->kind].model, name, e ? "has shape " : "is missing",
                            e ? got : "", want);
        }
        *err = 1;
        return NULL;
    }
    return e->data;
}

void net_free(struct net *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        free(n->e[i].name);
        free(n->e[i].owned);
    }
    free(n->e);
    tfjs_free(n->m);
    free(n);
}

static int build(const struct net *n, struct ops_graph *g)
{
    int err = 0;
    switch (n->kind) {
    case NET_TINY:
        tinyface_build(n, g, &err);
        break;
    case NET_SSD:
        ssd_build(n, g, &err);
        break;
    case NET_LM68:
    case NET_LM68_TINY:
    case NET_EXPR:
        landmarks_build(n, g, &err, n->kind);
        break;
    case NET_RECOG:
        recognition_build(n, g, &err);
        break;
    case NET_AGEGENDER:
        agegender_build(n, g, &err);
        break;
    default:
        err = 1;
    }
    return err ? SHOP_EMODEL : SHOP_OK;
}

int net_graph(const struct net *n, int size, int bf16, struct ops_graph **out)
{
    *out = NULL;
    if (info[n->kind].size)
        size = info[n->kind].size;
    if (n->kind == NET_TINY && (size < 32 || size % 32 != 0))
        return SHOP_EINVAL;
    struct ops_graph *g = ops_graph_new(size, size, 3);
    int rc = build(n, g);
    ops_graph_set_bf16(g, bf16);
    if (rc == SHOP_OK)
        rc = ops_graph_ready(g);
    if (rc != SHOP_OK) {
        ops_graph_free(g);
        return rc;
    }
    *out = g;
    return SHOP_OK;
}

static int check_pinned(void *ctx, const char *dir, const char *rel, const uint8_t *data,
                        size_t len)
{
    return pins_check(ctx, dir, rel, data, len);
}

int net_load(enum net_kind kind, const char *dir, struct net **out)
{
    return net_load_pinned(kind, dir, pins_builtin(), out);
}

int net_load_pinned(enum net_kind kind, const char *dir, const char *pins, struct net **out)
{
    *out = NULL;
    struct net *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    int rc = tfjs_load_checked(dir, info[kind].model, check_pinned, (void *)pins, &n->m);
    if (rc != SHOP_OK) {
        log_debug("vision: cannot load '%s' from '%s': %s", info[kind].model, dir,
                  shop_errmsg());
        goto fail;
    }
    for (size_t i = 0; i < tfjs_count(n->m); i++) {
        const struct tfjs_tensor *t = tfjs_at(n->m, i);
        for (size_t k = 0; k < t->size; k++)
            if (fabsf(t->data[k]) > NET_MAX_ABS) {
                rc = shop_fail(SHOP_EMODEL, "model '%s': tensor '%s' holds %g, beyond the sane "
                                            "+-%g of a face network",
                               info[kind].model, t->name, (double)t->data[k], NET_MAX_ABS);
                goto fail;
            }
        if (t->ndim > 4)
            continue;
        struct entry *e = add(n, t->name);
        e->data = t->data;
        e->count = t->size;
        e->ndim = t->ndim;
        for (int d = 0; d < t->ndim; d++)
            e->shape[d] = t->shape[d];
    }
    rc = SHOP_OK;
    if (kind == NET_SSD)
        rc = ssd_fold(n);
    else if (kind == NET_RECOG)
        rc = recognition_fold(n);
    if (rc != SHOP_OK)
        goto fail;
    /* dense conv filters: TF HWIO -> XNNPACK OHWI (depthwise [k,k,C,1] is used as is) */
    for (size_t i = 0; i < n->n; i++) {
        struct entry *e = &n->e[i];
        if (e->ndim != 4 || strstr(e->name, "depthwise") || e->shape[0] != e->shape[1])
            continue;
        float *t = ops_hwio_to_ohwi(e->data, e->shape[0], e->shape[2], e->shape[3]);
        free(e->owned);
        e->owned = t;
        e->data = t;
    }
    /* check every tensor by describing the graph once (no runtime is created) */
    struct ops_graph *g = ops_graph_new(info[kind].size ? info[kind].size : 416,
                                        info[kind].size ? info[kind].size : 416, 3);
    rc = build(n, g);
    ops_graph_free(g);
    if (rc != SHOP_OK)
        goto fail;
    *out = n;
    return SHOP_OK;
fail:
    net_free(n);
    return rc == SHOP_EIO ? SHOP_EIO : SHOP_EMODEL;
}

static double iou(const struct net_box *a, const struct net_box *b)
{
    double aa = a->w * a->h, ab = b->w * b->h;
    if (aa <= 0 || ab <= 0)
        return 0;
    double x0 = a->x > b->x ? a->x : b->x, y0 = a->y > b->y ? a->y : b->y;
    double x1 = a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w;
    double y1 = a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h;
    double iw = x1 - x0 > 0 ? x1 - x0 : 0, ih = y1 - y0 > 0 ? y1 - y0 : 0;
    double inter = iw * ih;
    return inter / (aa + ab - inter);
}

int net_nms(struct net_box *boxes, int n, double thr, int max_keep)
{
    int kept = 0;
    for (int i = 0; i < n && kept < max_keep; i++) {
        int ok = 1;
        for (int j = 0; j < kept && ok; j++)
            if (iou(&boxes[i], &boxes[j]) > thr)
                ok = 0;
        if (ok)
            boxes[kept++] = boxes[i];
    }
    return kept;
}
