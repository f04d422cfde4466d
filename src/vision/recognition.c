/* vision/recognition.c - face_recognition: the dlib-style ResNet giving the 128-number
 * descriptor (notes §8). The scale layer after every conv is folded into it at load. */
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "vision/nets.h"

/* every conv unit: name, kernel, cin, cout */
static const struct unit {
    const char *name;
    int k, cin, cout;
} units[] = {
    {"conv32_down", 7, 3, 32},
    {"conv32_1/conv1", 3, 32, 32},       {"conv32_1/conv2", 3, 32, 32},
    {"conv32_2/conv1", 3, 32, 32},       {"conv32_2/conv2", 3, 32, 32},
    {"conv32_3/conv1", 3, 32, 32},       {"conv32_3/conv2", 3, 32, 32},
    {"conv64_down/conv1", 3, 32, 64},    {"conv64_down/conv2", 3, 64, 64},
    {"conv64_1/conv1", 3, 64, 64},       {"conv64_1/conv2", 3, 64, 64},
    {"conv64_2/conv1", 3, 64, 64},       {"conv64_2/conv2", 3, 64, 64},
    {"conv64_3/conv1", 3, 64, 64},       {"conv64_3/conv2", 3, 64, 64},
    {"conv128_down/conv1", 3, 64, 128},  {"conv128_down/conv2", 3, 128, 128},
    {"conv128_1/conv1", 3, 128, 128},    {"conv128_1/conv2", 3, 128, 128},
    {"conv128_2/conv1", 3, 128, 128},    {"conv128_2/conv2", 3, 128, 128},
    {"conv256_down/conv1", 3, 128, 256}, {"conv256_down/conv2", 3, 256, 256},
    {"conv256_1/conv1", 3, 256, 256},    {"conv256_1/conv2", 3, 256, 256},
    {"conv256_2/conv1", 3, 256, 256},    {"conv256_2/conv2", 3, 256, 256},
    {"conv256_down_out/conv1", 3, 256, 256}, {"conv256_down_out/conv2", 3, 256, 256},
};

/* conv + bias, then x * s + sb per channel:  W' = W * s[co], b' = b * s + sb (in double) */
int recognition_fold(struct net *n)
{
    int err = 0;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        const struct unit *U = &units[u];
        size_t nw = (size_t)U->k * U->k * U->cin * U->cout;
        const float *w = net_w(n, &err, NET_SHAPE(U->k, U->k, U->cin, U->cout), "%s/conv/filters", U->name);
        const float *b = net_w(n, &err, NET_SHAPE(U->cout), "%s/conv/bias", U->name);
        const float *s = net_w(n, &err, NET_SHAPE(U->cout), "%s/scale/weights", U->name);
        const float *sb = net_w(n, &err, NET_SHAPE(U->cout), "%s/scale/biases", U->name);
        if (err)
            return SHOP_EMODEL;
        float *fw = xmalloc(nw * sizeof(float)), *fb = xmalloc((size_t)U->cout * sizeof(float));
        /* HWIO: the output channel is the fastest index */
        for (size_t i = 0; i < nw; i++)
            fw[i] = (float)((double)w[i] * s[i % (size_t)U->cout]);
        for (int c = 0; c < U->cout; c++)
            fb[c] = (float)((double)b[c] * s[c] + sb[c]);
        char name[128];
        snprintf(name, sizeof(name), "%s/conv/filters", U->name);
        net_put(n, name, fw, nw);
        snprintf(name, sizeof(name), "%s/conv/bias", U->name);
        net_put(n, name, fb, (size_t)U->cout);
    }
    return SHOP_OK;
}

static int unit(const struct net *n, struct ops_graph *g, int *err, int x, const char *name,
                int k, int cin, int cout, int stride, enum ops_pad pad, enum ops_act act)
{
    return ops_conv(g, x, net_w(n, err, NET_SHAPE(k, k, cin, cout), "%s/conv/filters", name),
                    net_w(n, err, NET_SHAPE(cout), "%s/conv/bias", name), k, cout, stride, pad, act);
}

/* relu(conv2(relu(conv1(x))) + x), [h, w, c] -> [h, w, c] */
static int residual(const struct net *n, struct ops_graph *g, int *err, int x, const char *blk,
                    int c)
{
    char n1[64], n2[64];
    snprintf(n1, sizeof(n1), "%s/conv1", blk);
    snprintf(n2, sizeof(n2), "%s/conv2", blk);
    int y = unit(n, g, err, x, n1, 3, c, c, 1, OPS_SAME, OPS_RELU);
    y = unit(n, g, err, y, n2, 3, c, c, 1, OPS_SAME, OPS_LINEAR);
    return ops_add(g, y, x, OPS_RELU);
}

/* main: 3x3 s2 'valid' + relu, 3x3 'same'; shortcut: avgpool 2x2 s2, zero channels appended;
 * the main path gets a zero row/column when the shortcut is larger: [h, w, cin] -> [h/2, w/2, cout] */
static int residual_down(const struct net *n, struct ops_graph *g, int *err, int x,
                         const char *blk, int cin, int cout)
{
    char n1[64], n2[64];
    snprintf(n1, sizeof(n1), "%s/conv1", blk);
    snprintf(n2, sizeof(n2), "%s/conv2", blk);
    int y = unit(n, g, err, x, n1, 3, cin, cout, 2, OPS_VALID, OPS_RELU);
    y = unit(n, g, err, y, n2, 3, cout, cout, 1, OPS_SAME, OPS_LINEAR);
    int p = ops_avgpool(g, x, 2, 2);
    int ph, pw, pc, yh, yw, yc;
    ops_shape(g, p, &ph, &pw, &pc);
    ops_shape(g, y, &yh, &yw, &yc);
    if (ph != yh || pw != yw)
        y = ops_pad_zero(g, y, 1, 1, 0);
    if (pc != yc)
        p = ops_pad_zero(g, p, 0, 0, yc - pc);
    return ops_add(g, p, y, OPS_RELU);
}

void recognition_build(const struct net *n, struct ops_graph *g, int *err)
{
    /* [150, 150, 3] -> 7x7 s2 valid -> [72, 72, 32] -> maxpool 3 s2 valid -> [35, 35, 32] */
    int x = unit(n, g, err, OPS_INPUT, "conv32_down", 7, 3, 32, 2, OPS_VALID, OPS_RELU);
    x = ops_maxpool(g, x, 3, 2, OPS_VALID);
    x = residual(n, g, err, x, "conv32_1", 32);
    x = residual(n, g, err, x, "conv32_2", 32);
    x = residual(n, g, err, x, "conv32_3", 32);
    x = residual_down(n, g, err, x, "conv64_down", 32, 64); /* -> 17x17x64 */
    x = residual(n, g, err, x, "conv64_1", 64);
    x = residual(n, g, err, x, "conv64_2", 64);
    x = residual(n, g, err, x, "conv64_3", 64);
    x = residual_down(n, g, err, x, "conv128_down", 64, 128); /* -> 8x8x128 */
    x = residual(n, g, err, x, "conv128_1", 128);
    x = residual(n, g, err, x, "conv128_2", 128);
    x = residual_down(n, g, err, x, "conv256_down", 128, 256); /* -> 4x4x256 */
    x = residual(n, g, err, x, "conv256_1", 256);
    x = residual(n, g, err, x, "conv256_2", 256);
    x = residual_down(n, g, err, x, "conv256_down_out", 256, 256); /* -> 2x2x256 */
    /* mean over the 2x2 positions -> [256] x fc [256, 128], no bias */
    x = ops_avgpool(g, x, 2, 2);
    x = ops_fc(g, x, net_w(n, err, NET_SHAPE(256, 128), "fc"), NULL, 128);
    ops_output(g, x);
}
