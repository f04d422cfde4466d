/* api/api_customers.c - registering a customer (at a mirror's form or by staff), one
 * customer with profile and segment, and the staff's search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "shop/shop.h"

static int registration_body(struct api_ctx *c, struct shop_registration *r)
{
    memset(r, 0, sizeof(*r));
    int rc = api_body_json(c); /* the router answered 415 for another Content-Type */
    if (rc == SHOP_OK)
        rc = api_body_str(c, "name", 1, 63, &r->name);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "email", 1, 95, &r->email);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "gender", 1, 8, &r->gender);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "size", 1, 3, &r->size);
    if (rc == SHOP_OK)
        rc = api_body_bool(c, "biometric_consent", 1, 0, &r->biometric_consent);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "consent_version", 0, 31, &r->consent_version);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "pin", 0, 16, &r->pin);
    return rc;
}

const char *api_actor(const struct api_ctx *c, char *buf, size_t n)
{
    if (c->who.role == AUTH_MIRROR)
        snprintf(buf, n, "mirror:%s", c->who.device.name);
    else
        snprintf(buf, n, "staff:%s", c->who.user.username);
    return buf;
}

int api_customer_register(struct api_ctx *c, struct shop_registration *r, int64_t *id)
{
    int rc = registration_body(c, r);
    if (rc != SHOP_OK)
        return rc;
    char actor[80];
    r->actor = api_actor(c, actor, sizeof(actor));
    rc = shop_customer_register(c->st, r, c->now, id);
    r->actor = NULL; /* it was this frame's */
    return rc;
}

static int post_customer(struct api_ctx *c)
{
    struct shop_registration r;
    int64_t id;
    int rc = api_customer_register(c, &r, &id);
    struct shop_customer_view v;
    if (rc == SHOP_OK)
        rc = shop_customer_get(c->st, id, &v);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    shop_customer_view_write_json(w, &v);
    jw_finish(w);
    return 201;
}

static int get_customer(struct api_ctx *c)
{
    int64_t id;
    int rc = api_param_id(c, 0, &id);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    if (c->who.role == AUTH_MIRROR) {
        /* a mirror shows only the customer standing at it */
        struct mirror_who who;
        if (app_mirror_who(c->app, &c->who.device, &who) != SHOP_OK || who.customer_id != id)
            return api_error(c, shop_fail(SHOP_EPERM, "a mirror reads only the customer "
                                          "logged in at it"));
    }
    struct shop_customer_view v;
    rc = shop_customer_get(c->st, id, &v);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    shop_customer_view_write_json(w, &v);
    jw_finish(w);
    return 200;
}

static int get_customers(struct api_ctx *c)
{
    const char *q;
    int64_t limit, offset;
    int rc = api_query_str(c, "q", 95, &q);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, SHOP_PAGE_MAX, 50, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, 1000000000, 0, &offset);
    struct store_customer *cs = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (rc == SHOP_OK)
        rc = store_customers_find(c->st, q, limit, offset, &cs, &n, &total);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "customers");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        shop_customer_write_json(w, &cs[i]);
    jw_end(w);
    jw_key(w, "total");
    jw_int(w, total);
    jw_key(w, "limit");
    jw_int(w, limit);
    jw_key(w, "offset");
    jw_int(w, offset);
    jw_end(w);
    jw_finish(w);
    free(cs);
    return 200;
}

const struct api_route customers_routes[] = {
    {"POST", "/api/v1/customers", post_customer, API_MIRROR | API_STAFF, 0},
    {"GET", "/api/v1/customers", get_customers, API_STAFF, 0},
    {"GET", "/api/v1/customers/{id}", get_customer, API_MIRROR | API_STAFF, 0},
    {NULL, NULL, NULL, 0, 0},
};
