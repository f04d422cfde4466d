/* vision/face.c - the face pipeline (notes §9): detect -> crop -> landmarks -> aligned rect
 * -> expressions, age/gender; dlib box -> descriptor. */
#include "vision/face.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "vision/nets.h"

const char *const face_expression_names[FACE_EXPRESSIONS] = {
    "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised",
};

static const float mean_tiny[3] = {117.001f, 114.697f, 97.404f};
static const float mean_face[3] = {122.782f, 117.001f, 104.298f};
static const float zero3[3] = {0, 0, 0};

struct face_engine {
    struct net *nets[NET_COUNT];
};

struct face_ws {
    const struct face_engine *e;
    struct ops_graph *g[NET_COUNT];
    int tiny_size; /* input side of g[NET_TINY] */
    int bf16[NET_COUNT]; /* g[k] built with ops_graph_set_bf16 */
    struct net_box *boxes;
    struct net_box *kept; /* the own scale's boxes while a weak detection is checked */
    int cap_boxes;
    struct image canvas; /* the padded canvas of --pad-canvas */
    size_t cap_canvas;
    int found; /* faces the last face_detect found, before any cap (face_ws_found) */
    double (*now)(void); /* the caller's clock, for face_ws_stats */
    struct face_ws_stats st;
    uint8_t *flip; /* the mirrored recognition crop of opts.mirror */
    size_t cap_flip;
};

_Static_assert(FACE_NETS == NET_COUNT, "face.h and nets.h list the same networks");

static double tick(const struct face_ws *ws)
{
    return ws->now ? ws->now() : 0;
}

/* adds the time since t0 to network k */
static void tock(struct face_ws *ws, enum net_kind k, double t0)
{
    if (!ws->now)
        return;
    ws->st.net_ms[k] += (ws->now() - t0) * 1e3;
    ws->st.net_runs[k]++;
}

void face_opts_default(struct face_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->detector = FACE_DETECT_SSD;
    o->tiny_size = 416;
    o->min_score = 0.5;
    o->max_results = 100;
    o->want = FACE_WANT_ALL;
}

int face_engine_load(const char *dir, unsigned nets, struct face_engine **out)
{
    struct face_engine *e = xcalloc(1, sizeof(*e));
    int rc = SHOP_OK;
    for (int k = 0; k < NET_COUNT && rc == SHOP_OK; k++)
        if (nets & (1u << k))
            rc = net_load((enum net_kind)k, dir, &e->nets[k]);
    if (rc != SHOP_OK) {
        face_engine_free(e);
        *out = NULL;
        return rc;
    }
    *out = e;
    return SHOP_OK;
}

void face_engine_free(struct face_engine *e)
{
    if (!e)
        return;
    for (int k = 0; k < NET_COUNT; k++)
        net_free(e->nets[k]);
    free(e);
}

struct face_ws *face_ws_new(const struct face_engine *e)
{
    struct face_ws *ws = xcalloc(1, sizeof(*ws));
    ws->e = e;
    return ws;
}

void face_ws_free(struct face_ws *ws)
{
    if (!ws)
        return;
    for (int k = 0; k < NET_COUNT; k++)
        ops_graph_free(ws->g[k]);
    free(ws->boxes);
    free(ws->kept);
    free(ws->canvas.rgb);
    free(ws->flip);
    free(ws);
}

/* the graph of network k (built on first use; again when its size or precision changes);
 * NULL when not loaded or failed */
static struct ops_graph *graph(struct face_ws *ws, enum net_kind k, int size, int bf16)
{
    if (!ws->e->nets[k])
        return NULL;
    if (ws->g[k] && (k != NET_TINY || ws->tiny_size == size) && ws->bf16[k] == bf16)
        return ws->g[k];
    ops_graph_free(ws->g[k]);
    ws->g[k] = NULL;
    ws->st.builds++;
    if (net_graph(ws->e->nets[k], size, bf16, &ws->g[k]) != SHOP_OK)
        return NULL;
    ws->bf16[k] = bf16;
    if (k == NET_TINY)
        ws->tiny_size = size;
    return ws->g[k];
}

/* face-api's clipAtImageBorders + floor; returns 0 when the crop is empty */
static int crop_rect(double x, double y, double w, double h, int W, int H, int r[4])
{
    double cx = fmax(x, 0), cy = fmax(y, 0);
    double cw = fmin(x + w - cx, W - cx), ch = fmin(y + h - cy, H - cy);
    r[0] = (int)floor(cx);
    r[1] = (int)floor(cy);
    r[2] = (int)floor(cw);
    r[3] = (int)floor(ch);
    return r[2] > 0 && r[3] > 0 && r[0] < W && r[1] < H;
}

/* runs a 112/150 face network on a crop; returns the graph or NULL */
static struct ops_graph *run_crop(struct face_ws *ws, enum net_kind k, const struct image *img,
                                  const int r[4])
{
    struct ops_graph *g = graph(ws, k, 0, 0);
    if (!g)
        return NULL;
    double t0 = tick(ws);
    int size = net_input_size(k);
    ops_prepare(img->rgb, img->w, r[0], r[1], r[2], r[3], 1, size, mean_face, 255.0f, 0.0f,
                ops_graph_in(g));
    int rc = ops_graph_run(g);
    tock(ws, k, t0);
    return rc == SHOP_OK ? g : NULL;
}

static int ensure_boxes(struct face_ws *ws, int n)
{
    if (ws->cap_boxes < n) {
        free(ws->boxes);
        free(ws->kept);
        ws->boxes = xmalloc((size_t)n * sizeof(*ws->boxes));
        ws->kept = xmalloc((size_t)n * sizeof(*ws->kept));
        ws->cap_boxes = n;
        ws->st.grows++;
    }
    return n;
}

/* detection boxes in pixels of img, best first; returns the count or a negative error */
static int detect(struct face_ws *ws, const struct image *img, const struct face_opts *o)
{
    int W = img->w, H = img->h, nb;
    if (o->detector == FACE_DETECT_TINY) {
        struct ops_graph *g = graph(ws, NET_TINY, o->tiny_size, o->bf16_detector);
        if (!g)
            return ws->e->nets[NET_TINY] ? SHOP_EMODEL : SHOP_EINVAL;
        ensure_boxes(ws, TINYFACE_CANDIDATES(o->tiny_size));
        double t0 = tick(ws);
        ops_prepare(img->rgb, W, 0, 0, W, H, 0, o->tiny_size, mean_tiny, 255.0f, 0.0f,
                    ops_graph_in(g));
        if (ops_graph_run(g) != SHOP_OK)
            return SHOP_EMODEL;
        nb = tinyface_decode(ops_graph_out(g, 0), o->tiny_size, W, H, o->min_score, ws->boxes);
        ws->found = nb;
        tock(ws, NET_TINY, t0);
    } else {
        struct ops_graph *g = graph(ws, NET_SSD, 0, o->bf16_detector);
        if (!g)
            return ws->e->nets[NET_SSD] ? SHOP_EMODEL : SHOP_EINVAL;
        ensure_boxes(ws, SSD_ANCHORS);
        double t0 = tick(ws);
        ops_prepare(img->rgb, W, 0, 0, W, H, 0, 512, zero3, 127.5f, 1.0f, ops_graph_in(g));
        if (ops_graph_run(g) != SHOP_OK)
            return SHOP_EMODEL;
        /* every box NMS keeps, so that a cut by max_results can be told: greedy NMS keeps
         * the same first max_results boxes whatever the cap */
        nb = ssd_decode(ws->e->nets[NET_SSD], g, W, H, o->min_score, SSD_ANCHORS, ws->boxes);
        ws->found = nb;
        if (nb > o->max_results)
            nb = o->max_results > 0 ? o->max_results : 0;
        tock(ws, NET_SSD, t0);
    }
    for (int i = 0; i < nb; i++) { /* relative -> pixels (face-api's rescale) */
        struct net_box *b = &ws->boxes[i];
        b->x *= W;
        b->y *= H;
        b->w *= W;
        b->h *= H;
    }
    return nb;
}

/* the image with a black border of `quarters` quarters of its size on every side (2: half) */
static const struct image *pad_canvas(struct face_ws *ws, const struct image *img, int quarters,
                                      int *ox, int *oy)
{
    *ox = (int)((int64_t)img->w * quarters / 4);
    *oy = (int)((int64_t)img->h * quarters / 4);
    int cw = img->w + 2 * *ox, ch = img->h + 2 * *oy;
    size_t need = (size_t)cw * ch * 3;
    if (ws->cap_canvas < need) {
        free(ws->canvas.rgb);
        ws->canvas.rgb = xmalloc(need);
        ws->cap_canvas = need;
        ws->st.grows++;
    }
    ws->canvas.w = cw;
    ws->canvas.h = ch;
    memset(ws->canvas.rgb, 0, need);
    for (int y = 0; y < img->h; y++)
        memcpy(ws->canvas.rgb + ((size_t)(y + *oy) * cw + *ox) * 3,
               img->rgb + (size_t)y * img->w * 3, (size_t)img->w * 3);
    return &ws->canvas;
}

/* An n x n network input sampled bilinearly at real-valued positions of img (zeros off the
 * image), normalised as face-api's face nets: input pixel (u, v) reads
 * (o[0] + u * du[0] + v * dv[0], o[1] + u * du[1] + v * dv[1]). keep: NULL, or [x0, y0, x1, y1]
 * outside which the input is black (the padding of a crop made square). */
static void sample_input(const struct image *img, const double o[2], const double du[2],
                         const double dv[2], const double *keep, int n, float *in)
{
    for (int v = 0; v < n; v++)
        for (int u = 0; u < n; u++) {
            double sx = o[0] + u * du[0] + v * dv[0], sy = o[1] + u * du[1] + v * dv[1];
            int out = keep && (sx < keep[0] || sy < keep[1] || sx >= keep[2] || sy >= keep[3]);
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double fx = sx - x0, fy = sy - y0;
            for (int k = 0; k < 3; k++) {
                double p[2][2];
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) {
                        int yy = y0 + i, xx = x0 + j;
                        p[i][j] = (!out && yy >= 0 && yy < img->h && xx >= 0 && xx < img->w)
                                      ? img->rgb[((size_t)yy * img->w + xx) * 3 + k]
                                      : 0;
                    }
                double top = p[0][0] + (p[0][1] - p[0][0]) * fx;
                double bot = p[1][0] + (p[1][1] - p[1][0]) * fx;
                in[((size_t)v * n + u) * 3 + k] =
                    ((float)(top + (bot - top) * fy) - mean_face[k]) / 255.0f;
            }
        }
}

/* option subpixel: the landmark net on the detection box clipped to the image and made
 * square (black bars, centred), sampled at real-valued positions; the points back in image
 * pixels by the same mapping */
static int landmarks_subpixel(struct face_ws *ws, const struct image *img, enum net_kind k,
                              struct face *f, int crop[2])
{
    struct ops_graph *g = graph(ws, k, 0, 0);
    if (!g)
        return SHOP_EMODEL;
    double t0 = tick(ws);
    double x0 = fmax(f->box[0], 0), y0 = fmax(f->box[1], 0);
    double x1 = fmin(f->box[0] + f->box[2], img->w), y1 = fmin(f->box[1] + f->box[3], img->h);
    double side = fmax(x1 - x0, y1 - y0), step = side / 112;
    double o[2] = {x0 - (side - (x1 - x0)) / 2, y0 - (side - (y1 - y0)) / 2};
    double du[2] = {step, 0}, dv[2] = {0, step}, keep[4] = {x0, y0, x1, y1};
    sample_input(img, o, du, dv, keep, 112, ops_graph_in(g));
    int rc = ops_graph_run(g);
    tock(ws, k, t0);
    if (rc != SHOP_OK)
        return SHOP_EMODEL;
    const float *out = ops_graph_out(g, 0);
    for (int i = 0; i < 68; i++) {
        f->landmarks[i][0] = o[0] + (double)out[2 * i] * side;
        f->landmarks[i][1] = o[1] + (double)out[2 * i + 1] * side;
    }
    f->have |= FACE_WANT_LANDMARKS;
    crop[0] = (int)(x1 - x0);
    crop[1] = (int)(y1 - y0);
    return 1;
}

/* 68 points in image pixels from the landmark net (face-api's postProcess in float32,
 * then relative * crop size + the unfloored detection origin) */
static int landmarks(struct face_ws *ws, const struct image *img, const struct face_opts *o,
                     struct face *f, int crop[2])
{
    enum net_kind k = o->tiny_landmarks ? NET_LM68_TINY : NET_LM68;
    int r[4];
    if (!crop_rect(f->box[0], f->box[1], f->box[2], f->box[3], img->w, img->h, r))
        return 0;
    if (o->subpixel)
        return landmarks_subpixel(ws, img, k, f, crop);
    struct ops_graph *g = run_crop(ws, k, img, r);
    if (!g)
        return SHOP_EMODEL;
    const float *out = ops_graph_out(g, 0);
    double s = 112.0 / (r[2] > r[3] ? r[2] : r[3]);
    double wp = r[2] * s, hp = r[3] * s;
    float padx = (float)(wp < hp ? fabs(wp - hp) / 2 : 0), pady = (float)(hp < wp ? fabs(wp - hp) / 2 : 0);
    for (int i = 0; i < 68; i++) {
        float rx = (out[2 * i] * 112.0f - padx) / (float)wp;
        float ry = (out[2 * i + 1] * 112.0f - pady) / (float)hp;
        f->landmarks[i][0] = (double)rx * r[2] + f->box[0];
        f->landmarks[i][1] = (double)ry * r[3] + f->box[1];
    }
    f->have |= FACE_WANT_LANDMARKS;
    /* the crop size is the landmarks' imageWidth/Height, used by the dlib box */
    crop[0] = r[2];
    crop[1] = r[3];
    return 1;
}

/* min/max box of the points grown by 20 % (face-api's alignMinBbox(0.2)) */
static void aligned_rect(const struct face *f, double b[4])
{
    double minx = INFINITY, miny = INFINITY, maxx = 0, maxy = 0;
    for (int i = 0; i < 68; i++) {
        double x = f->landmarks[i][0], y = f->landmarks[i][1];
        minx = x < minx ? x : minx;
        miny = y < miny ? y : miny;
        maxx = maxx < x ? x : maxx;
        maxy = maxy < y ? y : maxy;
    }
    double w = maxx - minx, h = maxy - miny, px = w * 0.2, py = h * 0.2;
    b[0] = minx - px / 2;
    b[1] = miny - py / 2;
    b[2] = w + px;
    b[3] = h + py;
}

static void mean_point(const struct face *f, int from, int to, double p[2])
{
    double sx = 0, sy = 0;
    for (int i = from; i < to; i++) {
        sx += f->landmarks[i][0];
        sy += f->landmarks[i][1];
    }
    p[0] = sx / (to - from);
    p[1] = sy / (to - from);
}

/* face-api's alignDlib square before its roundings: its centre (the mean of the eye and
 * mouth centres), its side (the mean eye-to-mouth distance / 0.45) and the eyes' angle */
static void dlib_square(const struct face *f, double c[2], double *side, double *angle)
{
    double el[2], er[2], m[2];
    mean_point(f, 36, 42, el);
    mean_point(f, 42, 48, er);
    mean_point(f, 48, 68, m);
    double d = (hypot(m[0] - el[0], m[1] - el[1]) + hypot(m[0] - er[0], m[1] - er[1])) / 2;
    *side = d / 0.45;
    c[0] = (el[0] + er[0] + m[0]) / 3;
    c[1] = (el[1] + er[1] + m[1]) / 3;
    *angle = atan2(er[1] - el[1], er[0] - el[0]);
}

/* face-api's alignDlib: a square from the eye and mouth centres; cw, ch = landmark crop */
static void dlib_rect(const struct face *f, int cw, int ch, double b[4])
{
    double c[2], side, angle;
    dlib_square(f, c, &side, &angle);
    double size = floor(side), cx = c[0], cy = c[1];
    double x = floor(fmax(0, cx - 0.5 * size)), y = floor(fmax(0, cy - 0.43 * size));
    b[0] = x;
    b[1] = y;
    b[2] = fmin(size, cw + x);
    b[3] = fmin(size, ch + y);
}

/* option jitter: the recognition crop shifted and scaled a little (dlib's num_jitters draws
 * such crops at random; these are fixed): dx, dy as fractions of the crop's side, then the
 * side scaled about its centre */
static const double jitters[FACE_MAX_JITTER][3] = {
    {0.03, 0, 1},        {-0.03, 0, 1},        {0, 0.03, 1},         {0, -0.03, 1},
    {0, 0, 1.06},        {0, 0, 0.94},         {0.02, 0.02, 1.03},   {-0.02, -0.02, 0.97},
};

/* adds w * out to the descriptor (pass 0 sets it) */
static void add_descriptor(struct face *f, const float *out, int pass, float w)
{
    for (int i = 0; i < FACE_DESCRIPTOR; i++)
        f->descriptor[i] = (pass ? f->descriptor[i] : 0) + w * out[i];
}

/* option mirror: the recognition net on the crop r mirrored left-right (a copy in ws) */
static struct ops_graph *run_mirrored(struct face_ws *ws, const struct image *img, const int r[4])
{
    struct ops_graph *g = graph(ws, NET_RECOG, 0, 0);
    if (!g)
        return NULL;
    double t0 = tick(ws); /* the flip and the pass, timed as the descriptor network */
    size_t need = (size_t)r[2] * r[3] * 3;
    if (ws->cap_flip < need) {
        free(ws->flip);
        ws->flip = xmalloc(need);
        ws->cap_flip = need;
    }
    for (int y = 0; y < r[3]; y++) {
        const uint8_t *src = img->rgb + ((size_t)(r[1] + y) * img->w + r[0]) * 3;
        uint8_t *dst = ws->flip + (size_t)y * r[2] * 3;
        for (int x = 0; x < r[2]; x++)
            memcpy(dst + (size_t)(r[2] - 1 - x) * 3, src + (size_t)x * 3, 3);
    }
    ops_prepare(ws->flip, r[2], 0, 0, r[2], r[3], 1, net_input_size(NET_RECOG), mean_face, 255.0f,
                0.0f, ops_graph_in(g));
    int rc = ops_graph_run(g);
    tock(ws, NET_RECOG, t0);
    return rc == SHOP_OK ? g : NULL;
}

/* option --align: the dlib square rotated so the eyes are level, sampled bilinearly
 * straight into the recognition input */
static int aligned_descriptor(struct face_ws *ws, const struct image *img, struct face *f)
{
    struct ops_graph *g = graph(ws, NET_RECOG, 0, 0);
    if (!g)
        return SHOP_EMODEL;
    double t0 = tick(ws);
    double ctr[2], size, th;
    dlib_square(f, ctr, &size, &th);
    double c = cos(th), s = sin(th);
    double step = size / 150, dx = -75.0 * step, dy = -64.5 * step;
    double o[2] = {ctr[0] + c * dx - s * dy, ctr[1] + s * dx + c * dy};
    double du[2] = {c * step, s * step}, dv[2] = {-s * step, c * step};
    sample_input(img, o, du, dv, NULL, 150, ops_graph_in(g));
    int rc = ops_graph_run(g);
    tock(ws, NET_RECOG, t0);
    if (rc != SHOP_OK)
        return SHOP_EMODEL;
    memcpy(f->descriptor, ops_graph_out(g, 0), sizeof(f->descriptor));
    f->have |= FACE_WANT_DESCRIPTOR;
    return SHOP_OK;
}

/* a 150 x 150 x 3 recognition input mirrored left-right, in place */
static void flip_input(float *in)
{
    for (int v = 0; v < 150; v++)
        for (int u = 0; u < 75; u++)
            for (int k = 0; k < 3; k++) {
                float *a = &in[((size_t)v * 150 + u) * 3 + k];
                float *b = &in[((size_t)v * 150 + 149 - u) * 3 + k];
                float t = *a;
                *a = *b;
                *b = t;
            }
}

/* option subpixel: face-api's dlib square (eye and mouth centres) without its roundings,
 * sampled at real-valued positions (zeros off the image), with the jittered copies and the
 * mirrored views of o (the mirror flips the sampled input, which a run leaves as it was) */
static int describe_subpixel(struct face_ws *ws, const struct image *img,
                             const struct face_opts *o, struct face *f)
{
    struct ops_graph *g = graph(ws, NET_RECOG, 0, 0);
    if (!g)
        return SHOP_EMODEL;
    double ctr[2], size, angle;
    dlib_square(f, ctr, &size, &angle);
    double x = ctr[0] - 0.5 * size, y = ctr[1] - 0.43 * size;
    int crops = 1 + o->jitter, views = o->mirror ? 2 : 1, pass = 0;
    float w = 1.0f / (float)(crops * views);
    for (int j = 0; j < crops; j++) {
        double s = j ? jitters[j - 1][2] : 1, dx = j ? jitters[j - 1][0] : 0;
        double dy = j ? jitters[j - 1][1] : 0, step = size * s / 150;
        double org[2] = {x + size * (dx + (1 - s) / 2), y + size * (dy + (1 - s) / 2)};
        double du[2] = {step, 0}, dv[2] = {0, step};
        double t0 = tick(ws);
        sample_input(img, org, du, dv, NULL, 150, ops_graph_in(g));
        for (int view = 0; view < views; view++) {
            if (view) {
                t0 = tick(ws);
                flip_input(ops_graph_in(g));
            }
            int rc = ops_graph_run(g);
            tock(ws, NET_RECOG, t0);
            if (rc != SHOP_OK)
                return SHOP_EMODEL;
            add_descriptor(f, ops_graph_out(g, 0), pass++, w);
        }
    }
    f->have |= FACE_WANT_DESCRIPTOR;
    return SHOP_OK;
}

/* the descriptor of a face with landmarks; lm_crop = the landmark crop's size */
static int describe(struct face_ws *ws, const struct image *img, const struct face_opts *o,
                    struct face *f, const int lm_crop[2])
{
    int W = img->w, H = img->h, r[4];
    if (o->align)
        return aligned_descriptor(ws, img, f); /* no mirror pass here */
    if (o->subpixel)
        return describe_subpixel(ws, img, o, f);
    memset(f->descriptor, 0, sizeof(f->descriptor));
    double b[4];
    dlib_rect(f, lm_crop[0], lm_crop[1], b);
    int crops = 1 + o->jitter, views = o->mirror ? 2 : 1, pass = 0;
    float w = 1.0f / (float)(crops * views);
    /* the mean over the crop and its jittered copies, each also mirrored with mirror */
    for (int j = 0; j < crops; j++) {
        double s = j ? jitters[j - 1][2] : 1, dx = j ? jitters[j - 1][0] : 0;
        double dy = j ? jitters[j - 1][1] : 0;
        if (!crop_rect(b[0] + b[2] * (dx + (1 - s) / 2), b[1] + b[3] * (dy + (1 - s) / 2),
                       b[2] * s, b[3] * s, W, H, r)) {
            if (j == 0)
                break; /* zeros for an empty crop, as face-api */
            continue;  /* a jittered copy off the image: the mean of the others */
        }
        struct ops_graph *g = run_crop(ws, NET_RECOG, img, r);
        if (!g)
            return SHOP_EMODEL;
        add_descriptor(f, ops_graph_out(g, 0), pass++, w);
        if (o->mirror) {
            if (!(g = run_mirrored(ws, img, r)))
                return SHOP_EMODEL;
            add_descriptor(f, ops_graph_out(g, 0), pass++, w);
        }
    }
    if (pass > 0 && pass < crops * views) /* some copies were off the image */
        for (int i = 0; i < FACE_DESCRIPTOR; i++)
            f->descriptor[i] *= (float)(crops * views) / (float)pass;
    f->have |= FACE_WANT_DESCRIPTOR;
    return SHOP_OK;
}

static int analyse(struct face_ws *ws, const struct image *img, const struct face_opts *o,
                   struct face *f)
{
    int W = img->w, H = img->h, r[4], lm_crop[2] = {0, 0};
    if (o->want & (FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR)) {
        int rc = landmarks(ws, img, o, f, lm_crop);
        if (rc < 0)
            return rc;
    }
    /* expressions and age/gender see the aligned rect, or the detection without landmarks */
    double b[4] = {f->box[0], f->box[1], f->box[2], f->box[3]};
    if (f->have & FACE_WANT_LANDMARKS)
        aligned_rect(f, b);
    int have_crop = crop_rect(b[0], b[1], b[2], b[3], W, H, r);
    if ((o->want & FACE_WANT_EXPRESSIONS) && have_crop) {
        struct ops_graph *g = run_crop(ws, NET_EXPR, img, r);
        if (!g)
            return SHOP_EMODEL;
        memcpy(f->expressions, ops_graph_out(g, 0), sizeof(f->expressions));
        f->have |= FACE_WANT_EXPRESSIONS;
    }
    if ((o->want & FACE_WANT_AGEGENDER) && have_crop) {
        struct ops_graph *g = run_crop(ws, NET_AGEGENDER, img, r);
        if (!g)
            return SHOP_EMODEL;
        double p0 = ops_graph_out(g, 1)[0];
        f->age = ops_graph_out(g, 0)[0];
        f->male = p0 > 0.5;
        f->gender_probability = f->male ? p0 : 1 - p0;
        f->have |= FACE_WANT_AGEGENDER;
    }
    if ((o->want & FACE_WANT_DESCRIPTOR) && (f->have & FACE_WANT_LANDMARKS)) {
        return describe(ws, img, o, f, lm_crop);
    }
    return SHOP_OK;
}

static int opts_valid(const struct face_opts *o);

int face_describe(struct face_ws *ws, const struct image *img, const struct face_opts *o,
                  struct face *f)
{
    int r[4];
    if (!img || !img->rgb || img->w <= 0 || img->h <= 0 || !opts_valid(o) ||
        !(f->have & FACE_WANT_LANDMARKS))
        return SHOP_EINVAL;
    if (!ws->e->nets[NET_RECOG])
        return SHOP_EINVAL;
    int lm_crop[2] = {0, 0};
    if (crop_rect(f->box[0], f->box[1], f->box[2], f->box[3], img->w, img->h, r)) {
        lm_crop[0] = r[2];
        lm_crop[1] = r[3];
    }
    return describe(ws, img, o, f, lm_crop);
}

int face_ws_found(const struct face_ws *ws)
{
    return ws->found;
}

/* the options face_detect accepts */
static int opts_valid(const struct face_opts *o)
{
    return !(o->detector == FACE_DETECT_TINY && (o->tiny_size < 32 || o->tiny_size % 32)) &&
           o->jitter >= 0 && o->jitter <= FACE_MAX_JITTER;
}

/* the fallback also checks a detection at the image's own scale whose best score is under
 * this (of faces-calib's 1,922 photos, 30 have their largest face under 0.6) */
#define FALLBACK_WEAK 0.6

static double largest_area(const struct net_box *b, int n)
{
    double a = 0;
    for (int i = 0; i < n; i++)
        a = fmax(a, b[i].w * b[i].h);
    return a;
}

int face_detect(struct face_ws *ws, const struct image *img, const struct face_opts *o,
                struct face *faces, int max, int *n)
{
    *n = 0;
    ws->found = 0;
    if (!img || !img->rgb || img->w <= 0 || img->h <= 0 || max < 0 || !opts_valid(o))
        return SHOP_EINVAL;
    const struct image *det_img = img;
    int ox = 0, oy = 0;
    if (o->pad_canvas)
        det_img = pad_canvas(ws, img, 2, &ox, &oy);
    int nb = detect(ws, det_img, o);
    if (nb > 0 && o->fallback && !o->pad_canvas && ws->boxes[0].score < FALLBACK_WEAK) {
        /* only a weak face at the image's own scale, perhaps another than the one filling
         * the frame (a girl's face in a corner at 0.501 on Ariel_Sharon_0004 in faces-calib,
         * where the half border finds him): look on the half border too, and keep the pass
         * whose largest face is larger */
        int found = ws->found, cx, cy;
        memcpy(ws->kept, ws->boxes, (size_t)nb * sizeof(*ws->kept));
        const struct image *canvas = pad_canvas(ws, img, 2, &cx, &cy);
        int nc = detect(ws, canvas, o);
        if (nc < 0)
            return nc;
        if (nc > 0 && largest_area(ws->boxes, nc) > largest_area(ws->kept, nb)) {
            det_img = canvas;
            ox = cx;
            oy = cy;
            nb = nc;
        } else {
            memcpy(ws->boxes, ws->kept, (size_t)nb * sizeof(*ws->boxes));
            ws->found = found;
        }
    }
    if (nb == 0 && o->fallback && !o->pad_canvas) {
        /* a face that fills the frame or sits at its edge: look again with a border */
        det_img = pad_canvas(ws, img, 2, &ox, &oy);
        nb = detect(ws, det_img, o);
    }
    if (nb == 0 && o->fallback) {
        /* still nothing: a quarter border, a face seen larger than on the half border (a
         * large face beside a waving hand: Rudolph_Giuliani_0021 in faces-calib); on its
         * own this canvas finds a face on 1,912 of the 1,922 photos, the login face or
         * another real face of the photo */
        det_img = pad_canvas(ws, img, 1, &ox, &oy);
        nb = detect(ws, det_img, o);
    }
    if (nb < 0)
        return nb;
    int first = 0, count = nb < max ? nb : max;
    if (o->largest_only && nb > 0) {
        for (int i = 1; i < nb; i++)
            if (ws->boxes[i].w * ws->boxes[i].h > ws->boxes[first].w * ws->boxes[first].h)
                first = i;
        count = max > 0 ? 1 : 0;
    }
    int big = first; /* the largest of the faces reported */
    for (int i = first + 1; i < first + count; i++)
        if (ws->boxes[i].w * ws->boxes[i].h > ws->boxes[big].w * ws->boxes[big].h)
            big = i;
    struct face_opts other = *o;
    other.want &= ~o->skip_others;
    for (int i = 0; i < count; i++) {
        const struct net_box *b = &ws->boxes[first + i];
        struct face *f = &faces[i];
        memset(f, 0, sizeof(*f));
        f->box[0] = b->x - ox;
        f->box[1] = b->y - oy;
        f->box[2] = b->w;
        f->box[3] = b->h;
        f->score = b->score;
        int rc = analyse(ws, img, first + i == big ? o : &other, f);
        if (rc != SHOP_OK)
            return rc;
    }
    *n = count;
    return SHOP_OK;
}

int face_bf16_available(void)
{
    return ops_bf16_available();
}

double face_distance(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < FACE_DESCRIPTOR; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

/* ---- warm-up and measurement ---- */

/* the networks a frame with options o runs, as NET_* bits */
static unsigned nets_used(const struct face_opts *o)
{
    unsigned u = 1u << (o->detector == FACE_DETECT_TINY ? NET_TINY : NET_SSD);
    if (o->want & (FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR))
        u |= 1u << (o->tiny_landmarks ? NET_LM68_TINY : NET_LM68);
    if (o->want & FACE_WANT_EXPRESSIONS)
        u |= 1u << NET_EXPR;
    if (o->want & FACE_WANT_AGEGENDER)
        u |= 1u << NET_AGEGENDER;
    if (o->want & FACE_WANT_DESCRIPTOR)
        u |= 1u << NET_RECOG;
    return u;
}

static int graph_for(struct face_ws *ws, int k, const struct face_opts *o,
                     struct ops_graph **g)
{
    *g = NULL;
    if (!ws->e->nets[k])
        return SHOP_EINVAL;
    int det = k == NET_TINY || k == NET_SSD;
    *g = graph(ws, (enum net_kind)k, k == NET_TINY ? o->tiny_size : 0, det && o->bf16_detector);
    return *g ? SHOP_OK : SHOP_EMODEL;
}

int face_ws_warm(struct face_ws *ws, int width, int height, const struct face_opts *o)
{
    if (width <= 0 || height <= 0 || !opts_valid(o))
        return SHOP_EINVAL;
    unsigned used = nets_used(o);
    for (int k = 0; k < NET_COUNT; k++) {
        if (!(used & (1u << k)))
            continue;
        struct ops_graph *g;
        int rc = graph_for(ws, k, o, &g);
        if (rc != SHOP_OK)
            return rc;
        /* one run touches every activation page and whatever XNNPACK sets up lazily */
        int h, w, c;
        ops_shape(g, OPS_INPUT, &h, &w, &c);
        memset(ops_graph_in(g), 0, (size_t)h * w * c * sizeof(float));
        if (ops_graph_run(g) != SHOP_OK)
            return SHOP_EMODEL;
    }
    ensure_boxes(ws, o->detector == FACE_DETECT_TINY ? TINYFACE_CANDIDATES(o->tiny_size)
                                                     : SSD_ANCHORS);
    if (o->pad_canvas || o->fallback) { /* the half border: the largest canvas */
        size_t need = (size_t)(width + 2 * (width / 2)) * (height + 2 * (height / 2)) * 3;
        if (ws->cap_canvas < need) {
            free(ws->canvas.rgb);
            ws->canvas.rgb = xmalloc(need);
            ws->cap_canvas = need;
            ws->st.grows++;
        }
    }
    return SHOP_OK;
}

const char *face_net_name(int k)
{
    static const char *const names[NET_COUNT] = {
        [NET_TINY] = "tiny",          [NET_SSD] = "ssd",
        [NET_LM68] = "landmarks68",   [NET_LM68_TINY] = "landmarks68_tiny",
        [NET_RECOG] = "descriptor",   [NET_EXPR] = "expressions",
        [NET_AGEGENDER] = "age_gender",
    };
    return k >= 0 && k < NET_COUNT ? names[k] : "?";
}

void face_ws_set_clock(struct face_ws *ws, double (*now)(void))
{
    ws->now = now;
}

void face_ws_stats(const struct face_ws *ws, struct face_ws_stats *st)
{
    *st = ws->st;
}

int face_ws_profile(struct face_ws *ws, int k, const struct face_opts *o, double (*now)(void),
                    int reps, struct face_layer_prof *prof, int max)
{
    if (k < 0 || k >= NET_COUNT || !opts_valid(o) || max < 0)
        return SHOP_EINVAL;
    struct ops_graph *g;
    int rc = graph_for(ws, k, o, &g);
    if (rc != SHOP_OK)
        return rc;
    int n = ops_graph_layers(g);
    struct ops_prof *p = xcalloc((size_t)(n ? n : 1), sizeof(*p));
    rc = ops_graph_profile(g, now, reps, p, n);
    for (int i = 0; i < rc && i < max; i++) {
        prof[i].op = p[i].op;
        memcpy(prof[i].shape, p[i].shape, sizeof(prof[i].shape));
        prof[i].ms = p[i].ms;
        prof[i].mmac = p[i].mmac;
    }
    free(p);
    return rc < 0 ? rc : (rc < max ? rc : max);
}
