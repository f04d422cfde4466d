/* fuzz/fuzz_tfjs.c - libFuzzer harness for tfjs_parse. The input is the manifest's JSON, a
 * NUL byte, then the weight bytes (no NUL: all of it is JSON and there are no weights).
 * Besides crashes and leaks (ASan), it checks that a loaded model's tensors are consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/tfjs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t jlen = nul ? (size_t)(nul - data) : size;
    const uint8_t *w = nul ? nul + 1 : data + size;
    size_t wlen = size - jlen - (nul ? 1 : 0);
    struct tfjs_model *m = NULL;
    int rc = tfjs_parse((const char *)data, jlen, w, wlen, &m);
    if (rc == SHOP_OK) {
        if (!m)
            abort();
        for (size_t i = 0; i < tfjs_count(m); i++) {
            const struct tfjs_tensor *t = tfjs_at(m, i);
            size_t n = 1;
            for (int d = 0; d < t->ndim; d++)
                n *= (size_t)t->shape[d];
            if (n != t->size || tfjs_get(m, t->name) != t || t->ndim > TFJS_MAX_DIMS)
                abort();
            volatile float sum = 0;
            for (size_t k = 0; k < t->size; k++)
                sum += t->data[k];
            (void)sum;
        }
        tfjs_free(m);
    } else if (m || !tfjs_errmsg()[0] || rc >= 0) {
        abort();
    }
    return 0;
}
