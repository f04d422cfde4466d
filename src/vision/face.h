/* vision/face.h - the face pipeline of @vladmandic/face-api 1.7.15 in C: detection (SSD
 * MobileNet v1 or the tiny detector), 68 landmarks, 128-number descriptor, 7 expressions,
 * age and gender, with the package's own pre- and post-processing (same numbers).
 *
 *     struct face_engine *e;                        -- once per process, read-only after
 *     if (face_engine_load("models", FACE_NET_ALL, &e) != SHOP_OK) ...
 *     struct face_ws *ws = face_ws_new(e);         -- one per thread
 *     struct face_opts o; face_opts_default(&o);
 *     struct face faces[16]; int n;
 *     if (face_detect(ws, &img, &o, faces, 16, &n) == SHOP_OK) ... faces[0..n-1] ...
 *     face_ws_free(ws); face_engine_free(e);
 *
 * Threads: an engine is shared by any number of threads; a workspace belongs to one thread
 * at a time. Each inference runs on the calling thread only (no thread pool): parallelise
 * by giving each worker thread its own workspace. A workspace builds each network's
 * runtime on first use (memory for weights and activations, hundreds of ms), or all of them
 * at once with face_ws_warm (a server does it at start), and then runs frames with no
 * allocation.                                                                             */
#ifndef SHOP_VISION_FACE_H
#define SHOP_VISION_FACE_H

#include "core/status.h"
#include "vision/image.h"

/* networks to load, bit mask */
enum face_net {
    FACE_NET_TINY = 1 << 0,
    FACE_NET_SSD = 1 << 1,
    FACE_NET_LM68 = 1 << 2,
    FACE_NET_LM68_TINY = 1 << 3,
    FACE_NET_RECOG = 1 << 4,
    FACE_NET_EXPR = 1 << 5,
    FACE_NET_AGEGENDER = 1 << 6,
    FACE_NET_ALL = (1 << 7) - 1
};

enum face_detector { FACE_DETECT_SSD = 0, FACE_DETECT_TINY };

/* what to compute after detection, bit mask */
enum face_want {
    FACE_WANT_LANDMARKS = 1 << 0,
    FACE_WANT_DESCRIPTOR = 1 << 1, /* needs landmarks */
    FACE_WANT_EXPRESSIONS = 1 << 2,
    FACE_WANT_AGEGENDER = 1 << 3,
    FACE_WANT_ALL = 15
};

#define FACE_EXPRESSIONS 7
#define FACE_DESCRIPTOR 128
#define FACE_MATCH_THRESHOLD 0.6 /* face-api's FaceMatcher default */
#define FACE_MAX_JITTER 8         /* face_opts.jitter */

/* "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised" */
extern const char *const face_expression_names[FACE_EXPRESSIONS];

struct face_opts {
    enum face_detector detector; /* default SSD, as face-api */
    int tiny_size;               /* tiny detector input side, a multiple of 32; 416 */
    double min_score;            /* 0.5 for both detectors */
    int max_results;             /* SSD maxResults, 100 */
    unsigned want;               /* FACE_WANT_ALL */
    int tiny_landmarks;          /* use face_landmark_68_tiny instead of the full net */
    int largest_only;            /* keep only the face with the largest box */
    unsigned skip_others;        /* FACE_WANT_* bits not computed for the faces other than the
                                    largest (their box and score are still reported); 0 */
    /* options beyond the reference (off by default): */
    int pad_canvas; /* detect on the image with a black border of half its size */
    int align;      /* descriptor from a similarity-aligned crop (eyes + mouth) */
    int mirror;     /* descriptor = mean of the crop's and its mirror's (not with align) */
    int jitter;     /* 0 .. FACE_MAX_JITTER: the descriptor is the mean over the crop and this
                       many copies shifted or scaled by 3 to 6 % (as dlib's num_jitters; each
                       mirrored too with mirror); one recognition pass per copy (not with
                       align) */
    int fallback;   /* no face at the image's own scale: detect again as with pad_canvas, then
                       on a quarter border; only weak faces there (best score under 0.6): also
                       on the half border, keeping the pass whose largest face is larger */
    int subpixel;   /* landmark and descriptor crops sampled at real-valued positions, without
                       face-api's integer crops (whose roundings move a descriptor by ~0.07 when
                       a box moves by a fraction of a pixel) */
    int bf16_detector; /* the detector's pointwise convs in BF16 where the CPU has AVX512-BF16
                          (ops_graph_set_bf16): twice as fast, boxes and scores no longer
                          face-api's to the 3rd decimal */
};
void face_opts_default(struct face_opts *o);

struct face {
    double box[4]; /* x, y, w, h in image pixels (not clipped) */
    double score;
    double landmarks[68][2];
    float descriptor[FACE_DESCRIPTOR]; /* not normalised, as face-api */
    float expressions[FACE_EXPRESSIONS];
    double age;
    int male;                 /* 1 male, 0 female */
    double gender_probability; /* of the chosen gender */
    unsigned have;            /* FACE_WANT_* bits actually computed */
};

struct face_engine;
struct face_ws;

/* Loads the networks in nets (FACE_NET_* bits) from dir, every file checked against its
 * pinned SHA-256 and every tensor against its shape. SHOP_EIO when a file is missing,
 * SHOP_EMODEL when a model is malformed or altered; shop_errmsg() names the file and why. */
SHOP_MUST_CHECK int face_engine_load(const char *dir, unsigned nets, struct face_engine **out);
void face_engine_free(struct face_engine *e); /* NULL is a no-op */

/* a workspace for one thread; never NULL. Free it before its engine. */
struct face_ws *face_ws_new(const struct face_engine *e);
void face_ws_free(struct face_ws *ws); /* NULL is a no-op */

/* Runs the pipeline on an RGB image. Writes up to max faces in descending score order (or
 * the largest one) and their number to *n. SHOP_EINVAL when a needed network was not
 * loaded or the options are invalid, SHOP_EMODEL when inference fails. */
SHOP_MUST_CHECK int face_detect(struct face_ws *ws, const struct image *img,
                                const struct face_opts *o, struct face *faces, int max, int *n);

/* Describes again a face that face_detect found on img (with landmarks), as options o say
 * (mirror, jitter, align): enrolment describes the frames it keeps with more augmentation
 * than the frames of login pay for. SHOP_EINVAL when f has no landmarks, o is invalid or
 * the recognition network was not loaded, SHOP_EMODEL when inference fails. */
SHOP_MUST_CHECK int face_describe(struct face_ws *ws, const struct image *img,
                                  const struct face_opts *o, struct face *f);

/* The number of faces the last face_detect on ws found before its caps (max, and the
 * detector's max_results) cut them: more than its *n when a cap cut the result, so that a
 * caller can say so. 0 after a failure. */
int face_ws_found(const struct face_ws *ws);

/* Builds every runtime that frames of width x height with options o will use (detector,
 * landmark, expression, age/gender and descriptor networks as o->want asks) and the
 * workspace's buffers, and runs each network once, so that no later frame of that size and
 * those options builds or allocates anything (a new workspace's first frame otherwise costs
 * hundreds of ms). A server calls it for each workspace at start. SHOP_EINVAL as
 * face_detect (invalid options or size, network not loaded), SHOP_EMODEL on failure. */
SHOP_MUST_CHECK int face_ws_warm(struct face_ws *ws, int width, int height,
                                 const struct face_opts *o);

/* ---- measurement (bench-faces; tests) ---- */

#define FACE_NETS 7 /* networks, indexed by the bit position of their FACE_NET_* flag */
const char *face_net_name(int k); /* "tiny", "ssd", "landmarks68", ... */

struct face_ws_stats {
    long builds; /* network runtimes built (a build costs tens to hundreds of ms) */
    long grows;  /* workspace buffers allocated or grown */
    /* with a clock set: time per network (input preparation + inference + decoding), ms,
     * and runs, summed since the workspace was made */
    double net_ms[FACE_NETS];
    long net_runs[FACE_NETS];
};
/* now() returns seconds from any fixed origin; NULL stops the timing. The library reads no
 * clock of its own. */
void face_ws_set_clock(struct face_ws *ws, double (*now)(void));
void face_ws_stats(const struct face_ws *ws, struct face_ws_stats *st);

/* one layer of a network, timed alone (see face_ws_profile) */
struct face_layer_prof {
    const char *op; /* "conv" ("conv-dnnl" in oneDNN), "dwconv" (or "dwconv-dnnl"), "add", ... */
    char shape[48]; /* "HxWxC k3 s1 -> HxWxC" */
    double ms;      /* median of the runs */
    double mmac;    /* millions of multiply-accumulates (0 for layers without) */
};
/* Profiles network k (as built for options o) layer by layer: each layer in its own
 * runtime with the same shapes and weights, run reps times. Writes up to max layers;
 * returns their number, or SHOP_EINVAL (network not loaded) / SHOP_EMODEL. */
SHOP_MUST_CHECK int face_ws_profile(struct face_ws *ws, int k, const struct face_opts *o,
                                    double (*now)(void), int reps, struct face_layer_prof *prof,
                                    int max);

/* 1 when face_opts.bf16_detector takes effect on this CPU (AVX512-BF16), else 0 */
int face_bf16_available(void);

/* Euclidean distance between two descriptors; same person below FACE_MATCH_THRESHOLD */
double face_distance(const float *a, const float *b);

#endif
