/* api/api_foryou.c - "for you": three promotions and five recommendations with reasons for
 * the customer logged in at the calling mirror, from their history, segment and cart. */
#include "analytics/recommend.h"
#include "api/api_int.h"
#include "shop/shop.h"

/* The recommender engine for this request. Building it reads the whole store; a shared,
 * refreshed cache (reco_cache) replaces these two functions, the only place the engine is
 * made and dropped. */
/* the server's cached engine (rebuilt only when purchases, products, prices, profiles or
 * models changed); a reference the caller drops with engine_put */
static int engine_get(struct api_ctx *c, struct reco_engine **e)
{
    return reco_cache_get(c->app->reco, c->st, e);
}

static void engine_put(struct api_ctx *c, struct reco_engine *e)
{
    (void)c;
    reco_free(e);
}

static int get_foryou(struct api_ctx *c)
{
    struct mirror_who who;
    struct shop_cart cart;
    int rc = app_mirror_who(c->app, &c->who.device, &who);
    if (rc == SHOP_OK)
        rc = shop_cart_get(c->st, who.customer_id, who.session_id, c->now, &cart);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    int64_t products[SHOP_CART_MAX];
    int n = 0;
    for (int i = 0; i < cart.n; i++)
        if (!cart.lines[i].l.sold)
            products[n++] = cart.lines[i].l.product_id;
    struct reco_engine *e = NULL;
    struct reco_list l;
    rc = engine_get(c, &e);
    if (rc == SHOP_OK)
        rc = reco_for_live(e, c->st, who.customer_id, products, n, &l); /* stock read now */
    /* what is shown is what the cart and the checkout will charge */
    if (rc == SHOP_OK)
        rc = shop_offer_promotions(c->st, who.customer_id, &l, &cart, c->now);
    if (rc == SHOP_OK) {
        struct jsonw *w = api_json(c);
        reco_list_write_json(w, e, who.customer_id, &l);
        jw_finish(w);
    }
    engine_put(c, e);
    return rc == SHOP_OK ? 200 : api_error(c, rc);
}

const struct api_route foryou_routes[] = {
    {"GET", "/api/v1/foryou", get_foryou, API_MIRROR, 0},
    {NULL, NULL, NULL, 0, 0},
};
