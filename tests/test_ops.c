/* tests/test_ops.c - XNNPACK layers against the naive TF-semantics references. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "test.h"
#include "vision/ops.h"

static float *randv(struct rng *r, size_t n)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = (float)rng_range(r, -1, 1);
    return v;
}

static double maxdiff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)a[i] - b[i]) > m)
            m = fabs((double)a[i] - b[i]);
    return m;
}

/* a clock that advances 1 ms per reading */
static double tick_clock(void)
{
    static double t;
    return t += 1e-3;
}

/* runs a one-layer graph on in and returns its output (caller frees) */
static float *run1(struct ops_graph *g, int y, const float *in, size_t nin, size_t *nout)
{
    int h, w, c;
    ops_shape(g, y, &h, &w, &c);
    int k = ops_output(g, y);
    *nout = (size_t)h * w * c;
    float *out = calloc(*nout, sizeof(float));
    if (ops_graph_ready(g) != SHOP_OK) {
        CHECK(!"graph ready");
        return out;
    }
    memcpy(ops_graph_in(g), in, nin * sizeof(float));
    CHECK(ops_graph_run(g) == SHOP_OK);
    memcpy(out, ops_graph_out(g, k), *nout * sizeof(float));
    return out;
}

static void conv_case(int h, int w, int cin, int cout, int k, int s, enum ops_pad pad,
                      enum ops_act act)
{
    struct rng r;
    rng_seed(&r, (uint64_t)(h * 131 + w * 7 + k * 3 + s + pad));
    float *in = randv(&r, (size_t)h * w * cin), *f = randv(&r, (size_t)k * k * cin * cout);
    float *b = randv(&r, (size_t)cout);
    float *ohwi = ops_hwio_to_ohwi(f, k, cin, cout);
    struct ops_graph *g = ops_graph_new(h, w, cin);
    int y = ops_conv(g, OPS_INPUT, ohwi, b, k, cout, s, pad, act);
    int oh, ow, oc, pb;
    ops_shape(g, y, &oh, &ow, &oc);
    ops_out_size(h, k, s, pad, &oh, &pb);
    size_t n;
    float *got = run1(g, y, in, (size_t)h * w * cin, &n);
    float *want = calloc(n, sizeof(float));
    CHECK(n == (size_t)oh * ow * cout);
    ops_ref_conv(in, h, w, cin, f, b, k, cout, s, pad, act, want);
    CHECK_NEAR(maxdiff(got, want, n), 0, 2e-5);
    ops_graph_free(g);
    free(in), free(f), free(b), free(ohwi), free(got), free(want);
}

static void conv_matches_reference(void)
{
    conv_case(8, 8, 3, 5, 3, 2, OPS_SAME, OPS_RELU);  /* even input: pad 0 top, 1 bottom */
    conv_case(9, 7, 4, 6, 3, 2, OPS_SAME, OPS_LINEAR);
    conv_case(6, 6, 5, 4, 3, 1, OPS_SAME, OPS_RELU6);
    conv_case(10, 10, 3, 8, 3, 1, OPS_VALID, OPS_LEAKY);
    conv_case(19, 19, 3, 4, 7, 2, OPS_VALID, OPS_RELU); /* recognition's 7x7 s2 valid */
    conv_case(8, 8, 6, 4, 1, 2, OPS_SAME, OPS_LINEAR);  /* 1x1 s2: even positions */
    conv_case(9, 9, 4, 4, 3, 2, OPS_VALID, OPS_RELU);
    /* large enough for oneDNN: a pointwise conv (matmul), 3x3 'same' and stride-2 'valid' */
    conv_case(64, 64, 128, 128, 1, 1, OPS_VALID, OPS_RELU6);
    conv_case(64, 64, 96, 160, 1, 1, OPS_VALID, OPS_LINEAR);
    conv_case(16, 16, 32, 32, 3, 1, OPS_SAME, OPS_LINEAR);
    conv_case(33, 33, 32, 64, 3, 2, OPS_VALID, OPS_RELU);
    conv_case(16, 16, 64, 48, 3, 2, OPS_SAME, OPS_RELU6); /* pads 0 top/left, 1 bottom/right */
}

/* pointwise convs from 32 input channels and 4 M multiply-accumulates run in oneDNN (its
 * matmul beats XNNPACK's GEMM on the small face nets' layers too: 28x28x64 -> 128 0.07 ms
 * against 0.11), with the same results; smaller ones stay in XNNPACK */
static void pointwise_case(int h, int cin, int cout, enum ops_act act, const char *lib)
{
    struct rng r;
    rng_seed(&r, (uint64_t)(h * 7 + cin + cout));
    float *in = randv(&r, (size_t)h * h * cin), *f = randv(&r, (size_t)cin * cout);
    float *b = randv(&r, (size_t)cout), *ohwi = ops_hwio_to_ohwi(f, 1, cin, cout);
    struct ops_graph *g = ops_graph_new(h, h, cin);
    int y = ops_conv(g, OPS_INPUT, ohwi, b, 1, cout, 1, OPS_VALID, act);
    size_t n;
    float *got = run1(g, y, in, (size_t)h * h * cin, &n);
    float *want = calloc(n, sizeof(float));
    ops_ref_conv(in, h, h, cin, f, b, 1, cout, 1, OPS_VALID, act, want);
    CHECK_NEAR(maxdiff(got, want, n), 0, 1e-5 + 1e-7 * cin); /* float sums of cin terms */
    struct ops_prof prof[2];
    CHECK(ops_graph_profile(g, tick_clock, 1, prof, 2) == 2);
    CHECK(strcmp(prof[0].op, lib) == 0);
    ops_graph_free(g);
    free(in), free(f), free(b), free(ohwi), free(got), free(want);
}

static void pointwise_library_by_size(void)
{
    pointwise_case(28, 64, 128, OPS_RELU, "conv-dnnl");   /* 6.4 M */
    pointwise_case(32, 512, 12, OPS_LINEAR, "conv-dnnl"); /* an SSD box predictor, 6.3 M */
    pointwise_case(56, 32, 32, OPS_RELU6, "conv");        /* 3.2 M */
    pointwise_case(64, 16, 64, OPS_LINEAR, "conv");       /* 16 input channels */
}

/* a network's first layer (3 channels in) from 20 M multiply-accumulates runs in oneDNN, with
 * TF's padding: the SSD's 3x3 s2 'same' (even input: 0 rows above, 1 below), the recognition
 * net's 7x7 s2 'valid'; the small nets' stays in XNNPACK */
static void first_layer_case(int h, int k, int s, enum ops_pad pad, int cout, const char *lib)
{
    struct rng r;
    rng_seed(&r, (uint64_t)(h * 5 + k));
    float *in = randv(&r, (size_t)h * h * 3), *f = randv(&r, (size_t)k * k * 3 * cout);
    float *b = randv(&r, (size_t)cout), *ohwi = ops_hwio_to_ohwi(f, k, 3, cout);
    struct ops_graph *g = ops_graph_new(h, h, 3);
    int y = ops_conv(g, OPS_INPUT, ohwi, b, k, cout, s, pad, OPS_RELU6);
    size_t n;
    float *got = run1(g, y, in, (size_t)h * h * 3, &n);
    float *want = calloc(n, sizeof(float));
    ops_ref_conv(in, h, h, 3, f, b, k, cout, s, pad, OPS_RELU6, want);
    CHECK_NEAR(maxdiff(got, want, n), 0, 2e-5);
    struct ops_prof prof[2];
    CHECK(ops_graph_profile(g, tick_clock, 1, prof, 2) == 2);
    CHECK(strcmp(prof[0].op, lib) == 0);
    ops_graph_free(g);
    free(in), free(f), free(b), free(ohwi), free(got), free(want);
}

static void first_layer_library_by_size(void)
{
    first_layer_case(360, 3, 2, OPS_SAME, 32, "conv-dnnl"); /* 28 M */
    first_layer_case(150, 7, 2, OPS_VALID, 32, "conv-dnnl"); /* 25 M */
    first_layer_case(112, 3, 2, OPS_SAME, 32, "conv");       /* 2.7 M */
}

/* ops_graph_set_bf16: on a CPU with AVX512-BF16 the oneDNN pointwise convs with 128 outputs
 * or more multiply BF16 copies (close to f32, not equal to it, "conv-bf16" in the profile);
 * a narrower pointwise conv and the other convs stay f32; elsewhere the graph is exactly f32 */
static void bf16_pointwise_where_available(void)
{
    struct rng r;
    rng_seed(&r, 1616);
    int h = 32, c = 128, co = 64;
    size_t n = (size_t)h * h * c, n64 = (size_t)h * h * co;
    float *in = randv(&r, n), *f1 = randv(&r, (size_t)c * c);
    float *f3 = randv(&r, (size_t)9 * c * c), *f2 = randv(&r, (size_t)c * co);
    float *b = randv(&r, (size_t)c);
    float *o1 = ops_hwio_to_ohwi(f1, 1, c, c), *o3 = ops_hwio_to_ohwi(f3, 3, c, c);
    float *o2 = ops_hwio_to_ohwi(f2, 1, c, co);
    struct ops_graph *g = ops_graph_new(h, h, c);
    ops_graph_set_bf16(g, 1);
    int x = ops_conv(g, OPS_INPUT, o1, b, 1, c, 1, OPS_VALID, OPS_RELU6); /* 16.8 M */
    int y = ops_conv(g, x, o3, NULL, 3, c, 1, OPS_SAME, OPS_LINEAR);      /* 151 M */
    int z = ops_conv(g, x, o2, NULL, 1, co, 1, OPS_VALID, OPS_LINEAR);    /* 8.4 M, 64 out */
    int kx = ops_output(g, x), ky = ops_output(g, y), kz = ops_output(g, z);
    CHECK(ops_graph_ready(g) == SHOP_OK);
    memcpy(ops_graph_in(g), in, n * sizeof(float));
    CHECK(ops_graph_run(g) == SHOP_OK);
    float *wx = malloc(n * sizeof(float)), *wy = malloc(n * sizeof(float));
    float *wz = malloc(n64 * sizeof(float));
    ops_ref_conv(in, h, h, c, f1, b, 1, c, 1, OPS_VALID, OPS_RELU6, wx);
    /* the later convs against the reference on the pointwise output the graph made */
    const float *gx = ops_graph_out(g, kx);
    ops_ref_conv(gx, h, h, c, f3, NULL, 3, c, 1, OPS_SAME, OPS_LINEAR, wy);
    ops_ref_conv(gx, h, h, c, f2, NULL, 1, co, 1, OPS_VALID, OPS_LINEAR, wz);
    double dx = maxdiff(gx, wx, n), dy = maxdiff(ops_graph_out(g, ky), wy, n);
    double dz = maxdiff(ops_graph_out(g, kz), wz, n64);
    struct ops_prof prof[6];
    CHECK(ops_graph_profile(g, tick_clock, 1, prof, 6) == 6);
    CHECK_NEAR(dy, 0, 2e-3); /* f32: sums of 1,152 products up to 6 in size */
    CHECK_NEAR(dz, 0, 1e-3);
    CHECK(strcmp(prof[1].op, "conv-dnnl") == 0 && strcmp(prof[2].op, "conv-dnnl") == 0);
    if (ops_bf16_available()) {
        CHECK(dx > 1e-4 && dx < 0.1); /* sums of 128 products of 8-bit mantissas */
        CHECK(strcmp(prof[0].op, "conv-bf16") == 0);
    } else {
        CHECK_NEAR(dx, 0, 2e-5);
        CHECK(strcmp(prof[0].op, "conv-dnnl") == 0);
    }
    ops_graph_free(g);
    free(in), free(f1), free(f2), free(f3), free(b), free(o1), free(o2), free(o3);
    free(wx), free(wy), free(wz);
}

/* a graph cut at oneDNN layers: values crossing the cuts, a branch read by a later segment
 * and two outputs (the SSD's pattern) */
static void segments_carry_values_across_cuts(void)
{
    struct rng r;
    rng_seed(&r, 77);
    int h = 32, w = 32, c = 64;
    float *in = randv(&r, (size_t)h * w * c), *f1 = randv(&r, (size_t)c * c);
    float *f2 = randv(&r, (size_t)c * c * 9), *b = randv(&r, (size_t)c);
    float *o1 = ops_hwio_to_ohwi(f1, 1, c, c), *o2 = ops_hwio_to_ohwi(f2, 3, c, c);
    struct ops_graph *g = ops_graph_new(h, w, c);
    int a = ops_act(g, OPS_INPUT, OPS_RELU);                             /* XNNPACK */
    int x = ops_conv(g, a, o1, b, 1, c, 1, OPS_VALID, OPS_RELU6);          /* oneDNN, 67 M */
    int y = ops_conv(g, x, o2, NULL, 3, c, 1, OPS_SAME, OPS_LINEAR);       /* oneDNN, 38 M */
    int z = ops_add(g, y, a, OPS_LINEAR);                                  /* reads the branch */
    int k0 = ops_output(g, z), k1 = ops_output(g, x);
    CHECK(ops_graph_ready(g) == SHOP_OK);
    memcpy(ops_graph_in(g), in, (size_t)h * w * c * sizeof(float));
    CHECK(ops_graph_run(g) == SHOP_OK);
    size_t n = (size_t)h * w * c;
    float *ra = malloc(n * sizeof(float)), *rx = malloc(n * sizeof(float));
    float *ry = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        ra[i] = in[i] > 0 ? in[i] : 0;
    ops_ref_conv(ra, h, w, c, f1, b, 1, c, 1, OPS_VALID, OPS_RELU6, rx);
    ops_ref_conv(rx, h, w, c, f2, NULL, 3, c, 1, OPS_SAME, OPS_LINEAR, ry);
    for (size_t i = 0; i < n; i++)
        ry[i] += ra[i];
    CHECK_NEAR(maxdiff(ops_graph_out(g, k1), rx, n), 0, 2e-5);
    CHECK_NEAR(maxdiff(ops_graph_out(g, k0), ry, n), 0, 1e-4);
    CHECK(ops_graph_run(g) == SHOP_OK); /* runs again, same buffers */
    CHECK_NEAR(maxdiff(ops_graph_out(g, k1), rx, n), 0, 2e-5);
    ops_graph_free(g);
    free(in), free(f1), free(f2), free(b), free(o1), free(o2), free(ra), free(rx), free(ry);
}

static void dwconv_case(int h, int w, int c, int s, enum ops_pad pad, enum ops_act act)
{
    struct rng r;
    rng_seed(&r, (uint64_t)(h * 17 + w + s));
    float *in = randv(&r, (size_t)h * w * c), *f = randv(&r, (size_t)9 * c), *b = randv(&r, c);
    struct ops_graph *g = ops_graph_new(h, w, c);
    int y = ops_dwconv(g, OPS_INPUT, f, b, 3, s, pad, act);
    size_t n;
    float *got = run1(g, y, in, (size_t)h * w * c, &n);
    float *want = calloc(n, sizeof(float));
    ops_ref_dwconv(in, h, w, c, f, b, 3, s, pad, act, want);
    CHECK_NEAR(maxdiff(got, want, n), 0, 1e-5);
    /* from 100,000 outputs oneDNN runs it (the profile names the library) */
    struct ops_prof prof[2];
    CHECK(ops_graph_profile(g, tick_clock, 1, prof, 2) == 2);
    CHECK(strcmp(prof[0].op, n >= 100000 ? "dwconv-dnnl" : "dwconv") == 0);
    ops_graph_free(g);
    free(in), free(f), free(b), free(got), free(want);
}

static void dwconv_matches_reference(void)
{
    dwconv_case(7, 9, 5, 2, OPS_SAME, OPS_RELU6);
    dwconv_case(8, 8, 4, 2, OPS_SAME, OPS_RELU6);
    dwconv_case(6, 5, 3, 1, OPS_SAME, OPS_RELU6);
    /* large enough for oneDNN: 'same' stride 1 and 2 (even: pads 0 top/left, 1 bottom/right;
     * odd: 1 on every side), 'valid', each activation */
    dwconv_case(64, 64, 32, 1, OPS_SAME, OPS_RELU6);
    dwconv_case(128, 128, 32, 2, OPS_SAME, OPS_RELU6);
    dwconv_case(129, 129, 32, 2, OPS_SAME, OPS_LINEAR);
    dwconv_case(100, 90, 16, 1, OPS_VALID, OPS_RELU);
    dwconv_case(104, 104, 32, 1, OPS_SAME, OPS_LEAKY);
}

static void pool_case(int h, int w, int c, int k, int s, enum ops_pad pad, int avg)
{
    struct rng r;
    rng_seed(&r, (uint64_t)(h * 3 + k * 5 + s));
    float *in = randv(&r, (size_t)h * w * c);
    for (size_t i = 0; i < (size_t)h * w * c; i++)
        in[i] -= 2.0f; /* all negative: a zero from padding would win a max */
    struct ops_graph *g = ops_graph_new(h, w, c);
    int y = avg ? ops_avgpool(g, OPS_INPUT, k, s) : ops_maxpool(g, OPS_INPUT, k, s, pad);
    size_t n;
    float *got = run1(g, y, in, (size_t)h * w * c, &n);
    float *want = calloc(n, sizeof(float));
    if (avg)
        ops_ref_avgpool(in, h, w, c, k, s, want);
    else
        ops_ref_maxpool(in, h, w, c, k, s, pad, want);
    CHECK_NEAR(maxdiff(got, want, n), 0, 1e-6);
    ops_graph_free(g);
    free(in), free(got), free(want);
}

static void pools_match_reference(void)
{
    pool_case(7, 7, 3, 2, 2, OPS_SAME, 0); /* odd: last row pools alone */
    pool_case(6, 6, 3, 2, 1, OPS_SAME, 0); /* tiny detector's stride-1 pool */
    pool_case(9, 9, 2, 3, 2, OPS_VALID, 0);
    pool_case(8, 8, 4, 3, 2, OPS_SAME, 0);
    pool_case(7, 7, 4, 7, 2, OPS_VALID, 1);
    pool_case(9, 9, 4, 2, 2, OPS_VALID, 1);
}

static void pad_fc_softmax(void)
{
    struct rng r;
    rng_seed(&r, 5);
    float *in = randv(&r, 3 * 3 * 2), *wt = randv(&r, 4 * 4 * 4 * 3), *b = randv(&r, 3);
    struct ops_graph *g = ops_graph_new(3, 3, 2);
    int p = ops_pad_zero(g, OPS_INPUT, 1, 1, 2); /* [3,3,2] -> [4,4,4] */
    int o1 = ops_output(g, p);
    int fc = ops_fc(g, p, wt, b, 3);
    int o2 = ops_output(g, fc);
    int o3 = ops_output(g, ops_softmax(g, fc));
    CHECK(ops_graph_ready(g) == SHOP_OK);
    memcpy(ops_graph_in(g), in, 18 * sizeof(float));
    CHECK(ops_graph_run(g) == SHOP_OK);
    float padded[64] = {0};
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            for (int c = 0; c < 2; c++)
                padded[(y * 4 + x) * 4 + c] = in[(y * 3 + x) * 2 + c];
    CHECK_NEAR(maxdiff(ops_graph_out(g, o1), padded, 64), 0, 0);
    double logits[3], sum = 0;
    for (int j = 0; j < 3; j++) {
        logits[j] = b[j];
        for (int i = 0; i < 64; i++)
            logits[j] += (double)padded[i] * wt[i * 3 + j];
        CHECK_NEAR(ops_graph_out(g, o2)[j], logits[j], 1e-5);
        sum += exp(logits[j]);
    }
    for (int j = 0; j < 3; j++)
        CHECK_NEAR(ops_graph_out(g, o3)[j], exp(logits[j]) / sum, 1e-6);
    ops_graph_free(g);
    free(in), free(wt), free(b);
}

/* ops_prepare = pad to square (value 0) + ops_ref_resize, then normalise */
static void prepare_matches_pad_and_resize(void)
{
    int W = 13, H = 9;
    uint8_t img[13 * 9 * 3];
    struct rng r;
    rng_seed(&r, 9);
    for (int i = 0; i < W * H * 3; i++)
        img[i] = (uint8_t)rng_below(&r, 256);
    /* crop 7 wide x 4 high at (3, 2): centred pad d = 3 -> 1 row before, 2 after */
    int cx = 3, cy = 2, cw = 7, ch = 4;
    float sq[7 * 7 * 3] = {0};
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            for (int c = 0; c < 3; c++)
                sq[((y + 1) * 7 + x) * 3 + c] = img[((cy + y) * W + cx + x) * 3 + c];
    float want[5 * 5 * 3], got[5 * 5 * 3];
    ops_ref_resize(sq, 7, 7, 3, 5, 5, want);
    const float zero[3] = {0, 0, 0};
    ops_prepare(img, W, cx, cy, cw, ch, 1, 5, zero, 1.0f, 0.0f, got);
    CHECK_NEAR(maxdiff(got, want, 75), 0, 0);
    /* not centred: all padding after; and the normalisation */
    memset(sq, 0, sizeof(sq));
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            for (int c = 0; c < 3; c++)
                sq[(y * 7 + x) * 3 + c] = img[((cy + y) * W + cx + x) * 3 + c];
    ops_ref_resize(sq, 7, 7, 3, 5, 5, want);
    const float mean[3] = {10, 20, 30};
    ops_prepare(img, W, cx, cy, cw, ch, 0, 5, mean, 255.0f, 1.0f, got);
    for (int i = 0; i < 75; i++)
        want[i] = (want[i] - mean[i % 3]) / 255.0f - 1.0f;
    CHECK_NEAR(maxdiff(got, want, 75), 0, 0);
    /* legacy resize samples every ratio-th pixel with no anti-aliasing */
    float line[4 * 1 * 1] = {0, 10, 20, 30}, half[2];
    ops_ref_resize(line, 1, 4, 1, 1, 2, half);
    CHECK(half[0] == 0 && half[1] == 20);
}

/* the fast separable ops_prepare equals pad + ops_ref_resize + normalise, bit for bit, when
 * downscaling and upscaling, centred or not, wide and tall crops */
static void prepare_case(int cw, int ch, int size, int centred)
{
    int W = 70, H = 60, cx = 5, cy = 3;
    uint8_t *img = malloc((size_t)W * H * 3);
    struct rng r;
    rng_seed(&r, (uint64_t)(cw * 1000 + ch * 10 + size + centred));
    for (int i = 0; i < W * H * 3; i++)
        img[i] = (uint8_t)rng_below(&r, 256);
    int p = cw > ch ? cw : ch, d = abs(cw - ch);
    int before = centred ? d - (d + 1) / 2 : 0;
    int ox = cw < ch ? before : 0, oy = ch < cw ? before : 0;
    float *sq = calloc((size_t)p * p * 3, sizeof(float));
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            for (int c = 0; c < 3; c++)
                sq[((size_t)(y + oy) * p + x + ox) * 3 + c] = img[((cy + y) * W + cx + x) * 3 + c];
    float *want = malloc((size_t)size * size * 3 * sizeof(float));
    float *got = malloc((size_t)size * size * 3 * sizeof(float));
    ops_ref_resize(sq, p, p, 3, size, size, want);
    const float mean[3] = {122.782f, 117.001f, 104.298f};
    for (int i = 0; i < size * size * 3; i++)
        want[i] = (want[i] - mean[i % 3]) / 255.0f - 0.0f;
    ops_prepare(img, W, cx, cy, cw, ch, centred, size, mean, 255.0f, 0.0f, got);
    CHECK(memcmp(got, want, (size_t)size * size * 3 * sizeof(float)) == 0);
    free(img), free(sq), free(want), free(got);
}

static void prepare_fast_path_is_exact(void)
{
    prepare_case(64, 48, 32, 0); /* a detector input: downscale, padding below */
    prepare_case(48, 57, 40, 0); /* tall: padding right */
    prepare_case(31, 20, 64, 1); /* a face crop: upscale, centred (odd d) */
    prepare_case(20, 33, 112, 1);
    prepare_case(25, 25, 25, 1); /* same size: no resize */
    prepare_case(60, 41, 150, 1);
}

/* the input and outputs (and the buffers between segments) start on a cache line, so that an
 * AVX-512 vector of activations never spans two, and large ones on a huge page */
static void buffers_are_cache_line_aligned(void)
{
    for (int c = 3; c <= 33; c += 15) {
        struct ops_graph *g = ops_graph_new(9, 7, c);
        int y = ops_act(g, OPS_INPUT, OPS_RELU);
        int k0 = ops_output(g, y), k1 = ops_output(g, ops_act(g, y, OPS_RELU6));
        CHECK(ops_graph_ready(g) == SHOP_OK);
        CHECK((uintptr_t)ops_graph_in(g) % 64 == 0);
        CHECK((uintptr_t)ops_graph_out(g, k0) % 64 == 0);
        CHECK((uintptr_t)ops_graph_out(g, k1) % 64 == 0);
        ops_graph_free(g);
    }
    /* from 2 MB, on a huge page's boundary (madvised as transparent huge pages) */
    struct ops_graph *g = ops_graph_new(512, 512, 3);
    int k = ops_output(g, ops_act(g, OPS_INPUT, OPS_RELU));
    CHECK(ops_graph_ready(g) == SHOP_OK);
    CHECK((uintptr_t)ops_graph_in(g) % (2u << 20) == 0);
    CHECK((uintptr_t)ops_graph_out(g, k) % (2u << 20) == 0);
    ops_graph_free(g);
}

void test_ops(void)
{
    RUN(conv_matches_reference);
    RUN(dwconv_matches_reference);
    RUN(pools_match_reference);
    RUN(pad_fc_softmax);
    RUN(prepare_matches_pad_and_resize);
    RUN(prepare_fast_path_is_exact);
    RUN(segments_carry_values_across_cuts);
    RUN(pointwise_library_by_size);
    RUN(first_layer_library_by_size);
    RUN(bf16_pointwise_where_available);
    RUN(buffers_are_cache_line_aligned);
}
