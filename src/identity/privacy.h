/* identity/privacy.h - right to erasure and retention of biometric data.
 *     privacy_forget(st, gallery, customer_id, "customer", now, &templates, &photos);
 *     privacy_purge(st, gallery, PRIVACY_RETENTION_DAYS, "retention", now, &ids, &n);
 * Erasure removes the customer's templates, photos and consent from the store (with
 * secure_delete and a truncating WAL checkpoint, see store_face_forget) and from the
 * in-memory gallery, and audits it with counts only. The customer's shopping history stays. */
#ifndef SHOP_IDENTITY_PRIVACY_H
#define SHOP_IDENTITY_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct store;
struct gallery;

#define PRIVACY_RETENTION_DAYS 1095 /* 3 years after the last visit */

/* Forgets one customer's face data (gallery may be NULL). The gallery rows go first, so
 * that the customer cannot log in while the store deletes. SHOP_ENOTFOUND for an unknown
 * customer. Counts go to *templates / *photos (may be NULL). */
SHOP_MUST_CHECK int privacy_forget(struct store *st, struct gallery *g, int64_t customer_id,
                                   const char *actor, int64_t now, int64_t *templates,
                                   int64_t *photos);
/* Forgets every customer whose last visit (or consent, when never seen) is more than
 * `days` days before now, with audit action 'purge'. *ids (caller frees, may be NULL)
 * and *n get the customers forgotten. Stops at the first failure. */
SHOP_MUST_CHECK int privacy_purge(struct store *st, struct gallery *g, int64_t days,
                                  const char *actor, int64_t now, int64_t **ids, size_t *n);

#endif
