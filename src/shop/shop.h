/* shop/shop.h - the shopping use cases of a store: a customer's shopping session at a
 * mirror (opened at login, closed at logout). Carts, checkout and the catalogue's queries
 * join this module.
 *     int64_t sid;
 *     if (shop_session_open(st, customer_id, "mirror-1", now, &sid) == SHOP_OK) ...
 *     shop_session_close(st, sid, now);                                                    */
#ifndef SHOP_SHOP_SHOP_H
#define SHOP_SHOP_SHOP_H

#include <stdint.h>

#include "core/status.h"

struct store;

/* Opens a shopping session for a customer at a mirror (one transaction: the session and
 * the customer's last visit). SHOP_ENOTFOUND for an unknown customer. */
SHOP_MUST_CHECK int shop_session_open(struct store *st, int64_t customer_id, const char *mirror,
                                      int64_t now, int64_t *session_id);
/* Ends the session at `now`. */
SHOP_MUST_CHECK int shop_session_close(struct store *st, int64_t session_id, int64_t now);

#endif
