/* identity/privacy.c - erasure and retention. */
#include "identity/privacy.h"

#include <stdlib.h>

#include "core/log.h"
#include "identity/gallery.h"
#include "store/store.h"

int privacy_forget(struct store *st, struct gallery *g, int64_t customer_id, const char *actor,
                   int64_t now, int64_t *templates, int64_t *photos)
{
    struct store_customer c;
    int rc = store_customer_get(st, customer_id, &c);
    if (rc != SHOP_OK)
        return rc;
    if (g)
        gallery_remove(g, customer_id);
    rc = store_face_forget(st, customer_id, "delete", actor, now, templates, photos);
    if (rc == SHOP_OK)
        log_info("privacy: face data of customer %lld erased", (long long)customer_id);
    return rc;
}

int privacy_purge(struct store *st, struct gallery *g, int64_t days, const char *actor,
                  int64_t now, int64_t **ids_out, size_t *n_out)
{
    int64_t *ids = NULL;
    size_t n = 0, done = 0;
    if (ids_out)
        *ids_out = NULL;
    *n_out = 0;
    if (days < 0)
        return SHOP_EINVAL;
    int rc = store_face_expired(st, now - days * 86400, &ids, &n);
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        if (g)
            gallery_remove(g, ids[i]);
        rc = store_face_forget(st, ids[i], "purge", actor, now, NULL, NULL);
        if (rc == SHOP_OK)
            done++;
    }
    if (done)
        log_info("privacy: face data of %zu customer(s) purged after %lld days", done,
                 (long long)days);
    *n_out = done;
    if (ids_out)
        *ids_out = ids;
    else
        free(ids);
    return rc;
}
