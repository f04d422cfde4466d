#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

static struct sim_config small(int64_t days)
{
    struct sim_config c;
    sim_config_default(&c);
    c.customers = 60;
    c.products = 16;
    c.days = days;
    c.seed = 7;
    return c;
}

static struct store *sim_into(const char *path, const struct sim_config *c, struct sim_report *r)
{
    struct store *st;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    CHECK(sim_run(st, c, r) == SHOP_OK);
    return st;
}

static uint64_t digest_of(struct store *st)
{
    uint64_t d = 0;
    CHECK(store_digest(st, &d) == SHOP_OK);
    return d;
}

#define sql_num test_sql_num

static void invariants_hold(void)
{
    char *path = test_tmp_path("inv.db");
    struct sim_config c = small(45);
    struct sim_report r;
    struct store *st = sim_into(path, &c, &r);
    CHECK(r.sessions > 100 && r.purchases > 50 && r.positions > 1000 && r.events > 0);
    struct store_check k;
    CHECK(store_check_run(st, &k) == SHOP_OK);
    CHECK(k.integrity_ok);
    CHECK(k.fk_violations == 0);
    CHECK(k.sold_twice == 0 && k.sold_not_marked == 0 && k.marked_not_sold == 0);
    CHECK(k.bad_totals == 0 && k.empty_purchases == 0);
    CHECK(k.foreign_sessions == 0);
    CHECK(k.outside_positions == 0);
    CHECK(k.negative_stock == 0);
    struct store_stats s;
    CHECK(store_stats(st, &s) == SHOP_OK);
    CHECK(s.revenue_cents == r.revenue_cents);
    CHECK(s.items_sold == r.lines);
    store_close(st);
    /* oracles in plain SQL */
    CHECK(sql_num(path, "SELECT count(*) FROM purchases p JOIN sessions s ON s.id = p.session_id "
                        "WHERE s.customer_id <> p.customer_id") == 0);
    CHECK(sql_num(path, "SELECT count(*) FROM (SELECT item_id FROM purchase_lines GROUP BY "
                        "item_id HAVING count(*) > 1)") == 0);
    CHECK(sql_num(path, "SELECT min(x) FROM positions") >= 0);
    CHECK(sql_num(path, "SELECT max(x) FROM positions") <= 20);
    CHECK(sql_num(path, "SELECT max(y) FROM positions") <= 14);
    /* 16 products: 4 categories x 2 genders, prices 20-120, cost 40-60 % */
    CHECK(sql_num(path, "SELECT count(DISTINCT category || gender) FROM products") == 8);
    CHECK(sql_num(path, "SELECT min(base_price_cents) FROM products") >= 1900);
    CHECK(sql_num(path, "SELECT max(base_price_cents) FROM products") <= 12000);
    CHECK(sql_num(path, "SELECT count(*) FROM products WHERE cost_cents < 0.4 * base_price_cents "
                        "- 1 OR cost_cents > 0.6 * base_price_cents + 1") == 0);
    /* items sold while in stock: sold after received */
    CHECK(sql_num(path, "SELECT count(*) FROM items WHERE sold_at < received_at") == 0);
    /* frustration events raise alerts */
    CHECK(sql_num(path, "SELECT count(*) FROM emotion_events WHERE grp = 'frustration'") ==
          sql_num(path, "SELECT count(*) FROM alerts"));
    free(path);
}

static void same_seed_same_database(void)
{
    char *a = test_tmp_path("a.db"), *b = test_tmp_path("b.db"), *c = test_tmp_path("c.db");
    struct sim_config cfg = small(20);
    struct sim_report r;
    struct store *sa = sim_into(a, &cfg, &r), *sb = sim_into(b, &cfg, &r);
    CHECK(digest_of(sa) == digest_of(sb));
    cfg.seed = 8;
    struct store *sc = sim_into(c, &cfg, &r);
    CHECK(digest_of(sa) != digest_of(sc));
    store_close(sa);
    store_close(sb);
    store_close(sc);
    free(a);
    free(b);
    free(c);
}

static void continuing_equals_one_run(void)
{
    char *a = test_tmp_path("one.db"), *b = test_tmp_path("two.db");
    struct sim_config cfg = small(24);
    struct sim_report r;
    struct store *sa = sim_into(a, &cfg, &r);
    cfg.days = 10;
    struct store *sb = sim_into(b, &cfg, &r);
    int64_t first_items = r.items_added;
    cfg.days = 14;
    CHECK(sim_run(sb, &cfg, &r) == SHOP_OK);
    CHECK(r.customers_added == 0 && r.products_added == 0);
    CHECK(r.items_added < first_items); /* kept the inventory: only restocked */
    CHECK(digest_of(sa) == digest_of(sb));
    store_close(sa);
    store_close(sb);
    /* ids continue: no collisions, one row per tag */
    CHECK(sql_num(b, "SELECT count(*) - count(DISTINCT rfid) FROM items") == 0);
    free(a);
    free(b);
}

static void restocks_weekly(void)
{
    char *path = test_tmp_path("w.db");
    struct sim_config cfg = small(40); /* 2026-01-01 is a Thursday */
    struct sim_report r;
    struct store *st = sim_into(path, &cfg, &r);
    store_close(st);
    /* receipts on the opening day and on Mondays only (day % 7 == 4 is a Monday) */
    CHECK(sql_num(path, "SELECT count(*) FROM items WHERE received_at / 86400 <> 20454 "
                        "AND (received_at / 86400) % 7 <> 4") == 0);
    CHECK(sql_num(path, "SELECT count(DISTINCT received_at / 86400) FROM items") >= 5);
    /* stock at opening never negative and never empty for long */
    CHECK(sql_num(path, "SELECT min(stock_start) FROM daily_prices") >= 0);
    free(path);
}

static void heat_where_people_go(void)
{
    char *path = test_tmp_path("h.db");
    struct sim_config cfg = small(20);
    struct sim_report r;
    struct store *st = sim_into(path, &cfg, &r);
    store_close(st);
    /* the fitting rooms, checkout and 1.5 m around the product spots cover well under half of
     * the floor but hold most of the positions */
    double near = sql_num(path,
                          "SELECT count(*) FROM positions p WHERE "
                          "(p.x <= 8 AND p.y BETWEEN 6 AND 11) OR (p.x >= 12 AND p.y <= 5) OR "
                          "EXISTS (SELECT 1 FROM products q WHERE (q.x - p.x) * (q.x - p.x) + "
                          "(q.y - p.y) * (q.y - p.y) <= 2.25)");
    double all = sql_num(path, "SELECT count(*) FROM positions");
    CHECK(all > 0 && near / all > 0.6);
    /* nobody walks through walls: never in the front display right after the fitting rooms
     * without passing the aisle (consecutive samples of a session are close) */
    CHECK(sql_num(path, "SELECT max(abs(a.x - b.x) + abs(a.y - b.y)) FROM positions a JOIN "
                        "positions b ON a.session_id = b.session_id AND b.t = a.t + 5") < 10);
    free(path);
}

static void demand_is_known(void)
{
    char *path = test_tmp_path("d.db");
    struct sim_config cfg = small(60);
    cfg.customers = 400;
    struct sim_report r;
    struct store *st = sim_into(path, &cfg, &r);
    struct sim_demand *d;
    CHECK(sim_demand_open(st, &d) == SHOP_OK);
    CHECK(sim_demand_products(d) == 16);
    struct store_product *ps;
    size_t np;
    CHECK(store_products(st, &ps, &np) == SHOP_OK);
    /* demand falls with price, rises with a promotion */
    double lo = sim_demand_units(d, ps[0].id, r.first_day, ps[0].base_price_cents * 8 / 10, 0);
    double mid = sim_demand_units(d, ps[0].id, r.first_day, ps[0].base_price_cents, 0);
    double hi = sim_demand_units(d, ps[0].id, r.first_day, ps[0].base_price_cents * 12 / 10, 0);
    CHECK(lo > mid && mid > hi && hi > 0);
    CHECK(sim_demand_units(d, ps[0].id, r.first_day, ps[0].base_price_cents, 1) > mid);
    CHECK(sim_demand_units(d, 9999, r.first_day, 1000, 0) < 0);
    /* the expected units at each day's recorded prices add up to what the simulation sold
     * (plus the sales lost to empty shelves) */
    sqlite3 *db;
    sqlite3_stmt *s;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "SELECT day, product_id, price_cents, discount FROM daily_prices",
                             -1, &s, NULL) == SQLITE_OK);
    double expected = 0;
    while (sqlite3_step(s) == SQLITE_ROW)
        expected += sim_demand_units(d, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 0),
                                     sqlite3_column_int64(s, 2), sqlite3_column_double(s, 3) > 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    double actual = (double)(r.lines + r.lost_sales);
    CHECK(actual > 1000);
    CHECK_NEAR(actual / expected, 1.0, 0.06);
    free(ps);
    sim_demand_free(d);
    store_close(st);
    free(path);
}

static void failure_leaves_store_unchanged(void)
{
    char *path = test_tmp_path("f.db");
    struct sim_config cfg = small(10);
    struct sim_report r;
    struct store *st = sim_into(path, &cfg, &r);
    uint64_t before = digest_of(st);
    store_close(st);
    /* make the 5th emotion event of the next run fail */
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TRIGGER boom BEFORE INSERT ON emotion_events WHEN (SELECT count(*) "
                       "FROM emotion_events) >= 20 BEGIN SELECT RAISE(ABORT, 'boom'); END",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    cfg.days = 30;
    cfg.customers = 80;
    CHECK(sim_run(st, &cfg, &r) != SHOP_OK);
    CHECK(digest_of(st) == before);
    CHECK(store_meta_int(st, "sim.last_day", 0) == r.first_day - 1);
    store_close(st);
    free(path);
}

static void bad_config_refused(void)
{
    struct sim_config c = small(10);
    char msg[128];
    CHECK(sim_config_check(&c, msg, sizeof(msg)) == SHOP_OK);
    c.customers = 0;
    CHECK(sim_config_check(&c, msg, sizeof(msg)) == SHOP_EINVAL);
    c = small(10);
    c.tracked_share = 1.5;
    CHECK(sim_config_check(&c, msg, sizeof(msg)) == SHOP_EINVAL);
    c = small(0);
    CHECK(sim_config_check(&c, msg, sizeof(msg)) == SHOP_EINVAL);
}

struct ticks {
    int64_t calls, last_done, last_total, backwards;
};

static void tick(void *ctx, int64_t done, int64_t total)
{
    struct ticks *t = ctx;
    t->backwards += done < t->last_done;
    t->calls++;
    t->last_done = done;
    t->last_total = total;
}

/* the library reports progress through the caller's callback and draws nothing itself */
static void reports_progress(void)
{
    char *path = test_tmp_path("progress.db");
    struct sim_config c = small(5);
    struct ticks t = {0};
    c.progress = tick;
    c.progress_ctx = &t;
    struct sim_report r;
    struct store *st = sim_into(path, &c, &r);
    CHECK(t.calls == 5 && t.last_done == 5 && t.last_total == 5 && t.backwards == 0);
    store_close(st);
    free(path);
}

void test_sim(void)
{
    RUN(invariants_hold);
    RUN(same_seed_same_database);
    RUN(continuing_equals_one_run);
    RUN(restocks_weekly);
    RUN(heat_where_people_go);
    RUN(demand_is_known);
    RUN(failure_leaves_store_unchanged);
    RUN(bad_config_refused);
    RUN(reports_progress);
}
