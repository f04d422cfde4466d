/* shop/shop.c - shopping sessions. */
#include "shop/shop.h"

#include <stdio.h>
#include <string.h>

#include "store/store.h"

int shop_session_open(struct store *st, int64_t customer_id, const char *mirror, int64_t now,
                      int64_t *session_id)
{
    struct store_customer c;
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_customer_get(st, customer_id, &c);
    struct store_session s = {.customer_id = customer_id, .started_at = now, .ended_at = now};
    snprintf(s.mirror, sizeof(s.mirror), "%s", mirror ? mirror : "");
    if (rc == SHOP_OK)
        rc = store_session_add(st, &s);
    if (rc == SHOP_OK)
        rc = store_customer_seen(st, customer_id, now);
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK) {
        store_rollback(st);
        return rc;
    }
    *session_id = s.id;
    return SHOP_OK;
}

int shop_session_close(struct store *st, int64_t session_id, int64_t now)
{
    return store_session_end(st, session_id, now);
}
