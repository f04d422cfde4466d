/* vision/ops.h - the layer library of the face networks: NHWC float32, batch 1, TensorFlow
 * semantics (padding rules, max-pool padding ignored, legacy bilinear resize).
 *
 * Two implementations of every layer:
 *  - a graph builder over XNNPACK runtimes, with the large dense convs in oneDNN (ops.c is
 *    the only file that includes <xnnpack.h> and <dnnl.h>): a network is described once per
 *    input size, then runs with no allocation;
 *  - naive plain-C loops (ops_ref_*), the test oracle for the XNNPACK layers.
 *
 *     struct ops_graph *g = ops_graph_new(112, 112, 3);
 *     int x = ops_conv(g, OPS_INPUT, ohwi, bias, 3, 32, 2, OPS_SAME, OPS_RELU);
 *     int out = ops_output(g, ops_fc(g, ops_avgpool(g, x, 7, 2), w_io, b, 136));
 *     if (ops_graph_ready(g) != SHOP_OK) -> SHOP_EMODEL (logged)
 *     ops_prepare(img..., ops_graph_in(g)); ops_graph_run(g); ... ops_graph_out(g, out) ...
 *     ops_graph_free(g);
 * Weight pointers passed to the builder are borrowed: they must outlive the graph. Dense conv
 * filters are OHWI [cout, k, k, cin] (see ops_hwio_to_ohwi); depthwise filters are TF
 * [k, k, C, 1]; fully connected weights are TF [in, out].
 * A graph is not thread-safe: one per thread (the weights may be shared).              */
#ifndef SHOP_VISION_OPS_H
#define SHOP_VISION_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

enum ops_act { OPS_LINEAR = 0, OPS_RELU, OPS_RELU6, OPS_LEAKY /* slope 0.1 */ };
enum ops_pad { OPS_VALID = 0, OPS_SAME };

#define OPS_INPUT 0 /* the handle of a graph's input value */

struct ops_graph;

/* a graph whose input is [1, h, w, c]; never NULL */
struct ops_graph *ops_graph_new(int h, int w, int c);
void ops_graph_free(struct ops_graph *g); /* NULL is a no-op */

/* Layers. Each returns the handle of its output value; a failure inside XNNPACK is kept
 * and reported by ops_graph_ready. */
/* [h, w, cin] -> [oh, ow, cout], filter OHWI, bias [cout] or NULL */
int ops_conv(struct ops_graph *g, int x, const float *ohwi, const float *bias, int k, int cout,
             int stride, enum ops_pad pad, enum ops_act act);
/* [h, w, C] -> [oh, ow, C], filter [k, k, C], bias [C] or NULL */
int ops_dwconv(struct ops_graph *g, int x, const float *filter, const float *bias, int k,
               int stride, enum ops_pad pad, enum ops_act act);
/* separable: depthwise (stride, pad) -> pointwise 1x1 OHWI [cout, cin] + bias */
int ops_sepconv(struct ops_graph *g, int x, const float *dw, const float *pw_ohwi,
                const float *bias, int cout, int stride, enum ops_act act);
int ops_maxpool(struct ops_graph *g, int x, int k, int stride, enum ops_pad pad);
int ops_avgpool(struct ops_graph *g, int x, int k, int stride); /* 'valid' */
int ops_add(struct ops_graph *g, int a, int b, enum ops_act act);
int ops_act(struct ops_graph *g, int x, enum ops_act act);
/* zero padding: rows below, columns right, channels appended */
int ops_pad_zero(struct ops_graph *g, int x, int bottom, int right, int channels);
/* [h, w, cin] -> [1, 1, nout] (x is flattened in NHWC order), weights [h*w*cin, nout] */
int ops_fc(struct ops_graph *g, int x, const float *w_io, const float *bias, int nout);
int ops_softmax(struct ops_graph *g, int x); /* over the channels */
/* marks x as an output; returns its output index (0, 1, ...) */
int ops_output(struct ops_graph *g, int x);
void ops_shape(const struct ops_graph *g, int x, int *h, int *w, int *c);

/* Before ops_graph_ready: the pointwise convs that oneDNN runs with 128 outputs or more
 * multiply BF16 copies of their input and weights (sums, bias and output in f32), twice as
 * fast as f32 on CPUs with AVX512-BF16 and not exact (8-bit mantissas: outputs move in the
 * 3rd significant digit).
 * A no-op where the CPU lacks it (ops_bf16_available), so results depend on the CPU. */
void ops_graph_set_bf16(struct ops_graph *g, int on);
int ops_bf16_available(void); /* 1 when the CPU has AVX512-BF16 */

/* builds the runtime and the input/output buffers; SHOP_EMODEL on any XNNPACK failure */
SHOP_MUST_CHECK int ops_graph_ready(struct ops_graph *g);
/* the input [h, w, c] (written by the caller) and the outputs (valid after ops_graph_run);
 * both start on a 64-byte boundary (from 2 MB on a 2 MB one) */
float *ops_graph_in(struct ops_graph *g);
const float *ops_graph_out(const struct ops_graph *g, int k);
SHOP_MUST_CHECK int ops_graph_run(struct ops_graph *g);

/* Per-layer profile: each layer of g is built alone in its own runtime (same shapes, same
 * weights, a fixed synthetic input) and run reps times after one warm-up run; ms is the
 * median. now() is the caller's clock in seconds (library code reads no clock). Writes up
 * to max entries, one per layer in graph order; returns their number or SHOP_EMODEL. */
struct ops_prof {
    const char *op; /* "conv" ("conv-dnnl" in oneDNN, "conv-bf16" in BF16), "dwconv" (or
                       "dwconv-dnnl"), "add", ... */
    char shape[48]; /* "HxWxC k3 s1 -> HxWxC" */
    double ms;
    double mmac; /* multiply-accumulates of the layer, millions (0 for non-MAC layers) */
};
SHOP_MUST_CHECK int ops_graph_profile(const struct ops_graph *g, double (*now)(void), int reps,
                                      struct ops_prof *prof, int max);
int ops_graph_layers(const struct ops_graph *g); /* number of layers */

/* TF HWIO [k, k, cin, cout] -> OHWI [cout, k, k, cin]; caller frees */
float *ops_hwio_to_ohwi(const float *hwio, int k, int cin, int cout);

/* The network input built by face-api's toBatchTensor for one region of an RGB image:
 * the crop rows y..y+ch-1, columns x..x+cw-1 of rgb (img_w pixels per row; the crop must lie
 * inside the image), padded to a square with zeros (centred: round(d/2) after and the rest
 * before; else all after), bilinear-resized (TF legacy) to size x size, then normalised per
 * channel as (v - mean[c]) / div - sub, in float32 like tfjs. out is [size, size, 3]. */
void ops_prepare(const uint8_t *rgb, int img_w, int x, int y, int cw, int ch, int centred,
                 int size, const float mean[3], float div, float sub, float *out);

/* Naive references (TF semantics). Shapes as the graph layers; *oh, *ow receive the output
 * size. ops_out_size gives it without computing. */
void ops_out_size(int in, int k, int stride, enum ops_pad pad, int *out, int *before);
void ops_ref_conv(const float *in, int h, int w, int cin, const float *hwio, const float *bias,
                  int k, int cout, int stride, enum ops_pad pad, enum ops_act act, float *out);
void ops_ref_dwconv(const float *in, int h, int w, int c, const float *filter, const float *bias,
                    int k, int stride, enum ops_pad pad, enum ops_act act, float *out);
void ops_ref_maxpool(const float *in, int h, int w, int c, int k, int stride, enum ops_pad pad,
                     float *out);
void ops_ref_avgpool(const float *in, int h, int w, int c, int k, int stride, float *out);
/* TF legacy bilinear (align_corners = half_pixel_centers = false), ratios in double */
void ops_ref_resize(const float *in, int h, int w, int c, int oh, int ow, float *out);
float ops_ref_act(float v, enum ops_act act);

#endif
