#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/floor.h"
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
    kpi_write_json(&w, &k, 5, 1);
    fclose(f);
    CHECK(strstr(buf, ":nan") == NULL && strstr(buf, ":null") == NULL);
    CHECK(strstr(buf, "\"conversion\":0,") != NULL && strstr(buf, "\"avg_basket_cents\":0,"));
    free(buf);
    kpi_release(&k);
    store_close(st);
    free(path);
}

/* every number of two KPI results, field by field; returns how many differ */
static int kpi_diff(const struct store_kpi *a, const struct store_kpi *b)
{
    int d = 0;
    d += a->sessions != b->sessions;
    d += a->converted_sessions != b->converted_sessions;
    d += a->purchases != b->purchases;
    d += a->items_sold != b->items_sold;
    d += a->revenue_cents != b->revenue_cents;
    d += a->customers_buying != b->customers_buying;
    d += a->avg_item_price_cents != b->avg_item_price_cents;
    d += a->avg_basket_cents != b->avg_basket_cents;
    d += a->conversion != b->conversion;
    for (int g = 0; g < 4; g++) {
        d += a->ngroups[g] != b->ngroups[g];
        for (int i = 0; i < a->ngroups[g] && i < b->ngroups[g]; i++) {
            d += strcmp(a->groups[g][i].key, b->groups[g][i].key) != 0;
            d += a->groups[g][i].units != b->groups[g][i].units;
            d += a->groups[g][i].revenue_cents != b->groups[g][i].revenue_cents;
        }
    }
    d += a->nproducts != b->nproducts;
    for (size_t i = 0; i < a->nproducts && i < b->nproducts; i++) {
        const struct store_kpi_product *x = &a->products[i], *y = &b->products[i];
        d += x->id != y->id || x->units != y->units || x->revenue_cents != y->revenue_cents;
        d += x->tries != y->tries || x->stock != y->stock;
    }
    for (int i = 0; i < 3; i++)
        d += a->emotions[i] != b->emotions[i];
    for (int i = 0; i < 7; i++)
        d += a->dominant[i] != b->dominant[i];
    d += a->alerts_open != b->alerts_open || a->alerts_acknowledged != b->alerts_acknowledged;
    d += a->alerts_resolved != b->alerts_resolved;
    return d;
}

/* the aggregated answer and the one from the rows, for ranges of whole days, parts of days
 * at either end, inside one day, and beyond the data; also that they are not trivially 0 */
static void agree_on_ranges(struct store *st, int64_t first_day, int64_t days)
{
    int64_t t0 = first_day * 86400;
    const int64_t r[][2] = {
        {0, KPI_OPEN_END},
        {t0 + 3 * 86400, t0 + 10 * 86400},
        {t0 + 5 * 3600, t0 + 9 * 86400 + 7 * 3600},
        {t0 + 86400 + 3600, t0 + 86400 + 20 * 3600},
        {t0 + 2 * 86400 - 1, t0 + 4 * 86400 + 1},
        {t0 + (days + 5) * 86400, t0 + (days + 9) * 86400},
        {t0 - 86400 * 30, t0},
    };
    for (size_t i = 0; i < sizeof(r) / sizeof(*r); i++) {
        struct store_kpi a, b;
        CHECK(store_kpi_get(st, r[i][0], r[i][1], &a) == SHOP_OK);
        CHECK(store_kpi_scan(st, r[i][0], r[i][1], &b) == SHOP_OK);
        int d = kpi_diff(&a, &b);
        if (d)
            fprintf(stderr, "  kpi range %zu: %d numbers differ\n", i, d);
        CHECK(d == 0);
        if (i < 3)
            CHECK(a.items_sold > 0 && a.sessions > 0 && a.customers_buying > 0);
        store_kpi_release(&a);
        store_kpi_release(&b);
    }
}

/* shopper check's comparison of every daily aggregate with the rows: nothing off */
static void aggregates_match_rows(struct store *st)
{
    struct store_check c;
    CHECK(store_check_run(st, &c) == SHOP_OK);
    for (int i = 0; i < 6; i++) {
        if (c.aggregates_off[i])
            fprintf(stderr, "  aggregate %d: %lld rows off\n", i, (long long)c.aggregates_off[i]);
        CHECK(c.aggregates_off[i] == 0);
    }
}

static void sql(sqlite3 *db, const char *q)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, q, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "  sql: %s: %s\n", q, err ? err : "?");
    sqlite3_free(err);
    CHECK(rc == SQLITE_OK);
}

static int64_t revenue_all(struct store *st)
{
    struct store_kpi k;
    CHECK(store_kpi_get(st, 0, KPI_OPEN_END, &k) == SHOP_OK);
    int64_t r = k.revenue_cents;
    store_kpi_release(&k);
    return r;
}

static void aggregates_agree_with_the_rows(void)
{
    struct store *st = test_simulated_store("kagg.db", 150, 24, 21, 5, 0.2, NULL);
    int64_t first = store_meta_int(st, "sim.first_day", -1);
    CHECK(first > 0);
    agree_on_ranges(st, first, 21);

    /* new sales, live: a purchase on a session that started two days earlier (it converts
     * that day), a new session with a try-on, a purchase and an emotion event on the next
     * day after the simulation, each through the store's own functions */
    struct store_item *items;
    size_t n;
    CHECK(store_items_in_stock(st, &items, &n) == SHOP_OK && n >= 2);
    int64_t before = revenue_all(st);
    int64_t day = first + 21;
    struct store_session old = {.customer_id = 1, .started_at = (day - 2) * 86400 + 36000,
                                .ended_at = (day - 2) * 86400 + 37000};
    CHECK(store_session_add(st, &old) == SHOP_OK);
    struct store_session s = {.customer_id = 2, .started_at = day * 86400 + 40000,
                              .ended_at = day * 86400 + 41000};
    CHECK(store_session_add(st, &s) == SHOP_OK);
    CHECK(store_tryon_add(st, s.id, items[0].id, s.started_at + 60) == SHOP_OK);
    struct store_line l1[1] = {{items[0].id, items[0].product_id, 5000, 4500, 0.1}};
    struct store_line l2[1] = {{items[1].id, items[1].product_id, 3000, 3000, 0}};
    int64_t pid;
    CHECK(store_begin(st) == SHOP_OK); /* a checkout: sold items and the purchase together */
    for (int i = 0; i < 2; i++) {
        struct store_item it = items[i];
        it.sold = 1;
        it.sold_at = s.started_at + 600;
        CHECK(store_item_update(st, &it) == SHOP_OK);
    }
    CHECK(store_purchase_add(st, s.id, 2, s.started_at + 600, l1, 1, &pid) == SHOP_OK);
    CHECK(store_purchase_add(st, old.id, 1, s.started_at + 700, l2, 1, &pid) == SHOP_OK);
    CHECK(store_commit(st) == SHOP_OK);
    struct store_emotion_event e = {.session_id = s.id, .customer_id = 2, .at = s.started_at + 90,
                                    .score = 70};
    snprintf(e.grp, sizeof(e.grp), "frustration");
    snprintf(e.dominant, sizeof(e.dominant), "angry");
    CHECK(store_emotion_event_add(st, &e) == SHOP_OK);
    free(items);
    CHECK(revenue_all(st) == before + 7500);
    agree_on_ranges(st, first, 22);
    /* a failed purchase (item already sold) changes no aggregate */
    CHECK(store_purchase_add(st, s.id, 2, s.started_at + 800, l1, 1, &pid) == SHOP_ECONFLICT);
    CHECK(revenue_all(st) == before + 7500);
    agree_on_ranges(st, first, 22);
    aggregates_match_rows(st);
    store_close(st);
}

/* Another program writes the rows with plain SQL (a sqlite3 shell): inserts, moves, refunds,
 * deletions and an erasure of a customer, with foreign keys on and off. The aggregates follow
 * each, and the store's aggregated answers still equal the ones from the rows. */
static void raw_sql_writers_keep_them(void)
{
    char *path;
    struct store *st = test_simulated_store("kraw.db", 120, 20, 14, 11, 0.2, &path);
    int64_t first = store_meta_int(st, "sim.first_day", -1);
    CHECK(first > 0);
    aggregates_match_rows(st);
    int64_t before = revenue_all(st);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sql(db, "PRAGMA foreign_keys = ON");
    char q[2048];
    /* a new session, mid-day 3, bought twice: two in-stock items, then one more */
    int64_t t = (first + 3) * 86400 + 13 * 3600;
    snprintf(q, sizeof(q),
             "BEGIN;"
             "INSERT INTO sessions(id, customer_id, started_at, ended_at) "
             "VALUES (900001, 7, %lld, %lld);"
             "INSERT INTO tryons(session_id, item_id, tried_at) SELECT 900001, id, %lld "
             "FROM items WHERE status = 'in_stock' ORDER BY id LIMIT 3;"
             "INSERT INTO purchases(id, session_id, customer_id, purchased_at, total_cents) "
             "VALUES (900001, 900001, 7, %lld, 0);"
             "INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, "
             "price_cents) SELECT 900001, id, product_id, 2500, 2000 FROM items "
             "WHERE status = 'in_stock' ORDER BY id LIMIT 2;"
             "UPDATE items SET status = 'sold', sold_at = %lld WHERE id IN "
             "(SELECT item_id FROM purchase_lines WHERE purchase_id = 900001);"
             "UPDATE purchases SET total_cents = 4000 WHERE id = 900001;"
             "INSERT INTO purchases(id, session_id, customer_id, purchased_at, total_cents) "
             "VALUES (900002, 900001, 7, %lld, 1500);"
             "INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, "
             "price_cents) SELECT 900002, id, product_id, 1500, 1500 FROM items "
             "WHERE status = 'in_stock' ORDER BY id LIMIT 1;"
             "UPDATE items SET status = 'sold', sold_at = %lld WHERE id IN "
             "(SELECT item_id FROM purchase_lines WHERE purchase_id = 900002);"
             "COMMIT",
             (long long)t, (long long)t + 900, (long long)t + 60, (long long)t + 600,
             (long long)t + 600, (long long)t + 700, (long long)t + 700);
    sql(db, q);
    CHECK(revenue_all(st) == before + 5500);
    agree_on_ranges(st, first, 14);
    aggregates_match_rows(st);

    /* moved to another day and another customer; a line repriced, another moved to the
     * other purchase */
    snprintf(q, sizeof(q),
             "UPDATE purchases SET purchased_at = purchased_at + 2 * 86400 + 3600 "
             "WHERE id = 900002;"
             "UPDATE purchases SET customer_id = 8 WHERE id = 900001;"
             "UPDATE purchase_lines SET price_cents = 1800 WHERE id = "
             "(SELECT min(id) FROM purchase_lines WHERE purchase_id = 900001);"
             "UPDATE purchase_lines SET purchase_id = 900002 WHERE id = "
             "(SELECT max(id) FROM purchase_lines WHERE purchase_id = 900001);"
             "UPDATE tryons SET tried_at = tried_at - 86400 WHERE id = (SELECT max(id) FROM "
             "tryons);"
             "UPDATE sessions SET started_at = started_at - 86400 WHERE id = 900001");
    sql(db, q);
    CHECK(revenue_all(st) == before + 5300);
    agree_on_ranges(st, first, 14);
    aggregates_match_rows(st);

    /* a refund of one line, then of a whole purchase; a try-on and a session without
     * purchases deleted */
    sql(db, "BEGIN;"
            "UPDATE items SET status = 'in_stock', sold_at = NULL WHERE id = (SELECT max(item_id) "
            "FROM purchase_lines WHERE purchase_id = 900002);"
            "DELETE FROM purchase_lines WHERE id = (SELECT max(id) FROM purchase_lines "
            "WHERE purchase_id = 900002);"
            "UPDATE items SET status = 'in_stock', sold_at = NULL WHERE id IN (SELECT item_id "
            "FROM purchase_lines WHERE purchase_id = 900001);"
            "DELETE FROM purchase_lines WHERE purchase_id = 900001;"
            "DELETE FROM purchases WHERE id = 900001;"
            "DELETE FROM tryons WHERE id = (SELECT min(id) FROM tryons);"
            "DELETE FROM sessions WHERE id = (SELECT min(s.id) FROM sessions s WHERE NOT EXISTS "
            "(SELECT 1 FROM purchases p WHERE p.session_id = s.id) AND NOT EXISTS (SELECT 1 "
            "FROM tryons t WHERE t.session_id = s.id) AND NOT EXISTS (SELECT 1 FROM carts c "
            "WHERE c.session_id = s.id));"
            "COMMIT");
    agree_on_ranges(st, first, 14);
    aggregates_match_rows(st);

    /* a customer erased: the purchases stay, without a customer (ON DELETE SET NULL) */
    int64_t buyers_before;
    {
        struct store_kpi k;
        CHECK(store_kpi_get(st, 0, KPI_OPEN_END, &k) == SHOP_OK);
        buyers_before = k.customers_buying;
        store_kpi_release(&k);
    }
    sql(db, "DELETE FROM customers WHERE id = 8");
    {
        struct store_kpi k;
        CHECK(store_kpi_get(st, 0, KPI_OPEN_END, &k) == SHOP_OK);
        CHECK(k.customers_buying == buyers_before - 1);
        store_kpi_release(&k);
    }
    agree_on_ranges(st, first, 14);
    aggregates_match_rows(st);

    /* foreign keys off (the sqlite3 shell's default): a line before its purchase, an item
     * deleted under its try-ons */
    sql(db, "PRAGMA foreign_keys = OFF");
    snprintf(q, sizeof(q),
             "INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, "
             "price_cents) SELECT 900003, id, product_id, 999, 999 FROM items "
             "WHERE status = 'in_stock' ORDER BY id DESC LIMIT 1;"
             "INSERT INTO purchases(id, session_id, customer_id, purchased_at, total_cents) "
             "VALUES (900003, 900001, 9, %lld, 999);"
             "DELETE FROM items WHERE id = (SELECT max(item_id) FROM tryons);",
             (long long)(first + 5) * 86400 + 7 * 3600);
    sql(db, q);
    agree_on_ranges(st, first, 14);
    aggregates_match_rows(st);
    sqlite3_close(db);
    store_close(st);
    free(path);
}

/* a database from before the daily aggregates upgrades and gets them built from its rows */
static void old_database_gets_its_aggregates(void)
{
    char *path;
    struct store *st = test_simulated_store("kold.db", 80, 16, 14, 9, 0.2, &path);
    int64_t first = store_meta_int(st, "sim.first_day", -1);
    store_close(st);
    /* undo the daily-aggregates migration (migrations[2], version 2 -> 3) and the ones after
     * it (their columns, index, data generations: the upgrade adds them again) */
    char version[64];
    snprintf(version, sizeof(version), "PRAGMA user_version = %d", 2);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, version, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "ALTER TABLE emotion_events DROP COLUMN peak_score; "
                       "ALTER TABLE emotion_events DROP COLUMN peak_dominant; "
                       "ALTER TABLE privacy_audit DROP COLUMN state; "
                       "ALTER TABLE privacy_audit DROP COLUMN completed_at; "
                       "DROP TABLE kpi_days; DROP TABLE kpi_product_days; "
                       "DROP TABLE kpi_emotion_days; DROP TABLE floor_days; "
                       "DROP TABLE floor_zone_days; DROP TABLE floor_transition_days; "
                       "DELETE FROM heatmaps; DROP INDEX purchases_session; "
                       "DROP INDEX heatmaps_scope; DROP INDEX purchases_time; "
                       "DROP INDEX items_in_stock; DROP INDEX tryons_time; "
                       "DROP INDEX alert_resolutions_alert; DROP INDEX tryons_item; "
                       "DROP TABLE kpi_customer_days; DROP TABLE kpi_buyer_days; "
                       "DROP TABLE kpi_stock; DROP INDEX emotion_events_sessions; "
                       "CREATE INDEX purchases_time ON purchases(purchased_at)",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'", -1,
                             &q, NULL) == SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char drop[128];
        snprintf(drop, sizeof(drop), "DROP TRIGGER \"%s\"", sqlite3_column_text(q, 0));
        CHECK(sqlite3_exec(db, drop, NULL, NULL, NULL) == SQLITE_OK);
    }
    sqlite3_finalize(q);
    CHECK(sqlite3_exec(db, "DROP TABLE data_gens", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
    CHECK(test_sql_num(path, "SELECT count(*) FROM kpi_days") > 0);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") > 0);
    agree_on_ranges(st, first, 14);
    /* the floor days are built on the first whole-store heatmap, equal to the rows' answer */
    struct floor_params p;
    floor_params_default(&p);
    struct floor_result a, b;
    CHECK(floor_heatmap(st, &p, &a) == SHOP_OK);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") == 0);
    CHECK(test_sql_num(path, "SELECT count(*) FROM heatmaps WHERE scope = 'day'") > 0);
    floor_result_release(&a);
    CHECK(floor_heatmap(st, &p, &a) == SHOP_OK); /* now from the saved days */
    p.from_rows = 1;
    CHECK(floor_heatmap(st, &p, &b) == SHOP_OK);
    CHECK(a.positions == b.positions && a.positions > 0 && a.sessions == b.sessions);
    CHECK_NEAR(heatmap_sum(a.hm), heatmap_sum(b.hm), 1e-6 * heatmap_sum(b.hm));
    for (int z = 0; z < a.stats.nzones; z++)
        CHECK(a.stats.visits[z] == b.stats.visits[z]);
    floor_result_release(&a);
    floor_result_release(&b);
    store_close(st);
    free(path);
}

/* A v6 store (its sales aggregates counted by the C code of the time, so a purchase written
 * by raw SQL left them behind) upgrades to v7: the aggregates are rebuilt from the rows, the
 * triggers are those of a new store, and the answers equal the rows' again. */
static void v6_store_upgrades(void)
{
    char *path;
    struct store *st = test_simulated_store("kv6.db", 80, 16, 10, 13, 0.2, &path);
    int64_t first = store_meta_int(st, "sim.first_day", -1);
    store_close(st);
    const char *ntrig = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                        "name LIKE 'agg_%'";
    double triggers = test_sql_num(path, ntrig);
    CHECK(triggers >= 18);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                 "name LIKE 'agg_%' AND name NOT LIKE 'agg_emotion_events_%'",
                             -1, &q, NULL) == SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char drop[128];
        snprintf(drop, sizeof(drop), "DROP TRIGGER \"%s\"", sqlite3_column_text(q, 0));
        sql(db, drop);
    }
    sqlite3_finalize(q);
    char ins[1024];
    snprintf(ins, sizeof(ins),
             "DROP TABLE kpi_customer_days; DROP TABLE kpi_buyer_days; DROP INDEX tryons_item;"
             "DROP TABLE kpi_stock; DROP INDEX emotion_events_sessions;"
             "PRAGMA user_version = 6;"
             "INSERT INTO purchases(id, session_id, customer_id, purchased_at, total_cents) "
             "VALUES (800001, 1, 3, %lld, 700);"
             "INSERT INTO purchase_lines(purchase_id, item_id, product_id, list_cents, "
             "price_cents) SELECT 800001, id, product_id, 700, 700 FROM items "
             "WHERE status = 'in_stock' ORDER BY id LIMIT 1;"
             "UPDATE items SET status = 'sold' WHERE id = (SELECT item_id FROM purchase_lines "
             "WHERE purchase_id = 800001)",
             (long long)(first + 4) * 86400 + 5000);
    sql(db, ins);
    sqlite3_close(db);
    double kpi_rev = test_sql_num(path, "SELECT sum(revenue_cents) FROM kpi_days");
    double rows_rev = test_sql_num(path, "SELECT sum(price_cents) FROM purchase_lines");
    CHECK(rows_rev == kpi_rev + 700); /* behind, as v6 was */
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(store_schema_version(st) == 7);
    CHECK(test_sql_num(path, ntrig) == triggers);
    CHECK(test_sql_num(path, "SELECT sum(revenue_cents) FROM kpi_days") == rows_rev);
    CHECK(test_sql_num(path, "SELECT count(*) FROM kpi_buyer_days") > 0);
    CHECK(test_sql_num(path, "SELECT count(*) FROM kpi_customer_days") > 0);
    aggregates_match_rows(st);
    agree_on_ranges(st, first, 10);
    store_close(st);
    free(path);
}

void test_kpi(void)
{
    RUN(numbers_are_exact);
    RUN(empty_store_has_no_nan);
    RUN(aggregates_agree_with_the_rows);
    RUN(raw_sql_writers_keep_them);
    RUN(v6_store_upgrades);
    RUN(old_database_gets_its_aggregates);
}
