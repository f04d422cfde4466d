/* vision/nets.h - the seven face-api 1.7.15 networks (internal to src/vision; face.h is the
 * public API). A `struct net` holds one network's weights, prepared once at load (dense
 * filters transposed to OHWI, batch norms and scale layers folded in double) and read-only
 * afterwards; net_graph describes it as an ops graph, one per thread and input size.
 *     struct net *n;
 *     if (net_load(NET_LM68, "models", &n) != SHOP_OK) ...
 *     struct ops_graph *g;
 *     if (net_graph(n, 0, &g) == SHOP_OK) { fill ops_graph_in(g); ops_graph_run(g); ... }
 * See ../shared/vision-models.md (beside the repository) for every layer.                                     */
#ifndef SHOP_VISION_NETS_H
#define SHOP_VISION_NETS_H

#include <stddef.h>

#include "core/status.h"
#include "vision/ops.h"

enum net_kind {
    NET_TINY = 0,  /* tiny_face_detector, input S x S (default 416), out [S/32, S/32, 25] */
    NET_SSD,       /* ssd_mobilenetv1, 512: outputs 0..5 [h, w, 7a] box encodings + class logits */
    NET_LM68,      /* face_landmark_68, 112: out [136] relative (x, y) pairs */
    NET_LM68_TINY, /* face_landmark_68_tiny, 112: out [136] */
    NET_RECOG,     /* face_recognition, 150: out [128] descriptor */
    NET_EXPR,      /* face_expression, 112: out [7] probabilities */
    NET_AGEGENDER, /* age_gender, 112: out 0 [1] age, out 1 [2] gender probabilities */
    NET_COUNT
};

struct net;

/* Loads DIR/<model>-weights_manifest.json for that network, checks every file it reads
 * against its pinned SHA-256 (vision/pins.h: the compiled-in list) and every tensor it needs
 * against its exact shape. SHOP_EIO / SHOP_EMODEL on failure, the reason (naming the file or
 * tensor) in shop_errmsg(). */
SHOP_MUST_CHECK int net_load(enum net_kind kind, const char *dir, struct net **out);
/* The same against another pinned list (sha256sum format; tests use it to show that a
 * well-pinned model with a wrong shape is still refused). */
SHOP_MUST_CHECK int net_load_pinned(enum net_kind kind, const char *dir, const char *pins,
                                    struct net **out);
void net_free(struct net *n); /* NULL is a no-op */
/* the model's file name stem, e.g. "tiny_face_detector_model" */
const char *net_model_name(enum net_kind kind);
/* the fixed input side (0 for NET_TINY, whose side is chosen per graph) */
int net_input_size(enum net_kind kind);
/* A ready graph for that network; size is the input side for NET_TINY (a multiple of 32)
 * and ignored otherwise; bf16 as ops_graph_set_bf16. Caller frees with ops_graph_free.
 * SHOP_EMODEL on failure. */
SHOP_MUST_CHECK int net_graph(const struct net *n, int size, int bf16, struct ops_graph **out);

/* ---- shared between the network files (nets.c holds the weight table) ---- */

/* an exact tensor shape as the manifest gives it (HWIO filters), up to 4 dimensions:
 *     net_w(n, err, NET_SHAPE(3, 3, cin, 1), "conv%d/depthwise_filter", i)              */
struct net_shape {
    int ndim;
    int d[4];
};
#define NET_SHAPE(...)                                                                       \
    ((struct net_shape){(int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), {__VA_ARGS__}})

/* the prepared tensor NAME (printf format) of exactly that shape; NULL when it is missing or
 * has another shape (the first such error sets *err and shop_fail's message) */
const float *net_w(const struct net *n, int *err, struct net_shape shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* a detection relative to the original image: x, y, w, h in [0, 1] units (not clipped) */
struct net_box {
    double x, y, w, h;
    double score;
};

/* builders, one per network file */
/* builders, one per network file: describe the layers from OPS_INPUT and mark the outputs;
 * a missing tensor sets *err */
void tinyface_build(const struct net *n, struct ops_graph *g, int *err);
void ssd_build(const struct net *n, struct ops_graph *g, int *err);
void landmarks_build(const struct net *n, struct ops_graph *g, int *err, enum net_kind kind);
void recognition_build(const struct net *n, struct ops_graph *g, int *err);
void agegender_build(const struct net *n, struct ops_graph *g, int *err);
/* load-time folds (batch norm, scale layers) on the HWIO weights, before the transposes */
int ssd_fold(struct net *n);
int recognition_fold(struct net *n);
/* adds or replaces a prepared tensor (takes data, xmalloc'd) */
void net_put(struct net *n, const char *name, float *data, size_t count);

/* Post-processing: decode, score threshold, sort, NMS. boxes must hold every candidate
 * (TINYFACE_CANDIDATES(size), SSD_ANCHORS); returns the number kept, best first. */
#define TINYFACE_CANDIDATES(size) ((size) / 32 * ((size) / 32) * 5)
#define SSD_ANCHORS 5118
int tinyface_decode(const float *out, int size, int img_w, int img_h, double min_score,
                    struct net_box *boxes);
int ssd_decode(const struct net *n, const struct ops_graph *g, int img_w, int img_h,
               double min_score, int max_results, struct net_box *boxes);
/* greedy NMS over boxes sorted by descending score: keeps a box unless its IoU with a kept
 * one is > iou; returns the number kept (in place, order kept) */
int net_nms(struct net_box *boxes, int n, double iou, int max_keep);

#endif
