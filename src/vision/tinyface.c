/* vision/tinyface.c - tiny_face_detector: a Tiny-YOLOv2 with separable convs (notes §3). */
#include <math.h>
#include <stdlib.h>

#include "vision/nets.h"

void tinyface_build(const struct net *n, struct ops_graph *g, int *err)
{
    static const int ch[6] = {16, 32, 64, 128, 256, 512};
    /* Leaky relu is monotonic, so max-pooling commutes with it exactly:
     * pool(leaky(x)) = leaky(pool(x)). Pooling first gives leaky a quarter of the values
     * (leaky is a layer of its own in XNNPACK, not a fused clamp). */
    /* [S, S, 3] -> conv 3x3 'valid' -> [S-2, S-2, 16] -> pool -> [(S-2)/2, .., 16] */
    int x = ops_conv(g, OPS_INPUT, net_w(n, err, NET_SHAPE(3, 3, 3, 16), "conv0/filters"),
                     net_w(n, err, NET_SHAPE(16), "conv0/bias"), 3, 16, 1, OPS_VALID, OPS_LINEAR);
    x = ops_act(g, ops_maxpool(g, x, 2, 2, OPS_SAME), OPS_LEAKY);
    for (int i = 1; i <= 5; i++) {
        int cin = ch[i - 1], cout = ch[i];
        /* pad 1 + 'valid' = 'same' for a stride-1 3x3 */
        x = ops_sepconv(g, x, net_w(n, err, NET_SHAPE(3, 3, cin, 1), "conv%d/depthwise_filter", i),
                        net_w(n, err, NET_SHAPE(1, 1, cin, cout), "conv%d/pointwise_filter", i),
                        net_w(n, err, NET_SHAPE(cout), "conv%d/bias", i), cout, 1, OPS_LINEAR);
        x = ops_act(g, ops_maxpool(g, x, 2, i < 5 ? 2 : 1, OPS_SAME), OPS_LEAKY);
    }
    /* [S/32, S/32, 512] -> 1x1 -> [S/32, S/32, 25] */
    x = ops_conv(g, x, net_w(n, err, NET_SHAPE(1, 1, 512, 25), "conv8/filters"), net_w(n, err, NET_SHAPE(25), "conv8/bias"),
                 1, 25, 1, OPS_VALID, OPS_LINEAR);
    ops_output(g, x);
}

static const double anchors[5][2] = {
    {1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061},
    {4.266906, 5.178857}, {9.041765, 10.66308},
};

static double sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static int by_score(const void *a, const void *b)
{
    double sa = ((const struct net_box *)a)->score, sb = ((const struct net_box *)b)->score;
    return (sa < sb) - (sa > sb);
}

int tinyface_decode(const float *out, int size, int img_w, int img_h, double min_score,
                    struct net_box *boxes)
{
    int g = size / 32, nb = 0, mx = img_w > img_h ? img_w : img_h;
    /* the image covers rw x rh of the padded square; boxes are mapped back to the image */
    double scale = (double)size / mx;
    double rw = floor(img_w * scale + 0.5), rh = floor(img_h * scale + 0.5);
    double cfx = size / rw, cfy = size / rh;
    /* out [g, g, 5 anchors, (tx, ty, tw, th, objectness)] */
    for (int row = 0; row < g; row++)
        for (int col = 0; col < g; col++)
            for (int a = 0; a < 5; a++) {
                const float *v = out + ((size_t)(row * g + col) * 5 + a) * 5;
                double score = sigmoid(v[4]);
                if (!(score > min_score))
                    continue;
                double cx = (col + sigmoid(v[0])) / g * cfx, cy = (row + sigmoid(v[1])) / g * cfy;
                double w = exp(v[2]) * anchors[a][0] / g * cfx;
                double h = exp(v[3]) * anchors[a][1] / g * cfy;
                boxes[nb++] = (struct net_box){cx - w / 2, cy - h / 2, w, h, score};
            }
    /* a stable sort would keep equal scores in grid order; ties are not expected */
    qsort(boxes, (size_t)nb, sizeof(*boxes), by_score);
    return net_nms(boxes, nb, 0.4, nb);
}
