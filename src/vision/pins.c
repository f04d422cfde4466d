/* vision/pins.c - SHA-256 (libsodium) of weight files against the compiled-in list. */
#include "vision/pins.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* models.sha256 as one NUL-terminated string (vision/models_sha256.c, .incbin) */
extern const char vision_models_sha256[];

const char *pins_builtin(void)
{
    return vision_models_sha256;
}

void pins_sha256_hex(const uint8_t *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* the hash pinned for rel in list into want (65 bytes), or 0 when rel is not listed */
static int find(const char *list, const char *rel, char want[65])
{
    size_t rlen = strlen(rel);
    for (const char *line = list; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        /* "<64 hex>  <name>" */
        if (n == 64 + 2 + rlen && line[64] == ' ' && line[65] == ' ' &&
            memcmp(line + 66, rel, rlen) == 0) {
            memcpy(want, line, 64);
            want[64] = '\0';
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

int pins_check(const char *list, const char *dir, const char *rel, const uint8_t *data,
               size_t len)
{
    char want[65], got[65];
    if (sodium_init() < 0) /* idempotent and thread-safe */
        return shop_fail(SHOP_EINTERNAL, "libsodium cannot start");
    if (!find(list, rel, want))
        return shop_fail(SHOP_EMODEL,
                         "'%s/%s' is not one of the pinned model files (src/vision/models.sha256)",
                         dir, rel);
    pins_sha256_hex(data, len, got);
    if (strcmp(got, want) != 0)
        return shop_fail(SHOP_EMODEL,
                         "'%s/%s' does not match its pinned sha256 (damaged or altered: got "
                         "%.12s..., want %.12s...)",
                         dir, rel, got, want);
    return SHOP_OK;
}
