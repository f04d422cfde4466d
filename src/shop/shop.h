/* shop/shop.h - the shopping use cases of a store: a customer's shopping session at a
 * mirror (opened at login, closed at logout), the catalogue as a shopper sees it (current
 * price, their promotion price, sizes in stock), registering a customer, the session's cart
 * with reserved items, and the checkout. The CLI and the API are thin callers; each object's
 * JSON is written here once.
 *     int64_t sid;
 *     if (shop_session_open(st, customer_id, "mirror-1", now, &sid) == SHOP_OK) ...
 *     struct shop_cart cart;
 *     rc = shop_cart_add(st, customer_id, sid, product_id, "M", now, SHOP_CART_HOLD, &cart);
 *     rc = shop_checkout(st, customer_id, sid, now, &cart);  -- SHOP_ECONFLICT: which line
 *     shop_session_close(st, sid, now);
 * Reservations: an item in a cart is held for `hold` seconds, renewed whenever the cart is
 * touched (viewed, added to, removed from); an expired hold may be taken over by another
 * cart. Closing the session (logout) releases the open cart's items. */
#ifndef SHOP_SHOP_SHOP_H
#define SHOP_SHOP_SHOP_H

#include <stdint.h>

#include "core/status.h"
#include "store/store.h"

struct jsonw;

#define SHOP_CART_MAX 20      /* items in one cart */
#define SHOP_CART_HOLD 900    /* default reservation, seconds */
#define SHOP_PAGE_MAX 200     /* products or customers per page */
#define SHOP_MAX_SIZES 8

/* Opens a shopping session for a customer at a mirror (one transaction: the session and
 * the customer's last visit). SHOP_ENOTFOUND for an unknown customer. */
SHOP_MUST_CHECK int shop_session_open(struct store *st, int64_t customer_id, const char *mirror,
                                      int64_t now, int64_t *session_id);
/* Ends the session at `now` and releases its open cart's items (one transaction). */
SHOP_MUST_CHECK int shop_session_close(struct store *st, int64_t session_id, int64_t now);

/* ---- catalogue ---- */
struct shop_size_stock {
    char size[4];
    int64_t count;
};
struct shop_product {
    struct store_product p;   /* p.stock: items in stock, every size */
    int64_t promo_cents;      /* the customer's valid promotion price, 0 when none */
    double promo_discount;
    int nsizes;               /* sizes in stock, in garment order (XS .. XXL) */
    struct shop_size_stock sizes[SHOP_MAX_SIZES];
};
struct shop_page {
    struct shop_product *items; /* owned: shop_page_release */
    size_t n;
    int64_t total, limit, offset;
};
/* Products matching f (limit 1..SHOP_PAGE_MAX, else SHOP_EINVAL), with their sizes in stock
 * and, when customer_id > 0, that customer's valid promotions at now. */
SHOP_MUST_CHECK int shop_products_find(struct store *st, const struct store_product_filter *f,
                                       int64_t customer_id, int64_t now, struct shop_page *out);
void shop_page_release(struct shop_page *pg);
/* one product with its stock by size; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int shop_product_get(struct store *st, int64_t id, int64_t customer_id,
                                     int64_t now, struct shop_product *out);

enum { SHOP_JSON_INTERNAL = 1 }; /* with cost, popularity and zone (operators, not shoppers) */
/* {"id", "name", "category", "gender", "fabric", "season", "price_cents", "base_price_cents",
 * "promotion_price_cents" (null when none), "promotion_discount", "stock",
 * "sizes_in_stock": ["S", ...], "stock_by_size": {"S": 3, ...}} (+ internal fields) */
void shop_product_write_json(struct jsonw *w, const struct shop_product *p, unsigned flags);
/* {"products": [...], "total", "limit", "offset"} */
void shop_page_write_json(struct jsonw *w, const struct shop_page *pg, unsigned flags);

/* ---- customers ---- */
struct shop_registration {
    const char *name, *email, *gender, *size; /* gender female|male|other, size XS..XXL */
    int biometric_consent;                    /* 1: consent with consent_version */
    const char *consent_version;
    const char *pin;                          /* NULL or 4-8 digits */
    const char *actor;                        /* who registers (audit): "mirror:m1" ... */
};
/* Registers a customer: the row, the consent (audited) and the PIN in one transaction.
 * SHOP_EINVAL for bad fields, SHOP_ECONFLICT when the e-mail is taken (any case). */
SHOP_MUST_CHECK int shop_customer_register(struct store *st, const struct shop_registration *r,
                                           int64_t now, int64_t *customer_id);
struct shop_customer_view {
    struct store_customer c;
    int has_profile;
    struct store_profile profile;
    int consent; /* biometric consent on record */
    char consent_version[32];
    int64_t consented_at;
};
SHOP_MUST_CHECK int shop_customer_get(struct store *st, int64_t id, struct shop_customer_view *out);
/* {"id", "name", "email", "gender", "size", "created_at", "last_seen_at", "pref_*"} */
void shop_customer_write_json(struct jsonw *w, const struct store_customer *c);
/* {"customer": {...}, "biometric_consent": {"version", "at"} | null, "segment": n | null,
 * "profile": {...} | null} */
void shop_customer_view_write_json(struct jsonw *w, const struct shop_customer_view *v);

/* ---- the cart of a shopping session ---- */
struct shop_line {
    struct store_cart_line l;
    int64_t price_cents; /* charged: the promotion price when valid and lower, else list */
};
struct shop_cart {
    struct store_cart cart; /* cart.id 0: the session has no cart yet */
    int n;
    struct shop_line lines[SHOP_CART_MAX];
    int64_t list_total_cents, total_cents;
};
/* The session's cart as it is (read only). */
SHOP_MUST_CHECK int shop_cart_get(struct store *st, int64_t customer_id, int64_t session_id,
                                  int64_t now, struct shop_cart *out);
/* The session's cart (renewing its reservations until now + hold when it is open). */
SHOP_MUST_CHECK int shop_cart_view(struct store *st, int64_t customer_id, int64_t session_id,
                                   int64_t now, int64_t hold, struct shop_cart *out);
/* Reserves one in-stock item of product/size for the session's cart (created on first use).
 * SHOP_ENOTFOUND (no product), SHOP_EINVAL (bad size), SHOP_ECONFLICT (none of that size
 * free: sold out, or all held by other carts; or the cart was bought), SHOP_ETOOBIG (the
 * cart is full). *item_id gets the item. */
SHOP_MUST_CHECK int shop_cart_add(struct store *st, int64_t customer_id, int64_t session_id,
                                  int64_t product_id, const char *size, int64_t now, int64_t hold,
                                  int64_t *item_id, struct shop_cart *out);
/* Drops an item from the session's open cart; SHOP_ENOTFOUND when it is not in it. */
SHOP_MUST_CHECK int shop_cart_remove(struct store *st, int64_t customer_id, int64_t session_id,
                                     int64_t item_id, int64_t now, int64_t hold,
                                     struct shop_cart *out);
/* Buys the session's cart in one transaction (BEGIN IMMEDIATE; reads and checks inside
 * it): the purchase, its lines at the prices charged, the items sold, the cart bought - all
 * or nothing. SHOP_ECONFLICT, naming the line, when an item is no longer in stock; when the
 * cart is empty; when it was bought already (a repeated checkout never buys twice). *out is
 * the bought cart (cart.purchase_id). */
SHOP_MUST_CHECK int shop_checkout(struct store *st, int64_t customer_id, int64_t session_id,
                                  int64_t now, struct shop_cart *out);
/* A sale at the till: one item of product/size for a customer in a session of its own
 * (opened and closed around the checkout). */
SHOP_MUST_CHECK int shop_buy(struct store *st, int64_t customer_id, int64_t product_id,
                             const char *size, const char *where, int64_t now,
                             struct shop_cart *out);
/* The promotions shown to a customer become their offers (stored, valid a week) so that
 * the cart and the checkout charge them; valid offers on products in the cart are kept
 * (the list leaves cart products out). One transaction. */
struct reco_list;
SHOP_MUST_CHECK int shop_offer_promotions(struct store *st, int64_t customer_id,
                                          const struct reco_list *l, const struct shop_cart *cart,
                                          int64_t now);
/* {"id" | null, "status", "purchase_id", "lines": [{"item_id", "product_id", "name", "size",
 * "list_cents", "price_cents", "promotion", "sold", "reserved_until"}], "items",
 * "list_total_cents", "total_cents"} */
void shop_cart_write_json(struct jsonw *w, const struct shop_cart *c);

#endif
