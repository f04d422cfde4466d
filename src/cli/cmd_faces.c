/* cli/cmd_faces.c - faces (the face pipeline on images), compare (descriptor distance) and
 * the hidden bench-faces (per-frame time, throughput, memory, load time). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "core/progress.h"
#include "core/jsonw.h"
#include "core/xalloc.h"
#include "identity/mirror.h"
#include "vision/face.h"

#define MAX_FACES 100

/* the networks the options need */
/* --detector into the options; -1 for an unknown name */
static int set_detector(const char *name, struct face_opts *o)
{
    int tiny;
    if (cli_parse_detector(name, &tiny) < 0)
        return -1;
    o->detector = tiny ? FACE_DETECT_TINY : FACE_DETECT_SSD;
    return 0;
}

static unsigned nets_for(const struct face_opts *o)
{
    unsigned nets = FACE_NET_RECOG | FACE_NET_EXPR | FACE_NET_AGEGENDER;
    nets |= o->detector == FACE_DETECT_TINY ? FACE_NET_TINY : FACE_NET_SSD;
    nets |= o->tiny_landmarks ? FACE_NET_LM68_TINY : FACE_NET_LM68;
    return nets;
}

static void json_face(struct jsonw *w, const struct face *f)
{
    jw_obj(w);
    jw_key(w, "box");
    jw_arr(w);
    for (int i = 0; i < 4; i++)
        jw_num(w, f->box[i]);
    jw_end(w);
    jw_key(w, "score");
    jw_num(w, f->score);
    if (f->have & FACE_WANT_LANDMARKS) {
        jw_key(w, "landmarks");
        jw_arr(w);
        for (int i = 0; i < 68; i++) {
            jw_arr(w);
            jw_num(w, f->landmarks[i][0]);
            jw_num(w, f->landmarks[i][1]);
            jw_end(w);
        }
        jw_end(w);
    }
    if (f->have & FACE_WANT_DESCRIPTOR) {
        jw_key(w, "descriptor");
        jw_arr(w);
        for (int i = 0; i < FACE_DESCRIPTOR; i++)
            jw_num(w, f->descriptor[i]);
        jw_end(w);
    }
    if (f->have & FACE_WANT_EXPRESSIONS) {
        jw_key(w, "expressions");
        jw_obj(w);
        for (int i = 0; i < FACE_EXPRESSIONS; i++) {
            jw_key(w, face_expression_names[i]);
            jw_num(w, f->expressions[i]);
        }
        jw_end(w);
    }
    if (f->have & FACE_WANT_AGEGENDER) {
        jw_key(w, "age");
        jw_num(w, f->age);
        jw_key(w, "gender");
        jw_str(w, f->male ? "male" : "female");
        jw_key(w, "gender_probability");
        jw_num(w, f->gender_probability);
    }
    jw_end(w);
}

static void text_face(int i, const struct face *f)
{
    printf("  face %d: box %.2f %.2f %.2f %.2f  score %.4f\n", i + 1, f->box[0], f->box[1],
           f->box[2], f->box[3], f->score);
    if (f->have & FACE_WANT_AGEGENDER)
        printf("    age %.1f  gender %s (%.3f)\n", f->age, f->male ? "male" : "female",
               f->gender_probability);
    if (f->have & FACE_WANT_EXPRESSIONS) {
        printf("    expressions:");
        for (int k = 0; k < FACE_EXPRESSIONS; k++)
            printf(" %s %.3f", face_expression_names[k], f->expressions[k]);
        printf("\n");
    }
    if (f->have & FACE_WANT_LANDMARKS) {
        printf("    landmarks:");
        for (int k = 0; k < 68; k++)
            printf(" %.9g,%.9g", f->landmarks[k][0], f->landmarks[k][1]);
        printf("\n");
    }
    if (f->have & FACE_WANT_DESCRIPTOR) {
        printf("    descriptor:");
        for (int k = 0; k < FACE_DESCRIPTOR; k++)
            printf(" %.9g", f->descriptor[k]);
        printf("\n");
    }
}

int cmd_faces(int argc, char **argv)
{
    const char *models = NULL, *detector = NULL;
    int json = 0, tiny_lm = 0, largest = 0;
    struct face_opts o;
    face_opts_default(&o);
    int64_t tiny_size = 416, max_faces = MAX_FACES;
    struct cli_opt opts[] = {
        CLI_STR("detector", "NAME", "ssd (default, as face-api) or tiny (fast)", &detector),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_INT("tiny-size", "N", "tiny detector input size, a multiple of 32 (416)", &tiny_size,
                32, 2048),
        CLI_FLAG("tiny-landmarks", "use the tiny 68-point landmark net", &tiny_lm),
        CLI_FLAG("largest", "only the largest face of each image", &largest),
        CLI_INT("max-faces", "N", "analyse at most N faces per image, best first (default 100)",
                &max_faces, 1, MAX_FACES),
        CLI_FLAG("pad-canvas", "detect on a canvas with a black border of half the image size",
                 &o.pad_canvas),
        CLI_FLAG("align", "descriptor from an eye-levelled crop (not face-api's)", &o.align),
        CLI_FLAG("bf16", "the detector's pointwise convs in BF16 (where the CPU has "
                 "AVX512-BF16; not face-api's numbers)", &o.bf16_detector),
        CLI_FLAG("subpixel", "landmark and descriptor crops sampled at real-valued positions "
                 "(not face-api's)", &o.subpixel),
        CLI_FLAG("fallback", "no face or only a weak one at the image's own scale: look again "
                 "on padded canvases, as login does (not face-api's)", &o.fallback),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper faces IMAGE... [--detector tiny|ssd] [--models DIR] [--json]",
                       "Detect faces and print per face its box, score, 68 landmarks, 128-number "
                       "descriptor, expression probabilities, age and gender, as face-api 1.7.15.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct face *faces = NULL;
    int status = 1;
    if (!pos[0]) {
        fprintf(stderr, "shopper: faces: no image given\n");
        status = 2;
        goto out;
    }
    if (set_detector(detector, &o) < 0 || tiny_size % 32) {
        fprintf(stderr, "shopper: faces: --detector is ssd or tiny, --tiny-size a multiple of 32\n");
        status = 2;
        goto out;
    }
    o.tiny_size = (int)tiny_size;
    o.tiny_landmarks = tiny_lm;
    o.largest_only = largest;
    o.max_results = (int)max_faces;
    if (!(e = cli_load_faces(models, nets_for(&o))))
        goto out;
    ws = face_ws_new(e);
    faces = calloc(MAX_FACES, sizeof(*faces));
    struct jsonw w;
    if (json) {
        jw_init(&w, stdout, 0);
        jw_arr(&w);
    }
    status = 0;
    for (int i = 0; pos[i]; i++) {
        struct image img = {0};
        int n = 0;
        rc = image_load(pos[i], IMAGE_DEFAULT_MAX_PIXELS, &img);
        if (rc != SHOP_OK) {
            cli_fail("cannot read '%s': %s", pos[i], image_errmsg());
            status = 1;
            continue;
        }
        shop_err_clear(); /* not every failure inside says why: no stale reason */
        rc = face_detect(ws, &img, &o, faces, (int)max_faces, &n);
        /* a cap that cuts the result says so (--largest is a choice, not a cap) */
        int found = largest ? n : face_ws_found(ws);
        if (rc != SHOP_OK) {
            cli_fail("face detection failed on '%s': %s", pos[i], shop_errmsg_or(rc));
            status = 1;
        } else if (json) {
            jw_obj(&w);
            jw_key(&w, "image");
            jw_str(&w, pos[i]);
            jw_key(&w, "width");
            jw_int(&w, img.w);
            jw_key(&w, "height");
            jw_int(&w, img.h);
            jw_key(&w, "faces_found");
            jw_int(&w, found);
            jw_key(&w, "truncated");
            jw_bool(&w, found > n);
            jw_key(&w, "faces");
            jw_arr(&w);
            for (int k = 0; k < n; k++)
                json_face(&w, &faces[k]);
            jw_end(&w);
            jw_end(&w);
        } else {
            printf("%s: %dx%d, %d face%s", pos[i], img.w, img.h, n, n == 1 ? "" : "s");
            if (found > n)
                printf(" (%d found: only the best %d are analysed, --max-faces)", found, n);
            printf("\n");
            for (int k = 0; k < n; k++)
                text_face(k, &faces[k]);
        }
        image_release(&img);
    }
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    }
out:
    free(faces);
    face_ws_free(ws);
    face_engine_free(e);
    free(pos);
    return status;
}

/* the descriptor of the largest face of an image; 0, or 1 after printing an error */
static int largest_descriptor(struct face_ws *ws, const struct face_opts *o, const char *path,
                              struct face *f)
{
    struct image img = {0};
    int n = 0;
    if (image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK)
        return cli_fail("cannot read '%s': %s", path, image_errmsg());
    shop_err_clear();
    int rc = face_detect(ws, &img, o, f, 1, &n);
    image_release(&img);
    if (rc != SHOP_OK)
        return cli_fail("face detection failed on '%s': %s", path, shop_errmsg_or(rc));
    if (n == 0)
        return cli_fail("no face found in '%s'", path);
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    const char *models = NULL, *detector = NULL;
    int json = 0;
    struct face_opts o;
    face_opts_default(&o);
    struct cli_opt opts[] = {
        CLI_STR("detector", "NAME", "ssd (default) or tiny", &detector),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_FLAG("align", "descriptor from an eye-levelled crop (not face-api's)", &o.align),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper compare A.jpg B.jpg [--json]",
                       "Euclidean distance between the descriptors of the largest face of each "
                       "image; the same person below 0.6 (face-api's FaceMatcher threshold).",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 1;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct face fa, fb;
    if (!pos[0] || !pos[1] || pos[2] || set_detector(detector, &o) < 0) {
        cli_fail("compare: two images are needed, and --detector is tiny or ssd (see --help)");
        status = 2;
        goto out;
    }
    o.largest_only = 1;
    o.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR;
    if (!(e = cli_load_faces(models, nets_for(&o))))
        goto out;
    ws = face_ws_new(e);
    if (largest_descriptor(ws, &o, pos[0], &fa) || largest_descriptor(ws, &o, pos[1], &fb))
        goto out;
    double d = face_distance(fa.descriptor, fb.descriptor);
    int same = d < FACE_MATCH_THRESHOLD;
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "a");
        jw_str(&w, pos[0]);
        jw_key(&w, "b");
        jw_str(&w, pos[1]);
        jw_key(&w, "distance");
        jw_num(&w, d);
        jw_key(&w, "threshold");
        jw_num(&w, FACE_MATCH_THRESHOLD);
        jw_key(&w, "same");
        jw_bool(&w, same);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("distance %.6f: %s (threshold %.1f)\n", d, same ? "same person" : "different people",
               FACE_MATCH_THRESHOLD);
    }
    status = 0;
out:
    face_ws_free(ws);
    face_engine_free(e);
    free(pos);
    return status;
}

/* ---- bench-faces (hidden) ---- */

/* CPU seconds of the calling thread: on a shared machine this leaves out the time other
 * processes hold the core, which wall time includes */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

struct bench_job {
    const struct face_engine *e;
    const struct image *img;
    const uint8_t *jpeg; /* --decode: each frame decodes these bytes first */
    size_t jpeg_len;
    const struct face_opts *o;
    int frames;
    int faces;
    int rc;
    int timed; /* time each network (the one-thread run) */
    double warm_ms, frames_ms; /* the warm-up frame, the timed frames */
    double frames_cpu_ms;      /* CPU time of the timed frames */
    struct face_ws_stats before, after; /* around the timed frames */
};

static void *bench_worker(void *arg)
{
    struct bench_job *j = arg;
    struct face_ws *ws = face_ws_new(j->e);
    struct face f[4];
    int n = 0;
    double t0 = (progress_now() * 1e3);
    j->rc = face_detect(ws, j->img, j->o, f, 4, &n); /* warm-up: runtimes built */
    double t1 = (progress_now() * 1e3);
    if (j->timed)
        face_ws_set_clock(ws, cpu_now);
    face_ws_stats(ws, &j->before);
    double t2 = (progress_now() * 1e3), c2 = cpu_now() * 1e3;
    for (int i = 0; i < j->frames && j->rc == SHOP_OK; i++) {
        if (!j->jpeg) {
            j->rc = face_detect(ws, j->img, j->o, f, 4, &n);
            continue;
        }
        struct image img;
        j->rc = image_decode(j->jpeg, j->jpeg_len, IMAGE_DEFAULT_MAX_PIXELS, &img);
        if (j->rc == SHOP_OK)
            j->rc = face_detect(ws, &img, j->o, f, 4, &n);
        image_release(&img);
    }
    j->frames_ms = (progress_now() * 1e3) - t2;
    j->frames_cpu_ms = cpu_now() * 1e3 - c2;
    face_ws_stats(ws, &j->after);
    j->warm_ms = t1 - t0;
    j->faces = n;
    face_ws_free(ws);
    return NULL;
}

/* --profile: each network of the chain layer by layer, summed per kind of layer, and its
 * slowest layers */
static int bench_profile(const struct face_engine *e, const struct face_opts *o)
{
    enum { MAX_LAYERS = 512, TOP = 5 };
    struct face_ws *ws = face_ws_new(e);
    struct face_layer_prof *p = calloc(MAX_LAYERS, sizeof(*p));
    int rc = SHOP_OK;
    for (int k = 0; k < FACE_NETS && rc == SHOP_OK; k++) {
        /* the networks of this chain (bench-faces loads only those) */
        unsigned bit = 1u << k;
        if ((bit == FACE_NET_TINY && o->detector != FACE_DETECT_TINY) ||
            (bit == FACE_NET_SSD && o->detector == FACE_DETECT_TINY))
            continue;
        int n = face_ws_profile(ws, k, o, cpu_now, 15, p, MAX_LAYERS);
        if (n == SHOP_EINVAL)
            continue; /* not loaded */
        if (n < 0) {
            rc = n;
            break;
        }
        double ms = 0, mmac = 0;
        for (int l = 0; l < n; l++)
            ms += p[l].ms, mmac += p[l].mmac;
        printf("profile %-12s %3d layers %8.2f ms %7.1f MMAC %6.1f GMAC/s"
               " (each layer alone, cpu)\n",
               face_net_name(k), n, ms, mmac, ms > 0 ? mmac / ms : 0);
        /* per kind of layer, in order of first appearance */
        const char *kinds[16];
        int nk = 0;
        for (int l = 0; l < n; l++) {
            int seen = 0;
            for (int q = 0; q < nk; q++)
                seen |= strcmp(kinds[q], p[l].op) == 0;
            if (!seen && nk < 16)
                kinds[nk++] = p[l].op;
        }
        for (int q = 0; q < nk; q++) {
            double kms = 0, kmac = 0;
            int cnt = 0;
            for (int l = 0; l < n; l++)
                if (strcmp(p[l].op, kinds[q]) == 0)
                    kms += p[l].ms, kmac += p[l].mmac, cnt++;
            printf("  %-9s x%-3d %8.2f ms %5.1f %%", kinds[q], cnt, kms,
                   ms > 0 ? 100 * kms / ms : 0);
            if (kmac > 0)
                printf(" %7.1f MMAC %6.1f GMAC/s", kmac, kms > 0 ? kmac / kms : 0);
            printf("\n");
        }
        /* the slowest layers */
        int used[TOP];
        for (int t = 0; t < TOP && t < n; t++) {
            int best = -1;
            for (int l = 0; l < n; l++) {
                int taken = 0;
                for (int u = 0; u < t; u++)
                    taken |= used[u] == l;
                if (!taken && (best < 0 || p[l].ms > p[best].ms))
                    best = l;
            }
            used[t] = best;
            printf("  slowest %-7s %-30s %7.3f ms", p[best].op, p[best].shape, p[best].ms);
            if (p[best].mmac > 0 && p[best].ms > 0)
                printf(" %6.1f GMAC/s", p[best].mmac / p[best].ms);
            printf("\n");
        }
    }
    free(p);
    face_ws_free(ws);
    if (rc != SHOP_OK)
        cli_fail("profile failed: %s", shop_strerror(rc));
    return rc == SHOP_OK ? 0 : 1;
}

/* the bytes of a JPEG file, NULL after a one-line error */
static uint8_t *read_jpeg(const char *path, size_t *len)
{
    uint8_t *b = NULL;
    if (cli_read_file(path, &b, len) != SHOP_OK || *len < 4 || b[0] != 0xff || b[1] != 0xd8) {
        free(b);
        cli_fail("'%s' is not a readable JPEG", path);
        return NULL;
    }
    return b;
}

int cmd_bench_faces(int argc, char **argv)
{
    const char *models = NULL, *detector = NULL, *crop = NULL;
    int64_t frames = 20, threads = 2;
    int json = 0, profile = 0, login = 0, decode = 0, bf16 = 0;
    struct face_opts o;
    face_opts_default(&o);
    struct cli_opt opts[] = {
        CLI_FLAG("profile", "also time every layer alone, per network", &profile),
        CLI_STR("detector", "NAME", "ssd or tiny (default tiny)", &detector),
        CLI_STR("models", "DIR", "model folder", &models),
        CLI_INT("frames", "N", "frames per measurement (20)", &frames, 1, 100000),
        CLI_INT("threads", "N", "worker threads for the throughput run (2)", &threads, 1, 64),
        CLI_STR("crop", "X,Y,W,H", "bench on this region of the image", &crop),
        CLI_FLAG("login", "what a mirror frame computes for face login (its detection and "
                 "descriptor options; landmarks, descriptor and expressions of the largest "
                 "face), instead of face-api's whole pipeline", &login),
        CLI_FLAG("decode", "decode the JPEG every frame, as the server does", &decode),
        CLI_FLAG("bf16", "the detector's pointwise convs in BF16 (where the CPU has "
                 "AVX512-BF16; not face-api's numbers)", &bf16),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper bench-faces IMAGE [--detector tiny|ssd] [--frames N]",
                       "Time the whole face pipeline on one image: model load, one thread per "
                       "frame, throughput with N worker threads, peak memory.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 1;
    struct face_engine *e = NULL;
    struct image img = {0};
    uint8_t *jpeg = NULL;
    size_t jpeg_len = 0;
    if (!pos[0] || set_detector(detector ? detector : "tiny", &o) < 0) {
        fprintf(stderr, "usage: shopper bench-faces IMAGE [--detector tiny|ssd]\n");
        status = 2;
        goto out;
    }
    if (login) {
        struct identify_opts io;
        identify_opts_default(&io);
        io.face.detector = o.detector;
        mirror_frame_opts(&io, &o);
    }
    if (bf16)
        o.bf16_detector = 1;
    if (decode && (crop || !(jpeg = read_jpeg(pos[0], &jpeg_len)))) {
        if (crop)
            cli_fail("--decode times the whole JPEG: no --crop");
        goto out;
    }
    if (image_load(pos[0], IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
        cli_fail("cannot read '%s': %s", pos[0], image_errmsg());
        goto out;
    }
    if (crop) {
        int x, y, w, h;
        if (sscanf(crop, "%d,%d,%d,%d", &x, &y, &w, &h) != 4 || x < 0 || y < 0 || w <= 0 ||
            h <= 0 || x + w > img.w || y + h > img.h) {
            cli_fail("--crop X,Y,W,H must lie inside the %dx%d image", img.w, img.h);
            goto out;
        }
        for (int r = 0; r < h; r++) /* in place: rows only move up */
            memmove(img.rgb + (size_t)r * w * 3, img.rgb + ((size_t)(y + r) * img.w + x) * 3,
                    (size_t)w * 3);
        img.w = w;
        img.h = h;
    }
    double t0 = (progress_now() * 1e3);
    if (!(e = cli_load_faces(models, nets_for(&o))))
        goto out;
    double load_ms = (progress_now() * 1e3) - t0;
    /* one thread: the first frame is the warm-up (runtimes built), then timed frames */
    struct bench_job one = {.e = e, .img = &img, .jpeg = jpeg, .jpeg_len = jpeg_len, .o = &o,
                            .frames = (int)frames, .timed = 1};
    bench_worker(&one);
    double warm_ms = one.warm_ms, single_ms = one.frames_ms / frames;
    /* a workspace made ready by face_ws_warm: the call, then its first frame */
    struct face_ws *ws = face_ws_new(e);
    struct face f1[4];
    int n1 = 0;
    t0 = progress_now() * 1e3;
    int wrc = face_ws_warm(ws, img.w, img.h, &o);
    double t1 = progress_now() * 1e3;
    if (wrc == SHOP_OK)
        wrc = face_detect(ws, &img, &o, f1, 4, &n1);
    double warm_call_ms = t1 - t0, after_warm_ms = progress_now() * 1e3 - t1;
    face_ws_free(ws);
    if (wrc != SHOP_OK) {
        cli_fail("warm-up failed: %s", shop_strerror(wrc));
        goto out;
    }
    /* throughput: each thread its own workspace */
    pthread_t tid[64];
    struct bench_job jobs[64];
    t0 = (progress_now() * 1e3);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct bench_job){.e = e, .img = &img, .jpeg = jpeg, .jpeg_len = jpeg_len,
                                     .o = &o, .frames = (int)frames};
        pthread_create(&tid[i], NULL, bench_worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    double total_ms = (progress_now() * 1e3) - t0;
    double fps = threads * (frames + 1) / (total_ms / 1e3); /* warm-up included */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (one.rc != SHOP_OK) {
        cli_fail("inference failed: %s", shop_strerror(one.rc));
        goto out;
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "detector");
        jw_str(&w, o.detector == FACE_DETECT_TINY ? "tiny" : "ssd");
        jw_key(&w, "login"); /* the mirror's login pipeline, else face-api's whole one */
        jw_bool(&w, login);
        jw_key(&w, "decode"); /* frame times include the JPEG's decoding */
        jw_bool(&w, decode);
        jw_key(&w, "bf16_detector"); /* in effect: asked for, and the CPU has AVX512-BF16 */
        jw_bool(&w, o.bf16_detector && face_bf16_available());
        jw_key(&w, "faces");
        jw_int(&w, one.faces);
        jw_key(&w, "load_ms");
        jw_num(&w, load_ms);
        jw_key(&w, "first_frame_ms");
        jw_num(&w, warm_ms);
        jw_key(&w, "frame_ms");
        jw_num(&w, single_ms);
        jw_key(&w, "frame_cpu_ms");
        jw_num(&w, one.frames_cpu_ms / frames);
        jw_key(&w, "warm_call_ms");
        jw_num(&w, warm_call_ms);
        jw_key(&w, "frame_after_warm_ms");
        jw_num(&w, after_warm_ms);
        jw_key(&w, "net_cpu_ms"); /* per frame */
        jw_obj(&w);
        for (int k = 0; k < FACE_NETS; k++)
            if (one.after.net_runs[k] > one.before.net_runs[k]) {
                jw_key(&w, face_net_name(k));
                jw_num(&w, (one.after.net_ms[k] - one.before.net_ms[k]) / frames);
            }
        jw_end(&w);
        jw_key(&w, "threads");
        jw_int(&w, threads);
        jw_key(&w, "throughput_fps");
        jw_num(&w, fps);
        jw_key(&w, "peak_rss_mb");
        jw_num(&w, ru.ru_maxrss / 1024.0);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("detector %s%s, %dx%d, %d face(s)%s%s\n",
               o.detector == FACE_DETECT_TINY ? "tiny" : "ssd",
               o.bf16_detector && face_bf16_available() ? " (BF16)" : "", img.w, img.h, one.faces,
               login ? ", the mirror's login pipeline" : "", decode ? ", JPEG decoded each frame" : "");
        printf("model load        %8.1f ms\n", load_ms);
        printf("first frame       %8.1f ms (warm-up: runtimes built)\n", warm_ms);
        printf("per frame, 1 thr  %8.2f ms (cpu %.2f ms)\n", single_ms,
               one.frames_cpu_ms / frames);
        double nets_ms = 0;
        for (int k = 0; k < FACE_NETS; k++)
            if (one.after.net_runs[k] > one.before.net_runs[k]) {
                double ms = (one.after.net_ms[k] - one.before.net_ms[k]) / frames;
                nets_ms += ms;
                printf("  %-15s %8.2f ms cpu (input + inference + decoding)\n",
                       face_net_name(k), ms);
            }
        printf("  %-15s %8.2f ms cpu\n", "rest", one.frames_cpu_ms / frames - nets_ms);
        printf("warm-up call      %8.1f ms (face_ws_warm), then first frame %.2f ms\n",
               warm_call_ms, after_warm_ms);
        printf("throughput, %d thr %7.1f frames/s\n", (int)threads, fps);
        printf("peak RSS          %8.1f MB\n", ru.ru_maxrss / 1024.0);
    }
    status = profile ? bench_profile(e, &o) : 0;
out:
    image_release(&img);
    free(jpeg);
    face_engine_free(e);
    free(pos);
    return status;
}
