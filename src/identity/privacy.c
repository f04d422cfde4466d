/* identity/privacy.c - consent, erasure and retention. */
#include "identity/privacy.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "identity/gallery.h"

/* the length of the UTF-8 sequence at s (RFC 3629: shortest form, no surrogates, at most
 * U+10FFFF), 0 when it is not valid */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                                            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

int privacy_version_check(const char *version)
{
    if (!version || !*version)
        return shop_fail(SHOP_EINVAL, "a consent needs the consent text's version");
    size_t n = strlen(version);
    if (n > PRIVACY_VERSION_MAX)
        return shop_fail(SHOP_EINVAL,
                         "a consent text's version is at most %d bytes, not %zu (it names the "
                         "text, e.g. 2026-01)",
                         PRIVACY_VERSION_MAX, n);
    const unsigned char *s = (const unsigned char *)version;
    for (size_t i = 0; i < n;) {
        int k = utf8_len(s + i);
        if (!k)
            return shop_fail(SHOP_EINVAL, "the consent version is not valid UTF-8 (byte %zu)",
                             i + 1);
        if (k == 1 && (s[i] < 0x20 || s[i] == 0x7F))
            return shop_fail(SHOP_EINVAL, "the consent version has a control character");
        i += (size_t)k;
    }
    return SHOP_OK;
}

int privacy_consent(struct store *st, int64_t customer_id, const char *version,
                    const char *actor, int64_t now)
{
    int rc = privacy_version_check(version);
    if (rc != SHOP_OK)
        return rc;
    return store_face_consent_set(st, customer_id, version, actor, now);
}

int privacy_forget(struct store *st, struct gallery *g, int64_t customer_id, const char *actor,
                   int64_t now, struct store_face_erasure *out)
{
    struct store_customer c;
    int rc = store_customer_get(st, customer_id, &c);
    if (rc != SHOP_OK)
        return rc;
    if (g)
        gallery_remove(g, customer_id);
    rc = store_face_forget(st, customer_id, "delete", actor, now, out);
    if (rc == SHOP_OK && !out->nothing)
        log_info("privacy: face data of customer %lld erased%s", (long long)customer_id,
                 out->complete ? "" : " (pending a checkpoint)");
    return rc;
}

int privacy_complete_pending(struct store *st, int64_t now, int64_t *done, int64_t *left)
{
    int64_t d = 0, l = 0;
    int rc = store_face_complete_pending(st, now, &d, &l);
    if (rc == SHOP_OK && d)
        log_info("privacy: %lld pending erasure(s) completed", (long long)d);
    if (done)
        *done = d;
    if (left)
        *left = l;
    return rc;
}

int privacy_purge(struct store *st, struct gallery *g, int64_t days, int64_t as_of,
                  const char *actor, int64_t now, int64_t **ids_out, size_t *n_out,
                  size_t *pending)
{
    int64_t *ids = NULL;
    size_t n = 0, done = 0;
    if (ids_out)
        *ids_out = NULL;
    *n_out = 0;
    if (pending)
        *pending = 0;
    if (days < 0)
        return shop_fail(SHOP_EINVAL, "retention days must not be negative");
    int rc = store_face_expired(st, as_of - days * 86400, &ids, &n);
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        struct store_face_erasure e;
        if (g)
            gallery_remove(g, ids[i]);
        rc = store_face_forget(st, ids[i], "purge", actor, now, &e);
        if (rc == SHOP_OK)
            ids[done++] = ids[i];
    }
    int64_t left = 0;
    if (rc == SHOP_OK)
        rc = privacy_complete_pending(st, now, NULL, &left);
    if (done)
        log_info("privacy: face data of %zu customer(s) purged after %lld days", done,
                 (long long)days);
    *n_out = done;
    if (pending)
        *pending = (size_t)left;
    if (ids_out)
        *ids_out = ids;
    else
        free(ids);
    return rc;
}
