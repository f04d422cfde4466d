/* core/crypto.c - libsodium behind the project's names (see crypto.h). */
#include "core/crypto.h"

#include <sodium.h>
#include <string.h>

int crypto_init(void)
{
    if (sodium_init() < 0)
        return shop_fail(SHOP_EINTERNAL, "crypto: libsodium cannot start");
    return SHOP_OK;
}

void crypto_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

uint32_t crypto_random_below(uint32_t upper)
{
    return randombytes_uniform(upper);
}

void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1])
{
    unsigned char raw[CRYPTO_TOKEN_BYTES];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, CRYPTO_TOKEN_CHARS + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void crypto_password_generate(char *out, size_t n)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[n] = '\0';
}

int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX])
{
    _Static_assert(CRYPTO_PWHASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return shop_fail(SHOP_EINTERNAL, "crypto: out of memory hashing a password");
    return SHOP_OK;
}

int crypto_password_verify(const char *hash, const char *password)
{
    if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        return SHOP_EAUTH;
    return SHOP_OK;
}

void crypto_sha256(const void *data, size_t n, uint8_t out[32])
{
    crypto_hash_sha256(out, data, n);
}

void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX])
{
    uint8_t h[32];
    crypto_hash_sha256(h, data, n);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX, h, sizeof(h));
}

int crypto_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
