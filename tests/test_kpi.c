#include <stdlib.h>
#include <string.h>

#include "analytics/kpi.h"
#include "store/store.h"
#include "test.h"

/* a tiny store: 3 products, items in sizes, two purchases, one session without */
static struct store *fixture(void)
{
    char *path = test_tmp_path("kpi.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    free(path);
    static const char *const cats[3] = {"T-Shirt", "Coat", "Coat"};
    static const char *const fabs[3] = {"Cotton", "Wool", "Cotton"};
    for (int i = 0; i < 3; i++) {
        struct store_product p = {0};
        snprintf(p.name, sizeof(p.name), "P%d", i + 1);
        snprintf(p.category, sizeof(p.category), "%s", cats[i]);
        snprintf(p.gender, sizeof(p.gender), "%s", i == 2 ? "men" : "women");
        snprintf(p.fabric, sizeof(p.fabric), "%s", fabs[i]);
        snprintf(p.season, sizeof(p.season), "Winter");
        snprintf(p.zone, sizeof(p.zone), "back_wall");
        p.base_price_cents = p.price_cents = 1000 * (i + 1);
        p.cost_cents = 400 * (i + 1);
        CHECK(store_product_add(st, &p) == SHOP_OK);
    }
    struct store_customer c = {0};
    snprintf(c.name, sizeof(c.name), "Ann");
    snprintf(c.gender, sizeof(c.gender), "female");
    snprintf(c.size, sizeof(c.size), "M");
    CHECK(store_customer_add(st, &c) == SHOP_OK);
    /* items 1-4 of product 1 (S, M, M, L), 5-6 of product 2 (M, M), 7 of product 3 (XL) */
    static const int prod[7] = {1, 1, 1, 1, 2, 2, 3};
    static const char *const size[7] = {"S", "M", "M", "L", "M", "M", "XL"};
    for (int i = 0; i < 7; i++) {
        struct store_item it = {.id = i + 1, .product_id = prod[i], .received_at = 100};
        snprintf(it.size, sizeof(it.size), "%s", size[i]);
        snprintf(it.rfid, sizeof(it.rfid), "T%d", i);
        snprintf(it.zone, sizeof(it.zone), "back_wall");
        CHECK(store_item_add(st, &it) == SHOP_OK);
    }
    struct store_session s1 = {.customer_id = 1, .started_at = 1000, .ended_at = 1100};
    struct store_session s2 = {.customer_id = 1, .started_at = 2000, .ended_at = 2100};
    struct store_session s3 = {.customer_id = 1, .started_at = 3000, .ended_at = 3100};
    CHECK(store_session_add(st, &s1) == SHOP_OK && store_session_add(st, &s2) == SHOP_OK &&
          store_session_add(st, &s3) == SHOP_OK);
    CHECK(store_tryon_add(st, s1.id, 2, 1010) == SHOP_OK);
    CHECK(store_tryon_add(st, s1.id, 3, 1020) == SHOP_OK);
    CHECK(store_tryon_add(st, s3.id, 5, 3010) == SHOP_OK);
    /* purchase 1: items 2 (P1, paid 1000) and 5 (P2, paid 1000 at 50 % off); purchase 2: item 3 */
    struct store_line l1[2] = {{2, 1, 1000, 1000, 0}, {5, 2, 2000, 1000, 0.5}};
    struct store_line l2[1] = {{3, 1, 1000, 1000, 0}};
    int64_t pid;
    CHECK(store_purchase_add(st, s1.id, 1, 1050, l1, 2, &pid) == SHOP_OK);
    CHECK(store_purchase_add(st, s2.id, 1, 2050, l2, 1, &pid) == SHOP_OK);
    static const int sold[3] = {2, 3, 5};
    for (int i = 0; i < 3; i++) {
        struct store_item it = {.id = sold[i], .sold = 1, .sold_at = 2000};
        snprintf(it.zone, sizeof(it.zone), "sold");
        CHECK(store_item_update(st, &it) == SHOP_OK);
    }
    return st;
}

static void numbers_are_exact(void)
{
    struct store *st = fixture();
    struct kpi k;
    CHECK(kpi_compute(st, 0, 10000, &k) == SHOP_OK);
    const struct store_kpi *s = &k.s;
    CHECK(s->items_sold == 3 && s->revenue_cents == 3000 && s->purchases == 2);
    CHECK_NEAR(s->avg_item_price_cents, 1000, 1e-9);
    CHECK_NEAR(s->avg_basket_cents, 1500, 1e-9);
    CHECK(s->sessions == 3 && s->converted_sessions == 2);
    CHECK_NEAR(s->conversion, 2.0 / 3.0, 1e-12);
    /* best seller P1 (2 units), worst P3 (0) */
    CHECK(s->products[k.by_units[0]].id == 1 && s->products[k.by_units[0]].units == 2);
    CHECK(s->products[k.by_units[2]].id == 3 && s->products[k.by_units[2]].units == 0);
    /* by category: T-Shirt 2 units 2000, Coat 1 unit 1000 */
    CHECK(s->ngroups[0] == 2 && strcmp(s->groups[0][0].key, "T-Shirt") == 0);
    CHECK(s->groups[0][0].units == 2 && s->groups[0][1].revenue_cents == 1000);
    /* stock now: P1 S and L, P2 one M, P3 one XL */
    CHECK(s->products[0].stock == 2 && s->products[1].stock == 1 && s->products[2].stock == 1);
    CHECK(s->nsizes == 4 && strcmp(s->sizes[0], "S") == 0 && strcmp(s->sizes[3], "XL") == 0);
    CHECK(s->products[0].stock_by_size[0] == 1 && s->products[0].stock_by_size[1] == 0);
    /* every product has a size at or below 1 here */
    CHECK(k.nlow == 3);
    /* tries: P1 2 of 2 sold -> 1.0; P2 1 tried, 1 sold -> 1.0; P3 none */
    CHECK_NEAR(kpi_try_to_buy(&k, 0), 1.0, 1e-12);
    CHECK_NEAR(kpi_try_to_buy(&k, 2), 0.0, 1e-12);
    kpi_release(&k);
    /* a range with the second purchase only */
    CHECK(kpi_compute(st, 1500, 2500, &k) == SHOP_OK);
    CHECK(k.s.items_sold == 1 && k.s.sessions == 1 && k.s.conversion == 1.0);
    kpi_release(&k);
    store_close(st);
}

static void empty_store_has_no_nan(void)
{
    char *path = test_tmp_path("empty.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    struct kpi k;
    CHECK(kpi_compute(st, 0, 100, &k) == SHOP_OK);
    CHECK(k.s.avg_basket_cents == 0 && k.s.conversion == 0 && k.s.nproducts == 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct jsonw w;
    jw_init(&w, f, 0);
    kpi_write_json(&w, &k, 5);
    fclose(f);
    CHECK(strstr(buf, ":nan") == NULL && strstr(buf, ":null") == NULL);
    CHECK(strstr(buf, "\"conversion\":0,") != NULL && strstr(buf, "\"avg_basket_cents\":0,"));
    free(buf);
    kpi_release(&k);
    store_close(st);
    free(path);
}

void test_kpi(void)
{
    RUN(numbers_are_exact);
    RUN(empty_store_has_no_nan);
}
