/* vision/ops.c - XNNPACK graph builder and naive reference layers; see ops.h.
 * This is the only file that includes <xnnpack.h> and <dnnl.h>: the 2022 XNNPACK snapshot
 * has no versioned API, oneDNN's 2.x C API changed in 3.x, so a change of either stays here.
 *
 * Backends: every layer runs in XNNPACK, except the convs that oneDNN 2.6 runs faster on
 * AVX-512: the dense ones past a size (the SSD's pointwise layers alone, one thread: 19.6 ms
 * against 24.2 ms) and the large depthwise ones (see use_dnnl).
 * The graph is cut into segments at those layers: each stretch of XNNPACK layers is one
 * runtime, each oneDNN layer one primitive, and the values crossing a cut get buffers of
 * their own. Both are set up once, at ops_graph_ready. oneDNN runs on the calling thread
 * (an OpenMP team of one, set by each thread that runs a graph); XNNPACK has no pool. */
#include "vision/ops.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <dnnl.h>
#include <omp.h>
#include <xnnpack.h>

#include "core/log.h"
#include "core/xalloc.h"

#define MAX_EXTERNAL 16

struct value {
    uint32_t id; /* XNNPACK value id, once defined */
    int h, w, c;
    int ext;    /* 0, or 1 + the output index of an external output */
    int seg;    /* segment of the layer that makes it (-1: the graph input) */
    float *buf; /* its memory when it crosses a segment cut (else XNNPACK's own) */
};

/* a oneDNN layer, set up once */
struct dnode {
    dnnl_engine_t eng;
    dnnl_stream_t st;
    dnnl_primitive_t prim;
    dnnl_memory_t mem[4]; /* src, packed weights, bias (or NULL), dst */
    /* BF16 (ops_graph_set_bf16): the f32 input, converted into src (a BF16 copy) first */
    dnnl_primitive_t cvt;
    dnnl_memory_t cvt_from;
};

/* a stretch of layers run by one XNNPACK runtime, or one oneDNN layer */
struct segment {
    int first, last; /* node range, inclusive */
    xnn_runtime_t rt;
    struct dnode *dn;
};

enum node_kind {
    N_CONV,
    N_DWCONV,
    N_MAXPOOL,
    N_AVGPOOL,
    N_GAVGPOOL,
    N_ADD,
    N_CLAMP,
    N_LEAKY,
    N_PAD,
    N_RESHAPE,
    N_FC,
    N_SOFTMAX
};

static const char *const node_names[] = {
    [N_CONV] = "conv",         [N_DWCONV] = "dwconv", [N_MAXPOOL] = "maxpool",
    [N_AVGPOOL] = "avgpool",   [N_GAVGPOOL] = "gavgpool", [N_ADD] = "add",
    [N_CLAMP] = "clamp",       [N_LEAKY] = "leaky",   [N_PAD] = "pad",
    [N_RESHAPE] = "copy",      [N_FC] = "fc",         [N_SOFTMAX] = "softmax",
};

/* one layer as described by the builder; defined into an XNNPACK subgraph at ready time
 * (and again, alone, by ops_graph_profile) */
struct node {
    enum node_kind kind;
    int in, in2, out; /* value handles (in2 for add) */
    int k, stride;
    int pad[4]; /* top, right, bottom, left */
    uint32_t flags;
    float lo, hi;
    const float *w, *b;
    int wcount, bcount; /* weight dims: see define_node */
    int post[3];        /* constant pad: rows, columns, channels appended */
};

struct ops_graph {
    struct segment *segs;
    int nsegs;
    float **blocks; /* the buffers of the values crossing cuts, shared when lifetimes allow */
    int nblocks;
    struct value *vals;
    int nvals, capvals;
    struct node *nodes;
    int nnodes, capnodes;
    int nout;
    int outval[MAX_EXTERNAL - 1]; /* value handle of each output */
    float *in;
    float *out[MAX_EXTERNAL - 1];
    int bf16; /* ops_graph_set_bf16 */
    int err;  /* first failure */
};

static void check(int *err, enum xnn_status st, const char *what)
{
    if (st != xnn_status_success && !*err) {
        log_error("ops: xnnpack %s failed (status %d)", what, (int)st);
        *err = 1;
    }
}

static int new_value(struct ops_graph *g, int h, int w, int c)
{
    if (g->nvals == g->capvals) {
        g->capvals = g->capvals ? 2 * g->capvals : 64;
        g->vals = xreallocarray(g->vals, (size_t)g->capvals, sizeof(*g->vals));
    }
    g->vals[g->nvals] = (struct value){XNN_INVALID_VALUE_ID, h, w, c, 0, -1, NULL};
    return g->nvals++;
}

static struct node *new_node(struct ops_graph *g, enum node_kind kind, int in, int out)
{
    if (g->nnodes == g->capnodes) {
        g->capnodes = g->capnodes ? 2 * g->capnodes : 64;
        g->nodes = xreallocarray(g->nodes, (size_t)g->capnodes, sizeof(*g->nodes));
    }
    struct node *nd = &g->nodes[g->nnodes++];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    nd->in = in;
    nd->in2 = -1;
    nd->out = out;
    nd->lo = -INFINITY;
    nd->hi = INFINITY;
    return nd;
}

static uint32_t static_value(xnn_subgraph_t sg, int *err, size_t ndim, const size_t *dims,
                             const float *data)
{
    uint32_t id = XNN_INVALID_VALUE_ID;
    check(err,
          xnn_define_tensor_value(sg, xnn_datatype_fp32, ndim, dims, data, XNN_INVALID_VALUE_ID,
                                  0, &id),
          "define weights");
    return id;
}

/* defines node nd into sg; ids maps the node's value handles to XNNPACK ids */
static void define_node(xnn_subgraph_t sg, const struct node *nd, const struct value *vals,
                        const uint32_t *ids, int *err)
{
    const struct value *v = &vals[nd->in], *o = &vals[nd->out];
    uint32_t x = ids[nd->in], y = ids[nd->out];
    switch (nd->kind) {
    case N_CONV: {
        size_t fd[4] = {(size_t)o->c, (size_t)nd->k, (size_t)nd->k, (size_t)v->c};
        size_t bd[1] = {(size_t)o->c};
        uint32_t fid = static_value(sg, err, 4, fd, nd->w);
        uint32_t bid = nd->b ? static_value(sg, err, 1, bd, nd->b) : XNN_INVALID_VALUE_ID;
        check(err,
              xnn_define_convolution_2d(sg, nd->pad[0], nd->pad[1], nd->pad[2], nd->pad[3], nd->k,
                                        nd->k, nd->stride, nd->stride, 1, 1, 1, v->c, o->c,
                                        nd->lo, nd->hi, x, fid, bid, y, 0),
              "convolution");
        break;
    }
    case N_DWCONV: {
        /* TF [k, k, C, 1] is byte-identical to XNNPACK's [1, k, k, C] */
        size_t fd[4] = {1, (size_t)nd->k, (size_t)nd->k, (size_t)v->c}, bd[1] = {(size_t)v->c};
        uint32_t fid = static_value(sg, err, 4, fd, nd->w);
        uint32_t bid = nd->b ? static_value(sg, err, 1, bd, nd->b) : XNN_INVALID_VALUE_ID;
        check(err,
              xnn_define_depthwise_convolution_2d(sg, nd->pad[0], nd->pad[1], nd->pad[2],
                                                  nd->pad[3], nd->k, nd->k, nd->stride,
                                                  nd->stride, 1, 1, 1, v->c, nd->lo, nd->hi, x,
                                                  fid, bid, y, 0),
              "depthwise convolution");
        break;
    }
    case N_MAXPOOL:
        check(err,
              xnn_define_max_pooling_2d(sg, 0, 0, 0, 0, nd->k, nd->k, nd->stride, nd->stride, 1, 1,
                                        -INFINITY, INFINITY, x, y, nd->flags),
              "max pooling");
        break;
    case N_AVGPOOL:
        check(err,
              xnn_define_average_pooling_2d(sg, 0, 0, 0, 0, nd->k, nd->k, nd->stride, nd->stride,
                                            -INFINITY, INFINITY, x, y, 0),
              "average pooling");
        break;
    case N_GAVGPOOL:
        check(err, xnn_define_global_average_pooling_2d(sg, -INFINITY, INFINITY, x, y, 0),
              "global average pooling");
        break;
    case N_ADD:
        check(err, xnn_define_add2(sg, nd->lo, nd->hi, x, ids[nd->in2], y, 0), "add");
        break;
    case N_CLAMP:
        check(err, xnn_define_clamp(sg, nd->lo, nd->hi, x, y, 0), "clamp");
        break;
    case N_LEAKY:
        check(err, xnn_define_leaky_relu(sg, 0.1f, x, y, 0), "leaky relu");
        break;
    case N_PAD: {
        size_t pre[4] = {0, 0, 0, 0};
        size_t post[4] = {0, (size_t)nd->post[0], (size_t)nd->post[1], (size_t)nd->post[2]};
        check(err, xnn_define_static_constant_pad(sg, pre, post, 0.0f, x, y, 0), "constant pad");
        break;
    }
    case N_RESHAPE: {
        size_t shape[4] = {1, (size_t)o->h, (size_t)o->w, (size_t)o->c};
        check(err, xnn_define_static_reshape(sg, 4, shape, x, y, 0), "reshape");
        break;
    }
    case N_FC: {
        size_t fd[2] = {(size_t)v->c, (size_t)o->c}, bd[1] = {(size_t)o->c};
        uint32_t fid = static_value(sg, err, 2, fd, nd->w);
        uint32_t bid = nd->b ? static_value(sg, err, 1, bd, nd->b) : XNN_INVALID_VALUE_ID;
        check(err,
              xnn_define_fully_connected(sg, -INFINITY, INFINITY, x, fid, bid, y,
                                         XNN_FLAG_TRANSPOSE_WEIGHTS),
              "fully connected");
        break;
    }
    case N_SOFTMAX:
        check(err, xnn_define_softmax(sg, x, y, 0), "softmax");
        break;
    }
}

/* ---- oneDNN layers ---- */

/* the other convs oneDNN runs (measured per network: the recognition net's 3x3 convs gain
 * ~10 %; below these sizes neither library is clearly faster) */
#define DNNL_MIN_CIN 32
#define DNNL_MIN_MACS 2e6

/* the depthwise convs oneDNN runs: from this many outputs (its brdgmm kernel runs them at
 * 25-35 GMAC/s where this XNNPACK's runs 8-17, e.g. 128x128x128 s1 0.73 ms against ~1.5;
 * below, a layer costs little either way and a cut between runtimes is not worth it) */
#define DNNL_MIN_DW_OUT 100000

/* the convs oneDNN runs, with a clamp activation (none, relu, relu6): pointwise ones (1x1
 * stride 1) with at least 4 M multiply-accumulates over 32+ input channels (its matmul beats
 * XNNPACK's GEMM down to the face nets' 28x28x64 -> 128: 0.07 ms against 0.11; the SSD's
 * 256x256x32 -> 64 1.7 ms against 2.0), a first layer (3 or 4 channels in) from 20 M, larger
 * kernels past DNNL_MIN_*, depthwise ones past
 * DNNL_MIN_DW_OUT; the small ones stay in XNNPACK runtimes */
static int use_dnnl(const struct value *vals, const struct node *nd)
{
    if (nd->kind != N_CONV && nd->kind != N_DWCONV)
        return 0;
    const struct value *v = &vals[nd->in], *o = &vals[nd->out];
    double macs = (double)o->h * o->w * o->c * v->c * nd->k * nd->k;
    int act_ok = nd->hi == INFINITY ? (nd->lo == -INFINITY || nd->lo == 0.0f)
                                    : (nd->lo == 0.0f && nd->hi == 6.0f);
    if (!act_ok)
        return 0;
    if (nd->kind == N_DWCONV)
        return (double)o->h * o->w * o->c >= DNNL_MIN_DW_OUT;
    if (nd->k == 1)
        return nd->stride == 1 && v->c >= 32 && macs >= 4e6;
    if (v->c <= 4) /* a first layer: the tiny detector's (3x3 s1, 74 M at 416), the SSD's (3x3
                    * s2, 57 M: 1.3 -> 1.1 ms alone) and the recognition net's (7x7 s2, 25 M:
                    * 0.37 -> 0.28 ms) gain; the small nets' (112x112 input, 2.7 M) do not */
        return macs >= 20e6;
    return v->c >= DNNL_MIN_CIN && macs >= DNNL_MIN_MACS;
}

static void dnode_free(struct dnode *d)
{
    if (!d)
        return;
    if (d->prim)
        dnnl_primitive_destroy(d->prim);
    if (d->cvt)
        dnnl_primitive_destroy(d->cvt);
    if (d->cvt_from)
        dnnl_memory_destroy(d->cvt_from);
    for (int i = 0; i < 4; i++)
        if (d->mem[i])
            dnnl_memory_destroy(d->mem[i]);
    if (d->st)
        dnnl_stream_destroy(d->st);
    if (d->eng)
        dnnl_engine_destroy(d->eng);
    free(d);
}

static void dcheck(int *err, dnnl_status_t st, const char *what)
{
    if (st != dnnl_success && !*err) {
        log_error("ops: onednn %s failed (status %d)", what, (int)st);
        *err = 1;
    }
}

/* oneDNN runs on the calling thread only: its OpenMP team is one thread (a per-thread
 * setting, so it is made by each thread that runs a graph) */
static void dnnl_one_thread(void)
{
    if (omp_get_max_threads() != 1)
        omp_set_num_threads(1);
}

#define BF16_MIN_COUT 128

int ops_bf16_available(void)
{
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return ((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) ==
           (unsigned)dnnl_cpu_isa_avx512_core_bf16;
}

void ops_graph_set_bf16(struct ops_graph *g, int on)
{
    g->bf16 = on && ops_bf16_available();
}

/* whether oneDNN layer nd of a graph with bf16 set runs in BF16: a pointwise conv from 128
 * outputs (the SSD's 256x256x32 -> 64 spends more on its input's conversion, 2 M values,
 * than the matmul gains: 1.57 ms against 1.44 in f32) */
static int bf16_layer(const struct value *vals, const struct node *nd, int bf16)
{
    return bf16 && nd->kind == N_CONV && nd->k == 1 && nd->stride == 1 &&
           vals[nd->out].c >= BF16_MIN_COUT;
}

/* the conv nd in oneDNN from in to out (NHWC buffers that outlive it): a pointwise conv as a
 * matmul [h*w, cin] x [cin, cout], others as a direct convolution with TF's padding (a
 * depthwise one as a convolution of C groups of one channel); bias, then the clamp as a
 * post-op; the weights are packed once. With bf16, a pointwise conv multiplies BF16 copies
 * of its input and weights (f32 sums, bias and output). */
static struct dnode *dnode_new(const struct node *nd, const struct value *vals, float *in,
                               float *out, int bf16, int *err)
{
    const struct value *v = &vals[nd->in], *o = &vals[nd->out];
    struct dnode *d = xcalloc(1, sizeof(*d));
    int mm = nd->k == 1 && nd->stride == 1;
    dnnl_data_type_t mt = bf16_layer(vals, nd, bf16) ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t from;
    dnnl_memory_desc_t smd, wmd, wany, bmd, dmd;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t wsrc = NULL;
    dnnl_one_thread();
    dcheck(err, dnnl_engine_create(&d->eng, dnnl_cpu, 0), "engine");
    if (!*err)
        dcheck(err, dnnl_stream_create(&d->st, d->eng, dnnl_stream_default_flags), "stream");
    if (*err)
        goto out;
    union {
        dnnl_matmul_desc_t mm;
        dnnl_convolution_desc_t conv;
    } op;
    if (mm) {
        dnnl_dims_t ds = {(dnnl_dim_t)v->h * v->w, v->c}, dw = {v->c, o->c}, db = {1, o->c},
                    dd = {(dnnl_dim_t)o->h * o->w, o->c};
        /* OHWI [cout, 1, 1, cin] is the [cin, cout] matrix stored column by column: ba */
        dcheck(err, dnnl_memory_desc_init_by_tag(&from, 2, ds, dnnl_f32, dnnl_ab), "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&smd, 2, ds, mt, dnnl_ab), "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&wmd, 2, dw, dnnl_f32, dnnl_ba), "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&wany, 2, dw, mt, dnnl_format_tag_any),
               "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&bmd, 2, db, dnnl_f32, dnnl_ab), "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_ab), "desc");
        if (!*err)
            dcheck(err, dnnl_matmul_desc_init(&op.mm, &smd, &wany, nd->b ? &bmd : NULL, &dmd),
                   "matmul");
    } else {
        dnnl_dims_t ds = {1, v->c, v->h, v->w}, dw = {o->c, v->c, nd->k, nd->k}, db = {o->c},
                    dd = {1, o->c, o->h, o->w};
        dnnl_dims_t strides = {nd->stride, nd->stride}, pl = {nd->pad[0], nd->pad[3]},
                    pr = {nd->pad[2], nd->pad[1]};
        dcheck(err, dnnl_memory_desc_init_by_tag(&smd, 4, ds, dnnl_f32, dnnl_nhwc), "desc");
        if (nd->kind == N_DWCONV) {
            /* TF [k, k, C, 1] as goihw [C, 1, 1, k, k]: g steps 1, h k*C, w C */
            dnnl_dim_t c = v->c, k = nd->k;
            dnnl_dims_t gd = {c, 1, 1, k, k}, gs = {1, k * k * c, k * k * c, k * c, c};
            dcheck(err, dnnl_memory_desc_init_by_strides(&wmd, 5, gd, dnnl_f32, gs), "desc");
            dcheck(err, dnnl_memory_desc_init_by_tag(&wany, 5, gd, dnnl_f32, dnnl_format_tag_any),
                   "desc");
        } else {
            dcheck(err, dnnl_memory_desc_init_by_tag(&wmd, 4, dw, dnnl_f32, dnnl_ohwi), "desc");
            dcheck(err, dnnl_memory_desc_init_by_tag(&wany, 4, dw, dnnl_f32, dnnl_format_tag_any),
                   "desc");
        }
        dcheck(err, dnnl_memory_desc_init_by_tag(&bmd, 1, db, dnnl_f32, dnnl_a), "desc");
        dcheck(err, dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nhwc), "desc");
        if (!*err)
            dcheck(err,
                   dnnl_convolution_forward_desc_init(&op.conv, dnnl_forward_inference,
                                                      dnnl_convolution_direct, &smd, &wany,
                                                      nd->b ? &bmd : NULL, &dmd, strides, pl,
                                                      pr),
                   "convolution");
    }
    dcheck(err, dnnl_primitive_attr_create(&attr), "attr");
    if (!*err && nd->lo == 0.0f) { /* relu or relu6: clip, which gives +0 like XNNPACK */
        dcheck(err, dnnl_post_ops_create(&po), "post ops");
        if (!*err)
            dcheck(err,
                   dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f,
                                                nd->hi == INFINITY ? FLT_MAX : nd->hi),
                   "clip");
        if (!*err)
            dcheck(err, dnnl_primitive_attr_set_post_ops(attr, po), "post ops");
    }
    if (!*err)
        dcheck(err, dnnl_primitive_desc_create(&pd, &op, attr, d->eng, NULL), "primitive desc");
    if (*err)
        goto out;
    const dnnl_memory_desc_t *packed = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (mt == dnnl_bf16) { /* src is a BF16 copy of in, made by a reorder before each run */
        dnnl_primitive_desc_t cpd = NULL;
        dcheck(err, dnnl_memory_create(&d->cvt_from, &from, d->eng, in), "memory");
        dcheck(err, dnnl_memory_create(&d->mem[0], &smd, d->eng, DNNL_MEMORY_ALLOCATE), "memory");
        if (!*err)
            dcheck(err,
                   dnnl_reorder_primitive_desc_create(&cpd, &from, d->eng, &smd, d->eng, NULL),
                   "bf16 reorder desc");
        if (!*err)
            dcheck(err, dnnl_primitive_create(&d->cvt, cpd), "bf16 reorder");
        if (cpd)
            dnnl_primitive_desc_destroy(cpd);
    } else {
        dcheck(err, dnnl_memory_create(&d->mem[0], &smd, d->eng, in), "memory");
    }
    dcheck(err, dnnl_memory_create(&d->mem[1], packed, d->eng, DNNL_MEMORY_ALLOCATE), "memory");
    if (nd->b)
        dcheck(err, dnnl_memory_create(&d->mem[2], &bmd, d->eng, (void *)nd->b), "memory");
    dcheck(err, dnnl_memory_create(&d->mem[3], &dmd, d->eng, out), "memory");
    dcheck(err, dnnl_memory_create(&wsrc, &wmd, d->eng, (void *)nd->w), "memory");
    if (!*err)
        dcheck(err, dnnl_reorder_primitive_desc_create(&rpd, &wmd, d->eng, packed, d->eng, NULL),
               "reorder desc");
    if (!*err)
        dcheck(err, dnnl_primitive_create(&reorder, rpd), "reorder");
    if (!*err) {
        dnnl_exec_arg_t ra[2] = {{DNNL_ARG_FROM, wsrc}, {DNNL_ARG_TO, d->mem[1]}};
        dcheck(err, dnnl_primitive_execute(reorder, d->st, 2, ra), "reorder run");
        dcheck(err, dnnl_stream_wait(d->st), "reorder wait");
    }
    if (!*err)
        dcheck(err, dnnl_primitive_create(&d->prim, pd), "primitive");
out:
    if (reorder)
        dnnl_primitive_destroy(reorder);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
    if (wsrc)
        dnnl_memory_destroy(wsrc);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (po)
        dnnl_post_ops_destroy(po);
    if (*err) {
        dnode_free(d);
        return NULL;
    }
    return d;
}

static int dnode_run(struct dnode *d)
{
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, d->mem[0]},
                               {DNNL_ARG_WEIGHTS, d->mem[1]},
                               {DNNL_ARG_BIAS, d->mem[2]},
                               {DNNL_ARG_DST, d->mem[3]}};
    int n = 0;
    dnnl_exec_arg_t used[4];
    for (int i = 0; i < 4; i++)
        if (args[i].memory)
            used[n++] = args[i];
    dnnl_one_thread();
    dnnl_exec_arg_t cvt[2] = {{DNNL_ARG_FROM, d->cvt_from}, {DNNL_ARG_TO, d->mem[0]}};
    if ((d->cvt && dnnl_primitive_execute(d->cvt, d->st, 2, cvt) != dnnl_success) ||
        dnnl_primitive_execute(d->prim, d->st, n, used) != dnnl_success ||
        dnnl_stream_wait(d->st) != dnnl_success) {
        log_error("ops: onednn layer failed");
        return SHOP_EMODEL;
    }
    return SHOP_OK;
}

/* n zeroed floats on a 64-byte boundary: a vector of 16 floats then never straddles two cache
 * lines (malloc's 16-byte alignment made every AVX-512 load and store of the activations
 * touch two). From 2 MB, on a 2 MB boundary and asked for as transparent huge pages (where the
 * kernel leaves them to madvise): the SSD's activations (~35 MB) then take ~20 TLB entries
 * instead of ~9,000 (its inference ~2 % faster). Free with free(). */
#define HUGE_PAGE ((size_t)2 << 20)
static float *floats64(size_t n)
{
    void *p = NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
    if (posix_memalign(&p, align, bytes)) {
        log_error("ops: out of memory (%zu bytes)", bytes);
        abort();
    }
    if (align == HUGE_PAGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
    return memset(p, 0, bytes);
}

struct ops_graph *ops_graph_new(int h, int w, int c)
{
    struct ops_graph *g = xcalloc(1, sizeof(*g));
    new_value(g, h, w, c); /* OPS_INPUT */
    return g;
}

void ops_graph_free(struct ops_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nsegs; i++) {
        if (g->segs[i].rt)
            xnn_delete_runtime(g->segs[i].rt);
        dnode_free(g->segs[i].dn);
    }
    free(g->segs);
    for (int i = 0; i < g->nblocks; i++)
        free(g->blocks[i]);
    free(g->blocks);
    free(g->in);
    for (int i = 0; i < g->nout; i++)
        free(g->out[i]);
    free(g->vals);
    free(g->nodes);
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
    if (act != OPS_LEAKY)
        return x;
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c);
    new_node(g, N_LEAKY, x, y);
    return y;
}

/* output size and TF padding (top, right, bottom, left) of a k x k window */
static void window(const struct value *v, int k, int stride, enum ops_pad pad, int *oh, int *ow,
                   int p[4])
{
    ops_out_size(v->h, k, stride, pad, oh, &p[0]);
    ops_out_size(v->w, k, stride, pad, ow, &p[3]);
    p[2] = pad == OPS_SAME ? (*oh - 1) * stride + k - v->h - p[0] : 0;
    p[1] = pad == OPS_SAME ? (*ow - 1) * stride + k - v->w - p[3] : 0;
    if (p[2] < 0)
        p[2] = 0;
    if (p[1] < 0)
        p[1] = 0;
}

int ops_conv(struct ops_graph *g, int x, const float *ohwi, const float *bias, int k, int cout,
             int stride, enum ops_pad pad, enum ops_act act)
{
    int oh, ow, p[4];
    window(&g->vals[x], k, stride, pad, &oh, &ow, p);
    int y = new_value(g, oh, ow, cout);
    struct node *nd = new_node(g, N_CONV, x, y);
    memcpy(nd->pad, p, sizeof(p));
    nd->k = k;
    nd->stride = stride;
    nd->w = ohwi;
    nd->b = bias;
    act_range(act, &nd->lo, &nd->hi);
    return leaky(g, y, act);
}

int ops_dwconv(struct ops_graph *g, int x, const float *filter, const float *bias, int k,
               int stride, enum ops_pad pad, enum ops_act act)
{
    int oh, ow, p[4];
    window(&g->vals[x], k, stride, pad, &oh, &ow, p);
    int y = new_value(g, oh, ow, g->vals[x].c);
    struct node *nd = new_node(g, N_DWCONV, x, y);
    memcpy(nd->pad, p, sizeof(p));
    nd->k = k;
    nd->stride = stride;
    nd->w = filter;
    nd->b = bias;
    act_range(act, &nd->lo, &nd->hi);
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
    int y = new_value(g, oh, ow, v.c);
    struct node *nd = new_node(g, N_MAXPOOL, x, y);
    nd->k = k;
    nd->stride = stride;
    /* with the SAME flag XNNPACK ignores the padding, as TF does for max pooling */
    nd->flags = pad == OPS_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
    return y;
}

int ops_avgpool(struct ops_graph *g, int x, int k, int stride)
{
    struct value v = g->vals[x];
    int oh, ow, b;
    ops_out_size(v.h, k, stride, OPS_VALID, &oh, &b);
    ops_out_size(v.w, k, stride, OPS_VALID, &ow, &b);
    int y = new_value(g, oh, ow, v.c);
    int global = oh == 1 && ow == 1 && k == v.h && k == v.w;
    struct node *nd = new_node(g, global ? N_GAVGPOOL : N_AVGPOOL, x, y);
    nd->k = k;
    nd->stride = stride;
    return y;
}

int ops_add(struct ops_graph *g, int a, int b, enum ops_act act)
{
    struct value v = g->vals[a];
    int y = new_value(g, v.h, v.w, v.c);
    struct node *nd = new_node(g, N_ADD, a, y);
    nd->in2 = b;
    act_range(act, &nd->lo, &nd->hi);
    return leaky(g, y, act);
}

int ops_act(struct ops_graph *g, int x, enum ops_act act)
{
    if (act == OPS_LINEAR)
        return x;
    if (act == OPS_LEAKY)
        return leaky(g, x, act);
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c);
    struct node *nd = new_node(g, N_CLAMP, x, y);
    act_range(act, &nd->lo, &nd->hi);
    return y;
}

int ops_pad_zero(struct ops_graph *g, int x, int bottom, int right, int channels)
{
    struct value v = g->vals[x];
    int y = new_value(g, v.h + bottom, v.w + right, v.c + channels);
    struct node *nd = new_node(g, N_PAD, x, y);
    nd->post[0] = bottom;
    nd->post[1] = right;
    nd->post[2] = channels;
    return y;
}

int ops_fc(struct ops_graph *g, int x, const float *w_io, const float *bias, int nout)
{
    struct value v = g->vals[x];
    int in = x;
    if (v.h != 1 || v.w != 1) { /* flatten [h, w, c] -> [1, 1, h*w*c] */
        in = new_value(g, 1, 1, v.h * v.w * v.c);
        new_node(g, N_RESHAPE, x, in);
    }
    int y = new_value(g, 1, 1, nout);
    struct node *nd = new_node(g, N_FC, in, y);
    nd->w = w_io;
    nd->b = bias;
    return y;
}

int ops_softmax(struct ops_graph *g, int x)
{
    struct value v = g->vals[x];
    int y = new_value(g, v.h, v.w, v.c);
    new_node(g, N_SOFTMAX, x, y);
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
    int y = new_value(g, v.h, v.w, v.c);
    g->vals[y].ext = 1 + k;
    new_node(g, N_RESHAPE, x, y);
    g->outval[k] = y;
    g->out[k] = floats64((size_t)v.h * v.w * v.c);
    return k;
}


static void define_value(xnn_subgraph_t sg, const struct value *v, uint32_t ext, uint32_t flags,
                         uint32_t *id, int *err)
{
    size_t dims[4] = {1, (size_t)v->h, (size_t)v->w, (size_t)v->c};
    *id = XNN_INVALID_VALUE_ID;
    check(err, xnn_define_tensor_value(sg, xnn_datatype_fp32, 4, dims, NULL, ext, flags, id),
          "define value");
}

/* the value handles a node reads */
static int node_inputs(const struct node *nd, int in[2])
{
    in[0] = nd->in;
    in[1] = nd->in2;
    return nd->in2 >= 0 ? 2 : 1;
}

/* one XNNPACK runtime for nodes first..last of g: values made elsewhere are external
 * inputs, values used elsewhere or marked as outputs are external outputs */
static void xnn_segment(struct ops_graph *g, struct segment *sg, const int *used_out, int *err)
{
    enum { MAX_EXT = 64 };
    xnn_subgraph_t sub = NULL;
    struct xnn_external_value ext[MAX_EXT];
    uint32_t next = 0;
    int *seen = xcalloc((size_t)g->nvals, sizeof(*seen));
    int seg = (int)(sg - g->segs);
    check(err, xnn_create_subgraph(MAX_EXT, 0, &sub), "create subgraph");
    for (int i = sg->first; i <= sg->last && !*err; i++) {
        const struct node *nd = &g->nodes[i];
        int in[2], nin = node_inputs(nd, in);
        for (int j = 0; j <= nin && !*err; j++) {
            int h = j < nin ? in[j] : nd->out;
            struct value *v = &g->vals[h];
            if (seen[h])
                continue;
            seen[h] = 1;
            int is_in = v->seg != seg, is_out = v->ext || (v->seg == seg && used_out[h]);
            if ((is_in || is_out) && next == MAX_EXT) {
                log_error("ops: too many values cross a segment");
                *err = 1;
                break;
            }
            if (is_in || is_out) {
                ext[next] = (struct xnn_external_value){next, v->buf};
                define_value(sub, v, next++,
                             is_in ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT,
                             &v->id, err);
            } else {
                define_value(sub, v, XNN_INVALID_VALUE_ID, 0, &v->id, err);
            }
        }
    }
    uint32_t *ids = xmalloc((size_t)g->nvals * sizeof(*ids));
    for (int i = 0; i < g->nvals; i++)
        ids[i] = g->vals[i].id;
    for (int i = sg->first; i <= sg->last && !*err; i++)
        define_node(sub, &g->nodes[i], g->vals, ids, err);
    free(ids);
    free(seen);
    if (!*err)
        check(err, xnn_create_runtime_v2(sub, NULL, 0, &sg->rt), "create runtime");
    if (sub)
        xnn_delete_subgraph(sub); /* not needed once the runtime exists */
    if (!*err)
        check(err, xnn_setup_runtime(sg->rt, next, ext), "setup runtime");
}

/* Buffers for the values crossing cuts (used_out), made in layer order: a value takes the
 * smallest buffer free before the layer that makes it (its last reader came earlier), else a
 * new one. A reader and the layer it feeds never share, so a layer's input and output differ. */
static void share_buffers(struct ops_graph *g, const int *used_out)
{
    int *last = xmalloc((size_t)g->nvals * sizeof(*last)); /* its last reader, a node index */
    for (int i = 0; i < g->nvals; i++)
        last[i] = -1;
    for (int i = 0; i < g->nnodes; i++) {
        int ins[2], nin = node_inputs(&g->nodes[i], ins);
        for (int j = 0; j < nin; j++)
            last[ins[j]] = i;
    }
    size_t *size = xmalloc((size_t)(g->nvals ? g->nvals : 1) * sizeof(*size));
    int *free_after = xmalloc((size_t)(g->nvals ? g->nvals : 1) * sizeof(*free_after));
    g->blocks = xmalloc((size_t)(g->nvals ? g->nvals : 1) * sizeof(*g->blocks));
    for (int i = 0; i < g->nnodes; i++) {
        struct value *v = &g->vals[g->nodes[i].out];
        if (!used_out[g->nodes[i].out] || v->buf)
            continue;
        size_t need = (size_t)v->h * v->w * v->c;
        int best = -1;
        for (int b = 0; b < g->nblocks; b++)
            if (free_after[b] < i && size[b] >= need && (best < 0 || size[b] < size[best]))
                best = b;
        if (best < 0) {
            best = g->nblocks++;
            g->blocks[best] = floats64(need);
            size[best] = need;
        }
        v->buf = g->blocks[best];
        free_after[best] = last[g->nodes[i].out] > i ? last[g->nodes[i].out] : i;
    }
    free(last);
    free(size);
    free(free_after);
}

int ops_graph_ready(struct ops_graph *g)
{
    struct value in = g->vals[0];
    g->in = floats64((size_t)in.h * in.w * in.c);
    if (g->err)
        return SHOP_EMODEL;
    check(&g->err, xnn_initialize(NULL), "initialize");
    if (g->err)
        return SHOP_EMODEL;
    /* segments: each oneDNN layer alone, the stretches between them in XNNPACK */
    g->segs = xcalloc((size_t)(g->nnodes ? g->nnodes : 1), sizeof(*g->segs));
    for (int i = 0; i < g->nnodes; i++) {
        int d = use_dnnl(g->vals, &g->nodes[i]);
        if (g->nsegs == 0 || d ||
            use_dnnl(g->vals, &g->nodes[g->segs[g->nsegs - 1].last]))
            g->segs[g->nsegs++] = (struct segment){i, i, NULL, NULL};
        else
            g->segs[g->nsegs - 1].last = i;
        g->vals[g->nodes[i].out].seg = g->nsegs - 1;
    }
    /* the values that cross a cut get buffers (the input and outputs have theirs) */
    int *used_out = xcalloc((size_t)g->nvals, sizeof(*used_out));
    for (int i = 0; i < g->nnodes; i++) {
        int ins[2], nin = node_inputs(&g->nodes[i], ins);
        int seg = g->vals[g->nodes[i].out].seg;
        for (int j = 0; j < nin; j++)
            if (g->vals[ins[j]].seg != seg)
                used_out[ins[j]] = 1;
    }
    for (int i = 0; i < g->nnodes; i++) {
        int d = use_dnnl(g->vals, &g->nodes[i]);
        if (d) /* a oneDNN layer reads and writes plain buffers */
            used_out[g->nodes[i].in] = used_out[g->nodes[i].out] = 1;
    }
    g->vals[0].buf = g->in;
    for (int k = 0; k < g->nout; k++)
        g->vals[g->outval[k]].buf = g->out[k];
    share_buffers(g, used_out);
    for (int s = 0; s < g->nsegs && !g->err; s++) {
        struct segment *sg = &g->segs[s];
        const struct node *nd = &g->nodes[sg->first];
        if (sg->first == sg->last && use_dnnl(g->vals, nd))
            sg->dn = dnode_new(nd, g->vals, g->vals[nd->in].buf, g->vals[nd->out].buf, g->bf16,
                               &g->err);
        else
            xnn_segment(g, sg, used_out, &g->err);
    }
    free(used_out);
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
    if (g->err || g->nsegs == 0)
        return SHOP_EMODEL;
    for (int i = 0; i < g->nsegs; i++) {
        struct segment *sg = &g->segs[i];
        if (sg->dn) {
            if (dnode_run(sg->dn) != SHOP_OK)
                return SHOP_EMODEL;
            continue;
        }
        enum xnn_status st = xnn_invoke_runtime(sg->rt);
        if (st != xnn_status_success) {
            log_error("ops: xnnpack invoke failed (status %d)", (int)st);
            return SHOP_EMODEL;
        }
    }
    return SHOP_OK;
}

/* ---- profile ---- */

int ops_graph_layers(const struct ops_graph *g)
{
    return g->nnodes;
}

static double node_macs(const struct ops_graph *g, const struct node *nd)
{
    const struct value *v = &g->vals[nd->in], *o = &g->vals[nd->out];
    double out = (double)o->h * o->w * o->c;
    switch (nd->kind) {
    case N_CONV:
        return out * nd->k * nd->k * v->c;
    case N_DWCONV:
        return out * nd->k * nd->k;
    case N_FC:
        return (double)v->c * o->c;
    default:
        return 0;
    }
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int ops_graph_profile(const struct ops_graph *g, double (*now)(void), int reps,
                      struct ops_prof *prof, int max)
{
    if (reps < 1)
        reps = 1;
    double *t = xmalloc((size_t)reps * sizeof(*t));
    int n = 0, rc = SHOP_OK;
    for (int i = 0; i < g->nnodes && n < max && rc == SHOP_OK; i++) {
        const struct node *nd = &g->nodes[i];
        int err = 0, ins[2] = {nd->in, nd->in2}, nin = nd->in2 >= 0 ? 2 : 1;
        /* this node alone: its inputs are external 0 (and 1), its output external nin */
        uint32_t *ids = xmalloc((size_t)g->nvals * sizeof(*ids));
        float *buf[3] = {NULL, NULL, NULL};
        xnn_subgraph_t sg = NULL;
        xnn_runtime_t rt = NULL;
        struct dnode *dn = NULL;
        int d = use_dnnl(g->vals, nd);
        check(&err, xnn_initialize(NULL), "initialize");
        if (!err)
            check(&err, xnn_create_subgraph(3, 0, &sg), "create subgraph");
        for (int j = 0; j <= nin && !err; j++) {
            int h = j < nin ? ins[j] : nd->out;
            const struct value *v = &g->vals[h];
            size_t count = (size_t)v->h * v->w * v->c;
            buf[j] = floats64(count); /* aligned as a graph's own buffers */
            for (size_t e = 0; e < count; e++) /* no zeros or denormals: a typical input */
                buf[j][e] = (float)((e * 7919 % 1000) / 1000.0 - 0.4);
            define_value(sg, v, (uint32_t)j,
                         j < nin ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT,
                         &ids[h], &err);
        }
        if (!err && d)
            dn = dnode_new(nd, g->vals, buf[0], buf[1], g->bf16, &err);
        if (!err && !d)
            define_node(sg, nd, g->vals, ids, &err);
        if (!err && !d)
            check(&err, xnn_create_runtime_v2(sg, NULL, 0, &rt), "create runtime");
        if (!err && !d) {
            struct xnn_external_value ext[3];
            for (int j = 0; j <= nin; j++)
                ext[j] = (struct xnn_external_value){(uint32_t)j, buf[j]};
            check(&err, xnn_setup_runtime(rt, (size_t)nin + 1, ext), "setup runtime");
        }
        if (!err) /* warm: caches, pages */
            err = d ? dnode_run(dn) != SHOP_OK : xnn_invoke_runtime(rt) != xnn_status_success;
        for (int r = 0; r < reps && !err; r++) {
            double t0 = now();
            err = d ? dnode_run(dn) != SHOP_OK : xnn_invoke_runtime(rt) != xnn_status_success;
            t[r] = now() - t0;
        }
        if (!err) {
            qsort(t, (size_t)reps, sizeof(*t), by_double);
            const struct value *v = &g->vals[nd->in], *o = &g->vals[nd->out];
            struct ops_prof *p = &prof[n++];
            p->op = !d                                ? node_names[nd->kind]
                    : nd->kind == N_DWCONV             ? "dwconv-dnnl"
                    : bf16_layer(g->vals, nd, g->bf16) ? "conv-bf16"
                                                       : "conv-dnnl";
            if (nd->kind == N_CONV || nd->kind == N_DWCONV || nd->kind == N_MAXPOOL ||
                nd->kind == N_AVGPOOL)
                snprintf(p->shape, sizeof(p->shape), "%dx%dx%d k%d s%d -> %dx%dx%d", v->h, v->w,
                         v->c, nd->k, nd->stride, o->h, o->w, o->c);
            else
                snprintf(p->shape, sizeof(p->shape), "%dx%dx%d -> %dx%dx%d", v->h, v->w, v->c,
                         o->h, o->w, o->c);
            p->ms = t[reps / 2] * 1e3;
            p->mmac = node_macs(g, nd) / 1e6;
        }
        if (rt)
            xnn_delete_runtime(rt);
        if (sg)
            xnn_delete_subgraph(sg);
        dnode_free(dn);
        for (int j = 0; j < 3; j++)
            free(buf[j]);
        free(ids);
        if (err)
            rc = SHOP_EMODEL;
    }
    free(t);
    return rc == SHOP_OK ? n : rc;
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

#define PREPARE_MAX 1024 /* largest side of the fast path (its scratch is on the stack) */

/* row yy of the crop (or a zero row outside it) interpolated along x, in double as the
 * reference formula: h[c*3+k] = tl + (tr - tl) * fx, with 0 for a pixel outside the crop.
 * Columns lo..hi-1 read two pixels inside the crop (no test); the others are the padding's
 * edges. */
static void prepare_row(const uint8_t *rgb, int img_w, int x, int y, int ch, int yy,
                        int size, const int *xa, const int *xb, const double *fx, int lo, int hi,
                        double *h)
{
    if (yy < 0 || yy >= ch) {
        memset(h, 0, (size_t)size * 3 * sizeof(*h));
        return;
    }
    const uint8_t *row = rgb + ((size_t)(y + yy) * img_w + x) * 3;
    for (int c = 0; c < size; c++) {
        if (c == lo) { /* the inside: both pixels valid */
            for (; c < hi; c++) {
                const uint8_t *l = row + xa[c] * 3, *r = row + xb[c] * 3;
                double f = fx[c];
                double l0 = l[0], l1 = l[1], l2 = l[2], r0 = r[0], r1 = r[1], r2 = r[2];
                h[c * 3] = l0 + (r0 - l0) * f;
                h[c * 3 + 1] = l1 + (r1 - l1) * f;
                h[c * 3 + 2] = l2 + (r2 - l2) * f;
            }
            if (c == size)
                break;
        }
        const uint8_t *l = xa[c] >= 0 ? row + xa[c] * 3 : NULL;
        const uint8_t *r = xb[c] >= 0 ? row + xb[c] * 3 : NULL;
        for (int k = 0; k < 3; k++) {
            double tl = l ? l[k] : 0, tr = r ? r[k] : 0;
            h[c * 3 + k] = tl + (tr - tl) * fx[c];
        }
    }
}

/* one output row from its two interpolated source rows t and b (n values): the reference
 * formula, (float)(t + (b - t) * fy), then (v - mean) / div - sub in float. Written on
 * 8-wide vectors so that it compiles to SIMD whatever the target (the same operations in the
 * same order per value, no contraction in ISO C: bit-identical to the scalar form); the
 * float division dominated the scalar loop (SSD's 512x512 input: 0.8 of 1.2 ms). */
typedef double prep_vd __attribute__((vector_size(64)));
typedef float prep_vf __attribute__((vector_size(32)));
static void prepare_blend(const double *t, const double *b, double fy, const float *m,
                          float div, float sub, int n, float *o)
{
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        prep_vd vt, vb;
        prep_vf vm, vo;
        memcpy(&vt, t + i, sizeof(vt));
        memcpy(&vb, b + i, sizeof(vb));
        memcpy(&vm, m + i, sizeof(vm));
        prep_vf v = __builtin_convertvector(vt + (vb - vt) * fy, prep_vf);
        vo = (v - vm) / div - sub;
        memcpy(o + i, &vo, sizeof(vo));
    }
    for (; i < n; i++) {
        float v = (float)(t[i] + (b[i] - t[i]) * fy);
        o[i] = (v - m[i]) / div - sub;
    }
}

void ops_prepare(const uint8_t *rgb, int img_w, int x, int y, int cw, int ch, int centred,
                 int size, const float mean[3], float div, float sub, float *out)
{
    /* the padded square: side p, image placed at (ox, oy) inside it */
    int p = cw > ch ? cw : ch, d = abs(cw - ch);
    int before = centred ? d - (int)floor(d / 2.0 + 0.5) : 0;
    int ox = cw < ch ? before : 0, oy = ch < cw ? before : 0;
    double ratio = (double)p / size;
    if (size <= PREPARE_MAX) {
        /* separable: per column the two source columns (-1 outside the crop) and the
         * weight, once; per output row two interpolated source rows, reused by the next
         * output row when it reads the same ones (upscaling). Same arithmetic as below. */
        int xa[PREPARE_MAX], xb[PREPARE_MAX];
        double fx[PREPARE_MAX], rows[2][PREPARE_MAX * 3];
        float m3[PREPARE_MAX * 3]; /* the mean of each value of an output row */
        for (int i = 0; i < size * 3; i++)
            m3[i] = mean[i % 3];
        int have[2] = {INT32_MIN, INT32_MIN}; /* the source row held by rows[i] */
        int lo = size, hi = size; /* the columns whose two pixels lie inside the crop */
        for (int c = 0; c < size; c++) {
            double sx = c * ratio;
            int x0 = (int)floor(sx), x1 = x0 + 1 < p ? x0 + 1 : p - 1;
            fx[c] = sx - x0;
            xa[c] = x0 - ox >= 0 && x0 - ox < cw ? x0 - ox : -1;
            xb[c] = x1 - ox >= 0 && x1 - ox < cw ? x1 - ox : -1;
            if (xa[c] >= 0 && xb[c] >= 0 && lo == size)
                lo = c;
            if (xa[c] >= 0 && xb[c] >= 0)
                hi = c + 1;
        }
        if (lo == size)
            hi = size;
        for (int r = 0; r < size; r++) {
            double sy = r * ratio;
            int y0 = (int)floor(sy), y1 = y0 + 1 < p ? y0 + 1 : p - 1;
            double fy = sy - y0;
            int want[2] = {y0 - oy, y1 - oy};
            int slot[2];
            for (int i = 0; i < 2; i++)
                slot[i] = have[0] == want[i] ? 0 : have[1] == want[i] ? 1 : -1;
            for (int i = 0; i < 2; i++) {
                if (slot[i] >= 0)
                    continue;
                /* the slot the other source row does not use */
                int s = slot[1 - i] == 0 ? 1 : 0;
                prepare_row(rgb, img_w, x, y, ch, want[i], size, xa, xb, fx, lo, hi, rows[s]);
                have[s] = want[i];
                slot[i] = s;
                if (want[1 - i] == want[i])
                    slot[1 - i] = s;
            }
            prepare_blend(rows[slot[0]], rows[slot[1]], fy, m3, div, sub, size * 3,
                          out + (size_t)r * size * 3);
        }
        return;
    }
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
