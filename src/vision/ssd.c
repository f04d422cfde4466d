/* vision/ssd.c - ssd_mobilenetv1: MobileNetV1 + SSD box predictors (notes §4). The depthwise
 * batch norms are folded at load, and so is each feature map's pair of predictors (box
 * encodings and class logits, two 1x1 convs of the same input) into one conv of both output
 * channels; the 6 predictor maps are separate graph outputs (this XNNPACK has no
 * concatenate) decoded here against the stored anchors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "vision/nets.h"

#define BLOCKS 13

static int channels_out(int i) /* output channels of block i (0 = the first 3x3 conv) */
{
    static const int c[BLOCKS + 1] = {32, 64, 128, 128, 256, 256, 512,
                                      512, 512, 512, 512, 512, 1024, 1024};
    return c[i];
}

static int map_channels(int k) /* channels of predictor map k (32x32, 16x16, 8x8, ... 1x1) */
{
    static const int c[6] = {512, 1024, 512, 256, 256, 128};
    return c[k];
}

static int map_anchors(int k) /* anchors per cell of predictor map k */
{
    return k == 0 ? 3 : 6;
}

/* map k's box and class predictors as one 1x1 conv "Prediction/BoxPredictor_k/both/...":
 * filter OHWI [7a, 1, 1, c] (already in the layout net_load gives dense filters), the 4a box
 * encoding channels first, then the 3a class logits; bias [7a]. A conv computes each output
 * channel from its own filter row, so the outputs are those of the two convs. */
static int predictors_fold(struct net *n)
{
    int err = 0;
    for (int k = 0; k < 6; k++) {
        int c = map_channels(k), a = map_anchors(k), co = 7 * a;
        const char *p = "Prediction/BoxPredictor_%d/%s";
        const float *bw = net_w(n, &err, NET_SHAPE(1, 1, c, 4 * a), p, k, "BoxEncodingPredictor/weights");
        const float *bb = net_w(n, &err, NET_SHAPE(4 * a), p, k, "BoxEncodingPredictor/biases");
        const float *cw = net_w(n, &err, NET_SHAPE(1, 1, c, 3 * a), p, k, "ClassPredictor/weights");
        const float *cb = net_w(n, &err, NET_SHAPE(3 * a), p, k, "ClassPredictor/biases");
        if (err)
            return SHOP_EMODEL;
        float *w = xmalloc((size_t)co * c * sizeof(float)), *b = xmalloc((size_t)co * sizeof(float));
        for (int o = 0; o < co; o++) {
            b[o] = o < 4 * a ? bb[o] : cb[o - 4 * a];
            for (int i = 0; i < c; i++) /* HWIO [1, 1, c, cout]: input i, output o */
                w[(size_t)o * c + i] = o < 4 * a ? bw[(size_t)i * 4 * a + o]
                                                 : cw[(size_t)i * 3 * a + (o - 4 * a)];
        }
        char name[96];
        snprintf(name, sizeof(name), p, k, "both/weights");
        net_put(n, name, w, (size_t)co * c);
        snprintf(name, sizeof(name), p, k, "both/biases");
        net_put(n, name, b, (size_t)co);
    }
    return SHOP_OK;
}

/* depthwise filter * s, bias = beta - mean * s, s = gamma / sqrt(var + eps), in double
 * (some variances are ~4e-36) */
int ssd_fold(struct net *n)
{
    int err = 0;
    for (int i = 1; i <= BLOCKS; i++) {
        int c = channels_out(i - 1);
        const char *p = "MobilenetV1/Conv2d_%d_depthwise/%s";
        char name[128];
        const float *w = net_w(n, &err, NET_SHAPE(3, 3, c, 1), "MobilenetV1/Conv2d_%d_depthwise/depthwise_weights", i);
        const float *gm = net_w(n, &err, NET_SHAPE(c), "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/gamma", i);
        const float *bt = net_w(n, &err, NET_SHAPE(c), "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/beta", i);
        const float *mn = net_w(n, &err, NET_SHAPE(c), "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/moving_mean", i);
        const float *vr = net_w(n, &err, NET_SHAPE(c), "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/moving_variance", i);
        if (err)
            return SHOP_EMODEL;
        float *fw = xmalloc((size_t)9 * c * sizeof(float)), *fb = xmalloc((size_t)c * sizeof(float));
        for (int ch = 0; ch < c; ch++) {
            double s = gm[ch] / sqrt((double)vr[ch] + (double)0.0010000000474974513);
            fb[ch] = (float)(bt[ch] - mn[ch] * s);
            for (int k = 0; k < 9; k++)
                fw[k * c + ch] = (float)(w[k * c + ch] * s);
        }
        snprintf(name, sizeof(name), p, i, "depthwise_weights");
        net_put(n, name, fw, (size_t)9 * c);
        snprintf(name, sizeof(name), p, i, "bias");
        net_put(n, name, fb, (size_t)c);
    }
    return predictors_fold(n);
}

static int pw(const struct net *n, struct ops_graph *g, int *err, int x, const char *pre,
              int k, int cin, int cout, int stride)
{
    return ops_conv(g, x, net_w(n, err, NET_SHAPE(k, k, cin, cout), "%s/weights", pre),
                    net_w(n, err, NET_SHAPE(cout), "%s/convolution_bn_offset", pre), k, cout,
                    stride, OPS_SAME, OPS_RELU6);
}

void ssd_build(const struct net *n, struct ops_graph *g, int *err)
{
    char pre[96];
    /* [512, 512, 3] -> 3x3 s2 -> [256, 256, 32] */
    int x = pw(n, g, err, OPS_INPUT, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2);
    int c11 = x;
    for (int i = 1; i <= BLOCKS; i++) {
        int cin = channels_out(i - 1), cout = channels_out(i);
        int s = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;
        x = ops_dwconv(g, x,
                       net_w(n, err, NET_SHAPE(3, 3, cin, 1), "MobilenetV1/Conv2d_%d_depthwise/depthwise_weights", i),
                       net_w(n, err, NET_SHAPE(cin), "MobilenetV1/Conv2d_%d_depthwise/bias", i), 3, s,
                       OPS_SAME, OPS_RELU6);
        snprintf(pre, sizeof(pre), "MobilenetV1/Conv2d_%d_pointwise", i);
        x = pw(n, g, err, x, pre, 1, cin, cout, 1);
        if (i == 11)
            c11 = x; /* [32, 32, 512] */
    }
    /* extra feature maps from C13 [16, 16, 1024]: odd j are 3x3 s2 */
    static const int ech[8] = {256, 512, 128, 256, 128, 256, 64, 128};
    int maps[6] = {c11, x, 0, 0, 0, 0}, cin = 1024;
    for (int j = 0; j < 8; j++) {
        snprintf(pre, sizeof(pre), "Prediction/Conv2d_%d_pointwise", j);
        x = pw(n, g, err, x, pre, j % 2 ? 3 : 1, cin, ech[j], j % 2 ? 2 : 1);
        cin = ech[j];
        if (j % 2)
            maps[2 + j / 2] = x; /* 8, 4, 2, 1 */
    }
    /* map k -> [h, w, 7a]: per cell the a box encodings (4 each), then the a class logits
     * (3 each) */
    int pred[6];
    for (int k = 0; k < 6; k++) {
        int h, w, c, a = map_anchors(k);
        ops_shape(g, maps[k], &h, &w, &c);
        pred[k] = ops_conv(
            g, maps[k],
            net_w(n, err, NET_SHAPE(7 * a * c), "Prediction/BoxPredictor_%d/both/weights", k),
            net_w(n, err, NET_SHAPE(7 * a), "Prediction/BoxPredictor_%d/both/biases", k), 1,
            7 * a, 1, OPS_VALID, OPS_LINEAR);
    }
    for (int k = 0; k < 6; k++)
        ops_output(g, pred[k]);
    (void)net_w(n, err, NET_SHAPE(1, SSD_ANCHORS, 4), "Output/extra_dim");
}

/* corners [ymin, xmin, ymax, xmax] kept in net_box as y, x, h = ymax, w = xmax */
static double iou_corners(const struct net_box *a, const struct net_box *b)
{
    double ay0 = fmin(a->y, a->h), ax0 = fmin(a->x, a->w), ay1 = fmax(a->y, a->h),
           ax1 = fmax(a->x, a->w);
    double by0 = fmin(b->y, b->h), bx0 = fmin(b->x, b->w), by1 = fmax(b->y, b->h),
           bx1 = fmax(b->x, b->w);
    double aa = (ay1 - ay0) * (ax1 - ax0), ab = (by1 - by0) * (bx1 - bx0);
    if (aa <= 0 || ab <= 0)
        return 0;
    double ih = fmax(fmin(ay1, by1) - fmax(ay0, by0), 0), iw = fmax(fmin(ax1, bx1) - fmax(ax0, bx0), 0);
    return ih * iw / (aa + ab - ih * iw);
}

static int by_score(const void *a, const void *b)
{
    double sa = ((const struct net_box *)a)->score, sb = ((const struct net_box *)b)->score;
    return (sa < sb) - (sa > sb);
}

int ssd_decode(const struct net *n, const struct ops_graph *g, int img_w, int img_h,
               double min_score, int max_results, struct net_box *boxes)
{
    int err = 0, nb = 0, idx = 0;
    const float *anchors = net_w(n, &err, NET_SHAPE(1, SSD_ANCHORS, 4), "Output/extra_dim");
    if (err)
        return 0;
    for (int k = 0; k < 6; k++) {
        const float *pred = ops_graph_out(g, k);
        int a = map_anchors(k);
        int cells = k == 0 ? 32 * 32 : (k == 1 ? 256 : (k == 2 ? 64 : (k == 3 ? 16 : (k == 4 ? 4 : 1))));
        /* pred [cells, 7a]: enc [a, 4] then cls [a, 3] per cell; float32 steps as tfjs */
        for (int i = 0; i < cells * a; i++, idx++) {
            const float *cell = pred + (size_t)(i / a) * 7 * a;
            const float *enc = cell, *cls = cell + 4 * a;
            int j = i % a;
            float logit = cls[j * 3 + 1];
            float score = (float)(1.0 / (1.0 + exp(-(double)logit)));
            if (!(score > min_score))
                continue;
            const float *an = anchors + (size_t)idx * 4, *t = enc + (size_t)j * 4;
            float ha = an[2] - an[0], wa = an[3] - an[1];
            float cya = an[0] + ha / 2.0f, cxa = an[1] + wa / 2.0f;
            float hh = (float)exp((double)(t[2] / 5.0f)) * ha / 2.0f;
            float cy = t[0] / 10.0f * ha + cya;
            float hw = (float)exp((double)(t[3] / 5.0f)) * wa / 2.0f;
            float cx = t[1] / 10.0f * wa + cxa;
            boxes[nb++] = (struct net_box){.y = cy - hh, .x = cx - hw, .h = cy + hh,
                                           .w = cx + hw, .score = score};
        }
    }
    qsort(boxes, (size_t)nb, sizeof(*boxes), by_score);
    int kept = 0;
    for (int i = 0; i < nb && kept < max_results; i++) {
        int ok = 1;
        for (int j = kept - 1; j >= 0 && ok; j--)
            if (iou_corners(&boxes[i], &boxes[j]) > 0.5)
                ok = 0;
        if (ok)
            boxes[kept++] = boxes[i];
    }
    /* corners in the padded 512 square -> x, y, w, h relative to the image */
    int mx = img_w > img_h ? img_w : img_h;
    double scale = 512.0 / mx;
    double padx = 512.0 / floor(img_w * scale + 0.5), pady = 512.0 / floor(img_h * scale + 0.5);
    for (int i = 0; i < kept; i++) {
        struct net_box *b = &boxes[i];
        double top = fmax(0, b->y) * pady, bottom = fmin(1.0, b->h) * pady;
        double left = fmax(0, b->x) * padx, right = fmin(1.0, b->w) * padx;
        *b = (struct net_box){left, top, right - left, bottom - top, b->score};
    }
    return kept;
}
