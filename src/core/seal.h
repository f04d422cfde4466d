/* core/seal.h - authenticated encryption with a random per-owner key (the only libsodium
 * user besides password hashing): XChaCha20-Poly1305 with a random 24-byte nonce per
 * message, the owner's id and a purpose bound in as associated data, so that a sealed blob
 * cannot be moved to another customer or another column.
 *     unsigned char key[SEAL_KEY]; seal_keygen(key);
 *     unsigned char box[512 + SEAL_OVERHEAD];
 *     seal_encrypt(key, 7, "tmpl", plain, 512, box);
 *     if (seal_decrypt(key, 7, "tmpl", box, sizeof(box), plain) != SHOP_OK) -> forged or wrong key
 *     seal_wipe(key, sizeof(key));
 * Used for crypto-shredding: destroying the key makes every copy of the blob unreadable,
 * wherever the database engine left it (WAL frames, free pages, old snapshots). */
#ifndef SHOP_CORE_SEAL_H
#define SHOP_CORE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define SEAL_KEY 32
#define SEAL_NONCE 24
#define SEAL_OVERHEAD (SEAL_NONCE + 16) /* the nonce in front, the tag after the text */

/* a fresh random key (the system's CSPRNG); aborts when libsodium cannot start */
void seal_keygen(unsigned char key[SEAL_KEY]);
/* writes n + SEAL_OVERHEAD bytes to out: nonce, ciphertext, tag */
void seal_encrypt(const unsigned char key[SEAL_KEY], int64_t owner, const char *purpose,
                  const void *plain, size_t n, unsigned char *out);
/* opens a sealed blob of n bytes (n - SEAL_OVERHEAD plain bytes to out); SHOP_EINVAL when
 * it is too short, forged, or sealed for another key, owner or purpose (out is zeroed) */
SHOP_MUST_CHECK int seal_decrypt(const unsigned char key[SEAL_KEY], int64_t owner,
                                 const char *purpose, const unsigned char *in, size_t n,
                                 void *out);
/* zeroes memory in a way the compiler cannot drop */
void seal_wipe(void *p, size_t n);

#endif
