/* core/seal.c - libsodium's XChaCha20-Poly1305 (IETF AEAD) behind four calls. */
#include "core/seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

_Static_assert(SEAL_KEY == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");
_Static_assert(SEAL_NONCE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(SEAL_OVERHEAD - SEAL_NONCE == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag");

static void start(void)
{
    /* thread-safe and idempotent; fails only when no entropy source can be opened */
    if (sodium_init() < 0) {
        log_error("seal: libsodium cannot start (no random source)");
        abort();
    }
}

/* associated data: the owner as 8 little-endian bytes, then the purpose */
static size_t ad_of(int64_t owner, const char *purpose, unsigned char ad[72])
{
    uint64_t u = (uint64_t)owner;
    for (int b = 0; b < 8; b++)
        ad[b] = (unsigned char)(u >> (8 * b));
    size_t p = purpose ? strlen(purpose) : 0;
    p = p > 64 ? 64 : p;
    memcpy(ad + 8, purpose, p);
    return 8 + p;
}

void seal_keygen(unsigned char key[SEAL_KEY])
{
    start();
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

void seal_encrypt(const unsigned char key[SEAL_KEY], int64_t owner, const char *purpose,
                  const void *plain, size_t n, unsigned char *out)
{
    start();
    unsigned char ad[72];
    size_t nad = ad_of(owner, purpose, ad);
    randombytes_buf(out, SEAL_NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_NONCE, NULL, plain, n, ad, nad, NULL,
                                               out, key);
}

int seal_decrypt(const unsigned char key[SEAL_KEY], int64_t owner, const char *purpose,
                 const unsigned char *in, size_t n, void *out)
{
    start();
    if (n < SEAL_OVERHEAD)
        return SHOP_EINVAL;
    unsigned char ad[72];
    size_t nad = ad_of(owner, purpose, ad);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, in + SEAL_NONCE,
                                                   n - SEAL_NONCE, ad, nad, in, key) != 0) {
        sodium_memzero(out, n - SEAL_OVERHEAD);
        return SHOP_EINVAL;
    }
    return SHOP_OK;
}

void seal_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
