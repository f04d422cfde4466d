/* tests/test_tfjs.c - the tfjs weight loader: tiny manifests and shards written by the test,
 * values checked bit for bit against the format's formulas; every malformed input; and, when
 * models/ has been fetched (make models), the seven face-api models of vision-models.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "test.h"
#include "vision/tfjs.h"

static const char *models_dir(void)
{
    const char *d = getenv("SHOPPER_MODELS");
    return d ? d : "models";
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(data, 1, n, f) == n);
    fclose(f);
}

/* a fresh folder for one case's model files; caller frees */
static char *tmp_model_dir(void)
{
    char *d = test_tmp_path("model");
    CHECK(mkdir(d, 0700) == 0);
    return d;
}

static void write_in(const char *dir, const char *name, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    write_bytes(path, data, n);
}

static int parse(const char *json, const void *bin, size_t n, struct tfjs_model **m)
{
    return tfjs_parse(json, strlen(json), bin, n, m);
}

static int same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void put_f32(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i)); /* the format is little-endian whatever the host */
}

static void put_i32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

static void uint8_dequantises_in_double(void)
{
    /* scale and min of the tiny detector's conv0/filters: many q*scale+min values round
     * differently in float than in double, so this pins the double evaluation */
    const double scale = 0.009007044399485869, min = -1.2069439495311063;
    const char *json = "[{\"paths\":[\"x.bin\"],\"weights\":[{\"name\":\"w\",\"shape\":[16,16],"
                       "\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\","
                       "\"scale\":0.009007044399485869,\"min\":-1.2069439495311063}}]}]";
    uint8_t bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (uint8_t)(255 - i);
    struct tfjs_model *m = NULL;
    CHECK(parse(json, bin, sizeof(bin), &m) == SHOP_OK);
    if (!m)
        return;
    const struct tfjs_tensor *t = tfjs_get(m, "w");
    CHECK(t != NULL && t->ndim == 2 && t->shape[0] == 16 && t->shape[1] == 16 && t->size == 256);
    int exact = 0, float_differs = 0;
    for (int i = 0; t && i < 256; i++) {
        exact += same_bits(t->data[i], (float)(bin[i] * scale + min));
        float_differs +=
            !same_bits((float)(bin[i] * scale + min), (float)bin[i] * (float)scale + (float)min);
    }
    CHECK(exact == 256);
    CHECK(float_differs > 0); /* else this case could not tell the two evaluations apart */
    CHECK(t && same_bits(t->data[255], (float)min));
    tfjs_free(m);
}

static void raw_float32_is_bit_exact(void)
{
    const float want[] = {1.0f, -0.0f, 1e-40f /* subnormal */, 3.4e38f, -2.5f, 0.1f};
    uint8_t bin[sizeof(want)];
    for (size_t i = 0; i < 6; i++)
        put_f32(bin + 4 * i, want[i]);
    const char *json = "[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"f\",\"shape\":[2,3],"
                       "\"dtype\":\"float32\"}]}]";
    struct tfjs_model *m = NULL;
    CHECK(parse(json, bin, sizeof(bin), &m) == SHOP_OK);
    if (!m)
        return;
    const struct tfjs_tensor *t = tfjs_at(m, 0);
    CHECK(t->size == 6 && strcmp(t->name, "f") == 0);
    for (int i = 0; i < 6; i++)
        CHECK(same_bits(t->data[i], want[i]));
    tfjs_free(m);
}

static void int32_and_scalars(void)
{
    /* raw int32 [2], quantised int32 scalar rounding half up (Math.round), float32 scalar */
    const char *json = "[{\"paths\":[\"a\"],\"weights\":["
                       "{\"name\":\"i\",\"shape\":[2],\"dtype\":\"int32\"},"
                       "{\"name\":\"q\",\"shape\":[3],\"dtype\":\"int32\",\"quantization\":"
                       "{\"dtype\":\"uint8\",\"scale\":0.5,\"min\":-1}},"
                       "{\"name\":\"s\",\"shape\":[],\"dtype\":\"float32\"}]}]";
    uint8_t bin[8 + 3 + 4];
    put_i32(bin, -5);
    put_i32(bin + 4, 16777217); /* not a float: becomes the nearest float, 16777216 */
    bin[8] = 3;                 /* 3*0.5-1 = 0.5 -> 1 */
    bin[9] = 1;                 /* -0.5 -> 0 (halves go up) */
    bin[10] = 200;              /* 99 */
    put_f32(bin + 11, 42.25f);
    struct tfjs_model *m = NULL;
    CHECK(parse(json, bin, sizeof(bin), &m) == SHOP_OK);
    if (!m)
        return;
    CHECK(tfjs_count(m) == 3);
    const struct tfjs_tensor *i = tfjs_get(m, "i"), *q = tfjs_get(m, "q"), *s = tfjs_get(m, "s");
    CHECK(i && i->data[0] == -5.0f && i->data[1] == 16777216.0f);
    CHECK(q && q->data[0] == 1.0f && q->data[1] == 0.0f && q->data[2] == 99.0f);
    CHECK(s && s->ndim == 0 && s->size == 1 && s->data[0] == 42.25f);
    CHECK(tfjs_get(m, "missing") == NULL);
    CHECK(tfjs_at(m, 3) == NULL);
    tfjs_free(m);
}

static void uint16_and_float16(void)
{
    const char *json = "[{\"paths\":[\"a\"],\"weights\":["
                       "{\"name\":\"u\",\"shape\":[2],\"dtype\":\"float32\",\"quantization\":"
                       "{\"dtype\":\"uint16\",\"scale\":0.001,\"min\":-3}},"
                       "{\"name\":\"h\",\"shape\":[4],\"dtype\":\"float32\",\"quantization\":"
                       "{\"dtype\":\"float16\"}}]}]";
    /* u: 0x1234 little-endian, 65535; h: 1.0, -2.0, 65504 (max half), 2^-24 (min subnormal) */
    const uint8_t bin[] = {0x34, 0x12, 0xff, 0xff, 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00};
    struct tfjs_model *m = NULL;
    CHECK(parse(json, bin, sizeof(bin), &m) == SHOP_OK);
    if (!m)
        return;
    const struct tfjs_tensor *u = tfjs_get(m, "u"), *h = tfjs_get(m, "h");
    CHECK(u && same_bits(u->data[0], (float)(0x1234 * 0.001 - 3)));
    CHECK(u && same_bits(u->data[1], (float)(65535 * 0.001 - 3)));
    CHECK(h && h->data[0] == 1.0f && h->data[1] == -2.0f && h->data[2] == 65504.0f);
    CHECK(h && h->data[3] == 0x1p-24f);
    tfjs_free(m);
}

/* tensors follow each other with no alignment: a 1-byte tensor then a float32 at offset 1 */
static void tensors_are_packed(void)
{
    const char *json = "[{\"paths\":[\"a\"],\"weights\":["
                       "{\"name\":\"b\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":"
                       "{\"dtype\":\"uint8\",\"scale\":1,\"min\":0}},"
                       "{\"name\":\"f\",\"shape\":[1],\"dtype\":\"float32\"}]}]";
    uint8_t bin[5] = {7};
    put_f32(bin + 1, -1.5f);
    struct tfjs_model *m = NULL;
    CHECK(parse(json, bin, sizeof(bin), &m) == SHOP_OK);
    CHECK(m && tfjs_get(m, "b")->data[0] == 7.0f && tfjs_get(m, "f")->data[0] == -1.5f);
    tfjs_free(m);
}

static void shards_and_groups_concatenate_in_order(void)
{
    char *dir = tmp_model_dir();
    /* group 0: "a" (3 floats) spans shard p1 (5 bytes) and p2 (7 bytes); group 1: "b" (uint8) */
    const char *json =
        "[{\"paths\":[\"p1.bin\",\"sub/p2.bin\"],\"weights\":[{\"name\":\"a\",\"shape\":[3],"
        "\"dtype\":\"float32\"}]},"
        " {\"paths\":[\"g2.bin\"],\"weights\":[{\"name\":\"b\",\"shape\":[2],"
        "\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\",\"scale\":2,\"min\":1}}]}]";
    uint8_t a[12];
    put_f32(a, 1.5f);
    put_f32(a + 4, -7.0f);
    put_f32(a + 8, 1024.0f);
    const uint8_t b[] = {10, 20};
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    CHECK(mkdir(sub, 0700) == 0);
    write_in(dir, "p1.bin", a, 5);
    write_in(dir, "sub/p2.bin", a + 5, 7);
    write_in(dir, "g2.bin", b, 2);
    struct tfjs_model *m = NULL;
    CHECK(tfjs_load(dir, "m", &m) == SHOP_OK);
    if (m) {
        const struct tfjs_tensor *ta = tfjs_get(m, "a"), *tb = tfjs_get(m, "b");
        CHECK(ta && ta->data[0] == 1.5f && ta->data[1] == -7.0f && ta->data[2] == 1024.0f);
        CHECK(tb && tb->data[0] == 21.0f && tb->data[1] == 41.0f);
        CHECK(tfjs_at(m, 0) == ta && tfjs_at(m, 1) == tb);
    }
    tfjs_free(m);

    /* the shards in the other order give other values: order matters */
    write_in(dir, "p1.bin", a + 7, 5);
    write_in(dir, "sub/p2.bin", a, 7);
    CHECK(tfjs_load(dir, "m", &m) == SHOP_OK);
    CHECK(m && tfjs_get(m, "a")->data[0] != 1.5f);
    tfjs_free(m);

    /* a group's bytes may not spill into the next group's shards */
    write_in(dir, "p1.bin", a, 4);
    write_in(dir, "g2.bin", a, 3);
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && m == NULL);
    CHECK(strstr(tfjs_errmsg(), "group #0") != NULL);
    free(dir);
}

/* one malformed input: the error code and a word the message must contain */
struct bad {
    const char *json;
    size_t bin_len;
    const char *why;
};

static void malformed_manifests_are_errors(void)
{
    static const struct bad cases[] = {
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"float32\"}]}]",
         15, "truncated"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"float32\"}]}]",
         17, "extra bytes"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"bool\"}]}]", 4,
         "dtype 'bool'"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"float32\","
         "\"quantization\":{\"dtype\":\"int8\",\"scale\":1,\"min\":0}}]}]",
         4, "quantization dtype 'int8'"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"float32\","
         "\"quantization\":{\"dtype\":\"uint8\",\"min\":0}}]}]",
         4, "scale"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[-1],\"dtype\":\"float32\"}]}"
         "]",
         4, "dimension 0"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[2,\"2\"],\"dtype\":"
         "\"float32\"}]}]",
         16, "dimension 1"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[1,1,1,1,1,1,1],"
         "\"dtype\":\"float32\"}]}]",
         4, "at most 6"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":4,\"dtype\":\"float32\"}]}]",
         16, "shape"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"dtype\":\"float32\"}]}]", 4, "shape"},
        /* 2^32 * 2^32 elements would wrap a 64-bit byte count */
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4294967296,4294967296],"
         "\"dtype\":\"float32\"}]}]",
         4, "dimension 0"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[65536,65536,65536],"
         "\"dtype\":\"float32\"}]}]",
         4, "too large"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[100000,100000],"
         "\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\",\"scale\":1,\"min\":0}}]}]",
         4, "too large"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\"},"
         "{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\"}]}]",
         8, "twice"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"shape\":[1],\"dtype\":\"float32\"}]}]", 4, "no name"},
        {"[{\"paths\":[\"a\"],\"weights\":[7]}]", 4, "not an object"},
        {"[{\"weights\":[]}]", 0, "paths"},
        {"[{\"paths\":[],\"weights\":[]}]", 0, "paths"},
        {"[{\"paths\":[3],\"weights\":[]}]", 0, "not a string"},
        {"[]", 0, "non-empty list"},
        {"{\"paths\":[\"a\"]}", 0, "non-empty list"},
        {"[{\"paths\":[\"a\"],\"weights\":[", 0, "not JSON"},
        {"", 0, "not JSON"},
    };
    uint8_t bin[32] = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tfjs_model *m = (struct tfjs_model *)&m; /* must be reset to NULL */
        int rc = parse(cases[i].json, bin, cases[i].bin_len, &m);
        if (rc != SHOP_EMODEL || m != NULL || !strstr(tfjs_errmsg(), cases[i].why)) {
            char msg[300];
            snprintf(msg, sizeof(msg), "case %zu: rc %d, message '%s', want '%s'", i, rc,
                     tfjs_errmsg(), cases[i].why);
            test_fail(__FILE__, __LINE__, msg);
        }
        tfjs_free(rc == SHOP_OK ? m : NULL);
    }
}

static void missing_files_are_errors(void)
{
    char *dir = tmp_model_dir();
    struct tfjs_model *m = NULL;
    CHECK(tfjs_load(dir, "none", &m) == SHOP_EIO && m == NULL);
    CHECK(strstr(tfjs_errmsg(), "none-weights_manifest.json") != NULL);

    const char *json = "[{\"paths\":[\"gone.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],"
                       "\"dtype\":\"float32\"}]}]";
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && m == NULL);
    CHECK(strstr(tfjs_errmsg(), "gone.bin") != NULL);

    /* a shard path may not leave the model folder */
    json = "[{\"paths\":[\"../m-weights_manifest.json\"],\"weights\":[]}]";
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && strstr(tfjs_errmsg(), "leaves") != NULL);
    json = "[{\"paths\":[\"/etc/passwd\"],\"weights\":[]}]";
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && strstr(tfjs_errmsg(), "leaves") != NULL);

    /* a folder where the shard should be */
    json = "[{\"paths\":[\"d\"],\"weights\":[]}]";
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/d", dir);
    CHECK(mkdir(sub, 0700) == 0);
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && strstr(tfjs_errmsg(), "regular") != NULL);

    /* a truncated real-looking file: the load says which model */
    json = "[{\"paths\":[\"t.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[3],"
           "\"dtype\":\"float32\"}]}]";
    write_in(dir, "m-weights_manifest.json", json, strlen(json));
    write_in(dir, "t.bin", "12345678901", 11);
    CHECK(tfjs_load(dir, "m", &m) == SHOP_EMODEL && m == NULL);
    CHECK(strstr(tfjs_errmsg(), "model 'm'") != NULL && strstr(tfjs_errmsg(), "truncated"));
    free(dir);
}

/* the table of vision-models.md section 2 */
struct real_model {
    const char *name;
    size_t tensors, elements;
};

static int have_models(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tiny_face_detector_model-weights_manifest.json", models_dir());
    if (access(path, R_OK) == 0)
        return 1;
    printf("note: %s/ has no face-api models (make models); real-model cases skipped\n",
           models_dir());
    return 0;
}

static void real_models_match_the_notes(void)
{
    static const struct real_model want[] = {
        {"tiny_face_detector_model", 19, 193321},
        /* 5,535,049 weights + 20,472 anchors + 15 int32 constants holding 20 values */
        {"ssd_mobilenetv1_model", 151, 5535049 + 20472 + 20},
        {"face_landmark_68_model", 49, 356840},
        {"face_landmark_68_tiny_model", 28, 77224},
        {"face_recognition_model", 117, 5614592},
        {"face_expression_model", 49, 323687},
        {"age_gender_model", 51, 421731},
    };
    if (!have_models())
        return;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct tfjs_model *m = NULL;
        int rc = tfjs_load(models_dir(), want[i].name, &m);
        if (rc != SHOP_OK) {
            test_fail(__FILE__, __LINE__, tfjs_errmsg());
            continue;
        }
        size_t elems = 0;
        for (size_t k = 0; k < tfjs_count(m); k++)
            elems += tfjs_at(m, k)->size;
        if (tfjs_count(m) != want[i].tensors || elems != want[i].elements) {
            char msg[200];
            snprintf(msg, sizeof(msg), "%s: %zu tensors, %zu values", want[i].name, tfjs_count(m),
                     elems);
            test_fail(__FILE__, __LINE__, msg);
        }
        tfjs_free(m);
    }
}

static void real_model_values(void)
{
    if (!have_models())
        return;
    struct tfjs_model *m = NULL;
    CHECK(tfjs_load(models_dir(), "ssd_mobilenetv1_model", &m) == SHOP_OK);
    if (m) {
        /* graph constants (quantised int32) confirm the anchor counts of section 4 */
        const struct tfjs_tensor *t = tfjs_get(m, "Postprocessor/stack/1");
        CHECK(t && t->ndim == 0 && t->data[0] == 5118.0f);
        const int per_layer[] = {3072, 1536, 384, 96, 24, 6};
        for (int k = 0; k < 6; k++) {
            char name[64];
            snprintf(name, sizeof(name), "Prediction/BoxPredictor_%d/stack_1/1", k);
            t = tfjs_get(m, name);
            CHECK(t && t->data[0] == (float)per_layer[k]);
        }
        t = tfjs_get(m, "Preprocessor/ResizeImage/size");
        CHECK(t && t->size == 2 && t->data[0] == 512.0f && t->data[1] == 512.0f);
        t = tfjs_get(m, "Output/extra_dim");
        CHECK(t && t->ndim == 3 && t->shape[0] == 1 && t->shape[1] == 5118 && t->shape[2] == 4);
    }
    tfjs_free(m);

    CHECK(tfjs_load(models_dir(), "face_landmark_68_tiny_model", &m) == SHOP_OK);
    if (m) {
        /* the all-zero layer the notes warn about */
        const struct tfjs_tensor *t = tfjs_get(m, "dense0/conv2/depthwise_filter");
        int zeros = 0;
        for (size_t k = 0; t && k < t->size; k++)
            zeros += t->data[k] == 0.0f;
        CHECK(t && t->size > 0 && zeros == (int)t->size);
    }
    tfjs_free(m);

    /* the first weight of the tiny detector: its first byte through the manifest's formula */
    CHECK(tfjs_load(models_dir(), "tiny_face_detector_model", &m) == SHOP_OK);
    char path[512];
    snprintf(path, sizeof(path), "%s/tiny_face_detector_model.bin", models_dir());
    FILE *f = fopen(path, "rb");
    int q = f ? fgetc(f) : -1;
    if (f)
        fclose(f);
    if (m) {
        const struct tfjs_tensor *t = tfjs_at(m, 0);
        CHECK(strcmp(t->name, "conv0/filters") == 0 && t->ndim == 4 && t->shape[3] == 16);
        CHECK(q >= 0 &&
              same_bits(t->data[0], (float)(q * 0.009007044399485869 + -1.2069439495311063)));
    }
    tfjs_free(m);
}

void test_tfjs(void)
{
    RUN(uint8_dequantises_in_double);
    RUN(raw_float32_is_bit_exact);
    RUN(int32_and_scalars);
    RUN(uint16_and_float16);
    RUN(tensors_are_packed);
    RUN(shards_and_groups_concatenate_in_order);
    RUN(malformed_manifests_are_errors);
    RUN(missing_files_are_errors);
    RUN(real_models_match_the_notes);
    RUN(real_model_values);
}
