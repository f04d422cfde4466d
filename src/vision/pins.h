/* vision/pins.h - the face-api weight files pinned by their SHA-256 (src/vision/models.sha256,
 * compiled into the program, so no path on the machine is trusted to find it). net_load
 * checks every file it reads against it: a damaged or altered weight file is refused by
 * name before any of its bytes are used.
 *     int rc = pins_check(pins_builtin(), "models", "tiny_face_detector_model.bin", data, n);
 *     if (rc != SHOP_OK) -> shop_errmsg(): "'models/tiny_face_detector_model.bin' does not
 *                           match its pinned sha256 ..."                                      */
#ifndef SHOP_VISION_PINS_H
#define SHOP_VISION_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* the pinned list compiled in: lines "<64 hex digits>  <relative path>" (sha256sum format) */
const char *pins_builtin(void);

/* Checks the len bytes of the file dir/rel against rel's hash in list. SHOP_OK when they
 * match; SHOP_EMODEL (message naming dir/rel) when rel is not in the list or the bytes do
 * not match. */
SHOP_MUST_CHECK int pins_check(const char *list, const char *dir, const char *rel,
                               const uint8_t *data, size_t len);

/* The lowercase hex SHA-256 of data into hex (65 bytes with the NUL). */
void pins_sha256_hex(const uint8_t *data, size_t len, char hex[65]);

#endif
