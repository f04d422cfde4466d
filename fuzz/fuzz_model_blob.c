/* fuzz/fuzz_model_blob.c - libFuzzer harness for the stored segments model: the k-means blob
 * that store_model_get returns and segments.c parses (kmeans_load_blob). The blob ends in a
 * CRC-32, so most mutations would stop there: when the first input byte is odd, the harness
 * fixes the checksum up after dropping that byte, so that the value checks behind it are
 * explored too. A loaded model must predict, report its centres and save to the same bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/kmeans.h"
#include "core/log.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the blob's checksum (kmeans.c): CRC-32, reflected, polynomial 0xEDB88320 */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_OFF); /* a corrupt input is logged as an error: not news here */
    if (size == 0)
        return 0;
    int fix = data[0] & 1;
    size_t len = size - 1;
    unsigned char *blob = xmalloc(len ? len : 1);
    memcpy(blob, data + 1, len);
    if (fix && len >= 4) {
        uint32_t c = crc32_of(blob, len - 4);
        for (int i = 0; i < 4; i++)
            blob[len - 4 + i] = (unsigned char)(c >> (8 * i));
    }
    struct kmeans *km = (struct kmeans *)&km; /* must be reset */
    int rc = kmeans_load_blob(blob, len, &km);
    if (rc != SHOP_OK) {
        if (km || rc >= 0)
            abort();
        free(blob);
        return 0;
    }
    if (!km)
        abort();
    int k = kmeans_k(km), dim = kmeans_dim(km);
    if (k < 1 || dim < 1)
        abort();
    float *row = xcalloc((size_t)dim, sizeof(float));
    for (int j = 0; j < dim; j++)
        row[j] = (float)(j % 7) - 3.0f;
    int label = -1;
    if (kmeans_predict(km, row, 1, &label, NULL) != SHOP_OK || label < 0 || label >= k)
        abort();
    float *centres = xcalloc((size_t)k * (size_t)dim, sizeof(float));
    (void)kmeans_centres_raw(km, centres);
    unsigned char *again = NULL;
    size_t alen = 0;
    if (kmeans_save_blob(km, &again, &alen) != SHOP_OK || alen != len ||
        memcmp(again, blob, len) != 0)
        abort();
    free(again);
    free(centres);
    free(row);
    kmeans_free(km);
    free(blob);
    return 0;
}
