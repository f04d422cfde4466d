/* vision/ops.c - XNNPACK graph builder and naive reference layers; see ops.h.
 * This is the only file that includes <xnnpack.h>: the 2022 snapshot has no versioned API,
 * so a change of it stays here. */
#include "vision/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xnnpack.h>

#include "core/log.h"
#include "core/xalloc.h"

#define MAX_EXTERNAL 16

struct value {
    uint32_t id; /* XNNPACK value id */
    int h, w, c;
};

struct ops_graph {
    xnn_subgraph_t sg;
    xnn_runtime_t rt;
    struct value *vals;
    int nvals, capvals;
    int nout;
    int outval[MAX_EXTERNAL - 1]; /* value handle of each output */
    float *in;
    float *out[MAX_EXTERNAL - 1];
    int err; /* first XNNPACK failure */
};

static void check(struct ops_graph *g, enum xnn_status st, const char *what)
{
    if (st != xnn_status_success && !g->err) {
        log_error("ops: xnnpack %s failed (status %d)", what, (int)st);
        g->err = 1;
    }
}

static int new_value(struct ops_graph *g, int h, int w, int c, uint32_t ext, uint32_t flags)
{
    if (g->nvals == g->capvals) {
        g->capvals = g->capvals ? 2 * g->capvals : 64;
        g->vals = xreallocarray(g->vals, (size_t)g->capvals, sizeof(*g->vals));
    }
    struct value *v = &g->vals[g->nvals];
    v->h = h;
    v->w = w;
    v->c = c;
    v->id = XNN_INVALID_VALUE_ID;
    size_t dims[4] = {1, (size_t)h, (size_t)w, (size_t)c};
    check(g, xnn_define_tensor_value(g->sg, xnn_datatype_fp32, 4, dims, NULL, ext, flags, &v->id),
          "define value");
    return g->nvals++;
}

static uint32_t static_value(struct ops_graph *g, size_t ndim, const size_t *dims,
                             const float *data)
{
    uint32_t id = XNN_INVALID_VALUE_ID;
    check(g,
          xnn_define_tensor_value(g->sg, xnn_datatype_fp32, ndim, dims, data,
                                  XNN_INVALID_VALUE_ID, 0, &id),
          "define weights");
    return id;
}

struct ops_graph *ops_graph_new(int h, int w, int c)
{
    struct ops_graph *g = xcalloc(1, sizeof(*g));
    enum xnn_status st = xnn_initialize(NULL);
    check(g, st, "initialize");
    if (st == xnn_status_success)
        check(g, xnn_create_subgraph(MAX_EXTERNAL, 0, &g->sg), "create subgraph");
    if (!g->sg) {
        g->err = 1; /* values below are never used; keep handles consistent */
        g->vals = xcalloc(1, sizeof(*g->vals));
        g->vals[0] = (struct value){XNN_INVALID_VALUE_ID, h, w, c};
        g->nvals = g->capvals = 1;
        return g;
    }
    new_value(g, h, w, c, 0, XNN_VALUE_FLAG_EXTERNAL_INPUT);
    return g;
}

void ops_graph_free(struct ops_graph *g)
{
    if (!g)
        return;
    if (g->rt)
        xnn_delete_runtime(g->rt);
    if (g->sg)
        xnn_delete_subgraph(g->sg);
    free(g->in);
    for (int i = 0; i < g->nout; i++)
        free(g->out[i]);
    free(g->vals);
    free(g);
}

void ops_shape(const struct ops_graph *g, int x, int *h, int *w, int *c)
{
    *h = g->vals[x].h;
    *w = g->vals[x].w;
    *c = g->vals[x].c;
}

void ops_out_size(int in, int k, int stride, enum ops_pad pad, int *out, int *before)
{
    if (pad == OPS_VALID) {
        *out = (in - k) / stride + 1;
        *before = 0;
        return;
    }
    int o = (in + stride - 1) / stride;
    int total = (o - 1) * stride + k - in;
    if (total < 0)
        total = 0;
    *out = o;
    *before = total / 2;
}

static void act_range(enum ops_act act, float *lo, float *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (act == OPS_RELU || act == OPS_RELU6)
        *lo = 0.0f;
    if (act == OPS_RELU6)
        *hi = 6.0f;
}

/* leaky relu is not a fused clamp: add its own node */
static int leaky(struct ops_graph *g, int x, enum ops_act act)
{
    if (act != OPS_LEAKY || !g->sg)
        return x;
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c, XNN_INVALID_VALUE_ID, 0);
    check(g, xnn_define_leaky_relu(g->sg, 0.1f, v.id, g->vals[y].id, 0), "leaky relu");
    return y;
}

int ops_conv(struct ops_graph *g, int x, const float *ohwi, const float *bias, int k, int cout,
             int stride, enum ops_pad pad, enum ops_act act)
{
    struct value v = g->vals[x];
    int oh, ow, pt, pl;
    ops_out_size(v.h, k, stride, pad, &oh, &pt);
    ops_out_size(v.w, k, stride, pad, &ow, &pl);
    int pb = pad == OPS_SAME ? (oh - 1) * stride + k - v.h - pt : 0;
    int pr = pad == OPS_SAME ? (ow - 1) * stride + k - v.w - pl : 0;
    if (pb < 0)
        pb = 0;
    if (pr < 0)
        pr = 0;
    int y = new_value(g, oh, ow, cout, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    size_t fd[4] = {(size_t)cout, (size_t)k, (size_t)k, (size_t)v.c}, bd[1] = {(size_t)cout};
    uint32_t fid = static_value(g, 4, fd, ohwi);
    uint32_t bid = bias ? static_value(g, 1, bd, bias) : XNN_INVALID_VALUE_ID;
    float lo, hi;
    act_range(act, &lo, &hi);
    check(g,
          xnn_define_convolution_2d(g->sg, pt, pr, pb, pl, k, k, stride, stride, 1, 1, 1, v.c,
                                    cout, lo, hi, v.id, fid, bid, g->vals[y].id, 0),
          "convolution");
    return leaky(g, y, act);
}

int ops_dwconv(struct ops_graph *g, int x, const float *filter, const float *bias, int k,
               int stride, enum ops_pad pad, enum ops_act act)
{
    struct value v = g->vals[x];
    int oh, ow, pt, pl;
    ops_out_size(v.h, k, stride, pad, &oh, &pt);
    ops_out_size(v.w, k, stride, pad, &ow, &pl);
    int pb = pad == OPS_SAME ? (oh - 1) * stride + k - v.h - pt : 0;
    int pr = pad == OPS_SAME ? (ow - 1) * stride + k - v.w - pl : 0;
    if (pb < 0)
        pb = 0;
    if (pr < 0)
        pr = 0;
    int y = new_value(g, oh, ow, v.c, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    /* TF [k, k, C, 1] is byte-identical to XNNPACK's [1, k, k, C] */
    size_t fd[4] = {1, (size_t)k, (size_t)k, (size_t)v.c}, bd[1] = {(size_t)v.c};
    uint32_t fid = static_value(g, 4, fd, filter);
    uint32_t bid = bias ? static_value(g, 1, bd, bias) : XNN_INVALID_VALUE_ID;
    float lo, hi;
    act_range(act, &lo, &hi);
    check(g,
          xnn_define_depthwise_convolution_2d(g->sg, pt, pr, pb, pl, k, k, stride, stride, 1, 1,
                                              1, v.c, lo, hi, v.id, fid, bid, g->vals[y].id, 0),
          "depthwise convolution");
    return leaky(g, y, act);
}

int ops_sepconv(struct ops_graph *g, int x, const float *dw, const float *pw_ohwi,
                const float *bias, int cout, int stride, enum ops_act act)
{
    int d = ops_dwconv(g, x, dw, NULL, 3, stride, OPS_SAME, OPS_LINEAR);
    return ops_conv(g, d, pw_ohwi, bias, 1, cout, 1, OPS_VALID, act);
}

int ops_maxpool(struct ops_graph *g, int x, int k, int stride, enum ops_pad pad)
{
    struct value v = g->vals[x];
    int oh, ow, b;
    ops_out_size(v.h, k, stride, pad, &oh, &b);
    ops_out_size(v.w, k, stride, pad, &ow, &b);
    int y = new_value(g, oh, ow, v.c, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    /* with the SAME flag XNNPACK ignores the padding, as TF does for max pooling */
    check(g,
          xnn_define_max_pooling_2d(g->sg, 0, 0, 0, 0, k, k, stride, stride, 1, 1, -INFINITY,
                                    INFINITY, v.id, g->vals[y].id,
                                    pad == OPS_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0),
          "max pooling");
    return y;
}

int ops_avgpool(struct ops_graph *g, int x, int k, int stride)
{
    struct value v = g->vals[x];
    int oh, ow, b;
    ops_out_size(v.h, k, stride, OPS_VALID, &oh, &b);
    ops_out_size(v.w, k, stride, OPS_VALID, &ow, &b);
    int y = new_value(g, oh, ow, v.c, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    if (oh == 1 && ow == 1 && k == v.h && k == v.w)
        check(g,
              xnn_define_global_average_pooling_2d(g->sg, -INFINITY, INFINITY, v.id,
                                                   g->vals[y].id, 0),
              "global average pooling");
    else
        check(g,
              xnn_define_average_pooling_2d(g->sg, 0, 0, 0, 0, k, k, stride, stride, -INFINITY,
                                            INFINITY, v.id, g->vals[y].id, 0),
              "average pooling");
    return y;
}

int ops_add(struct ops_graph *g, int a, int b, enum ops_act act)
{
    struct value v = g->vals[a];
    int y = new_value(g, v.h, v.w, v.c, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    float lo, hi;
    act_range(act, &lo, &hi);
    check(g, xnn_define_add2(g->sg, lo, hi, v.id, g->vals[b].id, g->vals[y].id, 0), "add");
    return leaky(g, y, act);
}

int ops_act(struct ops_graph *g, int x, enum ops_act act)
{
    if (act == OPS_LINEAR)
        return x;
    if (act == OPS_LEAKY)
        return leaky(g, x, act);
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    float lo, hi;
    act_range(act, &lo, &hi);
    check(g, xnn_define_clamp(g->sg, lo, hi, v.id, g->vals[y].id, 0), "clamp");
    return y;
}

int ops_pad_zero(struct ops_graph *g, int x, int bottom, int right, int channels)
{
    struct value v = g->vals[x];
    int y = new_value(g, v.h + bottom, v.w + right, v.c + channels, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    size_t pre[4] = {0, 0, 0, 0};
    size_t post[4] = {0, (size_t)bottom, (size_t)right, (size_t)channels};
    check(g, xnn_define_static_constant_pad(g->sg, pre, post, 0.0f, v.id, g->vals[y].id, 0),
          "constant pad");
    return y;
}

int ops_fc(struct ops_graph *g, int x, const float *w_io, const float *bias, int nout)
{
    struct value v = g->vals[x];
    int in = x;
    if (v.h != 1 || v.w != 1) { /* flatten [h, w, c] -> [1, 1, h*w*c] */
        in = new_value(g, 1, 1, v.h * v.w * v.c, XNN_INVALID_VALUE_ID, 0);
        size_t shape[4] = {1, 1, 1, (size_t)(v.h * v.w * v.c)};
        if (g->sg)
            check(g, xnn_define_static_reshape(g->sg, 4, shape, v.id, g->vals[in].id, 0),
                  "reshape");
    }
    int nin = v.h * v.w * v.c;
    int y = new_value(g, 1, 1, nout, XNN_INVALID_VALUE_ID, 0);
    if (!g->sg)
        return y;
    size_t fd[2] = {(size_t)nin, (size_t)nout}, bd[1] = {(size_t)nout};
    uint32_t fid = static_value(g, 2, fd, w_io);
    uint32_t bid = bias ? static_value(g, 1, bd, bias) : XNN_INVALID_VALUE_ID;
    check(g,
          xnn_define_fully_connected(g->sg, -INFINITY, INFINITY, g->vals[in].id, fid, bid,
                                     g->vals[y].id, XNN_FLAG_TRANSPOSE_WEIGHTS),
          "fully connected");
    return y;
}

int ops_softmax(struct ops_graph *g, int x)
{
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c, XNN_INVALID_VALUE_ID, 0);
    if (g->sg)
        check(g, xnn_define_softmax(g->sg, v.id, g->vals[y].id, 0), "softmax");
    return y;
}

int ops_output(struct ops_graph *g, int x)
{
    if (g->nout >= MAX_EXTERNAL - 1) {
        log_error("ops: too many outputs");
        g->err = 1;
        return 0;
    }
    struct value v = g->vals[x];
    int k = g->nout++;
    /* an external value must be defined as such: copy x into it by an identity reshape */
    int y = new_value(g, v.h, v.w, v.c, (uint32_t)(1 + k), XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
    size_t shape[4] = {1, (size_t)v.h, (size_t)v.w, (size_t)v.c};
    if (g->sg)
        check(g, xnn_define_static_reshape(g->sg, 4, shape, v.id, g->vals[y].id, 0), "output");
    g->outval[k] = y;
    g->out[k] = xcalloc((size_t)v.h * v.w * v.c, sizeof(float));
    return k;
}

int ops_graph_ready(struct ops_graph *g)
{
    struct value in = g->vals[0];
    g->in = xcalloc((size_t)in.h * in.w * in.c, sizeof(float));
    if (g->err)
        return SHOP_EMODEL;
    check(g, xnn_create_runtime_v2(g->sg, NULL, 0, &g->rt), "create runtime");
    if (g->err)
        return SHOP_EMODEL;
    struct xnn_external_value ext[MAX_EXTERNAL];
    ext[0] = (struct xnn_external_value){0, g->in};
    for (int k = 0; k < g->nout; k++)
        ext[1 + k] = (struct xnn_external_value){(uint32_t)(1 + k), g->out[k]};
    check(g, xnn_setup_runtime(g->rt, (size_t)(1 + g->nout), ext), "setup runtime");
    /* the subgraph is no longer needed once the runtime exists */
    xnn_delete_subgraph(g->sg);
    g->sg = NULL;
    return g->err ? SHOP_EMODEL : SHOP_OK;
}

float *ops_graph_in(struct ops_graph *g)
{
    return g->in;
}

const float *ops_graph_out(const struct ops_graph *g, int k)
{
    return g->out[k];
}

int ops_graph_run(struct ops_graph *g)
{
    if (!g->rt)
        return SHOP_EMODEL;
    enum xnn_status st = xnn_invoke_runtime(g->rt);
    if (st != xnn_status_success) {
        log_error("ops: xnnpack invoke failed (status %d)", (int)st);
        return SHOP_EMODEL;
    }
    return SHOP_OK;
}

float *ops_hwio_to_ohwi(const float *hwio, int k, int cin, int cout)
{
    float *o = xmalloc((size_t)k * k * cin * cout * sizeof(float));
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    o[(((size_t)co * k + ky) * k + kx) * cin + ci] =
                        hwio[(((size_t)ky * k + kx) * cin + ci) * cout + co];
    return o;
}

/* ---- pre-processing ---- */

void ops_prepare(const uint8_t *rgb, int img_w, int x, int y, int cw, int ch, int centred,
                 int size, const float mean[3], float div, float sub, float *out)
{
    /* the padded square: side p, image placed at (ox, oy) inside it */
    int p = cw > ch ? cw : ch, d = abs(cw - ch);
    int before = centred ? d - (int)floor(d / 2.0 + 0.5) : 0;
    int ox = cw < ch ? before : 0, oy = ch < cw ? before : 0;
    double ratio = (double)p / size;
    for (int r = 0; r < size; r++) {
        double sy = r * ratio;
        int y0 = (int)floor(sy), y1 = y0 + 1 < p ? y0 + 1 : p - 1;
        double fy = sy - y0;
        for (int c = 0; c < size; c++) {
            double sx = c * ratio;
            int x0 = (int)floor(sx), x1 = x0 + 1 < p ? x0 + 1 : p - 1;
            double fx = sx - x0;
            int yy[2] = {y0 - oy, y1 - oy}, xx[2] = {x0 - ox, x1 - ox};
            const uint8_t *px[2][2];
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    px[i][j] = (yy[i] >= 0 && yy[i] < ch && xx[j] >= 0 && xx[j] < cw)
                                   ? rgb + ((size_t)(y + yy[i]) * img_w + (x + xx[j])) * 3
                                   : NULL;
            for (int k = 0; k < 3; k++) {
                double tl = px[0][0] ? px[0][0][k] : 0, tr = px[0][1] ? px[0][1][k] : 0;
                double bl = px[1][0] ? px[1][0][k] : 0, br = px[1][1] ? px[1][1][k] : 0;
                double top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                float v = (float)(top + (bot - top) * fy);
                out[((size_t)r * size + c) * 3 + k] = (v - mean[k]) / div - sub;
            }
        }
    }
}

/* ---- naive references ---- */

float ops_ref_act(float v, enum ops_act act)
{
    switch (act) {
    case OPS_RELU:
        return v > 0 ? v : 0;
    case OPS_RELU6:
        return v > 0 ? (v < 6 ? v : 6) : 0;
    case OPS_LEAKY:
        return v > 0 ? v : 0.1f * v;
    default:
        return v;
    }
}

void ops_ref_conv(const float *in, int h, int w, int cin, const float *hwio, const float *bias,
                  int k, int cout, int stride, enum ops_pad pad, enum ops_act act, float *out)
{
    int oh, ow, pt, pl;
    ops_out_size(h, k, stride, pad, &oh, &pt);
    ops_out_size(w, k, stride, pad, &ow, &pl);
    /* in [h, w, cin] x filter [k, k, cin, cout] -> out [oh, ow, cout] */
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int co = 0; co < cout; co++) {
                double s = bias ? bias[co] : 0;
                for (int ky = 0; ky < k; ky++) {
                    int iy = oy * stride + ky - pt;
                    if (iy < 0 || iy >= h)
                        continue;
                    for (int kx = 0; kx < k; kx++) {
                        int ix = ox * stride + kx - pl;
                        if (ix < 0 || ix >= w)
                            continue;
                        for (int ci = 0; ci < cin; ci++)
                            s += (double)in[((size_t)iy * w + ix) * cin + ci] *
                                 hwio[(((size_t)ky * k + kx) * cin + ci) * cout + co];
                    }
                }
                out[((size_t)oy * ow + ox) * cout + co] = ops_ref_act((float)s, act);
            }
}

void ops_ref_dwconv(const float *in, int h, int w, int c, const float *filter, const float *bias,
                    int k, int stride, enum ops_pad pad, enum ops_act act, float *out)
{
    int oh, ow, pt, pl;
    ops_out_size(h, k, stride, pad, &oh, &pt);
    ops_out_size(w, k, stride, pad, &ow, &pl);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                double s = bias ? bias[ch] : 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * stride + ky - pt, ix = ox * stride + kx - pl;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            s += (double)in[((size_t)iy * w + ix) * c + ch] *
                                 filter[((size_t)ky * k + kx) * c + ch];
                    }
                out[((size_t)oy * ow + ox) * c + ch] = ops_ref_act((float)s, act);
            }
}

void ops_ref_maxpool(const float *in, int h, int w, int c, int k, int stride, enum ops_pad pad,
                     float *out)
{
    int oh, ow, pt, pl;
    ops_out_size(h, k, stride, pad, &oh, &pt);
    ops_out_size(w, k, stride, pad, &ow, &pl);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                float m = -INFINITY; /* padding takes part in no max */
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * stride + ky - pt, ix = ox * stride + kx - pl;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                            float v = in[((size_t)iy * w + ix) * c + ch];
                            if (v > m)
                                m = v;
                        }
                    }
                out[((size_t)oy * ow + ox) * c + ch] = m;
            }
}

void ops_ref_avgpool(const float *in, int h, int w, int c, int k, int stride, float *out)
{
    int oh, ow, b;
    ops_out_size(h, k, stride, OPS_VALID, &oh, &b);
    ops_out_size(w, k, stride, OPS_VALID, &ow, &b);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        s += in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                out[((size_t)oy * ow + ox) * c + ch] = (float)(s / (k * k));
            }
}

void ops_ref_resize(const float *in, int h, int w, int c, int oh, int ow, float *out)
{
    double ry = (double)h / oh, rx = (double)w / ow;
    for (int y = 0; y < oh; y++) {
        double sy = y * ry;
        int y0 = (int)floor(sy), y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        double fy = sy - y0;
        for (int x = 0; x < ow; x++) {
            double sx = x * rx;
            int x0 = (int)floor(sx), x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            double fx = sx - x0;
            for (int k = 0; k < c; k++) {
                double tl = in[((size_t)y0 * w + x0) * c + k], tr = in[((size_t)y0 * w + x1) * c + k];
                double bl = in[((size_t)y1 * w + x0) * c + k], br = in[((size_t)y1 * w + x1) * c + k];
                double top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                out[((size_t)y * ow + x) * c + k] = (float)(top + (bot - top) * fy);
            }
        }
    }
}
