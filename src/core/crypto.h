/* core/crypto.h - the one wrapper of libsodium: random tokens, Argon2id password hashes,
 * SHA-256 and constant-time comparison.
 *     char tok[CRYPTO_TOKEN_CHARS + 1]; crypto_token(tok);           -- 256 random bits
 *     char h[CRYPTO_PWHASH_MAX]; crypto_password_hash("s3cret!", h); -- store h
 *     if (crypto_password_verify(h, "s3cret!") == SHOP_OK) ...
 * crypto_init() runs once per process before any other call (main does it).             */
#ifndef SHOP_CORE_CRYPTO_H
#define SHOP_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define CRYPTO_TOKEN_BYTES 32
#define CRYPTO_TOKEN_CHARS 43 /* base64url of 32 bytes, no padding */
#define CRYPTO_PWHASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define CRYPTO_SHA256_HEX 65  /* 64 hex digits and the NUL */

/* SHOP_EINTERNAL when libsodium cannot start (no entropy source) */
SHOP_MUST_CHECK int crypto_init(void);
void crypto_random(void *buf, size_t n);
/* a uniformly random integer in [0, upper) */
uint32_t crypto_random_below(uint32_t upper);
/* 256 random bits as base64url (CRYPTO_TOKEN_CHARS characters and a NUL) */
void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1]);
/* a readable random password: `n` characters (n < size of out) from an alphabet without
 * look-alikes (no 0/O, 1/l/I) */
void crypto_password_generate(char *out, size_t n);
/* Argon2id (libsodium's interactive limits) with a random salt, as a self-describing
 * string; SHOP_EINTERNAL when out of memory for the hash */
SHOP_MUST_CHECK int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX]);
/* SHOP_OK when password matches hash, SHOP_EAUTH when not (constant time) */
SHOP_MUST_CHECK int crypto_password_verify(const char *hash, const char *password);
/* SHA-256 of n bytes as 64 lowercase hex digits */
void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX]);
void crypto_sha256(const void *data, size_t n, uint8_t out[32]);
/* 1 when the n bytes are equal, in time independent of where they differ */
int crypto_equal(const void *a, const void *b, size_t n);
/* zeroes memory in a way the compiler cannot drop */
void crypto_wipe(void *p, size_t n);

#endif
