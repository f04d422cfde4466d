/* shop/shop.c - shopping sessions, the catalogue, registration, carts and the checkout. */
#include "shop/shop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/profiles.h"
#include "analytics/recommend.h"
#include "auth/auth.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "core/xalloc.h"

/* ---- sessions ---- */

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
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_session_end(st, session_id, now);
    struct store_cart cart;
    int has = rc == SHOP_OK ? store_cart_get(st, session_id, &cart) : rc;
    if (has == SHOP_OK && strcmp(cart.status, "open") == 0) {
        /* the shopper left: what they held goes back on the shelf */
        rc = store_cart_release_all(st, cart.id);
        if (rc == SHOP_OK)
            rc = store_cart_finish(st, cart.id, "closed", 0, now);
    } else if (has != SHOP_OK && has != SHOP_ENOTFOUND)
        rc = has;
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    return rc;
}

/* ---- sizes ---- */

static int size_rank(const char *s)
{
    static const char *const order[] = {"XS", "S", "M", "L", "XL", "XXL"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, order[i]) == 0)
            return i;
    return 6;
}

static int valid_size(const char *s)
{
    return s && size_rank(s) < 6;
}

static void add_size(struct shop_product *p, const char *size, int64_t count)
{
    if (count <= 0 || p->nsizes == SHOP_MAX_SIZES)
        return;
    int at = p->nsizes++;
    while (at > 0 && size_rank(p->sizes[at - 1].size) > size_rank(size)) {
        p->sizes[at] = p->sizes[at - 1];
        at--;
    }
    snprintf(p->sizes[at].size, sizeof(p->sizes[at].size), "%s", size);
    p->sizes[at].count = count;
}

/* ---- catalogue ---- */

struct promo {
    int64_t product_id, price_cents;
    double discount;
};
struct promos {
    struct promo v[64];
    int n;
};

static void collect_promo(void *ctx, int64_t product_id, int64_t price_cents, double discount,
                          const char *reason)
{
    struct promos *ps = ctx;
    (void)reason;
    if (ps->n < (int)(sizeof(ps->v) / sizeof(*ps->v)))
        ps->v[ps->n++] = (struct promo){product_id, price_cents, discount};
}

static int load_promos(struct store *st, int64_t customer_id, int64_t now, struct promos *ps)
{
    ps->n = 0;
    if (customer_id <= 0)
        return SHOP_OK;
    return store_promotions_valid(st, customer_id, now, collect_promo, ps);
}

static void apply_promo(struct shop_product *sp, const struct promos *ps)
{
    for (int i = 0; i < ps->n; i++)
        if (ps->v[i].product_id == sp->p.id && ps->v[i].price_cents > 0 &&
            ps->v[i].price_cents < sp->p.price_cents) {
            sp->promo_cents = ps->v[i].price_cents;
            sp->promo_discount = ps->v[i].discount;
        }
}

struct page_fill {
    struct shop_product *items;
    size_t n;
};

static void fill_size(void *ctx, int64_t product_id, const char *size, int64_t count)
{
    struct page_fill *f = ctx;
    /* the page is ordered by id: binary search */
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->items[mid].p.id < product_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < f->n && f->items[lo].p.id == product_id)
        add_size(&f->items[lo], size, count);
}

static int complete(struct store *st, struct shop_product *items, size_t n, int64_t customer_id,
                    int64_t now)
{
    if (n == 0)
        return SHOP_OK;
    struct page_fill f = {items, n};
    int rc = store_stock_by_size(st, items[0].p.id, items[n - 1].p.id, fill_size, &f);
    struct promos ps;
    if (rc == SHOP_OK)
        rc = load_promos(st, customer_id, now, &ps);
    if (rc == SHOP_OK)
        for (size_t i = 0; i < n; i++)
            apply_promo(&items[i], &ps);
    return rc;
}

int shop_products_find(struct store *st, const struct store_product_filter *f,
                       int64_t customer_id, int64_t now, struct shop_page *out)
{
    memset(out, 0, sizeof(*out));
    if (f->limit < 1 || f->limit > SHOP_PAGE_MAX || f->offset < 0)
        return shop_fail(SHOP_EINVAL, "a page has 1 to %d products", SHOP_PAGE_MAX);
    if (f->size && *f->size && !valid_size(f->size))
        return shop_fail(SHOP_EINVAL, "size is one of XS, S, M, L, XL, XXL");
    struct store_product *ps;
    size_t n;
    int64_t total;
    int rc = store_products_find(st, f, &ps, &n, &total);
    if (rc != SHOP_OK)
        return rc;
    out->items = xcalloc(n ? n : 1, sizeof(*out->items));
    for (size_t i = 0; i < n; i++)
        out->items[i].p = ps[i];
    free(ps);
    out->n = n;
    out->total = total;
    out->limit = f->limit;
    out->offset = f->offset;
    rc = complete(st, out->items, n, customer_id, now);
    if (rc != SHOP_OK)
        shop_page_release(out);
    return rc;
}

void shop_page_release(struct shop_page *pg)
{
    free(pg->items);
    memset(pg, 0, sizeof(*pg));
}

int shop_product_get(struct store *st, int64_t id, int64_t customer_id, int64_t now,
                     struct shop_product *out)
{
    memset(out, 0, sizeof(*out));
    int rc = store_product_get(st, id, &out->p);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no product %lld", (long long)id);
    if (rc == SHOP_OK)
        rc = complete(st, out, 1, customer_id, now);
    return rc;
}

static void time_or_null(struct jsonw *w, const char *key, int64_t t)
{
    jw_key(w, key);
    if (t) {
        char buf[24];
        format_time(t, buf, sizeof(buf));
        jw_str(w, buf);
    } else
        jw_null(w);
}

static void str_or_null(struct jsonw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s && *s ? s : NULL);
}

void shop_product_write_json(struct jsonw *w, const struct shop_product *sp, unsigned flags)
{
    const struct store_product *p = &sp->p;
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, p->id);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "category");
    jw_str(w, p->category);
    jw_key(w, "gender");
    jw_str(w, p->gender);
    jw_key(w, "fabric");
    jw_str(w, p->fabric);
    jw_key(w, "season");
    jw_str(w, p->season);
    jw_key(w, "price_cents");
    jw_int(w, p->price_cents);
    jw_key(w, "base_price_cents");
    jw_int(w, p->base_price_cents);
    jw_key(w, "promotion_price_cents");
    if (sp->promo_cents)
        jw_int(w, sp->promo_cents);
    else
        jw_null(w);
    jw_key(w, "promotion_discount");
    if (sp->promo_cents)
        jw_num(w, sp->promo_discount);
    else
        jw_null(w);
    jw_key(w, "stock");
    jw_int(w, p->stock);
    jw_key(w, "sizes_in_stock");
    jw_arr(w);
    for (int i = 0; i < sp->nsizes; i++)
        jw_str(w, sp->sizes[i].size);
    jw_end(w);
    jw_key(w, "stock_by_size");
    jw_obj(w);
    for (int i = 0; i < sp->nsizes; i++) {
        jw_key(w, sp->sizes[i].size);
        jw_int(w, sp->sizes[i].count);
    }
    jw_end(w);
    if (flags & SHOP_JSON_INTERNAL) {
        jw_key(w, "cost_cents");
        jw_int(w, p->cost_cents);
        jw_key(w, "popularity");
        jw_num(w, p->popularity);
        jw_key(w, "zone");
        jw_str(w, p->zone);
    }
    jw_end(w);
}

void shop_page_write_json(struct jsonw *w, const struct shop_page *pg, unsigned flags)
{
    jw_obj(w);
    jw_key(w, "products");
    jw_arr(w);
    for (size_t i = 0; i < pg->n; i++)
        shop_product_write_json(w, &pg->items[i], flags);
    jw_end(w);
    jw_key(w, "total");
    jw_int(w, pg->total);
    jw_key(w, "limit");
    jw_int(w, pg->limit);
    jw_key(w, "offset");
    jw_int(w, pg->offset);
    jw_end(w);
}

/* ---- customers ---- */

static int valid_email(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 3 || n > 95 || !at || at == e || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ')
            return 0;
    return 1;
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

int shop_customer_register(struct store *st, const struct shop_registration *r, int64_t now,
                           int64_t *customer_id)
{
    *customer_id = 0;
    if (!r->name || blank(r->name) || strlen(r->name) > 63)
        return shop_fail(SHOP_EINVAL, "a name has 1 to 63 bytes");
    if (!r->email || !valid_email(r->email))
        return shop_fail(SHOP_EINVAL, "an e-mail looks like name@example.com (at most 95 bytes)");
    if (!r->gender || (strcmp(r->gender, "female") && strcmp(r->gender, "male") &&
                       strcmp(r->gender, "other")))
        return shop_fail(SHOP_EINVAL, "gender is female, male or other");
    if (!valid_size(r->size))
        return shop_fail(SHOP_EINVAL, "size is one of XS, S, M, L, XL, XXL");
    if (r->biometric_consent &&
        (!r->consent_version || blank(r->consent_version) || strlen(r->consent_version) > 31))
        return shop_fail(SHOP_EINVAL, "a biometric consent needs the consent text's version "
                         "(1 to 31 bytes)");
    /* Argon2id takes tens of milliseconds: hash before taking the write lock */
    char hash[CRYPTO_PWHASH_MAX] = "";
    int rc = r->pin ? auth_pin_hash(r->pin, hash) : SHOP_OK;
    if (rc != SHOP_OK)
        return rc;
    struct store_customer c;
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "%s", r->name);
    snprintf(c.email, sizeof(c.email), "%s", r->email);
    snprintf(c.gender, sizeof(c.gender), "%s", r->gender);
    snprintf(c.size, sizeof(c.size), "%s", r->size);
    c.created_at = now;
    rc = store_begin(st);
    if (rc != SHOP_OK) {
        crypto_wipe(hash, sizeof(hash));
        return rc;
    }
    /* the e-mail is checked inside the write transaction: two registrations of one
     * address cannot both pass */
    int64_t other;
    int found = store_customer_by_email(st, c.email, &other);
    if (found == SHOP_OK)
        rc = shop_fail(SHOP_ECONFLICT, "a customer with this e-mail is registered already");
    else if (found != SHOP_ENOTFOUND)
        rc = found;
    if (rc == SHOP_OK)
        rc = store_customer_add(st, &c);
    if (rc == SHOP_OK && r->biometric_consent)
        rc = store_face_consent_set(st, c.id, r->consent_version,
                                    r->actor ? r->actor : "shop", now);
    if (rc == SHOP_OK && r->pin)
        rc = store_customer_pin_set(st, c.id, hash, now);
    if (rc == SHOP_OK)
        rc = store_commit(st);
    crypto_wipe(hash, sizeof(hash));
    if (rc != SHOP_OK) {
        store_rollback(st);
        return rc;
    }
    *customer_id = c.id;
    return SHOP_OK;
}

int shop_customer_get(struct store *st, int64_t id, struct shop_customer_view *out)
{
    memset(out, 0, sizeof(*out));
    int rc = store_customer_get(st, id, &out->c);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no customer %lld", (long long)id);
    if (rc != SHOP_OK)
        return rc;
    rc = store_profile_get(st, id, &out->profile);
    if (rc == SHOP_OK)
        out->has_profile = 1;
    else if (rc != SHOP_ENOTFOUND)
        return rc;
    rc = store_face_consent_get(st, id, out->consent_version, sizeof(out->consent_version),
                                &out->consented_at);
    if (rc == SHOP_OK)
        out->consent = 1;
    else if (rc != SHOP_ENOTFOUND)
        return rc;
    return SHOP_OK;
}

void shop_customer_write_json(struct jsonw *w, const struct store_customer *c)
{
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, c->id);
    jw_key(w, "name");
    jw_str(w, c->name);
    str_or_null(w, "email", c->email);
    jw_key(w, "gender");
    jw_str(w, c->gender);
    jw_key(w, "size");
    jw_str(w, c->size);
    str_or_null(w, "pref_category", c->pref_category);
    str_or_null(w, "pref_fabric", c->pref_fabric);
    str_or_null(w, "pref_season", c->pref_season);
    time_or_null(w, "created_at", c->created_at);
    time_or_null(w, "last_seen_at", c->last_seen_at);
    jw_key(w, "simulated");
    jw_bool(w, c->simulated);
    jw_end(w);
}

void shop_customer_view_write_json(struct jsonw *w, const struct shop_customer_view *v)
{
    jw_obj(w);
    jw_key(w, "customer");
    shop_customer_write_json(w, &v->c);
    jw_key(w, "biometric_consent");
    if (v->consent) {
        jw_obj(w);
        jw_key(w, "version");
        jw_str(w, v->consent_version);
        time_or_null(w, "at", v->consented_at);
        jw_end(w);
    } else
        jw_null(w);
    const struct store_profile *p = &v->profile;
    jw_key(w, "segment");
    if (v->has_profile && p->segment >= 0)
        jw_int(w, p->segment);
    else
        jw_null(w);
    jw_key(w, "profile");
    if (v->has_profile) {
        jw_obj(w);
        profiles_fields_write_json(w, p);
        time_or_null(w, "updated_at", p->updated_at);
        jw_end(w);
    } else
        jw_null(w);
    jw_end(w);
}

/* ---- carts ---- */

/* the session's cart and its lines, priced at now; cart.id 0 when there is none */
int shop_cart_get(struct store *st, int64_t customer_id, int64_t session_id, int64_t now,
                     struct shop_cart *out)
{
    memset(out, 0, sizeof(*out));
    int rc = store_cart_get(st, session_id, &out->cart);
    if (rc == SHOP_ENOTFOUND) {
        memset(&out->cart, 0, sizeof(out->cart));
        out->cart.session_id = session_id;
        out->cart.customer_id = customer_id;
        return SHOP_OK;
    }
    if (rc != SHOP_OK)
        return rc;
    if (out->cart.customer_id != customer_id)
        return shop_fail(SHOP_EPERM, "that cart belongs to another customer");
    struct store_cart_line *l;
    size_t n;
    rc = store_cart_lines(st, out->cart.id, now, &l, &n);
    if (rc != SHOP_OK)
        return rc;
    for (size_t i = 0; i < n && out->n < SHOP_CART_MAX; i++) {
        struct shop_line *x = &out->lines[out->n++];
        x->l = l[i];
        x->price_cents = l[i].promo_cents > 0 && l[i].promo_cents < l[i].list_cents
                             ? l[i].promo_cents
                             : l[i].list_cents;
        out->list_total_cents += x->l.list_cents;
        out->total_cents += x->price_cents;
    }
    free(l);
    return SHOP_OK;
}

/* the session's open cart, created when it has none; SHOP_ECONFLICT when it is not open */
static int open_cart(struct store *st, int64_t customer_id, int64_t session_id, int64_t now,
                     struct store_cart *out)
{
    int rc = store_cart_get(st, session_id, out);
    if (rc == SHOP_ENOTFOUND) {
        memset(out, 0, sizeof(*out));
        out->session_id = session_id;
        out->customer_id = customer_id;
        out->created_at = now;
        return store_cart_add(st, out);
    }
    if (rc != SHOP_OK)
        return rc;
    if (out->customer_id != customer_id)
        return shop_fail(SHOP_EPERM, "that cart belongs to another customer");
    if (strcmp(out->status, "open") != 0)
        return shop_fail(SHOP_ECONFLICT, "this session's cart is %s already: log in again for "
                         "a new one", out->status);
    return SHOP_OK;
}

/* ends a write transaction: commit on success, else roll back; returns rc or the commit's */
static int finish(struct store *st, int rc)
{
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK)
        store_rollback(st);
    return rc;
}

int shop_cart_view(struct store *st, int64_t customer_id, int64_t session_id, int64_t now,
                   int64_t hold, struct shop_cart *out)
{
    int rc = shop_cart_get(st, customer_id, session_id, now, out);
    if (rc != SHOP_OK || !out->cart.id || strcmp(out->cart.status, "open") != 0 || !out->n)
        return rc;
    /* touching the cart renews what it holds */
    rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_cart_renew(st, out->cart.id, now, now + hold);
    rc = finish(st, rc);
    if (rc == SHOP_OK)
        rc = shop_cart_get(st, customer_id, session_id, now, out);
    return rc;
}

int shop_cart_add(struct store *st, int64_t customer_id, int64_t session_id, int64_t product_id,
                  const char *size, int64_t now, int64_t hold, int64_t *item_id,
                  struct shop_cart *out)
{
    *item_id = 0;
    if (!valid_size(size))
        return shop_fail(SHOP_EINVAL, "size is one of XS, S, M, L, XL, XXL");
    struct store_product p;
    int rc = store_product_get(st, product_id, &p);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no product %lld", (long long)product_id);
    if (rc != SHOP_OK)
        return rc;
    /* a sold-out size or a bought cart is told without waiting for the write lock */
    struct store_cart seen = {0};
    int64_t item = 0, in_stock = 0;
    rc = store_cart_get(st, session_id, &seen);
    if (rc == SHOP_OK && strcmp(seen.status, "open") != 0)
        return shop_fail(SHOP_ECONFLICT, "this session's cart is %s already: log in again for "
                         "a new one", seen.status);
    if (rc != SHOP_OK && rc != SHOP_ENOTFOUND)
        return rc;
    if (rc == SHOP_OK) {
        struct store_cart_line *l = NULL;
        size_t n = 0;
        rc = store_cart_lines(st, seen.id, now, &l, &n);
        free(l);
        if (rc != SHOP_OK)
            return rc;
        if (n >= SHOP_CART_MAX)
            return shop_fail(SHOP_ETOOBIG, "a cart holds at most %d items", SHOP_CART_MAX);
    }
    rc = store_cart_pick(st, seen.id, product_id, size, now, &item, &in_stock);
    if (rc == SHOP_ENOTFOUND && in_stock == 0)
        return shop_fail(SHOP_ECONFLICT, "%s is sold out in size %s", p.name, size);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(SHOP_ECONFLICT, "every %s in size %s is in a cart now", p.name, size);
    if (rc != SHOP_OK)
        return rc;
    /* read, check and reserve under the write lock: two carts cannot take one item */
    if ((rc = store_begin(st)) != SHOP_OK)
        return rc;
    struct store_cart cart;
    rc = open_cart(st, customer_id, session_id, now, &cart);
    struct store_cart_line *l = NULL;
    size_t n = 0;
    if (rc == SHOP_OK)
        rc = store_cart_lines(st, cart.id, now, &l, &n);
    free(l);
    if (rc == SHOP_OK && n >= SHOP_CART_MAX)
        rc = shop_fail(SHOP_ETOOBIG, "a cart holds at most %d items", SHOP_CART_MAX);
    if (rc == SHOP_OK) {
        rc = store_cart_pick(st, cart.id, product_id, size, now, &item, &in_stock);
        if (rc == SHOP_ENOTFOUND && in_stock == 0)
            rc = shop_fail(SHOP_ECONFLICT, "%s is sold out in size %s", p.name, size);
        else if (rc == SHOP_ENOTFOUND)
            rc = shop_fail(SHOP_ECONFLICT, "every %s in size %s is in a cart now", p.name, size);
    }
    if (rc == SHOP_OK)
        rc = store_cart_reserve(st, cart.id, item, now, now + hold);
    if (rc == SHOP_OK)
        rc = store_cart_renew(st, cart.id, now, now + hold);
    if ((rc = finish(st, rc)) != SHOP_OK)
        return rc;
    *item_id = item;
    return shop_cart_get(st, customer_id, session_id, now, out);
}

int shop_cart_remove(struct store *st, int64_t customer_id, int64_t session_id, int64_t item_id,
                     int64_t now, int64_t hold, struct shop_cart *out)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    struct store_cart cart;
    rc = store_cart_get(st, session_id, &cart);
    if (rc == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "item %lld is not in the cart", (long long)item_id);
    else if (rc == SHOP_OK && cart.customer_id != customer_id)
        rc = shop_fail(SHOP_EPERM, "that cart belongs to another customer");
    else if (rc == SHOP_OK && strcmp(cart.status, "open") != 0)
        rc = shop_fail(SHOP_ECONFLICT, "this session's cart is %s already", cart.status);
    if (rc == SHOP_OK) {
        rc = store_cart_release(st, cart.id, item_id);
        if (rc == SHOP_ENOTFOUND)
            rc = shop_fail(rc, "item %lld is not in the cart", (long long)item_id);
    }
    if (rc == SHOP_OK)
        rc = store_cart_renew(st, cart.id, now, now + hold);
    if ((rc = finish(st, rc)) != SHOP_OK)
        return rc;
    return shop_cart_get(st, customer_id, session_id, now, out);
}

/* SHOP_OK when the cart can be bought as it is, else SHOP_ECONFLICT saying why */
static int buyable(const struct shop_cart *c)
{
    if (!c->cart.id)
        return shop_fail(SHOP_ECONFLICT, "the cart is empty");
    if (strcmp(c->cart.status, "bought") == 0)
        return shop_fail(SHOP_ECONFLICT, "this cart was bought already (purchase %lld)",
                         (long long)c->cart.purchase_id);
    if (strcmp(c->cart.status, "open") != 0)
        return shop_fail(SHOP_ECONFLICT, "this cart is %s", c->cart.status);
    if (c->n == 0)
        return shop_fail(SHOP_ECONFLICT, "the cart is empty");
    for (int i = 0; i < c->n; i++)
        if (c->lines[i].l.sold)
            return shop_fail(SHOP_ECONFLICT, "line %d (item %lld, %s size %s) is sold already: "
                             "remove it from the cart", i + 1, (long long)c->lines[i].l.item_id,
                             c->lines[i].l.name, c->lines[i].l.size);
    return SHOP_OK;
}

int shop_checkout(struct store *st, int64_t customer_id, int64_t session_id, int64_t now,
                  struct shop_cart *out)
{
    /* a cart that cannot be bought is told so without waiting for the write lock (many
     * shoppers after one last item must not queue behind each other to hear "no") */
    int rc = shop_cart_get(st, customer_id, session_id, now, out);
    if (rc == SHOP_OK)
        rc = buyable(out);
    if (rc != SHOP_OK)
        return rc;
    /* everything below is read and written under one write lock (BEGIN IMMEDIATE): no
     * other connection can sell an item between our check and our write */
    if ((rc = store_begin(st)) != SHOP_OK)
        return rc;
    rc = shop_cart_get(st, customer_id, session_id, now, out);
    if (rc == SHOP_OK)
        rc = buyable(out);
    struct store_line lines[SHOP_CART_MAX];
    for (int i = 0; i < out->n && rc == SHOP_OK; i++) {
        const struct shop_line *x = &out->lines[i];
        lines[i] = (struct store_line){
            .item_id = x->l.item_id,
            .product_id = x->l.product_id,
            .list_cents = x->l.list_cents,
            .price_cents = x->price_cents,
            .discount = x->l.list_cents > 0
                            ? 1.0 - (double)x->price_cents / (double)x->l.list_cents
                            : 0.0,
        };
        rc = store_item_sell(st, x->l.item_id, now);
        if (rc == SHOP_ECONFLICT)
            rc = shop_fail(rc, "line %d (item %lld, %s size %s) is sold already", i + 1,
                           (long long)x->l.item_id, x->l.name, x->l.size);
    }
    int64_t purchase = 0;
    if (rc == SHOP_OK)
        rc = store_purchase_add(st, session_id, customer_id, now, lines, out->n, &purchase);
    if (rc == SHOP_OK)
        rc = store_cart_finish(st, out->cart.id, "bought", purchase, now);
    if ((rc = finish(st, rc)) != SHOP_OK)
        return rc;
    return shop_cart_get(st, customer_id, session_id, now, out);
}

int shop_buy(struct store *st, int64_t customer_id, int64_t product_id, const char *size,
             const char *where, int64_t now, struct shop_cart *out)
{
    int64_t sid, item;
    struct store_product p;
    if (!valid_size(size))
        return shop_fail(SHOP_EINVAL, "size is one of XS, S, M, L, XL, XXL");
    int rc = store_product_get(st, product_id, &p);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no product %lld", (long long)product_id);
    if (rc == SHOP_OK)
        rc = shop_session_open(st, customer_id, where, now, &sid);
    if (rc != SHOP_OK)
        return rc;
    rc = shop_cart_add(st, customer_id, sid, product_id, size, now, SHOP_CART_HOLD, &item, out);
    if (rc == SHOP_OK)
        rc = shop_checkout(st, customer_id, sid, now, out);
    /* the session ends either way; a failed sale leaves nothing reserved */
    if (rc == SHOP_OK)
        return shop_session_close(st, sid, now);
    char why[SHOP_ERRMSG_MAX];
    snprintf(why, sizeof(why), "%s", shop_errmsg_or(rc));
    int closed = shop_session_close(st, sid, now); /* the sale's own error is the one told */
    (void)closed;
    return shop_fail(rc, "%s", why);
}

struct keep {
    const struct shop_cart *cart;
    struct reco_list *out;
};

static void keep_cart_promo(void *ctx, int64_t product_id, int64_t price_cents, double discount,
                            const char *reason)
{
    struct keep *k = ctx;
    int in_cart = 0, listed = 0;
    for (int i = 0; i < k->cart->n; i++)
        in_cart |= k->cart->lines[i].l.product_id == product_id;
    for (int i = 0; i < k->out->npromos; i++)
        listed |= k->out->promos[i].product_id == product_id;
    if (!in_cart || listed || k->out->npromos == RECO_MAX)
        return;
    struct reco_item *it = &k->out->promos[k->out->npromos++];
    memset(it, 0, sizeof(*it));
    it->product_id = product_id;
    it->price_cents = price_cents;
    it->discount = discount;
    snprintf(it->reason, sizeof(it->reason), "%s", reason);
}

int shop_offer_promotions(struct store *st, int64_t customer_id, const struct reco_list *l,
                          const struct shop_cart *cart, int64_t now)
{
    struct reco_list all = *l;
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    struct keep k = {cart, &all};
    rc = store_promotions_valid(st, customer_id, now, keep_cart_promo, &k);
    if (rc == SHOP_OK)
        rc = reco_save(st, customer_id, &all, now);
    return finish(st, rc);
}

void shop_cart_write_json(struct jsonw *w, const struct shop_cart *c)
{
    jw_obj(w);
    jw_key(w, "id");
    if (c->cart.id)
        jw_int(w, c->cart.id);
    else
        jw_null(w);
    jw_key(w, "status");
    jw_str(w, c->cart.id ? c->cart.status : "open");
    jw_key(w, "purchase_id");
    if (c->cart.purchase_id)
        jw_int(w, c->cart.purchase_id);
    else
        jw_null(w);
    jw_key(w, "lines");
    jw_arr(w);
    for (int i = 0; i < c->n; i++) {
        const struct shop_line *x = &c->lines[i];
        jw_obj(w);
        jw_key(w, "item_id");
        jw_int(w, x->l.item_id);
        jw_key(w, "product_id");
        jw_int(w, x->l.product_id);
        jw_key(w, "name");
        jw_str(w, x->l.name);
        jw_key(w, "size");
        jw_str(w, x->l.size);
        jw_key(w, "list_cents");
        jw_int(w, x->l.list_cents);
        jw_key(w, "price_cents");
        jw_int(w, x->price_cents);
        jw_key(w, "promotion");
        jw_bool(w, x->price_cents < x->l.list_cents);
        jw_key(w, "sold");
        jw_bool(w, x->l.sold);
        time_or_null(w, "reserved_until", x->l.reserved_until);
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "items");
    jw_int(w, c->n);
    jw_key(w, "list_total_cents");
    jw_int(w, c->list_total_cents);
    jw_key(w, "total_cents");
    jw_int(w, c->total_cents);
    jw_end(w);
}
