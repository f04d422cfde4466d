/* vision/landmarks.c - the dense-block feature extractor shared by face_landmark_68,
 * face_landmark_68_tiny and face_expression, with their FC heads (notes §5, §6). */
#include "vision/nets.h"

/* One dense block: [h, w, cin] -> [h/2, w/2, cout] with nconv (3 or 4) convs.
 * o1 = relu(conv0 s2); o2 = sep(o1); o3 = sep(relu(o1 + o2));
 * o4 = sep(relu(o1 + (o2 + o3))); out = relu(o1 + (o2 + (o3 + o4))), sums in tfjs order. */
static int dense_block(const struct net *n, struct ops_graph *g, int *err, int x, int blk,
                       int cin, int cout, int nconv)
{
    int o[4];
    if (blk == 0)
        o[0] = ops_conv(g, x, net_w(n, err, NET_SHAPE(3, 3, cin, cout), "dense0/conv0/filters"),
                        net_w(n, err, NET_SHAPE(cout), "dense0/conv0/bias"), 3, cout, 2, OPS_SAME,
                        OPS_RELU);
    else
        o[0] = ops_sepconv(g, x,
                           net_w(n, err, NET_SHAPE(3, 3, cin, 1), "dense%d/conv0/depthwise_filter", blk),
                           net_w(n, err, NET_SHAPE(1, 1, cin, cout), "dense%d/conv0/pointwise_filter", blk),
                           net_w(n, err, NET_SHAPE(cout), "dense%d/conv0/bias", blk), cout, 2,
                           OPS_RELU);
    int in = o[0];
    for (int i = 1; i < nconv; i++) {
        o[i] = ops_sepconv(g, in,
                           net_w(n, err, NET_SHAPE(3, 3, cout, 1), "dense%d/conv%d/depthwise_filter", blk, i),
                           net_w(n, err, NET_SHAPE(1, 1, cout, cout), "dense%d/conv%d/pointwise_filter", blk,
                                 i),
                           net_w(n, err, NET_SHAPE(cout), "dense%d/conv%d/bias", blk, i), cout, 1,
                           OPS_LINEAR);
        /* sum o1 + (o2 + (... + oi)) from the right, as tfjs does */
        int s = o[i];
        for (int j = i - 1; j >= 1; j--)
            s = ops_add(g, o[j], s, OPS_LINEAR);
        in = ops_add(g, o[0], s, OPS_RELU);
    }
    return in;
}

void landmarks_build(const struct net *n, struct ops_graph *g, int *err, enum net_kind kind)
{
    int tiny = kind == NET_LM68_TINY;
    int nblk = tiny ? 3 : 4, nconv = tiny ? 3 : 4;
    /* [112, 112, 3] -> 56x56x32 -> 28x28x64 -> 14x14x128 (-> 7x7x256) */
    int x = OPS_INPUT, cin = 3, cout = 32;
    for (int b = 0; b < nblk; b++, cin = cout, cout *= 2)
        x = dense_block(n, g, err, x, b, cin, cout, nconv);
    /* avgpool 'valid' s2 over the whole map -> [1, 1, cin] */
    x = ops_avgpool(g, x, tiny ? 14 : 7, 2);
    int nout = kind == NET_EXPR ? 7 : 136;
    x = ops_fc(g, x, net_w(n, err, NET_SHAPE(cin, nout), "fc/weights"),
               net_w(n, err, NET_SHAPE(nout), "fc/bias"), nout);
    if (kind == NET_EXPR)
        x = ops_softmax(g, x);
    ops_output(g, x);
}
