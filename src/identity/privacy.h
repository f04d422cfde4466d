/* identity/privacy.h - biometric consent, right to erasure and retention.
 *     privacy_consent(st, customer_id, "2026-01", "cli", now);
 *     struct store_face_erasure e;
 *     privacy_forget(st, gallery, customer_id, "customer", now, &e);
 *     privacy_purge(st, gallery, PRIVACY_RETENTION_DAYS, as_of, "retention", now, &ids, &n);
 * Erasure destroys the customer's key (templates and photos are sealed with it, so no copy
 * SQLite keeps in the main file or the WAL stays readable), deletes the templates, photos,
 * consent and emotion events, anonymises the customer's alerts, removes the gallery rows and
 * audits it with counts only (see store_face_forget). The shopping history stays. `now` is
 * always the real time of the change: it dates the audit. */
#ifndef SHOP_IDENTITY_PRIVACY_H
#define SHOP_IDENTITY_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "store/store.h"

struct gallery;

#define PRIVACY_RETENTION_DAYS 1095 /* 3 years after the last visit */
#define PRIVACY_VERSION_MAX 64      /* bytes of a consent text's version */

/* SHOP_OK when version is 1..PRIVACY_VERSION_MAX bytes of valid UTF-8 without control
 * characters, else SHOP_EINVAL with the reason (shop_errmsg). */
SHOP_MUST_CHECK int privacy_version_check(const char *version);
/* Records (or renews) the customer's consent to biometric processing with the consent
 * text's version, audited. SHOP_EINVAL for a bad version, SHOP_ENOTFOUND for an unknown
 * customer. Inside or outside the caller's transaction. */
SHOP_MUST_CHECK int privacy_consent(struct store *st, int64_t customer_id, const char *version,
                                    const char *actor, int64_t now);
/* Forgets one customer's face data (gallery may be NULL). The gallery rows go first, so
 * that the customer cannot log in while the store deletes. SHOP_ENOTFOUND for an unknown
 * customer; out->nothing when there was no face data (nothing written, no audit row). */
SHOP_MUST_CHECK int privacy_forget(struct store *st, struct gallery *g, int64_t customer_id,
                                   const char *actor, int64_t now,
                                   struct store_face_erasure *out);
/* Forgets every customer whose last visit (or consent, when never seen) is more than
 * `days` days before as_of, with audit action 'purge' dated now, then completes pending
 * erasures (earlier ones too) when the checkpoint can run: run it daily. *ids (caller
 * frees, may be NULL) and *n get the customers forgotten; *pending (may be NULL) how many
 * erasures in the store are still pending. Stops at the first failure. */
/* Completes the erasures left pending by a reader (see store_face_forget) when the
 * checkpoint can run now; *done and *left (either may be NULL) get the counts. */
SHOP_MUST_CHECK int privacy_complete_pending(struct store *st, int64_t now, int64_t *done,
                                            int64_t *left);
SHOP_MUST_CHECK int privacy_purge(struct store *st, struct gallery *g, int64_t days,
                                  int64_t as_of, const char *actor, int64_t now, int64_t **ids,
                                  size_t *n, size_t *pending);

#endif
