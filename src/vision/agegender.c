/* vision/agegender.c - age_gender: TinyXception with 2 middle blocks and two FC heads
 * (notes §7). Outputs: 0 age in years [1], 1 softmax gender [2] (index 0 = male). */
#include <stdio.h>

#include "vision/nets.h"

static int sep(const struct net *n, struct ops_graph *g, int *err, int x, const char *pre,
               int cin, int cout)
{
    return ops_sepconv(g, x, net_w(n, err, NET_SHAPE(3, 3, cin, 1), "%s/depthwise_filter", pre),
                       net_w(n, err, NET_SHAPE(1, 1, cin, cout), "%s/pointwise_filter", pre),
                       net_w(n, err, NET_SHAPE(cout), "%s/bias", pre), cout, 1, OPS_LINEAR);
}

/* a = sep0(act? relu(x) : x); a = maxpool3s2(sep1(relu(a))); out = a + conv1x1s2(x):
 * [h, w, cin] -> [h/2, w/2, cout] */
static int reduction(const struct net *n, struct ops_graph *g, int *err, int x, const char *blk,
                     int cin, int cout, int activate)
{
    char p[96];
    int a = activate ? ops_act(g, x, OPS_RELU) : x;
    snprintf(p, sizeof(p), "%s/separable_conv0", blk);
    a = sep(n, g, err, a, p, cin, cout);
    snprintf(p, sizeof(p), "%s/separable_conv1", blk);
    a = sep(n, g, err, ops_act(g, a, OPS_RELU), p, cout, cout);
    a = ops_maxpool(g, a, 3, 2, OPS_SAME);
    int e = ops_conv(g, x,
                     net_w(n, err, NET_SHAPE(1, 1, cin, cout), "%s/expansion_conv/filters", blk),
                     net_w(n, err, NET_SHAPE(cout), "%s/expansion_conv/bias", blk), 1, cout, 2,
                     OPS_SAME, OPS_LINEAR);
    return ops_add(g, a, e, OPS_LINEAR);
}

/* three relu + sep convs, plus x: [14, 14, 128] -> same */
static int main_block(const struct net *n, struct ops_graph *g, int *err, int x, int blk)
{
    int y = x;
    for (int i = 0; i < 3; i++) {
        char p[96];
        snprintf(p, sizeof(p), "middle_flow/main_block_%d/separable_conv%d", blk, i);
        y = sep(n, g, err, ops_act(g, y, OPS_RELU), p, 128, 128);
    }
    return ops_add(g, y, x, OPS_LINEAR);
}

void agegender_build(const struct net *n, struct ops_graph *g, int *err)
{
    /* [112, 112, 3] -> 3x3 s2 + relu -> [56, 56, 32] */
    int x = ops_conv(g, OPS_INPUT, net_w(n, err, NET_SHAPE(3, 3, 3, 32), "entry_flow/conv_in/filters"),
                     net_w(n, err, NET_SHAPE(32), "entry_flow/conv_in/bias"), 3, 32, 2, OPS_SAME, OPS_RELU);
    x = reduction(n, g, err, x, "entry_flow/reduction_block_0", 32, 64, 0);  /* 28x28x64 */
    x = reduction(n, g, err, x, "entry_flow/reduction_block_1", 64, 128, 1); /* 14x14x128 */
    x = main_block(n, g, err, x, 0);
    x = main_block(n, g, err, x, 1);
    x = reduction(n, g, err, x, "exit_flow/reduction_block", 128, 256, 1); /* 7x7x256 */
    x = ops_sepconv(g, x, net_w(n, err, NET_SHAPE(3, 3, 256, 1), "exit_flow/separable_conv/depthwise_filter"),
                    net_w(n, err, NET_SHAPE(1, 1, 256, 512), "exit_flow/separable_conv/pointwise_filter"),
                    net_w(n, err, NET_SHAPE(512), "exit_flow/separable_conv/bias"), 512, 1, OPS_RELU);
    x = ops_avgpool(g, x, 7, 2); /* -> [1, 1, 512] */
    int age = ops_fc(g, x, net_w(n, err, NET_SHAPE(512, 1), "fc/age/weights"), net_w(n, err, NET_SHAPE(1), "fc/age/bias"),
                     1);
    int gender = ops_fc(g, x, net_w(n, err, NET_SHAPE(512, 2), "fc/gender/weights"),
                        net_w(n, err, NET_SHAPE(2), "fc/gender/bias"), 2);
    ops_output(g, age);
    ops_output(g, ops_softmax(g, gender));
}
