/* api/api_cart.c - the cart of the shopping session of the customer logged in at the
 * calling mirror: view, add an item of a size, remove, and buy. */
#include "api/api_int.h"
#include "api/metrics.h"
#include "core/log.h"
#include "shop/shop.h"

/* the customer logged in at the calling mirror and their session; SHOP_EAUTH (401) when
 * nobody is */
static int shopper(struct api_ctx *c, struct mirror_who *who)
{
    return app_mirror_who(c->app, &c->who.device, who);
}

static int64_t hold(struct api_ctx *c)
{
    return c->app->cfg.cart_hold_seconds > 0 ? c->app->cfg.cart_hold_seconds : SHOP_CART_HOLD;
}

static int write_cart(struct api_ctx *c, const struct shop_cart *cart, int status)
{
    struct jsonw *w = api_json(c);
    shop_cart_write_json(w, cart);
    jw_finish(w);
    return status;
}

static int get_cart(struct api_ctx *c)
{
    struct mirror_who who;
    struct shop_cart cart;
    int rc = shopper(c, &who);
    if (rc == SHOP_OK)
        rc = shop_cart_view(c->st, who.customer_id, who.session_id, c->now, hold(c), &cart);
    return rc == SHOP_OK ? write_cart(c, &cart, 200) : api_error(c, rc);
}

static int post_item(struct api_ctx *c)
{
    struct mirror_who who;
    int64_t product;
    const char *size;
    int rc = shopper(c, &who);
    if (rc == SHOP_OK)
        rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_int(c, "product_id", 1, 1, INT64_MAX, 0, &product);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "size", 1, 3, &size);
    int64_t item;
    struct shop_cart cart;
    if (rc == SHOP_OK)
        rc = shop_cart_add(c->st, who.customer_id, who.session_id, product, size, c->now,
                           hold(c), &item, &cart);
    return rc == SHOP_OK ? write_cart(c, &cart, 201) : api_error(c, rc);
}

static int delete_item(struct api_ctx *c)
{
    struct mirror_who who;
    int64_t item;
    struct shop_cart cart;
    int rc = shopper(c, &who);
    if (rc == SHOP_OK)
        rc = api_param_id(c, 0, &item);
    if (rc == SHOP_OK)
        rc = shop_cart_remove(c->st, who.customer_id, who.session_id, item, c->now, hold(c),
                              &cart);
    return rc == SHOP_OK ? write_cart(c, &cart, 200) : api_error(c, rc);
}

static int post_checkout(struct api_ctx *c)
{
    struct mirror_who who;
    struct shop_cart cart;
    int rc = shopper(c, &who);
    if (rc == SHOP_OK)
        rc = shop_checkout(c->st, who.customer_id, who.session_id, c->now, &cart);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    metrics_add(c->app->metrics, METRICS_CHECKOUTS, 1);
    /* the customer shops on: the next item goes into a new session's cart */
    rc = app_mirror_renew(c);
    if (rc != SHOP_OK && rc != SHOP_EAUTH)
        log_error("api: no new session after a purchase at '%s': %s", c->who.device.name,
                  shop_errmsg_or(rc));
    return write_cart(c, &cart, 200);
}

const struct api_route cart_routes[] = {
    {"GET", "/api/v1/cart", get_cart, API_MIRROR, 0},
    {"POST", "/api/v1/cart/items", post_item, API_MIRROR, 0},
    {"DELETE", "/api/v1/cart/items/{item_id}", delete_item, API_MIRROR, 0},
    {"POST", "/api/v1/cart/checkout", post_checkout, API_MIRROR, 0},
    {NULL, NULL, NULL, 0, 0},
};
