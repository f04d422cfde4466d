/* tests/test_shop.c - the shop's use cases on a small simulated store: the catalogue's
 * filters and paging, registration, reservations and their expiry, and the checkout's
 * all-or-nothing transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "shop/shop.h"
#include "test.h"

#define NOW 1800000000
#define HOLD 900

static struct store *st;
static char *path;

/* the product and size with the fewest items in stock, at least `min` */
static void find_stock(int64_t min, int64_t *product, char size[4])
{
    struct store_product_filter f = {.limit = SHOP_PAGE_MAX};
    struct shop_page pg;
    CHECK(shop_products_find(st, &f, 0, NOW, &pg) == SHOP_OK);
    *product = 0;
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < pg.n; i++)
        for (int k = 0; k < pg.items[i].nsizes; k++)
            if (pg.items[i].sizes[k].count >= min && pg.items[i].sizes[k].count < best) {
                best = pg.items[i].sizes[k].count;
                *product = pg.items[i].p.id;
                snprintf(size, 4, "%s", pg.items[i].sizes[k].size);
            }
    shop_page_release(&pg);
    CHECK(*product > 0);
}

static int64_t session_of(int64_t customer)
{
    int64_t sid = 0;
    CHECK(shop_session_open(st, customer, "m", NOW, &sid) == SHOP_OK);
    return sid;
}

static void catalogue_filters_and_pages(void)
{
    struct store_product_filter f = {.limit = 3};
    struct shop_page pg;
    CHECK(shop_products_find(st, &f, 0, NOW, &pg) == SHOP_OK);
    CHECK(pg.n == 3 && pg.total == 8);
    int64_t third = pg.items[2].p.id;
    shop_page_release(&pg);
    f.offset = 2;
    CHECK(shop_products_find(st, &f, 0, NOW, &pg) == SHOP_OK);
    CHECK(pg.n == 3 && pg.items[0].p.id == third);
    for (size_t i = 0; i < pg.n; i++) {
        int64_t sum = 0;
        for (int k = 0; k < pg.items[i].nsizes; k++)
            sum += pg.items[i].sizes[k].count;
        CHECK(sum == pg.items[i].p.stock);
    }
    shop_page_release(&pg);
    struct store_product_filter women = {.gender = "women", .limit = 200};
    CHECK(shop_products_find(st, &women, 0, NOW, &pg) == SHOP_OK);
    CHECK(pg.total > 0 && pg.total < 8);
    for (size_t i = 0; i < pg.n; i++)
        CHECK(strcmp(pg.items[i].p.gender, "women") == 0);
    shop_page_release(&pg);
    struct store_product_filter bad = {.limit = 201};
    CHECK(shop_products_find(st, &bad, 0, NOW, &pg) == SHOP_EINVAL);
    struct store_product_filter badsize = {.size = "Q", .limit = 5};
    CHECK(shop_products_find(st, &badsize, 0, NOW, &pg) == SHOP_EINVAL);
    struct shop_product p;
    CHECK(shop_product_get(st, 9999, 0, NOW, &p) == SHOP_ENOTFOUND);
}

static void registers_atomically(void)
{
    struct shop_registration r = {.name = "Ada Lovelace", .email = "ada@example.com",
                                  .gender = "female", .size = "S", .biometric_consent = 1,
                                  .consent_version = "v1", .pin = "2468", .actor = "test"};
    int64_t id;
    CHECK(shop_customer_register(st, &r, NOW, &id) == SHOP_OK && id > 0);
    struct shop_customer_view v;
    CHECK(shop_customer_get(st, id, &v) == SHOP_OK);
    CHECK(v.consent && strcmp(v.consent_version, "v1") == 0);
    char hash[CRYPTO_PWHASH_MAX];
    CHECK(store_customer_pin_get(st, id, hash, sizeof(hash)) == SHOP_OK);
    CHECK(crypto_password_verify(hash, "2468") == SHOP_OK);
    /* the same e-mail in another case is a conflict, and nothing of it is written */
    double before = test_sql_num(path, "SELECT count(*) FROM customers");
    r.email = "ADA@example.com";
    CHECK(shop_customer_register(st, &r, NOW, &id) == SHOP_ECONFLICT);
    r.email = "bad";
    CHECK(shop_customer_register(st, &r, NOW, &id) == SHOP_EINVAL);
    r.email = "ada2@example.com";
    r.pin = "12";
    CHECK(shop_customer_register(st, &r, NOW, &id) == SHOP_EINVAL);
    r.pin = NULL;
    r.consent_version = "";
    CHECK(shop_customer_register(st, &r, NOW, &id) == SHOP_EINVAL);
    CHECK(test_sql_num(path, "SELECT count(*) FROM customers") == before);
}

static void reservations_expire_and_release(void)
{
    int64_t product;
    char size[4];
    find_stock(1, &product, size);
    int64_t in_stock = 0;
    struct shop_product p;
    CHECK(shop_product_get(st, product, 0, NOW, &p) == SHOP_OK);
    for (int k = 0; k < p.nsizes; k++)
        if (strcmp(p.sizes[k].size, size) == 0)
            in_stock = p.sizes[k].count;
    int64_t a = session_of(1), b = session_of(2), item;
    struct shop_cart ca, cb;
    /* A takes every item of that size; B finds none while A holds them */
    for (int64_t i = 0; i < in_stock; i++)
        CHECK(shop_cart_add(st, 1, a, product, size, NOW, HOLD, &item, &ca) == SHOP_OK);
    CHECK(ca.n == in_stock);
    CHECK(shop_cart_add(st, 2, b, product, size, NOW + 10, HOLD, &item, &cb) == SHOP_ECONFLICT);
    /* touching A's cart renews its holds */
    CHECK(shop_cart_view(st, 1, a, NOW + HOLD - 1, HOLD, &ca) == SHOP_OK);
    CHECK(shop_cart_add(st, 2, b, product, size, NOW + HOLD + 5, HOLD, &item, &cb) ==
          SHOP_ECONFLICT);
    /* after the renewed hold B takes one over: it leaves A's cart */
    int64_t later = NOW + 2 * HOLD;
    CHECK(shop_cart_add(st, 2, b, product, size, later, HOLD, &item, &cb) == SHOP_OK);
    CHECK(cb.n == 1 && cb.lines[0].l.item_id == item);
    CHECK(shop_cart_get(st, 1, a, later, &ca) == SHOP_OK && ca.n == in_stock - 1);
    /* B's cart is not A's to touch */
    CHECK(shop_cart_view(st, 2, a, later, HOLD, &ca) == SHOP_EPERM);
    /* A leaves: A's items are free again at once */
    CHECK(shop_session_close(st, a, later) == SHOP_OK);
    CHECK(test_sql_num(path, "SELECT count(*) FROM carts WHERE status = 'closed'") == 1);
    if (in_stock > 1)
        CHECK(shop_cart_add(st, 2, b, product, size, later + 1, HOLD, &item, &cb) == SHOP_OK);
    CHECK(shop_session_close(st, b, later + 2) == SHOP_OK);
    CHECK(shop_cart_add(st, 2, b, product, size, later + 3, HOLD, &item, &cb) == SHOP_ECONFLICT);
}

static void checkout_is_all_or_nothing(void)
{
    int64_t product;
    char size[4];
    find_stock(2, &product, size);
    int64_t sid = session_of(3), i1, i2;
    struct shop_cart c;
    CHECK(shop_checkout(st, 3, sid, NOW, &c) == SHOP_ECONFLICT); /* no cart */
    CHECK(shop_cart_add(st, 3, sid, product, size, NOW, HOLD, &i1, &c) == SHOP_OK);
    CHECK(shop_cart_add(st, 3, sid, product, size, NOW, HOLD, &i2, &c) == SHOP_OK);
    CHECK(shop_cart_add(st, 3, sid, product, "Q", NOW, HOLD, &i2, &c) == SHOP_EINVAL);
    CHECK(shop_cart_add(st, 3, sid, 9999, size, NOW, HOLD, &i2, &c) == SHOP_ENOTFOUND);
    double purchases = test_sql_num(path, "SELECT count(*) FROM purchases");
    /* the second line's item is sold elsewhere: nothing is bought, the first stays in stock */
    CHECK(store_begin(st) == SHOP_OK);
    CHECK(store_item_sell(st, c.lines[1].l.item_id, NOW) == SHOP_OK);
    CHECK(store_commit(st) == SHOP_OK);
    CHECK(shop_checkout(st, 3, sid, NOW, &c) == SHOP_ECONFLICT);
    CHECK(strstr(shop_errmsg(), "line 2") != NULL);
    CHECK(test_sql_num(path, "SELECT count(*) FROM purchases") == purchases);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT status = 'in_stock' FROM items WHERE id = %lld",
             (long long)c.lines[0].l.item_id);
    CHECK(test_sql_num(path, sql) == 1);
    CHECK(shop_cart_get(st, 3, sid, NOW, &c) == SHOP_OK);
    CHECK(strcmp(c.cart.status, "open") == 0 && c.n == 2 && c.lines[1].l.sold);
    /* without the sold line it goes through, once */
    CHECK(shop_cart_remove(st, 3, sid, c.lines[1].l.item_id, NOW, HOLD, &c) == SHOP_OK);
    CHECK(shop_checkout(st, 3, sid, NOW + 1, &c) == SHOP_OK);
    CHECK(c.cart.purchase_id > 0 && strcmp(c.cart.status, "bought") == 0);
    CHECK(test_sql_num(path, "SELECT count(*) FROM purchases") == purchases + 1);
    CHECK(shop_checkout(st, 3, sid, NOW + 2, &c) == SHOP_ECONFLICT);
    CHECK(strstr(shop_errmsg(), "bought already") != NULL);
    CHECK(test_sql_num(path, "SELECT count(*) FROM purchases") == purchases + 1);
    CHECK(shop_cart_add(st, 3, sid, product, size, NOW, HOLD, &i1, &c) == SHOP_ECONFLICT);
    struct store_check chk;
    CHECK(store_check_run(st, &chk) == SHOP_OK);
    CHECK(chk.sold_twice == 0 && chk.sold_not_marked == 0 && chk.bad_totals == 0);
}

static void charges_the_promotion(void)
{
    int64_t product;
    char size[4];
    find_stock(1, &product, size);
    struct shop_product p;
    CHECK(shop_product_get(st, product, 4, NOW, &p) == SHOP_OK);
    struct store_reco promo = {.product_id = product, .discount = 0.2,
                               .price_cents = p.p.price_cents * 8 / 10};
    snprintf(promo.reason, sizeof(promo.reason), "a test offer");
    CHECK(store_begin(st) == SHOP_OK);
    CHECK(store_reco_save(st, 4, &promo, 1, NULL, 0, NOW, NOW + 100) == SHOP_OK);
    CHECK(store_commit(st) == SHOP_OK);
    CHECK(shop_product_get(st, product, 4, NOW, &p) == SHOP_OK);
    CHECK(p.promo_cents == promo.price_cents);
    CHECK(shop_product_get(st, product, 5, NOW, &p) == SHOP_OK && p.promo_cents == 0);
    CHECK(shop_product_get(st, product, 4, NOW + 100, &p) == SHOP_OK && p.promo_cents == 0);
    struct shop_cart c;
    CHECK(shop_buy(st, 4, product, size, "till", NOW, &c) == SHOP_OK);
    CHECK(c.total_cents == promo.price_cents && c.list_total_cents == p.p.price_cents);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT price_cents FROM purchase_lines l JOIN purchases p ON "
             "p.id = l.purchase_id WHERE p.id = %lld", (long long)c.cart.purchase_id);
    CHECK(test_sql_num(path, sql) == promo.price_cents);
}

void test_shop(void)
{
    CHECK(crypto_init() == SHOP_OK);
    st = test_simulated_store("shop.db", 20, 8, 14, 11, 0.0, &path);
    RUN(catalogue_filters_and_pages);
    RUN(registers_atomically);
    RUN(reservations_expire_and_release);
    RUN(checkout_is_all_or_nothing);
    RUN(charges_the_promotion);
    store_close(st);
    free(path);
}
