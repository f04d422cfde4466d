/* vision/tfjs.h - loads a tfjs weight set: NAME-weights_manifest.json plus its binary
 * shard(s), as shipped in @vladmandic/face-api's model/ folder. Every tensor is returned as
 * float32 (uint8/uint16-quantised tensors dequantised as q*scale+min computed in double,
 * then stored as float; int32 tensors converted to float).
 *     struct tfjs_model *m;
 *     if (tfjs_load("models", "tiny_face_detector_model", &m) != SHOP_OK) -> tfjs_errmsg()
 *     const struct tfjs_tensor *t = tfjs_get(m, "conv0/filters");   -- NULL when absent
 *     t->shape[0..t->ndim-1], t->data (t->size floats, row-major as in the manifest)
 *     tfjs_free(m);
 * A missing, truncated or altered file is a clear error (SHOP_EIO, SHOP_EMODEL), never a
 * crash; so is a value that is not finite (after dequantisation) or a quantisation whose
 * scale or min is negative, not finite or out of float range. The model is read-only after loading and may be shared between threads.          */
#ifndef SHOP_VISION_TFJS_H
#define SHOP_VISION_TFJS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define TFJS_MAX_DIMS 6

struct tfjs_tensor {
    const char *name;
    int ndim;
    int shape[TFJS_MAX_DIMS];
    size_t size; /* number of elements (1 for a scalar) */
    const float *data;
};

struct tfjs_model;

/* Loads DIR/NAME-weights_manifest.json and the shards it names (relative to DIR). */
SHOP_MUST_CHECK int tfjs_load(const char *dir, const char *name, struct tfjs_model **out);
/* The same, with check(ctx, dir, rel, data, len) called on the bytes of every file read (the
 * manifest first, rel "NAME-weights_manifest.json", then each shard as the manifest names
 * it) before they are used; a check that fails (a SHOP_E* code, message through shop_fail)
 * fails the load with its code and message. vision/pins checks them against pinned hashes. */
SHOP_MUST_CHECK int tfjs_load_checked(const char *dir, const char *name,
                                      int (*check)(void *ctx, const char *dir, const char *rel,
                                                   const uint8_t *data, size_t len),
                                      void *ctx, struct tfjs_model **out);
/* The same from memory: the manifest's JSON text and the bytes of all its shards, of all its
 * groups, laid end to end (shard paths are not opened). Used by tests and the fuzzer. */
SHOP_MUST_CHECK int tfjs_parse(const char *manifest, size_t manifest_len, const uint8_t *weights,
                               size_t weights_len, struct tfjs_model **out);
void tfjs_free(struct tfjs_model *m); /* NULL is a no-op */
/* the tensor with that exact name, or NULL */
const struct tfjs_tensor *tfjs_get(const struct tfjs_model *m, const char *name);
/* number of tensors and the i-th, in manifest order */
size_t tfjs_count(const struct tfjs_model *m);
const struct tfjs_tensor *tfjs_at(const struct tfjs_model *m, size_t i);
/* the message of the last failed tfjs_load on this thread */
const char *tfjs_errmsg(void);

#endif
